"""Disposal's services: every allowed transition of a clue by its approval forms, and every refused one with its
reason — a closed clue getting a disposal, 拟立案 where the unit's rule does not add it, approving a form twice, the
author giving their own last opinion, someone who cannot open the clue, a stale version, a report before its plan —
and the outcomes recorded with the right form (四种形态)."""

from __future__ import annotations

import sys
import types

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.models import AuditEvent, Notification
from qinglian.discipline.models import ApprovalForm, Clue, ClueEvent, Outcome
from qinglian.discipline.services import disposal as services
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_disposal import (
    approve,
    clue_at,
    plan_approved,
    propose_case_on,
    rule_set,
    submit,
    talk,
)
from qinglian.discipline.vocab import ClueStatus, FormKind, FormStatus, Measure, Method
from qinglian.orgs.models import Role
from qinglian.orgs.services import Conflict, role_assign

pytestmark = pytest.mark.usefixtures("in_english")
S = ClueStatus


def _refused(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return " ".join(caught.value.messages)


def _clue(pk) -> Clue:
    return Clue.objects.get(pk=pk)


@pytest.fixture
def lead(cast):
    return lead_user(cast)


@pytest.fixture
def staff2(cast):
    """A second discipline staff member on the root who handles no clue."""
    user = get_user_model().objects.create_user("staff2", "staff2@example.cn", "pw", first_name="孙丽")
    role_assign(
        user=user,
        role=Role.objects.get(code="discipline_staff"),
        organisation=cast.tree.root,
        include_subtree=True,
        actor=None,
    )
    return user


# --- disposal forms -----------------------------------------------------------------------------------------

METHOD_TO = [
    (Method.TALK_INQUIRY, S.TALK_INQUIRY),
    (Method.VERIFY, S.VERIFYING),
    (Method.SHELVE, S.SHELVED),
    (Method.CLOSE, S.CLOSED),
]


@pytest.mark.parametrize(("method", "status"), METHOD_TO, ids=[m for m, _ in METHOD_TO])
def test_an_approved_disposal_moves_the_clue_to_its_method(cast, lead, method, status):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector, method=method)
    assert _clue(clue.pk).status == S.PROPOSED and form.status == FormStatus.PENDING
    form = services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    assert form.status == FormStatus.PENDING and form.level == 1
    assert _clue(clue.pk).status == S.PROPOSED
    form = services.form_opinion(form=form, actor=lead, agree=True, text="同意，请按程序办理。")
    assert form.status == FormStatus.APPROVED and form.decided_at
    clue = _clue(clue.pk)
    assert clue.status == status and clue.method == method
    moves = list(ClueEvent.objects.filter(clue=clue).exclude(status_to="").values_list("status_from", "status_to"))
    assert moves == [(S.REGISTERED, S.PROPOSED), (S.PROPOSED, status)]
    assert AuditEvent.objects.filter(action="discipline.form.approve", object_id=str(form.pk), sealed=True).exists()


def test_closing_records_the_outcome_closed_with_no_form(cast, lead):
    clue = clue_at(cast, Method.CLOSE)
    assert clue.outcome == Measure.CLOSED and clue.closed_on is not None
    (outcome,) = Outcome.objects.filter(clue=clue)
    assert outcome.measure == Measure.CLOSED and outcome.form is None and outcome.family == "cleared"
    assert outcome.subject_name == "王芳" and outcome.source == clue.source


def test_a_disagreeing_opinion_returns_the_form_and_the_clue_goes_back(cast, lead):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector, method=Method.VERIFY)
    form = services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    form = services.form_opinion(form=form, actor=lead, agree=False, text="证据不足，先谈话函询。")
    assert form.status == FormStatus.RETURNED
    clue = _clue(clue.pk)
    assert clue.status == S.REGISTERED and clue.method == ""
    assert [(o.level_name, o.agree) for o in form.opinions.all()] == [("承办部门意见", True), ("分管领导意见", False)]
    # A new form may follow.
    assert submit(clue, by=cast.inspector, method=Method.TALK_INQUIRY).status == FormStatus.PENDING


def test_reopening_a_shelved_clue_is_a_new_disposal_and_a_return_keeps_it_shelved(cast, lead):
    clue = clue_at(cast, Method.SHELVE)
    form = submit(clue, by=cast.inspector, method=Method.VERIFY)
    assert _clue(clue.pk).status == S.PROPOSED
    services.form_opinion(form=form, actor=cast.inspector, agree=False, text="仍不具备核查条件。")
    assert _clue(clue.pk).status == S.SHELVED
    approve(cast, submit(_clue(clue.pk), by=cast.inspector, method=Method.VERIFY))
    assert _clue(clue.pk).status == S.VERIFYING


def test_the_author_withdraws_a_pending_form_and_nobody_else_may(cast, lead):
    clue = clue_at(cast, Method.SHELVE)
    form = submit(clue, by=cast.inspector, method=Method.CLOSE)
    assert "Only the person who wrote a form" in _refused(lambda: services.form_withdraw(form=form, actor=lead))
    form = services.form_withdraw(form=form, actor=cast.inspector, version=form.version)
    assert form.status == FormStatus.WITHDRAWN and _clue(clue.pk).status == S.SHELVED
    assert "Only a form awaiting approval" in _refused(lambda: services.form_withdraw(form=form, actor=cast.inspector))
    assert "no more opinions" in _refused(
        lambda: services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意")
    )


def test_approving_a_form_twice_is_refused(cast, lead):
    form = approve(cast, submit(clue_make(cast), by=cast.inspector))
    message = _refused(lambda: services.form_opinion(form=form, actor=lead, agree=True, text="再次同意"))
    assert "This form is “Approved”: it takes no more opinions." in message
    assert form.opinions.count() == 2


def test_a_closed_clue_gets_no_disposal_with_the_flows_reason(cast):
    clue = clue_make(cast, status=S.CLOSED)
    message = _refused(lambda: submit(clue, by=cast.inspector, method=Method.VERIFY))
    assert message == "A clue that is “Closed” cannot become “Disposal awaiting approval”."
    assert not ApprovalForm.objects.filter(clue=clue).exists()
    assert _clue(clue.pk).version == clue.version


@pytest.mark.parametrize("status", [S.CASE, S.REFERRED, S.REPEATED], ids=["case", "referred", "repeated"])
def test_no_disposal_outside_the_allowed_transitions(cast, status):
    clue = clue_make(cast, status=status)
    assert "cannot become “Disposal awaiting approval”" in _refused(lambda: submit(clue, by=cast.inspector))


def test_a_clue_under_a_method_goes_on_by_its_report_not_a_new_disposal(cast, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    assert "goes on by its talk-or-inquiry report" in _refused(lambda: submit(clue, by=cast.inspector))
    clue = clue_at(cast, Method.VERIFY)
    assert "goes on by its verification report" in _refused(lambda: submit(clue, by=cast.inspector))


def test_propose_case_needs_the_units_rule(cast, lead):
    clue = clue_make(cast)
    message = _refused(lambda: submit(clue, by=cast.inspector, method=Method.PROPOSE_CASE))
    assert "not a disposal path at this unit" in message
    assert _clue(clue.pk).status == S.REGISTERED and Method.PROPOSE_CASE not in services.methods_for(clue, "disposal")
    propose_case_on(cast)
    assert Method.PROPOSE_CASE in services.methods_for(clue, FormKind.DISPOSAL)
    assert submit(clue, by=cast.inspector, method=Method.PROPOSE_CASE).method == Method.PROPOSE_CASE


def test_one_pending_form_at_a_time(cast):
    clue = clue_make(cast)
    submit(clue, by=cast.inspector)
    assert "still awaiting approval" in _refused(lambda: submit(_clue(clue.pk), by=cast.inspector))


def test_a_disposal_proposes_a_method_and_nothing_else(cast):
    clue = clue_make(cast)
    assert "Choose the disposal method" in _refused(
        lambda: services.form_submit(clue=clue, kind=FormKind.DISPOSAL, body="理由", actor=cast.inspector)
    )
    assert "not an outcome" in _refused(
        lambda: services.form_submit(
            clue=clue, kind=FormKind.DISPOSAL, body="理由", actor=cast.inspector, method="verify", measure="reminder"
        )
    )
    assert "is not a disposal method" in _refused(
        lambda: services.form_submit(clue=clue, kind=FormKind.DISPOSAL, body="理由", actor=cast.inspector, method="x")
    )
    assert "Write the form's content" in _refused(
        lambda: services.form_submit(
            clue=clue, kind=FormKind.DISPOSAL, body="  ", actor=cast.inspector, method="verify"
        )
    )
    assert "is not a form of disposal" in _refused(
        lambda: services.form_submit(clue=clue, kind=FormKind.FILING, body="立案", actor=cast.inspector)
    )
    assert not ApprovalForm.objects.exists() and _clue(clue.pk).status == S.REGISTERED


# --- who gives which opinion --------------------------------------------------------------------------------


def test_the_author_may_not_give_the_last_opinion(cast, lead):
    clue = clue_make(cast)
    form = submit(clue, by=lead, method=Method.VERIFY)
    form = services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    message = _refused(lambda: services.form_opinion(form=form, actor=lead, agree=True, text="同意"))
    assert (
        message
        == "You wrote this form, so its last opinion (“Leader in charge's opinion”) must come from someone else."
    )
    assert services.forms_awaiting(lead) == [] and _clue(clue.pk).status == S.PROPOSED


def test_a_level_needs_its_permission_at_the_clues_unit(cast, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    form = services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    message = _refused(lambda: services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意"))
    assert "The “Leader in charge's opinion” is given by someone whose roles at 机关党委 include it" in message


def test_someone_who_cannot_open_the_clue_gives_no_opinion(cast, staff2, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    for user in (staff2, cast.discipline, cast.admin):
        with pytest.raises(PermissionDenied):
            services.form_opinion(form=form, actor=user, agree=True, text="同意")
    with pytest.raises(PermissionDenied):
        services.form_submit(clue=form.clue, kind=FormKind.DISPOSAL, body="x", method="verify", actor=staff2)
    assert form.opinions.count() == 0


def test_a_stale_version_is_a_conflict(cast, lead):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector)
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。", version=form.version)
    with pytest.raises(Conflict):
        services.form_opinion(form=form, actor=lead, agree=True, text="同意", version=form.version)
    other = clue_make(cast)
    stale = other.version
    Clue.objects.filter(pk=other.pk).update(version=stale + 1)  # someone else changed it meanwhile
    with pytest.raises(Conflict):
        services.form_submit(
            clue=other, kind=FormKind.DISPOSAL, body="x", method="verify", actor=cast.inspector, version=stale
        )
    assert not ApprovalForm.objects.filter(clue=other).exists()


def test_an_opinion_must_say_something(cast):
    form = submit(clue_make(cast), by=cast.inspector)
    assert "Write the opinion" in _refused(
        lambda: services.form_opinion(form=form, actor=cast.inspector, agree=True, text="   ")
    )


def test_awaiting_my_opinion_lists_the_forms_each_may_act_on(cast, lead, staff2):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector)
    assert [f.pk for f in services.forms_awaiting(cast.inspector)] == [form.pk]
    assert services.forms_awaiting(cast.inspector)[0].due.key == "office"
    assert services.forms_awaiting(staff2) == []
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    assert services.forms_awaiting(cast.inspector) == []
    assert [f.pk for f in services.forms_awaiting(lead)] == [form.pk]


def test_those_due_to_give_an_opinion_are_told_by_number_only(cast, lead):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector)
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    notes = list(Notification.objects.filter(user=lead, kind="discipline.form_due").order_by("pk"))
    assert len(notes) == 2  # the office's level (lead holds it too), then the leader's
    assert all(clue.number in n.title and "王芳" not in n.title + n.body for n in notes)
    assert "分管领导意见" in notes[1].body
    assert not Notification.objects.filter(user=cast.inspector, kind="discipline.form_due").exists()
    services.form_opinion(form=form, actor=lead, agree=False, text="退回。")
    assert Notification.objects.filter(user=cast.inspector, kind="discipline.form_returned").count() == 1


def test_levels_come_from_the_rule_and_a_third_level_is_one_more_opinion(cast, lead):
    rule_set(
        cast,
        "discipline.approval_levels",
        {
            "levels": [
                {
                    "key": "office",
                    "zh": "承办部门意见",
                    "en": "Handling office's opinion",
                    "permission": "discipline.handle",
                },
                {
                    "key": "leader",
                    "zh": "分管领导意见",
                    "en": "Leader in charge's opinion",
                    "permission": "discipline.lead",
                },
                {
                    "key": "head",
                    "zh": "主要领导意见",
                    "en": "Principal leader's opinion",
                    "permission": "discipline.lead",
                },
            ]
        },
    )
    second = lead_user(cast, "lead2")
    form = submit(clue_make(cast), by=cast.inspector)
    form = services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    form = services.form_opinion(form=form, actor=lead, agree=True, text="同意。")
    assert form.status == FormStatus.PENDING and services.due_level(form).name == "Principal leader's opinion"
    form = services.form_opinion(form=form, actor=second, agree=True, text="同意。")
    assert form.status == FormStatus.APPROVED
    assert [c["name"] for c in services.opinion_chain(form)] == [
        "Handling office's opinion",
        "Leader in charge's opinion",
        "Principal leader's opinion",
    ]


# --- preliminary verification -------------------------------------------------------------------------------


def test_the_report_needs_an_approved_plan(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    assert "work plan must be approved before" in _refused(
        lambda: submit(clue, FormKind.VERIFY_REPORT, by=cast.inspector, measure=Measure.REMINDER)
    )
    plan = submit(clue, FormKind.VERIFY_PLAN, by=cast.inspector)
    assert plan.method == plan.measure == "" and _clue(clue.pk).status == S.VERIFYING
    assert "“Verification work plan” submitted on" in _refused(
        lambda: submit(_clue(clue.pk), FormKind.VERIFY_REPORT, by=cast.inspector, measure=Measure.REMINDER)
    )
    approve(cast, plan)
    assert _clue(clue.pk).status == S.VERIFYING
    assert "already approved" in _refused(lambda: submit(_clue(clue.pk), FormKind.VERIFY_PLAN, by=cast.inspector))


def test_the_report_is_signed_by_its_checkers(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    clue = _clue(clue.pk)
    for checkers in ([], ["赵强"]):
        message = _refused(
            lambda checkers=checkers: services.form_submit(
                clue=clue,
                kind=FormKind.VERIFY_REPORT,
                body="经核查…",
                measure="reminder",
                checkers=checkers,
                actor=cast.inspector,
            )
        )
        assert "at least two" in message
    form = services.form_submit(
        clue=clue,
        kind=FormKind.VERIFY_REPORT,
        body="经核查，问题部分属实。",
        measure="reminder",
        checkers=["赵强", "钱敏", "赵强"],
        actor=cast.inspector,
    )
    assert services.checkers_of(form) == ["赵强", "钱敏"] and services.body_text(form) == "经核查，问题部分属实。"


REPORT_OUTCOMES = [
    (Measure.REMINDER, 1),
    (Measure.CRITICISM, 1),
    (Measure.SELF_EXAMINATION, 1),
    (Measure.ADMONISHMENT, 1),
    (Measure.CLARIFIED, None),
    (Measure.CLOSED, None),
    (Measure.TRANSFER, None),
]


@pytest.mark.parametrize(("measure", "form_no"), REPORT_OUTCOMES, ids=[m for m, _ in REPORT_OUTCOMES])
def test_an_approved_verification_report_closes_with_its_outcome_in_its_form(cast, lead, measure, form_no):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    form = submit(_clue(clue.pk), FormKind.VERIFY_REPORT, by=cast.inspector, measure=measure)
    assert _clue(clue.pk).status == S.VERIFYING  # an outcome proposed: the clue waits where it is
    approve(cast, form)
    clue = _clue(clue.pk)
    assert clue.status == S.CLOSED and clue.outcome == measure and clue.method == Method.VERIFY and clue.closed_on
    (outcome,) = Outcome.objects.filter(clue=clue)
    assert (outcome.measure, outcome.form) == (measure, form_no)


def test_a_verification_report_may_shelve_the_clue_and_a_return_keeps_it_verifying(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    form = submit(_clue(clue.pk), FormKind.VERIFY_REPORT, by=cast.inspector, method=Method.SHELVE)
    assert _clue(clue.pk).status == S.PROPOSED
    services.form_opinion(form=form, actor=cast.inspector, agree=False, text="请补充核查。")
    assert _clue(clue.pk).status == S.VERIFYING
    approve(cast, submit(_clue(clue.pk), FormKind.VERIFY_REPORT, by=cast.inspector, method=Method.SHELVE))
    clue = _clue(clue.pk)
    assert clue.status == S.SHELVED and clue.method == Method.SHELVE and not Outcome.objects.filter(clue=clue).exists()


def test_a_report_proposes_an_outcome_or_a_next_method_but_no_sanction(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    clue = _clue(clue.pk)
    assert "not both" in _refused(
        lambda: submit(clue, FormKind.VERIFY_REPORT, by=cast.inspector, method="shelve", measure="reminder")
    )
    assert "Propose the outcome, or the next method" in _refused(
        lambda: submit(clue, FormKind.VERIFY_REPORT, by=cast.inspector)
    )
    assert "sanctions come from a case" in _refused(
        lambda: submit(clue, FormKind.VERIFY_REPORT, by=cast.inspector, measure=Measure.PARTY_WARNING)
    )
    assert "cannot be proposed on this form" in _refused(
        lambda: submit(clue, FormKind.VERIFY_REPORT, by=cast.inspector, method=Method.TALK_INQUIRY)
    )


@pytest.fixture
def case_file_stub(monkeypatch):
    """The cases area's `case_file` when it is written; otherwise a stand-in that records the call."""
    try:
        from qinglian.discipline.services.cases import case_file  # noqa: F401

        return None
    except ImportError:
        calls = []
        module = types.ModuleType("qinglian.discipline.services.cases")
        module.case_file = lambda *, clue, actor, on: calls.append((clue.pk, actor.pk, on))
        monkeypatch.setitem(sys.modules, "qinglian.discipline.services.cases", module)
        return calls


def test_a_verification_report_proposing_a_case_files_it_without_the_rule(cast, lead, case_file_stub):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    approve(cast, submit(_clue(clue.pk), FormKind.VERIFY_REPORT, by=cast.inspector, method=Method.PROPOSE_CASE))
    clue = _clue(clue.pk)
    assert clue.status == S.CASE and clue.method == Method.PROPOSE_CASE
    if case_file_stub is None:
        assert clue.case.filed_on is not None
    else:
        assert [pk for pk, _actor, _on in case_file_stub] == [clue.pk]


def test_a_disposal_of_propose_case_files_a_case_where_the_rule_adds_it(cast, lead, case_file_stub):
    propose_case_on(cast)
    clue = clue_at(cast, Method.PROPOSE_CASE)
    assert clue.status == S.CASE and clue.method == Method.PROPOSE_CASE


# --- talk or inquiry ----------------------------------------------------------------------------------------


def test_the_inquiry_report_needs_a_talk_or_letter(cast, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    assert "Record the talk or the letter first" in _refused(
        lambda: submit(clue, FormKind.INQUIRY_REPORT, by=cast.inspector, measure=Measure.CLARIFIED)
    )
    talk(_clue(clue.pk), by=cast.inspector)
    form = submit(_clue(clue.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, measure=Measure.CLARIFIED)
    approve(cast, form)
    clue = _clue(clue.pk)
    assert clue.status == S.CLOSED and clue.outcome == Measure.CLARIFIED and clue.method == Method.TALK_INQUIRY
    outcome = Outcome.objects.get(clue=clue)
    assert outcome.measure == Measure.CLARIFIED and outcome.form is None


def test_an_inquiry_report_with_a_reminder_counts_in_the_first_form(cast, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    talk(clue, by=cast.inspector)
    approve(cast, submit(_clue(clue.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, measure=Measure.REMINDER))
    assert Outcome.objects.get(clue=clue).form == 1


def test_an_inquiry_report_may_send_the_clue_to_verification(cast, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    talk(clue, by=cast.inspector)
    form = submit(_clue(clue.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, method=Method.VERIFY)
    assert _clue(clue.pk).status == S.PROPOSED
    form = services.form_withdraw(form=form, actor=cast.inspector)
    assert _clue(clue.pk).status == S.TALK_INQUIRY
    approve(cast, submit(_clue(clue.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, method=Method.VERIFY))
    clue = _clue(clue.pk)
    assert clue.status == S.VERIFYING and clue.method == Method.VERIFY


def test_an_inquiry_report_proposes_a_case_only_where_the_rule_adds_it(cast, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    talk(clue, by=cast.inspector)
    assert "not a disposal path at this unit" in _refused(
        lambda: submit(_clue(clue.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, method=Method.PROPOSE_CASE)
    )


def test_a_plan_proposes_nothing(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    assert "A work plan proposes no method" in _refused(
        lambda: submit(clue, FormKind.VERIFY_PLAN, by=cast.inspector, method=Method.SHELVE)
    )


def test_every_write_is_a_sealed_audit_event(cast, lead):
    form = approve(cast, submit(clue_make(cast), by=cast.inspector))
    actions = set(
        AuditEvent.objects.filter(object_id=str(form.pk), object_type="discipline.approvalform").values_list(
            "action", "sealed"
        )
    )
    assert actions == {
        ("discipline.form.submit", True),
        ("discipline.form.opinion", True),
        ("discipline.form.approve", True),
    }
    assert AuditEvent.objects.filter(
        object_type="discipline.clue", object_id=str(form.clue_id), action="discipline.disposal.approve", sealed=True
    ).exists()
