"""Cases through their services: filing on an approved proposal, the stages one after another with the rule's
deadlines, refused moves with their reasons, extensions, the decision with its effect periods, judicial transfer,
closing with the heaviest measure, an appeal that keeps or changes the decision, and a version clash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.core.lib.dates import add_months
from qinglian.core.models import AuditEvent
from qinglian.core.rules import rule_get, rule_revise
from qinglian.discipline.models import Case, CaseStageRecord, ClueEvent, Outcome
from qinglian.discipline.services import cases as services
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.tests.factories_cases import case_make, outcome_of, proposed_clue
from qinglian.discipline.vocab import CaseStage as St
from qinglian.discipline.vocab import ClueStatus, FormKind
from qinglian.orgs.services import Conflict

pytestmark = pytest.mark.usefixtures("in_english")
TODAY = timezone.localdate


@pytest.fixture
def lead(cast):
    return lead_user(cast)


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


# --- filing ------------------------------------------------------------------------------------------------


def test_filing_numbers_the_case_and_starts_the_investigation_with_the_rule_deadline(cast, lead):
    clue = proposed_clue(cast)
    case = services.case_file_proposed(clue=clue, actor=lead, on=day(-2))
    clue.refresh_from_db()
    assert clue.status == ClueStatus.CASE
    assert case.number == f"纪立〔{day(-2).year}〕1号"
    assert case.stage == St.INVESTIGATION and case.stage_started_on == day(-2)
    assert case.stage_due_on == day(-2) + timedelta(days=90)
    rows = list(case.stages.values_list("stage", "started_on", "ended_on", "due_on"))
    assert rows == [
        (St.FILING, day(-2), day(-2), None),
        (St.INVESTIGATION, day(-2), None, day(-2) + timedelta(days=90)),
    ]
    assert ClueEvent.objects.filter(clue=clue, action="case.file", status_to=ClueStatus.CASE).exists()
    assert AuditEvent.objects.filter(action="discipline.case.file", sealed=True).exists()
    second = services.case_file_proposed(clue=proposed_clue(cast), actor=lead)
    assert second.number == f"纪立〔{TODAY().year}〕2号" or second.filed_on.year != day(-2).year


def test_a_clue_under_verification_goes_through_proposed_on_its_way_to_a_case(cast, lead):
    clue = proposed_clue(cast, status=ClueStatus.VERIFYING, kind=FormKind.VERIFY_REPORT)
    services.case_file_proposed(clue=clue, actor=lead)
    steps = list(ClueEvent.objects.filter(clue=clue).values_list("status_from", "status_to"))
    assert steps == [(ClueStatus.VERIFYING, ClueStatus.PROPOSED), (ClueStatus.PROPOSED, ClueStatus.CASE)]


def test_filing_is_refused_without_a_proposal_twice_and_to_a_handler(cast, lead):
    bare = clue_make(cast, status=ClueStatus.PROPOSED)
    with pytest.raises(ValidationError) as exc:
        services.case_file_proposed(clue=bare, actor=lead)
    assert "No approved form proposes a case" in _messages(exc)
    clue = proposed_clue(cast)
    with pytest.raises(PermissionDenied):
        services.case_file_proposed(clue=clue, actor=cast.inspector)
    case = services.case_file_proposed(clue=clue, actor=lead)
    with pytest.raises(ValidationError) as exc:
        services.case_file(clue=clue, actor=lead)
    assert case.number in _messages(exc)
    registered = clue_make(cast)
    with pytest.raises(ValidationError) as exc:
        services.case_file(clue=registered, actor=lead)
    assert "cannot become" in _messages(exc)
    assert Case.objects.count() == 1


def test_a_taken_number_and_a_day_in_the_future_are_refused(cast, lead):
    services.case_file_proposed(clue=proposed_clue(cast), actor=lead, number="纪立〔2026〕7号")
    with pytest.raises(ValidationError) as exc:
        services.case_file_proposed(clue=proposed_clue(cast), actor=lead, number="纪立〔2026〕7号")
    assert exc.value.message_dict["number"] == ["The number 纪立〔2026〕7号 is already taken."]
    with pytest.raises(ValidationError) as exc:
        services.case_file_proposed(clue=proposed_clue(cast), actor=lead, on=day(1))
    assert "future" in _messages(exc)


# --- stages ------------------------------------------------------------------------------------------------


def test_a_case_moves_only_to_its_next_stage(cast, lead):
    case = case_make(cast, stage_started_on=day(-5))
    with pytest.raises(ValidationError) as exc:
        services.case_advance(case=case, to=St.DECISION, actor=cast.inspector)
    assert exc.value.message_dict["to"] == [
        "A case in “Investigation” moves on only to “Trial review (审理)”, not to “Decision”."
    ]
    with pytest.raises(ValidationError):
        services.case_advance(case=case, to=St.CLOSED, actor=lead)
    moved = services.case_advance(case=case, to=St.REVIEW, actor=cast.inspector, note="调查终结，移送审理")
    assert moved.stage == St.REVIEW and moved.stage_started_on == TODAY()
    assert moved.stage_due_on == TODAY() + timedelta(days=30)
    investigation = case.stages.get(stage=St.INVESTIGATION)
    assert investigation.ended_on == TODAY()
    assert case.stages.get(stage=St.REVIEW).note == "调查终结，移送审理"
    assert case.stages.filter(ended_on__isnull=True).count() == 1


def test_the_decision_comes_before_the_announcement(cast, lead):
    case = case_make(cast, stage=St.DECISION)
    with pytest.raises(ValidationError) as exc:
        services.case_advance(case=case, to=St.ANNOUNCEMENT, actor=cast.inspector)
    assert "Record the decision" in _messages(exc)
    services.case_decide(case=case, actor=lead, decided_on=TODAY(), party="party_warning")
    assert services.case_advance(case=case, to=St.ANNOUNCEMENT, actor=cast.inspector).stage == St.ANNOUNCEMENT


def test_a_closed_case_does_not_move_and_an_appeal_ends_otherwise(cast, lead):
    closed = case_make(cast, stage=St.CLOSED)
    with pytest.raises(ValidationError) as exc:
        services.case_advance(case=closed, to=St.APPEAL, actor=lead)
    assert "closed" in _messages(exc)
    appeal = case_make(cast, stage=St.APPEAL)
    with pytest.raises(ValidationError) as exc:
        services.case_advance(case=appeal, to=St.CLOSED, actor=lead)
    assert "under appeal" in _messages(exc)


def test_deadlines_follow_the_rule_in_force_when_the_stage_starts(cast, lead):
    rule = rule_get("discipline.case_stages", on=TODAY())
    rule_revise(
        rule=rule,
        value={**rule.value, "review": 45},
        effective_from=TODAY() - timedelta(days=1),
        source="本单位规定审理45日",
        actor=None,
        reason="本单位调整",
    )
    case = case_make(cast, stage_started_on=day(-5))
    services.case_advance(case=case, to=St.REVIEW, actor=cast.inspector)
    case.refresh_from_db()
    assert case.stage_due_on == TODAY() + timedelta(days=45)


def test_extending_a_stage_is_a_leaders_with_a_reason_and_is_recorded(cast, lead):
    case = case_make(cast, stage_started_on=day(-100))
    due = case.stage_due_on
    assert services.is_overdue(case)
    with pytest.raises(PermissionDenied):
        services.case_extend(case=case, days=30, reason="案情复杂", actor=cast.inspector)
    with pytest.raises(ValidationError) as exc:
        services.case_extend(case=case, days=30, reason=" ", actor=lead)
    assert "days" not in exc.value.message_dict and "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.case_extend(case=case, days=0, reason="案情复杂", actor=lead)
    assert "days" in exc.value.message_dict
    extended = services.case_extend(case=case, days=30, reason="案情复杂，需补充调取银行流水", actor=lead)
    assert extended.stage_due_on == due + timedelta(days=30)
    record = case.stages.get(stage=St.INVESTIGATION)
    assert record.extended_days == 30 and record.due_on == extended.stage_due_on
    assert "+30: 案情复杂，需补充调取银行流水" in record.note
    assert not services.is_overdue(extended)


def test_a_stale_version_is_a_conflict(cast, lead):
    case = case_make(cast)
    services.case_advance(case=case, to=St.REVIEW, actor=cast.inspector, version=case.version)
    with pytest.raises(Conflict):
        services.case_advance(case=case, to=St.DECISION, actor=cast.inspector, version=case.version)
    case.refresh_from_db()
    assert case.stage == St.REVIEW


# --- the decision ------------------------------------------------------------------------------------------


def test_probation_for_two_years_ends_twenty_four_months_later(cast, lead):
    case = case_make(cast, stage=St.DECISION)
    decided = day(-3)
    recorded = services.case_decide(
        case=case, actor=lead, decided_on=decided, party="party_probation", party_months=24, admin="admin_expulsion"
    )
    probation, expulsion = sorted(recorded, key=lambda o: o.measure != "party_probation")
    assert probation.form == 3 and probation.effect_months == 24
    assert probation.effect_ends_on == add_months(decided, 24)
    assert expulsion.form == 3 and expulsion.effect_months is None and expulsion.effect_ends_on is None


def test_probation_needs_its_period_and_a_second_party_sanction_is_refused(cast, lead):
    case = case_make(cast, stage=St.DECISION)
    with pytest.raises(ValidationError) as exc:
        services.case_decide(case=case, actor=lead, decided_on=TODAY(), party="party_probation")
    assert exc.value.message_dict["party_months"] == ["Choose the effect period: 12 / 24 months."]
    assert not Outcome.objects.exists()
    services.case_decide(case=case, actor=lead, decided_on=TODAY(), party="party_serious_warning")
    with pytest.raises(ValidationError) as exc:
        services.case_decide(case=case, actor=lead, decided_on=TODAY(), party="party_warning", admin="admin_demerit")
    assert "already has a party sanction" in exc.value.message_dict["party"][0]
    assert case.outcomes.count() == 1  # nothing half-saved: the administrative sanction was not kept either
    services.case_decide(case=case, actor=lead, decided_on=TODAY(), admin="admin_demerit")
    assert sorted(case.outcomes.values_list("measure", flat=True)) == ["admin_demerit", "party_serious_warning"]


def test_a_decision_is_a_leaders_in_the_decision_stage_with_a_measure(cast, lead):
    case = case_make(cast, stage=St.REVIEW)
    with pytest.raises(ValidationError) as exc:
        services.case_decide(case=case, actor=lead, decided_on=TODAY(), party="party_warning")
    assert "decision stage" in _messages(exc)
    deciding = case_make(cast, stage=St.DECISION)
    with pytest.raises(PermissionDenied):
        services.case_decide(case=deciding, actor=cast.inspector, decided_on=TODAY(), party="party_warning")
    with pytest.raises(ValidationError) as exc:
        services.case_decide(case=deciding, actor=lead, decided_on=TODAY())
    assert "at least one" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.case_decide(case=deciding, actor=lead, decided_on=TODAY(), party="admin_warning")
    assert "party" in exc.value.message_dict


def test_closing_moves_the_clue_to_closed_with_the_heaviest_measure(cast, lead):
    case = case_make(cast, stage=St.EXECUTION, decision=("party_warning", "admin_demotion", "org_adjustment"))
    with pytest.raises(PermissionDenied):
        services.case_advance(case=case, to=St.CLOSED, actor=cast.inspector)
    closed = services.case_close(case=case, actor=lead, note="处分已执行到位")
    clue = closed.clue
    clue.refresh_from_db()
    assert closed.stage == St.CLOSED and closed.closed_on == TODAY() and closed.stage_due_on is None
    assert clue.status == ClueStatus.CLOSED and clue.closed_on == TODAY()
    assert clue.outcome == "admin_demotion"  # third form outweighs the second


def test_judicial_transfer_records_a_fourth_form_outcome_once(cast, lead):
    case = case_make(cast, stage=St.REVIEW)
    outcome = services.case_transfer(case=case, on=day(-1), actor=lead, note="涉嫌受贿罪，移送检察机关")
    assert outcome.measure == "judicial" and outcome.form == 4 and outcome.case_id == case.pk
    case.refresh_from_db()
    assert case.judicial_transfer_on == day(-1)
    with pytest.raises(ValidationError) as exc:
        services.case_transfer(case=case, on=TODAY(), actor=lead)
    assert "already transferred" in _messages(exc)
    closed = case_make(cast, stage=St.CLOSED)
    with pytest.raises(ValidationError):
        services.case_transfer(case=closed, on=TODAY(), actor=lead)


# --- appeal ------------------------------------------------------------------------------------------------


def test_an_appeal_that_keeps_the_decision_returns_the_case_to_where_it_was(cast, lead):
    case = case_make(cast, stage=St.CLOSED, stage_started_on=day(-10))
    services.case_appeal(case=case, on=day(-5), grounds="认为事实认定有误", actor=lead)
    case.refresh_from_db()
    assert case.stage == St.APPEAL and case.stage_due_on == day(-5) + timedelta(days=90)
    with pytest.raises(ValidationError) as exc:
        services.case_appeal_end(case=case, on=TODAY(), result="maybe", note="x", actor=lead)
    assert "result" in exc.value.message_dict
    services.case_appeal_end(case=case, on=TODAY(), result=services.KEPT, note="维持原处分", actor=lead)
    case.refresh_from_db()
    assert case.stage == St.CLOSED
    with pytest.raises(ValidationError) as exc:
        services.case_appeal(case=case, on=TODAY(), grounds="再次申诉", actor=lead)
    assert "already been heard" in _messages(exc)


def test_an_appeal_that_changes_the_decision_keeps_the_old_outcome_and_records_a_new_one(cast, lead):
    case = case_make(cast, stage=St.CLOSED, decision=("party_serious_warning",), stage_started_on=day(-10))
    old = outcome_of(case, "party_serious_warning")
    services.case_appeal(case=case, on=day(-5), grounds="情节较轻", actor=lead)
    with pytest.raises(ValidationError) as exc:
        services.case_appeal_end(
            case=case, on=TODAY(), result=services.CHANGED, outcome=old, measure="admin_warning", note="改", actor=lead
        )
    assert "measure" in exc.value.message_dict
    services.case_appeal_end(
        case=case,
        on=TODAY(),
        result=services.CHANGED,
        outcome=old,
        measure="party_warning",
        note="改为警告",
        actor=lead,
    )
    old.refresh_from_db()
    new = outcome_of(case, "party_warning")
    assert old.superseded_by_id == new.pk and old.effect_ends_on == TODAY()
    assert new.decided_on == old.decided_on and new.effect_ends_on == add_months(old.decided_on, 12)
    assert "Changed on appeal" in old.note or "申诉" in old.note
    assert list(services.current_outcomes(case)) == [new]
    case.clue.refresh_from_db()
    assert case.clue.outcome == "party_warning" and case.clue.status == ClueStatus.CLOSED
    assert Outcome.objects.filter(case=case).count() == 2  # the old one is kept


def test_an_appeal_needs_an_executed_or_closed_case(cast, lead):
    case = case_make(cast, stage=St.ANNOUNCEMENT)
    with pytest.raises(ValidationError) as exc:
        services.case_appeal(case=case, on=TODAY(), grounds="不服", actor=lead)
    assert "executed or closed" in _messages(exc)
    executed = case_make(cast, stage=St.EXECUTION, stage_started_on=day(-3))
    services.case_appeal(case=executed, on=TODAY(), grounds="不服", actor=lead)
    services.case_appeal_end(case=executed, on=TODAY(), result=services.KEPT, note="维持", actor=lead)
    executed.refresh_from_db()
    assert executed.stage == St.EXECUTION and executed.stage_due_on == TODAY() + timedelta(days=15)
    assert CaseStageRecord.objects.filter(case=executed, stage=St.EXECUTION).count() == 2
