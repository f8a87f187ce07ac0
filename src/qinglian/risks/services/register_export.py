"""The risk register as a workbook: one row per risk point (with its matrix rating and its measures), and one
row per measure on a second sheet. Headers follow the language of the person who asked for it.

A register of a few thousand points is written while the page waits; a larger one by a background job whose
progress the person watches (core.jobs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override, pgettext
from django_tasks import task

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create, job_enqueue, job_fail, job_finish, job_progress
from qinglian.core.models import Job
from qinglian.orgs.models import Organisation
from qinglian.reports.xlsx import Sheet, Styled, write_workbook
from qinglian.risks.models import RiskMeasure, RiskPoint
from qinglian.risks.services import levels

log = logging.getLogger(__name__)
JOB_KIND = "risks.register_export"
# Up to this many points the workbook is written in the request; above it, by a job.
INLINE_MAX = 2000
LEVEL_FILL = {1: "FFCDD2", 2: "FFE0B2", 3: "E3F2FD"}


def _rows(points) -> Iterator[RiskPoint]:
    measures = Prefetch("measures", queryset=RiskMeasure.objects.select_related("owner").order_by("order", "pk"))
    yield from (
        points.select_related("organisation", "post", "post__department", "round")
        .prefetch_related(measures)
        .order_by("organisation__path", "level", "pk")
        .iterator(chunk_size=500)
    )


def register_sheets(points, *, org_path: str) -> list[Sheet]:
    grid = levels.matrix(org_path=org_path)
    criteria = dict(levels.criteria_choices(org_path=org_path))
    likelihood, impact = dict(grid.likelihood), dict(grid.impact)
    measure_rows: list[list] = []

    def listing():
        for point in _rows(points):
            rating = grid.rating(point.likelihood, point.impact)
            measures = list(point.measures.all())
            for m in measures:
                measure_rows.append(
                    [
                        point.organisation.name,
                        point.title,
                        m.text,
                        m.owner.name if m.owner_id else _("(left)"),
                        m.due_on,
                    ]
                )
            yield [
                point.round.title,
                point.organisation.name,
                str(point.post) if point.post_id else "",
                point.get_process_display() if point.process else "",
                point.title,
                point.description,
                point.causes,
                "、".join(str(criteria.get(key, key)) for key in point.criteria),
                Styled(levels.level_short(point.level), fill=LEVEL_FILL.get(point.level, "")),
                point.level_reason,
                likelihood.get(point.likelihood, point.likelihood),
                impact.get(point.impact, point.impact),
                Styled(rating.label, fill=rating.colour.lstrip("#")),
                "\n".join(f"{n}. {m.text}（{m.owner.name if m.owner_id else '—'}）" for n, m in
                          enumerate(measures, start=1)),
                str(point.get_status_display()),
                point.review_months,
                point.next_review_on,
                _("Yes") if point.needs_review else "",
            ]  # fmt: skip

    def measures():
        yield from measure_rows

    return [
        Sheet(
            title=_("Risk register"),
            headers=[
                pgettext("risk round", "Round"), _("Unit"), pgettext("risk post", "Post"), _("Business process"),
                _("Risk point"), _("Description"), _("Causes"), _("Criteria met"), _("Level"),
                _("Reason for the level"), _("Likelihood"), _("Impact"), _("Rating"),
                _("Prevention and control measures"), _("Status"), _("Review every (months)"), _("Next review"),
                _("To be reviewed"),
            ],
            rows=listing(),
            widths=[18, 20, 16, 18, 30, 40, 30, 30, 8, 24, 10, 10, 8, 50, 10, 8, 12, 8],
        ),
        # Written after the first sheet, whose rows gather these as they go.
        Sheet(
            title=_("Measures"),
            headers=[_("Unit"), _("Risk point"), _("Measure"), _("Owner"), _("In place by")],
            rows=measures(),
            widths=[20, 30, 50, 12, 12],
        ),
    ]  # fmt: skip


def register_export(*, user, org: Organisation, points, out: IO[bytes], progress: Callable | None = None) -> int:
    """Write the points to `out` as a workbook; returns the number of rows written."""
    written = write_workbook(out, register_sheets(points, org_path=org.path), progress=progress)
    audit_record(
        actor=user, action="risks.register_export", obj=org, changes={"points": points.count(), "rows": written}
    )
    return written


def register_job_start(*, owner, org: Organisation, point_ids: list[int], lang: str) -> Job:
    """Create the Job for a large register export and queue its task once the transaction commits."""
    job = job_create(
        owner=owner,
        kind=JOB_KIND,
        title=_("Risk register: {org} (.xlsx)").format(org=org.display_name),
        params={"org": org.pk, "points": point_ids, "lang": lang},
    )
    return job_enqueue(register_export_job, job)


@task()
def register_export_job(job_id: str) -> str:
    """Write a risk register to a file in EXPORT_DIR."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    params = job.params
    with override(params.get("lang") or None):
        try:
            org = Organisation.objects.get(pk=params["org"])
            # The points were chosen (through access control) when the export was asked for.
            points = RiskPoint.objects.filter(pk__in=params["points"])
            settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
            name = f"risk-register-{timezone.now():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.xlsx"

            def report(done: int, total: int | None = None) -> None:
                job_progress(job, done=done, total=total)

            with open(settings.EXPORT_DIR / name, "wb") as out:
                written = register_export(user=job.owner, org=org, points=points, out=out, progress=report)
            job_finish(job, message=_("{n} rows written.").format(n=written), result_file=name, done=written)
        except Exception as exc:
            log.exception("risk register export %s failed", job.pk)
            job_fail(job, message=str(exc))
            raise
    return name
