"""Background tasks of rectification: the ledger of a unit as .xlsx or .docx.

The task takes the id of a core Job whose params say which unit, year and format, and in which language to
write; progress goes to the Job, which the waiting page polls.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.jobs import job_create, job_enqueue, job_fail, job_finish, job_progress
from qinglian.core.models import Job
from qinglian.orgs.models import Organisation
from qinglian.rectification.exports import FORMATS, ledger_export

log = logging.getLogger(__name__)
JOB_KIND = "rectification.ledger_export"


def ledger_job_start(*, owner, org: Organisation, year: int | None, fmt: str, lang: str) -> Job:
    """Create the Job for a ledger export and queue its task once the transaction commits."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    period = str(year) if year else _("all years")
    job = job_create(
        owner=owner,
        kind=JOB_KIND,
        title=_("Rectification ledger {period}: {org} (.{fmt})").format(period=period, org=org.display_name, fmt=fmt),
        params={"org": org.pk, "year": year, "format": fmt, "lang": lang},
    )
    return job_enqueue(ledger_export_job, job)


@task()
def ledger_export_job(job_id: str) -> str:
    """Write a unit's rectification ledger to a file in EXPORT_DIR."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    params = job.params
    with override(params.get("lang") or None):
        try:
            org = Organisation.objects.get(pk=params["org"])
            fmt = params["format"]
            year = int(params["year"]) if params.get("year") else None
            settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
            name = f"rectification-ledger-{year or 'all'}-{timezone.now():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.{fmt}"

            def report(done: int, total: int | None = None) -> None:
                job_progress(job, done=done, total=total)

            with open(settings.EXPORT_DIR / name, "wb") as out:
                written = ledger_export(user=job.owner, org=org, year=year, fmt=fmt, out=out, progress=report)
            job_finish(job, message=_("{n} items written.").format(n=written), result_file=name, done=written)
        except Exception as exc:
            log.exception("rectification ledger export %s failed", job.pk)
            job_fail(job, message=str(exc))
            raise
    return name
