"""Intake's services and reminders: acknowledging, replying, refusing and giving feedback on a portal report (each a
message to the reporter and a sealed audit event, refused when the report has moved on), and the to-dos and
reminders of the acknowledgement and feedback deadlines — which never say what a report is about."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from qinglian.core.models import AuditEvent, Notification
from qinglian.core.registry import registry
from qinglian.discipline.hooks.clues import referral_reminders, referral_todos
from qinglian.discipline.hooks.intake import clue_feedback_todos, intake_todos, report_reminders
from qinglian.discipline.models import Clue, ReportMessage
from qinglian.discipline.services import clues as clue_services
from qinglian.discipline.services import intake as services
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.tests.factories_intake import report_make
from qinglian.discipline.vocab import MessageSide, ReportStatus
from qinglian.orgs.services import Conflict

# --- answers to the reporter -------------------------------------------------------------------------------


def test_acknowledging_sends_a_message_and_records_when(cast):
    report = report_make(cast)
    services.report_acknowledge(report=report, actor=cast.inspector, body="已收到。", version=report.version)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.acknowledged_at and report.version == 2
    message = ReportMessage.objects.get(report=report)
    assert (message.side, message.author, message.body) == (MessageSide.HANDLER, cast.inspector, "已收到。")
    assert AuditEvent.objects.get(action="discipline.report.acknowledge").sealed
    with pytest.raises(ValidationError):
        services.report_acknowledge(report=report, actor=cast.inspector, body="再次", version=report.version)
    with pytest.raises(Conflict):
        services.report_not_accept(report=report, actor=cast.inspector, reason="x", message="y", version=1)


def test_an_empty_or_overlong_message_is_refused(cast):
    report = report_make(cast)
    for body in ("  ", "长" * (services.MESSAGE_MAX + 1)):
        with pytest.raises(ValidationError):
            services.report_reply(report=report, actor=cast.inspector, body=body)
    assert not ReportMessage.objects.exists()


def test_not_accepting_keeps_the_reason_and_tells_the_reporter(cast):
    report = report_make(cast)
    with pytest.raises(ValidationError):
        services.report_not_accept(report=report, actor=cast.inspector, reason=" ", message="告知", version=1)
    services.report_not_accept(
        report=report,
        actor=cast.inspector,
        reason="不属于受理范围",
        message="请向住建部门反映。",
        version=report.version,
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.NOT_ACCEPTED and report.acknowledged_at is not None
    assert report.messages.get().body == "请向住建部门反映。"
    assert not services.feedback_owed(report)
    with pytest.raises(ValidationError):
        services.report_feedback(report=report, actor=cast.inspector, body="x", version=report.version)


def test_feedback_once_and_it_acknowledges_too(cast):
    report = report_make(cast)
    services.report_feedback(report=report, actor=cast.inspector, body="已核实处理。", version=report.version)
    report.refresh_from_db()
    assert report.feedback_at and report.acknowledged_at and report.status == ReportStatus.ACKNOWLEDGED
    with pytest.raises(ValidationError):
        services.report_feedback(report=report, actor=cast.inspector, body="再次", version=report.version)


def test_a_registered_report_is_answered_by_the_clues_people_only(cast):
    lead = lead_user(cast)
    report = report_make(cast, status=ReportStatus.REGISTERED)
    clue = clue_make(cast, handlers=("lead",), source="portal")
    Clue.objects.filter(pk=clue.pk).update(report=report)
    with pytest.raises(PermissionDenied):  # the inspector holds intake, but not this clue
        services.report_reply(report=report, actor=cast.inspector, body="x")
    services.report_reply(report=report, actor=lead, body="请补充材料。")
    assert clue.events.filter(action="report.message").exists()
    with pytest.raises(ValidationError):  # it is a clue now: not refused from the inbox
        services.report_not_accept(report=report, actor=lead, reason="x", message="y", version=report.version)


def test_outsiders_cannot_answer(cast):
    report = report_make(cast)
    for name in ("office", "admin", "secretary", "discipline"):
        with pytest.raises(PermissionDenied):
            services.report_reply(report=report, actor=cast.users[name], body="x")


# --- deadlines: to-dos and reminders ------------------------------------------------------------------------


def test_intake_is_asked_to_acknowledge_and_give_feedback(cast):
    new = report_make(cast, received_on=day(-3))
    late = report_make(cast, received_on=day(-10))
    owing = report_make(cast, status=ReportStatus.ACKNOWLEDGED, received_on=day(-90), feedback_days=91)
    report_make(cast, status=ReportStatus.ACKNOWLEDGED, received_on=day(-10))  # feedback far off
    with translation.override("en"):
        todos = intake_todos(cast.inspector)
    assert [t.url.split("/")[-2] for t in todos] == [str(late.pk), str(owing.pk), str(new.pk)]  # by the day due
    assert todos[0].overdue and not todos[1].overdue and not todos[2].overdue
    assert todos[0].title.startswith("Acknowledge") and todos[1].title.startswith("Give feedback")
    assert all(new.text not in t.title and "王芳" not in t.title for t in todos)
    assert intake_todos(cast.office) == [] and intake_todos(cast.discipline) == []


def test_reminders_go_once_when_due_soon_and_weekly_when_overdue(cast, in_english):
    soon = report_make(cast, received_on=day(-6))  # acknowledgement due tomorrow
    late = report_make(cast, received_on=day(-20))
    report_make(cast, received_on=day())  # due in a week: nothing yet
    assert report_reminders(day()) == 2
    assert report_reminders(day()) == 0  # once
    notes = Notification.objects.filter(user=cast.inspector, kind="discipline.report_due")
    assert {n.url for n in notes} == {f"/discipline/reports/{soon.pk}/", f"/discipline/reports/{late.pk}/"}
    assert all("王芳" not in n.title and soon.text not in n.body for n in notes)
    assert report_reminders(day(7)) >= 1  # the overdue one again a week later


def test_feedback_on_a_registered_report_is_for_the_clues_handlers(cast, in_english):
    lead_user(cast)
    report = report_make(cast, status=ReportStatus.REGISTERED, received_on=day(-89), feedback_days=90)
    clue = clue_make(cast, handlers=("lead",), source="portal")
    Clue.objects.filter(pk=clue.pk).update(report=report)
    assert report_reminders(day()) == 1
    note = Notification.objects.get(kind="discipline.report_due")
    assert note.user == cast.users["lead"] and clue.number in note.title
    assert [t.due for t in clue_feedback_todos(cast.users["lead"])] == [report.feedback_due]
    assert clue_feedback_todos(cast.inspector) == []


def test_referrals_due_are_to_dos_and_reminders_for_the_handlers(cast, in_english):
    clue = clue_make(cast, received_on=day(-10))
    clue_services.clue_refer(clue=clue, actor=cast.inspector, version=clue.version, to="市纪委监委", direction="up")
    todos = referral_todos(cast.inspector)
    assert len(todos) == 1 and todos[0].overdue and clue.number in todos[0].title
    assert referral_reminders(day()) == 1 and referral_reminders(day()) == 0
    assert Notification.objects.get(kind="discipline.referral_due").user == cast.inspector


def test_the_hooks_are_registered():
    names = {fn.__name__ for fn in registry.todos}
    assert {"intake_todos", "clue_feedback_todos", "referral_todos"} <= names
    assert {fn.__name__ for fn in registry.reminders} >= {"report_reminders", "referral_reminders"}
    assert "discipline.clue" in registry.record_kinds
    nav = {item.key: item.order for item in registry.nav}
    assert (nav["discipline_reports"], nav["discipline_clues"], nav["discipline_clues_mine"]) == (90, 91, 92)
