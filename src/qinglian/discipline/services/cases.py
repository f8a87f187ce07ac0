"""Cases (立案审查调查): filing on a clue, the stages one after another with their deadlines (rule
`discipline.case_stages`, calendar days), extensions, the decision with its sanctions, transfer to judicial organs,
closing, an appeal, and a rectification item for the reported person's unit on the problem the case found.

Who may do what, among those who may open the clue (services.access): its handlers move a case from one stage to the
next; those who lead discipline inspection over the clue's unit (discipline.lead) also file it, extend a stage, record
the decision, transfer it to judicial organs, close it, hear an appeal and open a rectification item.

Every write locks the clue (flow.lock) and then the case, checks the version the page showed, and writes its
CaseStageRecord or Outcome, the clue's history row and a sealed audit event in one transaction (flow.touch, flow.move).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.rules import rule_value
from qinglian.discipline.models import ApprovalForm, Case, CaseStageRecord, Clue, Outcome
from qinglian.discipline.services import flow
from qinglian.discipline.services.access import can_open, clue_q, is_leader
from qinglian.discipline.services.outcomes import outcome_record
from qinglian.discipline.vocab import CASE_STAGE_ORDER, MEASURE_FAMILY, Family, FormKind, FormStatus, Measure, Method
from qinglian.discipline.vocab import CaseStage as St
from qinglian.discipline.vocab import ClueStatus as S
from qinglian.orgs.services import Conflict

STAGE_RULE = "discipline.case_stages"
EXTENSION_MAX_DAYS = 365
ENDING_SOON_DAYS = 60  # the sanctions list highlights effect periods ending within this many days

PARTY = [m for m, f in MEASURE_FAMILY.items() if f == Family.PARTY]
ADMIN = [m for m, f in MEASURE_FAMILY.items() if f == Family.ADMIN]
ORGANISATIONAL = [m for m, f in MEASURE_FAMILY.items() if f == Family.ORGANISATIONAL]
# A decision holds at most one measure of each of these families.
DECISION_FAMILIES = (Family.PARTY, Family.ADMIN, Family.ORGANISATIONAL)
# The stages from which a case may be transferred to judicial organs, and after which it has a decision.
TRANSFER_STAGES = (St.INVESTIGATION, St.REVIEW, St.DECISION, St.ANNOUNCEMENT, St.EXECUTION)
DECIDED_STAGES = (St.DECISION, St.ANNOUNCEMENT, St.EXECUTION, St.CLOSED, St.APPEAL)
APPEAL_FROM = (St.EXECUTION, St.CLOSED)
KEPT, CHANGED = "kept", "changed"


# --- reading -----------------------------------------------------------------------------------------------


def cases_visible_to(user):
    """Need-to-know: the cases of the clues the user may open."""
    return Case.objects.filter(clue_q(user, "clue__"))


def case_or_404(user, pk):
    """The case the user may open, or 404 (the same answer whether it exists or not)."""
    case = None
    if str(pk).isdigit():
        case = Case.objects.select_related("clue__organisation", "clue__subject_unit").filter(pk=pk).first()
    if case is None or not can_open(user, case.clue):
        raise Http404(_("No such record, or it is not within your organisations."))
    return case


def outcomes_visible_to(user):
    return Outcome.objects.filter(clue_q(user, "clue__"))


def current_outcomes(case: Case):
    """The outcomes of a case in force: those not changed on appeal."""
    return case.outcomes.filter(superseded_by__isnull=True)


def sanctions_in_effect(user, today: date | None = None):
    """Outcomes whose effect period has not ended yet, soonest end first."""
    today = today or timezone.localdate()
    return (
        outcomes_visible_to(user)
        .filter(superseded_by__isnull=True, effect_ends_on__gt=today)
        .order_by("effect_ends_on", "pk")
    )


def stage_days(stage: str, *, org_path: str, on: date) -> int | None:
    """The days a stage may take by the rule in force on the day it starts (None: no deadline)."""
    value = rule_value(STAGE_RULE, org_path=org_path, on=on).get(stage)
    return int(value) if value else None


def stage_due(stage: str, start: date, *, org_path: str) -> date | None:
    days = stage_days(stage, org_path=org_path, on=start)
    return start + timedelta(days=days) if days else None


def next_stage(stage: str) -> str | None:
    """The stage after `stage` in CASE_STAGE_ORDER (None after closing, and for an appeal, which ends otherwise)."""
    if stage not in CASE_STAGE_ORDER or stage == St.CLOSED:
        return None
    return CASE_STAGE_ORDER[CASE_STAGE_ORDER.index(stage) + 1]


def is_overdue(case: Case, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return case.stage != St.CLOSED and case.stage_due_on is not None and case.stage_due_on < today


def overdue(queryset, today: date | None = None):
    """The cases of `queryset` whose current stage is past its deadline."""
    today = today or timezone.localdate()
    return queryset.exclude(stage=St.CLOSED).filter(stage_due_on__lt=today)


def severity(measure: str, form: int | None) -> tuple[int, int]:
    """How heavy a measure is: by its form first, then by its place in the official list (heavier later)."""
    return (form or 0, Measure.values.index(measure) if measure in Measure.values else -1)


def heaviest(outcomes) -> str:
    """The heaviest measure among outcomes (for the clue's `outcome` when its case closes); "" for none."""
    rows = sorted(outcomes, key=lambda o: severity(o.measure, o.form))
    return rows[-1].measure if rows else ""


def proposes_case(clue: Clue) -> bool:
    """Whether the clue's latest approved form proposes filing a case (a filing form, or a proposed 拟立案)."""
    form = (
        ApprovalForm.objects.filter(clue=clue, status=FormStatus.APPROVED)
        .order_by("-decided_at", "-pk")
        .only("kind", "method")
        .first()
    )
    return form is not None and (form.kind == FormKind.FILING or form.method == Method.PROPOSE_CASE)


FILABLE = (S.PROPOSED, S.VERIFYING, S.TALK_INQUIRY)


def may_file(user, clue: Clue) -> bool:
    """A leader over the clue's unit, on a clue without a case whose latest approved form proposes one."""
    return (
        clue.status in FILABLE
        and not Case.objects.filter(clue=clue).exists()
        and is_leader(user, clue)
        and proposes_case(clue)
    )


def actions(user, case: Case) -> dict[str, bool]:
    """What the user may do on the case now (the page shows these forms; the services check again)."""
    lead = is_leader(user, case.clue)
    stage = case.stage
    has_decision = stage in DECIDED_STAGES and current_outcomes(case).exists()
    appealed = case.stages.filter(stage=St.APPEAL).exists()
    linked = current_outcomes(case).filter(rectification_item__isnull=False).exists()
    return {
        "lead": lead,
        "advance": stage not in (St.CLOSED, St.APPEAL, St.EXECUTION),
        "close": lead and stage == St.EXECUTION,
        "extend": lead and stage not in (St.CLOSED, St.FILING) and case.stage_due_on is not None,
        "decide": lead and stage == St.DECISION,
        "transfer": lead and stage in TRANSFER_STAGES and case.judicial_transfer_on is None,
        "appeal": lead and stage in APPEAL_FROM and not appealed and has_decision,
        "appeal_end": lead and stage == St.APPEAL,
        "rectify": lead and has_decision and not linked and case.clue.subject_unit_id is not None,
    }


# --- checks ------------------------------------------------------------------------------------------------


def _lock(case: Case, version: int | None) -> tuple[Case, Clue]:
    """The clue and the case re-read under row locks (clue first, as every clue write does); Conflict when the case
    changed since the page showed `version`."""
    clue = flow.lock(case.clue, None)
    fresh = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this case while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    fresh.clue = clue
    return fresh, clue


def _check_open(actor, clue: Clue) -> None:
    if actor is not None and not can_open(actor, clue):
        raise PermissionDenied(_("Only the clue's handlers and those who lead discipline inspection work on its case."))


def _check_lead(actor, clue: Clue, what: str) -> None:
    if actor is not None and not is_leader(actor, clue):
        raise PermissionDenied(
            _("Only those who lead discipline inspection over the clue's unit may {what}.").format(what=what)
        )


def _day(value: date | None, field: str, *, not_before: date | None = None, before_message: str = "") -> date:
    today = timezone.localdate()
    value = value or today
    if value > today:
        raise ValidationError({field: _("The day cannot be in the future.")})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {field: before_message or _("The day cannot be before {day}.").format(day=not_before.isoformat())}
        )
    return value


def _text(value: str, field: str, message: str, limit: int = 4000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most {n} characters.").format(n=limit)})
    return value


def _stage_label(stage: str) -> str:
    return str(St(stage).label)


def _open_record(case: Case) -> CaseStageRecord | None:
    return case.stages.filter(ended_on__isnull=True).order_by("-started_on", "-pk").first()


def _stage_start(case: Case, stage: str, on: date, *, actor, note: str = "") -> CaseStageRecord:
    """End the current stage on `on` and start `stage` with its deadline by the rule (none for a closed case)."""
    current = _open_record(case)
    if current is not None:
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    due = None if stage == St.CLOSED else stage_due(stage, on, org_path=case.clue.organisation.path)
    record = CaseStageRecord.objects.create(
        case=case, stage=stage, started_on=on, due_on=due, actor=_user(actor), note=note
    )
    case.stage, case.stage_started_on, case.stage_due_on = stage, on, due
    if stage == St.CLOSED:
        case.closed_on = case.closed_on or on
    case.version += 1
    case.save()
    return record


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def case_number_next(clue: Clue, year: int) -> str:
    """The next number of the handling unit's cases filed in `year`: 纪立〔YYYY〕N号."""
    taken = set(
        Case.objects.filter(clue__organisation_id=clue.organisation_id, filed_on__year=year).values_list(
            "number", flat=True
        )
    )
    n = len(taken) + 1
    while f"纪立〔{year}〕{n}号" in taken:
        n += 1
    return f"纪立〔{year}〕{n}号"


# --- filing ------------------------------------------------------------------------------------------------


@transaction.atomic
def case_file(*, clue: Clue, actor, on: date | None = None, number: str = "", version: int | None = None) -> Case:
    """File a case on a clue: the clue becomes "case filed", the case is numbered 纪立〔YYYY〕N号 (unless `number` is
    given) and starts its investigation with the deadline of the rule.

    Called by disposal when a filing form is approved (the clue is re-read under lock, so save it first), and by the
    filing page (`case_file_proposed`). A clue under verification or a talk whose approved report proposed a case goes
    through "disposal awaiting approval" on its way, as the transitions require.
    """
    clue = flow.lock(clue, version)
    existing = Case.objects.filter(clue=clue).first()
    if existing is not None:
        raise ValidationError(_("This clue already has a case: {number}.").format(number=existing.number))
    on = _day(
        on,
        "filed_on",
        not_before=clue.received_on,
        before_message=_("A case cannot be filed before the clue was received ({day}).").format(
            day=clue.received_on.isoformat()
        ),
    )
    number = (number or "").strip()[:40]
    if number and Case.objects.filter(clue__organisation_id=clue.organisation_id, number=number).exists():
        raise ValidationError({"number": _("The number {number} is already taken.").format(number=number)})
    number = number or case_number_next(clue, on.year)
    if clue.status in (S.VERIFYING, S.TALK_INQUIRY):
        with override(settings.LANGUAGE_CODE):
            note = _("The approved report proposes filing a case.")
        clue = flow.move(clue, S.PROPOSED, actor=actor, action="case.propose", note=note)
    if S.CASE not in flow.TRANSITIONS.get(clue.status, set()):
        raise flow.refuse_move(clue, S.CASE)
    due = stage_due(St.INVESTIGATION, on, org_path=clue.organisation.path)
    case = Case.objects.create(
        clue=clue, number=number, filed_on=on, stage=St.INVESTIGATION, stage_started_on=on, stage_due_on=due
    )
    CaseStageRecord.objects.create(case=case, stage=St.FILING, started_on=on, ended_on=on, actor=_user(actor))
    CaseStageRecord.objects.create(case=case, stage=St.INVESTIGATION, started_on=on, due_on=due, actor=_user(actor))
    flow.move(clue, S.CASE, actor=actor, action="case.file", note=number)
    return case


def case_file_proposed(
    *, clue: Clue, actor, on: date | None = None, number: str = "", version: int | None = None
) -> Case:
    """The filing page: a leader files the case that the clue's latest approved form proposed."""
    _check_lead(actor, clue, _("file a case"))
    if not proposes_case(clue):
        raise ValidationError(
            _("No approved form proposes a case on this clue: a case is filed on an approved proposal.")
        )
    return case_file(clue=clue, actor=actor, on=on, number=number, version=version)


# --- stages ------------------------------------------------------------------------------------------------


def _refuse_advance(case: Case, to: str) -> None:
    if case.stage == St.CLOSED:
        raise ValidationError(_("The case is closed: it moves no further (an appeal reopens it)."))
    if case.stage == St.APPEAL:
        raise ValidationError(_("The case is under appeal: the appeal ends with its result, not by moving on."))
    following = next_stage(case.stage)
    label = St(to).label if to in St.values else to
    raise ValidationError(
        {
            "to": _("A case in “{now}” moves on only to “{next}”, not to “{to}”.").format(
                now=_stage_label(case.stage), next=_stage_label(following), to=label
            )
        }
    )


@transaction.atomic
def case_advance(
    *, case: Case, to: str, actor, on: date | None = None, note: str = "", version: int | None = None
) -> Case:
    """Move the case to the next stage (and only there); moving on from execution closes the case (`case_close`)."""
    _check_open(actor, case.clue)
    if to == St.CLOSED:
        _check_lead(actor, case.clue, _("close a case"))
    case, clue = _lock(case, version)
    if to != next_stage(case.stage) or case.stage == St.APPEAL:
        _refuse_advance(case, to)
    if to == St.CLOSED:
        return _close(case, clue, actor=actor, on=on, note=note)
    if case.stage == St.DECISION and not current_outcomes(case).exists():
        raise ValidationError(_("Record the decision before the case moves on to its announcement."))
    on = _day(on, "on", not_before=case.stage_started_on, before_message=_stage_before(case))
    note = (note or "").strip()[:2000]
    _stage_start(case, to, on, actor=actor, note=note)
    flow.touch(clue, "case.advance", actor=actor, note=note, changes={"case": case.number, "stage": to})
    return case


def _stage_before(case: Case) -> str:
    return _("The day cannot be before the current stage started ({day}).").format(
        day=case.stage_started_on.isoformat()
    )


def _close(case: Case, clue: Clue, *, actor, on: date | None, note: str) -> Case:
    _check_lead(actor, clue, _("close a case"))
    if case.stage != St.EXECUTION:
        raise ValidationError(
            _("A case is closed after its execution; this one is in “{stage}”.").format(stage=_stage_label(case.stage))
        )
    on = _day(on, "on", not_before=case.stage_started_on, before_message=_stage_before(case))
    note = (note or "").strip()[:2000]
    _stage_start(case, St.CLOSED, on, actor=actor, note=note)
    measure = heaviest(current_outcomes(case))
    flow.move(clue, S.CLOSED, actor=actor, action="case.close", note=note, fields={"closed_on": on, "outcome": measure})
    return case


@transaction.atomic
def case_close(*, case: Case, actor, on: date | None = None, note: str = "", version: int | None = None) -> Case:
    """Close a case after its execution: the clue is closed with the heaviest measure as its outcome."""
    _check_lead(actor, case.clue, _("close a case"))
    case, clue = _lock(case, version)
    return _close(case, clue, actor=actor, on=on, note=note)


@transaction.atomic
def case_extend(*, case: Case, days: int, reason: str, actor, version: int | None = None) -> Case:
    """Extend the current stage's deadline by `days` calendar days, with the reason recorded on the stage."""
    _check_lead(actor, case.clue, _("extend a stage"))
    case, clue = _lock(case, version)
    if case.stage in (St.CLOSED, St.FILING) or case.stage_due_on is None:
        raise ValidationError(_("Only a stage with a deadline can be extended."))
    if not isinstance(days, int) or days < 1 or days > EXTENSION_MAX_DAYS:
        raise ValidationError({"days": _("Extend by 1 to {n} days.").format(n=EXTENSION_MAX_DAYS)})
    reason = _text(reason, "reason", _("Say why the stage needs more time."), limit=1000)
    record = _open_record(case)
    old = case.stage_due_on
    case.stage_due_on = old + timedelta(days=days)
    case.version += 1
    case.save(update_fields=["stage_due_on", "version"])
    if record is not None:
        record.due_on = case.stage_due_on
        record.extended_days += days
        line = f"{timezone.localdate().isoformat()} +{days}: {reason}"
        record.note = f"{record.note}\n{line}".strip()
        record.save(update_fields=["due_on", "extended_days", "note"])
    flow.touch(
        clue,
        "case.extend",
        actor=actor,
        note=reason,
        changes={"case": case.number, "stage": case.stage, "due": [old, case.stage_due_on], "days": days},
    )
    return case


# --- the decision, judicial transfer -----------------------------------------------------------------------


def _family_taken(case: Case, family: str) -> bool:
    return current_outcomes(case).filter(family=family).exists()


@transaction.atomic
def case_decide(
    *,
    case: Case,
    actor,
    decided_on: date | None,
    party: str = "",
    party_months: int | None = None,
    admin: str = "",
    organisational: str = "",
    note: str = "",
    version: int | None = None,
) -> list[Outcome]:
    """Record the decision on the reported person in the decision stage: at most one Party sanction, one
    administrative sanction and one organisational measure, each an outcome with its form and effect period."""
    _check_lead(actor, case.clue, _("record a decision"))
    case, clue = _lock(case, version)
    if case.stage != St.DECISION:
        raise ValidationError(
            _("A decision is recorded in the decision stage; this case is in “{stage}”.").format(
                stage=_stage_label(case.stage)
            )
        )
    chosen = {"party": party or "", "admin": admin or "", "organisational": organisational or ""}
    allowed = {"party": (PARTY, Family.PARTY), "admin": (ADMIN, Family.ADMIN),
               "organisational": (ORGANISATIONAL, Family.ORGANISATIONAL)}  # fmt: skip
    errors = {}
    for field, measure in chosen.items():
        measures, family = allowed[field]
        if measure and measure not in measures:
            errors[field] = _("“{value}” is not one of these measures.").format(value=measure)
        elif measure and _family_taken(case, family):
            errors[field] = _("This case already has a {kind}: a decision holds only one.").format(
                kind=str(Family(family).label).lower()
            )
    if errors:
        raise ValidationError(errors)
    if not any(chosen.values()):
        raise ValidationError(_("Choose at least one sanction or measure."))
    decided_on = _day(
        decided_on,
        "decided_on",
        not_before=case.filed_on,
        before_message=_("The decision cannot be before the case was filed ({day}).").format(
            day=case.filed_on.isoformat()
        ),
    )
    note = (note or "").strip()[:2000]
    recorded = []
    for field, measure in chosen.items():
        if not measure:
            continue
        try:
            recorded.append(
                outcome_record(
                    clue=clue,
                    case=case,
                    measure=measure,
                    decided_on=decided_on,
                    months=party_months if field == "party" else None,
                    actor=actor,
                    note=note,
                )
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "effect_months" in exc.error_dict:
                raise ValidationError({"party_months": exc.error_dict["effect_months"]}) from None
            raise
    case.version += 1
    case.save(update_fields=["version"])
    flow.touch(
        clue,
        "case.decide",
        actor=actor,
        note=note,
        changes={"case": case.number, "measures": [o.measure for o in recorded], "decided_on": decided_on},
    )
    return recorded


@transaction.atomic
def case_transfer(*, case: Case, on: date | None, actor, note: str = "", version: int | None = None) -> Outcome:
    """Transfer the case to judicial organs (移送司法): recorded once, as an outcome of the fourth form."""
    _check_lead(actor, case.clue, _("transfer a case to judicial organs"))
    case, clue = _lock(case, version)
    if case.judicial_transfer_on is not None:
        raise ValidationError(
            _("The case was already transferred to judicial organs on {day}.").format(
                day=case.judicial_transfer_on.isoformat()
            )
        )
    if case.stage not in TRANSFER_STAGES:
        raise ValidationError(
            _("A case is transferred to judicial organs from its investigation until its execution; this one is in "
              "“{stage}”.").format(stage=_stage_label(case.stage))
        )  # fmt: skip
    on = _day(
        on,
        "on",
        not_before=case.filed_on,
        before_message=_("The transfer cannot be before the case was filed ({day}).").format(
            day=case.filed_on.isoformat()
        ),
    )
    note = (note or "").strip()[:2000]
    outcome = outcome_record(clue=clue, case=case, measure=Measure.JUDICIAL, decided_on=on, actor=actor, note=note)
    case.judicial_transfer_on = on
    case.version += 1
    case.save(update_fields=["judicial_transfer_on", "version"])
    flow.touch(clue, "case.transfer", actor=actor, note=note, changes={"case": case.number, "on": on})
    return outcome


# --- appeal ------------------------------------------------------------------------------------------------


@transaction.atomic
def case_appeal(*, case: Case, on: date | None, grounds: str, actor, version: int | None = None) -> Case:
    """The reported person appeals (申诉) an executed or closed case: the case enters its appeal stage, with the
    deadline of the rule. One appeal per case."""
    _check_lead(actor, case.clue, _("hear an appeal"))
    case, clue = _lock(case, version)
    if case.stage not in APPEAL_FROM:
        raise ValidationError(
            _("An appeal is heard on an executed or closed case; this one is in “{stage}”.").format(
                stage=_stage_label(case.stage)
            )
        )
    if case.stages.filter(stage=St.APPEAL).exists():
        raise ValidationError(_("An appeal on this case has already been heard."))
    if not current_outcomes(case).exists():
        raise ValidationError(_("The case has no decision to appeal against."))
    grounds = _text(grounds, "grounds", _("Summarise the grounds of the appeal."), limit=2000)
    on = _day(on, "on", not_before=case.stage_started_on, before_message=_stage_before(case))
    _stage_start(case, St.APPEAL, on, actor=actor, note=grounds)
    flow.touch(clue, "case.appeal", actor=actor, note=grounds, changes={"case": case.number, "on": on})
    return case


def appeal_measures(outcome: Outcome) -> list[str]:
    """What an outcome may be changed to on appeal: another measure of its family, or revoked (了结澄清)."""
    family = outcome.family
    same = {Family.PARTY: PARTY, Family.ADMIN: ADMIN, Family.ORGANISATIONAL: ORGANISATIONAL}.get(family, [])
    return [m for m in same if m != outcome.measure] + [Measure.CLARIFIED]


@transaction.atomic
def case_appeal_end(
    *,
    case: Case,
    on: date | None,
    result: str,
    actor,
    note: str = "",
    outcome: Outcome | None = None,
    measure: str = "",
    months: int | None = None,
    version: int | None = None,
) -> Case:
    """End the appeal: the decision is kept, or one of its measures is changed. A change records a new outcome
    (dated like the one it replaces, so the effect period runs from the original decision) and keeps the old one,
    pointing at its replacement, its effect ended on the day of the change. The case then returns to where it was
    (execution or closed); a closed clue's outcome becomes the heaviest measure now in force."""
    _check_lead(actor, case.clue, _("decide an appeal"))
    case, clue = _lock(case, version)
    if case.stage != St.APPEAL:
        raise ValidationError(_("The case is not under appeal."))
    if result not in (KEPT, CHANGED):
        raise ValidationError({"result": _("Say whether the decision is kept or changed.")})
    note = _text(note, "note", _("Summarise the result of the appeal."), limit=2000)
    on = _day(on, "on", not_before=case.stage_started_on, before_message=_stage_before(case))
    changes: dict = {"case": case.number, "result": result}
    if result == CHANGED:
        if outcome is None or outcome.case_id != case.pk or outcome.superseded_by_id is not None:
            raise ValidationError({"outcome": _("Choose the measure of the decision that is changed.")})
        if outcome.family not in DECISION_FAMILIES:
            raise ValidationError({"outcome": _("Only a sanction or an organisational measure is changed on appeal.")})
        if measure not in appeal_measures(outcome):
            raise ValidationError(
                {"measure": _("Choose what “{old}” becomes.").format(old=outcome.get_measure_display())}
            )
        with override(settings.LANGUAGE_CODE):
            new_note = _("Changed on appeal on {day}, replacing “{old}”. {note}").format(
                day=on.isoformat(), old=outcome.get_measure_display(), note=note
            )
            old_note = _("Changed on appeal on {day}.").format(day=on.isoformat())
        try:
            new = outcome_record(
                clue=clue, case=case, measure=measure, decided_on=outcome.decided_on, months=months, actor=actor,
                note=new_note,
            )  # fmt: skip
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "effect_months" in exc.error_dict:
                raise ValidationError({"months": exc.error_dict["effect_months"]}) from None
            raise
        outcome.superseded_by = new
        if outcome.effect_ends_on is None or outcome.effect_ends_on > on:
            outcome.effect_ends_on = on
        outcome.end_notified_on = outcome.end_notified_on or on  # its end is the change, not a day to remind of
        outcome.note = f"{outcome.note}\n{old_note}".strip()
        outcome.save(update_fields=["superseded_by", "effect_ends_on", "end_notified_on", "note"])
        changes |= {"changed": outcome.measure, "to": measure}
    before = case.stages.exclude(stage=St.APPEAL).order_by("-started_on", "-pk").values_list("stage", flat=True).first()
    back = St.CLOSED if before == St.CLOSED else St.EXECUTION
    _stage_start(case, back, on, actor=actor, note=note)
    if clue.status == S.CLOSED:
        flow.move(
            clue, S.CLOSED, actor=actor, action="case.appeal_end", note=note,
            fields={"outcome": heaviest(current_outcomes(case))},
        )  # fmt: skip
    else:
        flow.touch(clue, "case.appeal_end", actor=actor, note=note, changes=changes)
    return case


# --- rectification -----------------------------------------------------------------------------------------


@transaction.atomic
def case_rectify(
    *, case: Case, actor, problem: str, owner, due_on: date | None, measures: str = "", version: int | None = None
):
    """Open a rectification item for the reported person's unit on the problem the case found (source "case",
    pointing back at the case as a record of kind "discipline.case"), and link the decision's outcomes to it.

    Discipline inspection's leaders need not manage the unit's rectification list: when the actor does not, the
    item is recorded by the system on their behalf, and the case's own history names them.
    """
    from qinglian.rectification.services.items import item_create, may_manage
    from qinglian.rectification.vocab import Source

    _check_lead(actor, case.clue, _("open a rectification item"))
    case, clue = _lock(case, version)
    if case.stage not in DECIDED_STAGES:
        raise ValidationError(_("A rectification item is opened once the case has reached its decision."))
    outcomes = list(current_outcomes(case))
    if not outcomes:
        raise ValidationError(_("Record the decision first: the rectification item is linked to it."))
    if any(o.rectification_item_id for o in outcomes):
        raise ValidationError(_("This case already has a rectification item."))
    unit = clue.subject_unit
    if unit is None:
        raise ValidationError(_("The reported person's unit is not on the register: there is no unit to rectify."))
    item = item_create(
        org=unit,
        source=Source.CASE,
        problem=problem,
        measures=measures,
        owner=owner,
        due_on=due_on,
        source_title=case.number,
        source_kind=CASE_RECORD_KIND,
        source_id=case.pk,
        found_on=timezone.localdate(),
        actor=actor if actor is not None and may_manage(actor, unit) else None,
    )
    Outcome.objects.filter(pk__in=[o.pk for o in outcomes]).update(rectification_item=item)
    case.version += 1
    case.save(update_fields=["version"])
    flow.touch(clue, "case.rectify", actor=actor, note=item.problem, changes={"case": case.number, "item": item.pk})
    return item


CASE_RECORD_KIND = "discipline.case"
