"""Retention of discipline records (rule `discipline.retention`, in years): what is due for deletion, why, what
stands in the way, and the deletion itself — by a background job, one record at a time, each an audit event that
names the record by its number and says what went with it, never its content.

Due:
- a portal report not accepted, `report_not_accepted` years after it was received;
- a clue that is closed, referred or a repeated report, `clue_with_measure` years after it was closed (else referred,
  else registered) when an outcome of it counts under one of the four forms, `clue_without_measure` years otherwise.

Never deleted: a clue whose case is not closed, a clue whose original or any of whose repeated reports is still open
or under an open case. A clue goes with its case, its outcomes (so the four-forms statistics of those years change),
its portal report with the report's messages and attachments — whose files leave the storage too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.lib.dates import add_years
from qinglian.core.models import Job
from qinglian.core.rules import rule_value
from qinglian.discipline.models import Case, Clue, Outcome, Report, ReportAttachment
from qinglian.discipline.permissions import RETENTION
from qinglian.discipline.vocab import OPEN_CLUE_STATUSES, CaseStage, ClueStatus, ReportStatus
from qinglian.orgs import access
from qinglian.orgs.models import Organisation

JOB_KIND = "discipline.retention"
ENDED_STATUSES = (ClueStatus.CLOSED, ClueStatus.REFERRED, ClueStatus.REPEATED)
CLUE, REPORT = "clue", "report"
RULE_LABELS = {
    "report_not_accepted": gettext_lazy("Report not accepted"),
    "clue_without_measure": gettext_lazy("Clue without a measure"),
    "clue_with_measure": gettext_lazy("Clue with a measure counted in the four forms"),
}


def retention_years(org_path: str, on: date) -> dict:
    return rule_value("discipline.retention", org_path=org_path, on=on)


def rule_for(user, *, today: date | None = None) -> dict | None:
    """The retention years at the top of the user's retention scope (for the page's explanation)."""
    paths = sorted(g.path for g in access.grants(user) if RETENTION in g.permissions)
    return retention_years(paths[0], today or timezone.localdate()) if paths else None


def _in_scope(user, model) -> Q:
    return access.scope_q(user, RETENTION, model=model)


def _orgs(queryset) -> list[Organisation]:
    ids = queryset.order_by().values_list("organisation_id", flat=True).distinct()
    return list(Organisation.objects.filter(pk__in=ids))


def _measured():
    return Exists(Outcome.objects.filter(clue=OuterRef("pk"), form__isnull=False))


def _base():
    return Coalesce("closed_on", "referred_on", TruncDate("created_at"), output_field=DateField())


def clues_ended(user) -> QuerySet[Clue]:
    """Closed, referred and repeated clues where the user holds discipline.retention, with `measured` (an outcome
    counts in the four forms) and `ended_on` (closed, else referred, else registered)."""
    return (
        Clue.objects.filter(_in_scope(user, Clue), status__in=ENDED_STATUSES)
        .annotate(measured=_measured(), ended_on=_base())
        .select_related("organisation")
    )


def clues_due(user, *, today: date | None = None) -> QuerySet[Clue]:
    """The ended clues whose retention period has passed, by the rule of each clue's unit."""
    today = today or timezone.localdate()
    ended = clues_ended(user)
    q = Q(pk__in=[])
    for org in _orgs(ended):
        years = retention_years(org.path, today)
        with_cut = add_years(today, -int(years["clue_with_measure"]))
        without_cut = add_years(today, -int(years["clue_without_measure"]))
        q |= Q(organisation_id=org.pk) & (
            Q(measured=True, ended_on__lte=with_cut) | Q(measured=False, ended_on__lte=without_cut)
        )
    return ended.filter(q).order_by("ended_on", "pk")


def reports_due(user, *, today: date | None = None) -> QuerySet[Report]:
    """Reports not accepted, received longer ago than the rule's years."""
    today = today or timezone.localdate()
    reports = Report.objects.filter(_in_scope(user, Report), status=ReportStatus.NOT_ACCEPTED).select_related(
        "organisation"
    )
    q = Q(pk__in=[])
    for org in _orgs(reports):
        cut = add_years(today, -int(retention_years(org.path, today)["report_not_accepted"]))
        q |= Q(organisation_id=org.pk, received_at__date__lte=cut)
    return reports.filter(q).order_by("received_at", "pk")


# --- one record: why it is due, what goes with it, what stands in the way ---------------------------------------


@dataclass
class Due:
    """One record due for deletion, as the retention page and the job see it (never its content)."""

    kind: str
    pk: int
    number: str
    organisation: Organisation
    status: str
    ended_on: date
    rule: str
    years: int
    due_on: date
    outcomes: int = 0
    outcome_years: list[int] = field(default_factory=list)
    has_case: bool = False
    attachments: int = 0
    blockers: list[str] = field(default_factory=list)
    obj: object = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def rule_label(self) -> str:
        return str(RULE_LABELS[self.rule])

    @property
    def why(self) -> str:
        return _("{rule}: kept {years} years after {day}; due since {due}.").format(
            rule=self.rule_label, years=self.years, day=self.ended_on.isoformat(), due=self.due_on.isoformat()
        )


def report_label(report: Report) -> str:
    return _("Report no. {pk} of {day}").format(pk=report.pk, day=timezone.localtime(report.received_at).date())


def clue_blockers(clue: Clue) -> list[str]:
    """Why the clue may not be deleted now (empty: nothing stands in the way)."""
    found: list[str] = []
    case = Case.objects.filter(clue=clue).first()
    if case is not None and case.stage != CaseStage.CLOSED:
        found.append(_("Its case {number} is not closed.").format(number=case.number))
    open_cases = Case.objects.exclude(stage=CaseStage.CLOSED)
    if clue.repeat_of_id:
        original = Clue.objects.filter(pk=clue.repeat_of_id).first()
        if original is not None and original.status in OPEN_CLUE_STATUSES:
            found.append(_("It repeats clue {number}, which is still open.").format(number=original.number))
        elif original is not None and open_cases.filter(clue=original).exists():
            found.append(_("It repeats clue {number}, whose case is still open.").format(number=original.number))
    repeats = clue.repeats.all()
    for repeat in repeats.filter(Q(status__in=OPEN_CLUE_STATUSES) | Exists(open_cases.filter(clue=OuterRef("pk")))):
        found.append(_("Its repeated report {number} is still open.").format(number=repeat.number))
    return found


def report_blockers(report: Report) -> list[str]:
    clue = Clue.objects.filter(report=report).first()
    if clue is not None:
        return [_("It became clue {number}: it goes with that clue, not on its own.").format(number=clue.number)]
    return []


def _attachments(report_id: int | None) -> int:
    return ReportAttachment.objects.filter(report_id=report_id).count() if report_id else 0


def clue_due(clue: Clue, *, today: date) -> Due:
    measured = getattr(clue, "measured", None)
    if measured is None:
        measured = clue.outcomes.filter(form__isnull=False).exists()
    ended_on = getattr(clue, "ended_on", None) or clue.closed_on or clue.referred_on or clue.created_at.date()
    rule = "clue_with_measure" if measured else "clue_without_measure"
    years = int(retention_years(clue.organisation.path, today)[rule])
    outcomes = list(clue.outcomes.values_list("decided_on", flat=True))
    return Due(
        kind=CLUE,
        pk=clue.pk,
        number=clue.number,
        organisation=clue.organisation,
        status=clue.get_status_display(),
        ended_on=ended_on,
        rule=rule,
        years=years,
        due_on=add_years(ended_on, years),
        outcomes=len(outcomes),
        outcome_years=sorted({d.year for d in outcomes}),
        has_case=Case.objects.filter(clue=clue).exists(),
        attachments=_attachments(clue.report_id),
        blockers=clue_blockers(clue),
        obj=clue,
    )


def report_due(report: Report, *, today: date) -> Due:
    years = int(retention_years(report.organisation.path, today)["report_not_accepted"])
    received = timezone.localtime(report.received_at).date()
    return Due(
        kind=REPORT,
        pk=report.pk,
        number=report_label(report),
        organisation=report.organisation,
        status=report.get_status_display(),
        ended_on=received,
        rule="report_not_accepted",
        years=years,
        due_on=add_years(received, years),
        attachments=_attachments(report.pk),
        blockers=report_blockers(report),
        obj=report,
    )


def describe_due(items: Iterable, *, today: date | None = None) -> list[Due]:
    """Due rows for clues and reports (a page of them: a few queries each)."""
    today = today or timezone.localdate()
    return [clue_due(o, today=today) if isinstance(o, Clue) else report_due(o, today=today) for o in items]


def _open_case(ref: str):
    return Exists(Case.objects.filter(clue=OuterRef(ref)).exclude(stage=CaseStage.CLOSED))


def blocked_q() -> Q:
    """Clues that may not be deleted now (in one query; `clue_blockers` says why for one clue)."""
    open_repeat = Clue.objects.filter(repeat_of=OuterRef("pk")).filter(
        Q(status__in=OPEN_CLUE_STATUSES) | _open_case("pk")
    )
    return (
        _open_case("pk") | Q(repeat_of__status__in=OPEN_CLUE_STATUSES) | _open_case("repeat_of") | Exists(open_repeat)
    )


@dataclass
class Impact:
    """What deleting a selection changes, said before confirming."""

    clues: int = 0
    reports: int = 0
    cases: int = 0
    outcomes: int = 0
    attachments: int = 0
    outcome_years: list[int] = field(default_factory=list)
    blocked: int = 0
    blocked_rows: list[Due] = field(default_factory=list)

    @property
    def records(self) -> int:
        return self.clues + self.reports


BLOCKED_SHOWN = 50


def impact_of(user, keys: list[tuple[str, int]] | None, *, today: date | None = None) -> Impact:
    """What deleting the picked due records (None: all due) would delete, and which of them would be refused."""
    today = today or timezone.localdate()
    clues, reports = selected(user, keys, today=today)
    free_clues = clues.exclude(blocked_q())
    free_reports = reports.filter(clue__isnull=True)
    blocked = list(clues.filter(blocked_q())[:BLOCKED_SHOWN]) + list(reports.filter(clue__isnull=False)[:BLOCKED_SHOWN])
    outcomes = Outcome.objects.filter(clue__in=free_clues.values("pk"))
    files = ReportAttachment.objects.filter(
        Q(report__in=free_reports.values("pk")) | Q(report__clue__in=free_clues.values("pk"))
    )
    return Impact(
        clues=free_clues.count(),
        reports=free_reports.count(),
        cases=Case.objects.filter(clue__in=free_clues.values("pk")).count(),
        outcomes=outcomes.count(),
        attachments=files.count(),
        outcome_years=sorted({d.year for d in outcomes.values_list("decided_on", flat=True).distinct()}),
        blocked=clues.filter(blocked_q()).count() + reports.filter(clue__isnull=False).count(),
        blocked_rows=describe_due(blocked[:BLOCKED_SHOWN], today=today),
    )


def parse_keys(values: Iterable[str]) -> list[tuple[str, int]]:
    """("clue", 12) from "clue-12"; anything else is left out."""
    keys: list[tuple[str, int]] = []
    for value in values:
        kind, _sep, pk = str(value).partition("-")
        if kind in (CLUE, REPORT) and pk.isdigit() and (kind, int(pk)) not in keys:
            keys.append((kind, int(pk)))
    return keys


def selected(user, keys: list[tuple[str, int]] | None, *, today: date | None = None) -> tuple[QuerySet, QuerySet]:
    """The due clues and reports the user picked (keys), or all that are due (None); what is not due or not the
    user's is left out."""
    today = today or timezone.localdate()
    clues, reports = clues_due(user, today=today), reports_due(user, today=today)
    if keys is not None:
        clues = clues.filter(pk__in=[pk for kind, pk in keys if kind == CLUE])
        reports = reports.filter(pk__in=[pk for kind, pk in keys if kind == REPORT])
    return clues, reports


# --- deleting -----------------------------------------------------------------------------------------------------


def _delete_files(names: list[str], storage) -> None:
    for name in names:
        if name:
            storage.delete(name)


def _drop_report(report: Report) -> int:
    """Delete a report with its messages and attachments; the files leave the storage once the deletion commits."""
    attachments = list(ReportAttachment.objects.filter(report=report))
    if attachments:
        storage = attachments[0].file.storage
        names = [a.file.name for a in attachments]
        transaction.on_commit(lambda: _delete_files(names, storage))
    report.delete()
    return len(attachments)


@transaction.atomic
def retention_delete(*, kind: str, pk: int, actor, today: date | None = None) -> dict:
    """Delete one due record (checked again under a lock: it must still be due, the actor's, and unblocked) and
    write its audit event. Returns what was deleted; ValidationError with the reason when it may not be."""
    today = today or timezone.localdate()
    if kind == CLUE:
        obj = Clue.objects.select_for_update(of=("self",)).select_related("organisation").filter(pk=pk).first()
        due_qs = clues_due(actor, today=today)
    else:
        obj = Report.objects.select_for_update(of=("self",)).select_related("organisation").filter(pk=pk).first()
        due_qs = reports_due(actor, today=today)
    if obj is None or not access.can(actor, RETENTION, obj):
        raise ValidationError(_("This record is no longer there, or not within your organisations."))
    row = clue_due(obj, today=today) if kind == CLUE else report_due(obj, today=today)
    if not due_qs.filter(pk=pk).exists():
        raise ValidationError(
            _("{number} is not due for deletion (due on {day}).").format(number=row.number, day=row.due_on)
        )
    if row.blockers:
        raise ValidationError(
            _("{number} was not deleted: {why}").format(number=row.number, why=" ".join(row.blockers))
        )
    changes = {
        "kind": kind,
        "number": row.number,
        "organisation": obj.organisation.path,
        "rule": row.rule,
        "years": row.years,
        "ended_on": row.ended_on,
    }
    if kind == CLUE:
        outcomes = Outcome.objects.filter(clue=obj)
        changes["outcomes"] = outcomes.count()
        changes["outcome_years"] = row.outcome_years
        outcomes.delete()
        case = Case.objects.filter(clue=obj).first()
        changes["case"] = case.number if case else ""
        if case is not None:
            case.delete()
        report = obj.report
        obj.delete()
        changes["report"] = bool(report)
        changes["attachments"] = _drop_report(report) if report is not None else 0
    else:
        changes["attachments"] = _drop_report(obj)
    # Named by its number only: the audit trail must not keep what the deletion removes.
    audit_record(
        actor=actor,
        action="discipline.retention.delete",
        object_type=f"discipline.{kind}",
        object_id=str(pk),
        object_repr=row.number,
        changes=changes,
        sealed=True,
    )
    return changes


def retention_start(*, actor, keys: list[tuple[str, int]] | None, lang: str) -> Job:
    """Queue the deletion of the picked due records (None: all that are due) as a background job."""
    clues, reports = selected(actor, keys)
    items = [[CLUE, pk] for pk in clues.values_list("pk", flat=True)]
    items += [[REPORT, pk] for pk in reports.values_list("pk", flat=True)]
    if not items:
        raise ValidationError(_("Nothing selected is due for deletion."))
    job = job_create(
        owner=actor,
        kind=JOB_KIND,
        title=_("Deleting {n} discipline records whose retention has ended").format(n=len(items)),
        params={"items": items, "lang": lang, "deleted": [], "refused": []},
    )
    Job.objects.filter(pk=job.pk).update(total=len(items))
    audit_record(actor=actor, action="discipline.retention.start", obj=job, changes={"items": len(items)}, sealed=True)
    from qinglian.discipline.tasks import retention_job

    return job_enqueue(retention_job, job)


def retention_run(*, job: Job, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Work through a retention job's items, each in its own transaction; returns (deleted, refused)."""
    items = job.params.get("items", [])
    deleted: list[str] = []
    refused: list[dict] = []
    for done, (kind, pk) in enumerate(items, start=1):
        try:
            result = retention_delete(kind=kind, pk=pk, actor=job.owner)
        except ValidationError as exc:
            refused.append({"key": f"{kind}-{pk}", "reason": " ".join(exc.messages)})
        else:
            deleted.append(result["number"])
        if progress:
            progress(done, len(items))
    Job.objects.filter(pk=job.pk).update(params={**job.params, "deleted": deleted, "refused": refused})
    return len(deleted), len(refused)


def retention_job_or_none(user, pk) -> Job | None:
    return Job.objects.filter(owner=user, kind=JOB_KIND, pk=pk).first()
