"""The day-before reminder and the meeting to-dos on the home page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import Notification
from qinglian.core.registry import registry
from qinglian.orglife.reminders_meetings import REMINDER_KIND, leave_todos, meeting_reminders, reply_todos
from qinglian.orglife.services import attendance as att
from qinglian.orglife.services import meetings as svc
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import LeaveStatus


def test_invitees_are_reminded_the_day_before_once(cast):
    today = timezone.localdate()
    tomorrow = meeting_make(cast.tree.branch_a, days=1, title="明天的党员大会")
    meeting_make(cast.tree.branch_a, days=2, title="后天的会")
    assert meeting_reminders(today) == 1
    assert meeting_reminders(today) == 0
    note = Notification.objects.get(kind=REMINDER_KIND)
    assert note.user == cast.member and "明天的党员大会" in note.title
    assert note.url == reverse("orglife:meeting_detail", args=[tomorrow.pk])


def test_no_reminder_for_approved_leave_or_a_cancelled_meeting(cast):
    meeting = meeting_make(cast.tree.branch_a, days=1)
    row = att.leave_request(attendee=meeting.attendees.get(member=cast.members["a1"]), reason="出差", actor=cast.member)
    att.leave_decide(attendee=row, approve=True, actor=cast.secretary)
    cancelled = meeting_make(cast.tree.branch_a, days=1)
    svc.meeting_cancel(meeting=cancelled, reason="改期", actor=cast.secretary)
    assert meeting_reminders(timezone.localdate()) == 0


def test_a_member_is_asked_to_reply_until_they_do(cast):
    meeting = meeting_make(cast.tree.branch_a, days=4, title="等回复的会")
    meeting_make(cast.tree.branch_a, days=-4, title="开过的会")
    todos = reply_todos(cast.member)
    assert len(todos) == 1 and "等回复的会" in todos[0].title and todos[0].due == meeting.starts_on
    att.attendee_rsvp(attendee=meeting.attendees.get(member=cast.members["a1"]), answer="yes", actor=cast.member)
    assert reply_todos(cast.member) == []


def test_leave_requests_wait_for_those_who_approve_at_the_unit(cast):
    meeting = meeting_make(cast.tree.branch_a, days=4, title="请假的会")
    att.leave_request(attendee=meeting.attendees.get(member=cast.members["a1"]), reason="出差", actor=cast.member)
    assert len(leave_todos(cast.secretary)) == 1 and "张伟" in leave_todos(cast.secretary)[0].title
    assert leave_todos(cast.secretary_b) == [] and leave_todos(cast.member) == []
    assert leave_todos(cast.organiser) == []  # manages meetings but does not approve leave


def test_the_functions_are_registered():
    assert meeting_reminders in registry.reminders
    assert reply_todos in registry.todos and leave_todos in registry.todos
    assert {"orglife_meetings", "orglife_calendar"} <= {item.key for item in registry.nav}


def test_the_home_page_lists_the_reply_to_do(cast, login):
    meeting_make(cast.tree.branch_a, days=4, title="首页待办的会")
    assert "首页待办的会" in login(cast.member).get(reverse("core:home")).content.decode()


def test_the_committee_office_is_asked_only_where_a_unit_has_no_approver_of_its_own(cast):
    from qinglian.orglife.services.minutes import minutes_todos

    a = meeting_make(cast.tree.branch_a, days=4, title="第一支部的会")
    c = meeting_make(cast.tree.branch_c, days=4, title="直属支部的会")
    att.leave_request(attendee=a.attendees.get(member=cast.members["a1"]), reason="出差", actor=cast.member)
    c.attendees.filter(member=cast.members["c1"]).update(leave_status=LeaveStatus.REQUESTED, leave_reason="出差")
    # Branch_a's secretary decides its leave; branch_c has no secretary, so the office above does.
    assert ["第一支部的会" in t.title for t in leave_todos(cast.secretary)] == [True]
    assert ["直属支部的会" in t.title for t in leave_todos(cast.office)] == [True]
    assert minutes_todos(cast.office) == []


def test_a_leave_request_leaves_the_list_once_attendance_is_recorded(cast):
    meeting = meeting_make(cast.tree.branch_a, days=-400, title="去年的会")
    meeting.attendees.filter(member=cast.members["a1"]).update(leave_status=LeaveStatus.REQUESTED, leave_reason="出差")
    assert [t.overdue for t in leave_todos(cast.secretary)] == [True]  # held, but attendance not yet recorded
    attend_all(meeting)
    assert leave_todos(cast.secretary) == []
