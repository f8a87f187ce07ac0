"""The yearly evaluation report's contents, read once for the Word document and the workbook alike, and the way a
large one is written by a background job.

A report is of one unit (its layers, indicators, rank and trend) or of the whole organisation of the cycle (every
unit the reader may see, ranked); both quote the latest contribution findings and end with the method: anchors,
weights with who set and froze them, the scoring rules and what the analyses can and cannot say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.models import Job
from qinglian.core.rules import RuleMissing, rule_value
from qinglian.evaluation.models import Cycle, Indicator, Judgment, Score, WeightSet
from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import dashboards
from qinglian.orgs.access import can
from qinglian.orgs.models import Organisation, subtree_q

FORMATS = ("docx", "xlsx")
JOB_KIND = "evaluation.report"
# Up to this many unit scores the file is written while the page waits; above it, by a job.
INLINE_MAX = 300


@dataclass
class Report:
    cycle: Cycle
    organisation: Organisation  # the unit reported on, or the cycle's organisation for the whole
    whole: bool
    scores: list[Score]  # the units in the report, in tree order
    unit: Score | None  # the unit's own score (None for a whole-organisation report without its own)
    ranking: list[dict]  # one ranking per peer group (a unit report: the unit's group only)
    radar: dict | None
    trend: dict | None
    indicators: list[dict]  # the unit's indicators (for the whole organisation: its own score's)
    findings: list[dict]
    weight_set: WeightSet | None
    judgments: list[Judgment]
    catalogue: list[Indicator]  # the indicators in force, for the method appendix
    grades: list[dataclass]
    layer_weights: dict = field(default_factory=dict)
    generated_at: object = None


def report_scope(*, user, cycle: Cycle, org: Organisation | None) -> tuple[Organisation, list[Score], bool]:
    """Who the report is about and which scores it holds; 404 when the reader may not see it."""
    scores = dashboards.scores_visible(user, cycle)
    if org is None:
        if not can(user, VIEW, cycle):
            raise Http404
        return cycle.organisation, scores, True
    if not any(s.organisation_id == org.pk for s in scores):
        raise Http404
    return org, [s for s in scores if s.organisation.path.startswith(org.path)], False


def report_read(*, user, cycle: Cycle, org: Organisation | None = None) -> Report:
    organisation, scores, whole = report_scope(user=user, cycle=cycle, org=org)
    unit = next((s for s in scores if s.organisation_id == organisation.pk), None)
    all_scores = dashboards.scores_visible(user, cycle)
    if whole:
        rankings = [dashboards.ranking(scores, g) for g in dashboards.peer_groups(scores)]
    else:
        rankings = [dashboards.ranking(all_scores, unit.peer_group)] if unit else []
    names = dashboards.indicator_names({c for s in scores for c in (s.detail or {})}, cycle.year)
    catalogue = _catalogue(cycle.year)
    return Report(
        cycle=cycle,
        organisation=organisation,
        whole=whole,
        scores=scores,
        unit=unit,
        ranking=rankings,
        radar=dashboards.radar(unit, all_scores) if unit else None,
        trend=dashboards.trend(user, organisation) if unit else None,
        indicators=dashboards.indicator_rows(unit, {**{i.code: i for i in catalogue}, **names}) if unit else [],
        findings=dashboards.contribution(user, cycle),
        weight_set=cycle.weight_set,
        judgments=list(Judgment.objects.filter(cycle=cycle).select_related("expert").order_by("node", "expert_id")),
        catalogue=catalogue,
        grades=dashboards.bands(cycle),
        layer_weights=_layer_weights(cycle),
        generated_at=timezone.localtime(),
    )


def _catalogue(year: int) -> list[Indicator]:
    found = dashboards.indicator_names(Indicator.objects.values_list("code", flat=True).distinct(), year)
    return sorted(found.values(), key=lambda i: (i.order, i.code))


def _layer_weights(cycle: Cycle) -> dict:
    if cycle.layer_weights:
        return dict(cycle.layer_weights)
    if cycle.weight_set and isinstance(cycle.weight_set.weights, dict):
        return dict(cycle.weight_set.weights.get("layers") or {})
    try:
        return dict(rule_value("evaluation.layers", org_path=cycle.organisation.path) or {})
    except RuleMissing:
        return {}


def file_name(report: Report, fmt: str) -> str:
    who = report.organisation.display_name
    return f"{_('evaluation-report')}-{report.cycle.year}-{who}.{fmt}"


def report_file(report: Report, fmt: str) -> bytes:
    if fmt == "xlsx":
        from qinglian.evaluation.services.report_xlsx import report_xlsx

        return report_xlsx(report)
    from qinglian.evaluation.services.report_docx import report_docx

    return report_docx(report)


def report_export(*, user, cycle: Cycle, org: Organisation | None, fmt: str) -> tuple[bytes, str]:
    """The file and its name, with its audit event."""
    if fmt not in FORMATS:
        raise Http404
    report = report_read(user=user, cycle=cycle, org=org)
    data = report_file(report, fmt)
    audit_record(
        actor=user,
        action="evaluation.report.export",
        obj=cycle,
        changes={"format": fmt, "organisation": report.organisation.pk, "whole": report.whole},
    )
    return data, file_name(report, fmt)


def needs_job(*, user, cycle: Cycle, org: Organisation | None) -> bool:
    scores = dashboards.scores_in_scope(user).filter(cycle=cycle)
    if org is not None:
        scores = scores.filter(subtree_q(org.path, "organisation__"))
    return scores.count() > INLINE_MAX


def report_job_start(*, owner, cycle: Cycle, org: Organisation | None, fmt: str, lang: str) -> Job:
    """Queue a large report; the job's page shows progress and offers the file when done."""
    with transaction.atomic():
        job = job_create(
            owner=owner,
            kind=JOB_KIND,
            title=_("Evaluation report {year} (.{fmt})").format(year=cycle.year, fmt=fmt),
            params={"cycle": cycle.pk, "org": org.pk if org else None, "format": fmt, "lang": lang},
        )
        from qinglian.evaluation.services.report_jobs import report_job

        return job_enqueue(report_job, job)


def report_job_write(job: Job) -> str:
    """Write a job's file into EXPORT_DIR; returns its name."""
    params = job.params
    cycle = Cycle.objects.select_related("organisation").get(pk=params["cycle"])
    org = Organisation.objects.get(pk=params["org"]) if params.get("org") else None
    data, _name = report_export(user=job.owner, cycle=cycle, org=org, fmt=params["format"])
    settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    name = f"evaluation-{cycle.year}-{timezone.now():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.{params['format']}"
    (settings.EXPORT_DIR / name).write_bytes(data)
    return name
