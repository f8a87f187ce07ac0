"""Talks and written inquiries (谈话函询) and shelved clues (暂存待查): the written reply falls due in working days
(holidays and make-up working days counted by the calendar), overdue replies are flagged, the report waits for a reply
still to come; shelved clues untouched for longer than the unit's rule are flagged for review, on the to-do list and
in a weekly reminder."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qinglian.core.models import Notification
from qinglian.discipline.hooks import disposal as hooks
from qinglian.discipline.models import Clue, Inquiry
from qinglian.discipline.services import disposal as services
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_disposal import (
    approve,
    clue_at,
    letter,
    rule_set,
    shelved,
    submit,
    talk,
)
from qinglian.discipline.vocab import ClueStatus, FormKind, InquiryMode, Measure, Method

pytestmark = pytest.mark.usefixtures("in_english")


def _refused(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return " ".join(caught.value.messages)


@pytest.fixture
def lead(cast):
    return lead_user(cast)


@pytest.fixture
def inquiring(cast, lead):
    """A clue received in September 2025, under talk or inquiry."""
    return clue_at(cast, Method.TALK_INQUIRY, received_on=date(2025, 9, 1))


def test_a_letters_reply_falls_due_in_working_days_across_national_day(cast, inquiring):
    # Friday 26 September 2025: Sunday the 28th is worked, 1-8 October are holidays, Saturday the 11th is worked.
    sent = letter(inquiring, by=cast.inspector, sent=date(2025, 9, 26))
    assert sent.reply_due == date(2025, 10, 23)
    assert sent.mode == InquiryMode.LETTER and sent.created_by == cast.inspector


def test_the_reply_deadline_follows_the_units_rule(cast, inquiring):
    rule_set(
        cast, "discipline.time_limits", {"inquiry_reply_workdays": 5, "shelved_review_days": 30}, since=date(2025, 1, 1)
    )
    assert letter(inquiring, by=cast.inspector, sent=date(2025, 9, 1)).reply_due == date(2025, 9, 8)


def test_a_talk_has_no_reply_due(cast, inquiring):
    held = talk(inquiring, by=cast.inspector, held=date(2025, 9, 10))
    assert held.reply_due is None and services.inquiry_state(held) == "talk"
    assert "A talk has no written reply" in _refused(
        lambda: services.inquiry_reply(inquiry=held, reply_on=date(2025, 9, 11), reply="说明", actor=cast.inspector)
    )


def test_reply_states_awaiting_overdue_received_and_late(cast, inquiring):
    today = timezone.localdate()
    waiting = letter(inquiring, by=cast.inspector, sent=today)
    assert services.inquiry_state(waiting) == "awaiting"
    overdue = letter(Clue.objects.get(pk=inquiring.pk), by=cast.inspector, sent=today - timedelta(days=60))
    assert services.inquiry_state(overdue) == "overdue"
    assert list(services.replies_overdue()) == [overdue]
    late = services.inquiry_reply(inquiry=overdue, reply_on=today, reply="迟到的书面说明。", actor=cast.inspector)
    assert services.inquiry_state(late) == "late" and list(services.replies_overdue()) == []
    ontime = services.inquiry_reply(inquiry=waiting, reply_on=today, reply="按时的书面说明。", actor=cast.inspector)
    assert services.inquiry_state(ontime) == "received"


def test_a_reply_is_recorded_once_on_a_real_day(cast, inquiring):
    sent = letter(inquiring, by=cast.inspector, sent=date(2025, 9, 26))
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert "in the future" in _refused(
        lambda: services.inquiry_reply(inquiry=sent, reply_on=tomorrow, reply="说明", actor=cast.inspector)
    )
    assert "before the letter was sent" in _refused(
        lambda: services.inquiry_reply(inquiry=sent, reply_on=date(2025, 9, 20), reply="说明", actor=cast.inspector)
    )
    assert "Write what the reply says" in _refused(
        lambda: services.inquiry_reply(inquiry=sent, reply_on=date(2025, 10, 9), reply=" ", actor=cast.inspector)
    )
    services.inquiry_reply(inquiry=sent, reply_on=date(2025, 10, 9), reply="说明", actor=cast.inspector)
    assert "already recorded" in _refused(
        lambda: services.inquiry_reply(inquiry=sent, reply_on=date(2025, 10, 10), reply="又一份", actor=cast.inspector)
    )


def test_talks_and_letters_only_under_talk_or_inquiry_and_on_real_days(cast, lead):
    clue = clue_make(cast, received_on=date(2025, 9, 1))
    message = _refused(lambda: talk(clue, by=cast.inspector, held=date(2025, 9, 2)))
    assert "while the clue is under talk or inquiry; this one is “Registered”" in message
    clue = clue_at(cast, Method.TALK_INQUIRY, received_on=date(2025, 9, 1))
    assert "before the clue was received" in _refused(lambda: talk(clue, by=cast.inspector, held=date(2025, 8, 1)))
    future = timezone.localdate() + timedelta(days=3)
    assert "in the future" in _refused(lambda: talk(clue, by=cast.inspector, held=future))
    assert "Write the letter's text" in _refused(
        lambda: letter(clue, by=cast.inspector, sent=date(2025, 9, 2), text="")
    )
    assert not Inquiry.objects.filter(clue=clue).exists()


def test_recording_a_talk_touches_the_clue(cast, inquiring):
    before = Clue.objects.get(pk=inquiring.pk)
    talk(before, by=cast.inspector, held=date(2025, 9, 10))
    after = Clue.objects.get(pk=inquiring.pk)
    assert after.version == before.version + 1 and after.touched_at > before.touched_at
    assert after.events.filter(action="disposal.inquiry", note="谈话：2025-09-10").exists()


def test_the_report_waits_for_a_reply_still_to_come_but_not_for_an_overdue_one(cast, inquiring):
    sent = letter(inquiring, by=cast.inspector, sent=timezone.localdate())
    message = _refused(
        lambda: submit(Clue.objects.get(pk=inquiring.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, method="verify")
    )
    assert f"is due by {sent.reply_due.isoformat()}" in message
    Inquiry.objects.filter(pk=sent.pk).update(held_on=date(2025, 9, 1), reply_due=date(2025, 9, 22))
    form = submit(Clue.objects.get(pk=inquiring.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, method="verify")
    approve(cast, form)
    assert Clue.objects.get(pk=inquiring.pk).status == ClueStatus.VERIFYING


def test_the_whole_talk_or_inquiry_closes_the_clue_with_its_outcome(cast, inquiring):
    sent = letter(inquiring, by=cast.inspector, sent=date(2025, 9, 26))
    services.inquiry_reply(inquiry=sent, reply_on=date(2025, 10, 20), reply="本人已退回购物卡。", actor=cast.inspector)
    form = submit(Clue.objects.get(pk=inquiring.pk), FormKind.INQUIRY_REPORT, by=cast.inspector, measure="clarified")
    approve(cast, form)
    clue = Clue.objects.get(pk=inquiring.pk)
    assert (clue.status, clue.outcome, clue.closed_on) == (ClueStatus.CLOSED, Measure.CLARIFIED, timezone.localdate())
    assert clue.outcomes.get().note.startswith("谈话函询情况报告呈批表")


# --- shelved clues ------------------------------------------------------------------------------------------


def test_a_shelved_clue_is_flagged_after_the_rules_days(cast, lead):
    fresh = shelved(cast, idle_days=29)
    stale = shelved(cast, idle_days=31)
    assert list(services.shelved_for_review()) == [stale]
    assert list(services.shelved_for_review(cast.inspector)) == [stale]
    rule_set(cast, "discipline.time_limits", {"inquiry_reply_workdays": 15, "shelved_review_days": 10})
    assert list(services.shelved_for_review()) == [stale, fresh]


def test_only_those_who_may_open_a_shelved_clue_see_it(cast, lead):
    stale = shelved(cast, idle_days=45)
    assert list(services.shelved_for_review(lead)) == [stale]
    assert list(services.shelved_for_review(cast.discipline)) == []
    assert list(services.shelved_for_review(cast.admin)) == []


def test_reopening_a_shelved_clue_takes_it_off_the_review_list(cast, lead):
    stale = shelved(cast, idle_days=45)
    form = submit(stale, by=cast.inspector, method=Method.SHELVE, body="复查后仍不具备核查条件，继续暂存。")
    assert list(services.shelved_for_review()) == []  # awaiting approval, not shelved
    approve(cast, form)
    clue = Clue.objects.get(pk=stale.pk)
    assert clue.status == ClueStatus.SHELVED and list(services.shelved_for_review()) == []


def test_the_to_do_list_names_clues_by_number_only(cast, lead):
    stale = shelved(cast, idle_days=45)
    (todo,) = hooks.shelved_todos(cast.inspector)
    assert stale.number in todo.title and "王芳" not in todo.title and todo.overdue
    assert hooks.shelved_todos(cast.secretary) == [] and hooks.shelved_todos(cast.admin) == []


def test_weekly_reminders_reach_the_handlers_and_leaders_once_a_week(cast, lead):
    stale = shelved(cast, idle_days=45)
    shelved(cast, idle_days=3)
    today = timezone.localdate()
    assert hooks.shelved_reminders(today) == 2  # the inspector (handler) and lead (leads the root)
    assert hooks.shelved_reminders(today) == 0  # the same week: not again
    assert hooks.shelved_reminders(today + timedelta(days=7)) == 2
    notes = Notification.objects.filter(kind="discipline.shelved_review")
    assert set(notes.values_list("user__username", flat=True)) == {"inspector", "lead"}
    assert all(stale.number in n.title and "王芳" not in n.title + n.body for n in notes)


def test_overdue_replies_and_forms_awaiting_an_opinion_are_to_dos(cast, inquiring, lead):
    letter(inquiring, by=cast.inspector, sent=timezone.localdate() - timedelta(days=60))
    (todo,) = hooks.reply_overdue_todos(cast.inspector)
    assert todo.overdue and inquiring.number in todo.title
    form = submit(clue_make(cast), by=cast.inspector)
    assert [t.url for t in hooks.awaiting_todos(cast.inspector)] == [services.form_url(form)]
    assert hooks.awaiting_todos(cast.member) == [] and hooks.reply_overdue_todos(cast.member) == []
