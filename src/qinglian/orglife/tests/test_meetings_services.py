"""Meeting services: scheduling, editing, cancelling, notices, invitations, replies, leave and self check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.core.models import AuditEvent, Notification
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.services import attendance as att
from qinglian.orglife.services import meetings as svc
from qinglian.orglife.tests.factories import at, attend_all, meeting_make
from qinglian.orglife.vocab import CheckinMethod, LeaveStatus, MeetingKind, MeetingStatus, Presence, Rsvp
from qinglian.orgs.models import Member
from qinglian.orgs.services import member_create

# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


def _soon(cast, minutes=10, **fields):
    """A general meeting of branch_a starting `minutes` from now (negative: already started)."""
    return meeting_make(cast.tree.branch_a, starts_at=timezone.now() + timedelta(minutes=minutes), **fields)


def _mine(meeting, cast):
    return meeting.attendees.get(member=cast.members["a1"])


# --- scheduling ----------------------------------------------------------------------------------------------


def test_scheduling_invites_the_expected_members_and_the_guests_and_is_audited(cast):
    meeting = svc.meeting_schedule(
        org=cast.tree.branch_a,
        kind=MeetingKind.GENERAL_MEETING,
        title="  第一季度党员大会 ",
        starts_at=at(timezone.localdate() + timedelta(days=5)),
        agenda=["学习党章", "", "  讨论发展党员  "],
        guests=[("陈主任", "机关纪委"), ("  ", "空名字不算")],
        host=cast.members["a1"],
        recorder=cast.members["a2"],
        actor=cast.secretary,
    )
    assert meeting.title == "第一季度党员大会" and meeting.agenda == ["学习党章", "讨论发展党员"]
    assert sorted(a.name for a in meeting.attendees.all()) == sorted(["张伟", "李娜", "陈主任"])
    assert meeting.invitee_count == 2 and len(meeting.checkin_code) == 6
    assert AuditEvent.objects.filter(action="orglife.meeting_schedule", object_id=str(meeting.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": "before"}, "ends_at"),
        ({"kind": MeetingKind.PARTY_LECTURE, "lecturer_name": ""}, "lecturer"),
        ({"host": "c1"}, "host"),
        ({"recorder": "b1"}, "recorder"),
        ({"invitees": ["a1", "c1"]}, "invitees"),
        ({"title": "   "}, "title"),
    ],
    ids=["end-before-start", "lecture-without-lecturer", "host-elsewhere", "recorder-elsewhere", "invitee-elsewhere",
         "no-title"],
)  # fmt: skip
def test_bad_input_is_refused_beside_its_field_and_saves_nothing(cast, fields, field):
    start = at(timezone.localdate() + timedelta(days=5))
    values = {"kind": MeetingKind.GENERAL_MEETING, "title": "会议", **fields}
    if values.get("ends_at") == "before":
        values["ends_at"] = start - timedelta(hours=1)
    for role in ("host", "recorder"):
        if role in values:
            values[role] = cast.members[values[role]]
    if "invitees" in values:
        values["invitees"] = [cast.members[k] for k in values["invitees"]]
    with pytest.raises(ValidationError) as caught:
        svc.meeting_schedule(org=cast.tree.branch_a, starts_at=start, actor=cast.secretary, **values)
    assert field in caught.value.message_dict
    assert not Meeting.objects.exists() and not Attendee.objects.exists()


def test_someone_off_the_register_cannot_be_invited(cast):
    gone = member_create(organisation=cast.tree.branch_a, name="离开的人", gender="M", actor=None)
    Member.objects.filter(pk=gone.pk).update(status="出党")
    gone.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer on the register"):
        meeting_make(cast.tree.branch_a, days=3, invitees=[gone])


# --- editing -------------------------------------------------------------------------------------------------


def test_an_edit_with_a_stale_version_is_a_conflict_and_changes_nothing(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    svc.meeting_update(meeting=meeting, version=meeting.version, actor=cast.secretary, place="301会议室")
    with pytest.raises(svc.Conflict):
        svc.meeting_update(meeting=meeting, version=1, actor=cast.organiser, place="旧的地点")
    meeting.refresh_from_db()
    assert meeting.place == "301会议室" and meeting.version == 2


def test_an_edit_changes_invitees_and_guests_and_is_audited(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5, guests=[("陈主任", "机关纪委")])
    svc.meeting_update(
        meeting=meeting,
        version=meeting.version,
        actor=cast.secretary,
        title="改过的标题",
        invitees=[cast.members["a1"]],
        guests=[("陈主任", "机关纪委"), ("王老师", "市委党校")],
    )
    assert sorted(a.name for a in meeting.attendees.all()) == sorted(["张伟", "陈主任", "王老师"])
    meeting.refresh_from_db()
    assert meeting.title == "改过的标题" and meeting.invitee_count == 1
    event = AuditEvent.objects.filter(action="orglife.meeting_update").latest("seq")
    assert event.changes["title"] == [f"{cast.tree.branch_a.name}{MeetingKind.GENERAL_MEETING.label}", "改过的标题"]


def test_a_held_meeting_keeps_its_time_but_its_title_can_be_corrected(cast):
    meeting = attend_all(meeting_make(cast.tree.branch_a, days=-2))
    with pytest.raises(ValidationError) as caught:
        svc.meeting_update(meeting=meeting, version=meeting.version, actor=cast.secretary,
                           starts_at=meeting.starts_at + timedelta(hours=1))  # fmt: skip
    assert "held" in str(caught.value) and "starts_at" in caught.value.message_dict
    with pytest.raises(ValidationError, match="invitation list"):
        svc.meeting_update(meeting=meeting, version=meeting.version, actor=cast.secretary, invitees=[])
    svc.meeting_update(meeting=meeting, version=meeting.version, actor=cast.secretary, title="更正后的标题")
    meeting.refresh_from_db()
    assert meeting.title == "更正后的标题" and meeting.invitee_count == 2


def test_a_cancelled_meeting_cannot_change(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    svc.meeting_cancel(meeting=meeting, reason="时间冲突", actor=cast.secretary)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="cancelled"):
        svc.meeting_update(meeting=meeting, version=meeting.version, actor=cast.secretary, title="新")


# --- cancelling and notices -----------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_and_tells_the_invitees(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    with pytest.raises(ValidationError) as caught:
        svc.meeting_cancel(meeting=meeting, reason="  ", actor=cast.secretary)
    assert "reason" in caught.value.message_dict
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED
    svc.meeting_cancel(meeting=meeting, reason="与全局会议冲突", actor=cast.secretary)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason == "与全局会议冲突"
    note = Notification.objects.get(user=cast.member, kind=svc.CANCEL_KIND)
    assert "与全局会议冲突" in note.body
    with pytest.raises(ValidationError, match="already cancelled"):
        svc.meeting_cancel(meeting=meeting, reason="再取消", actor=cast.secretary)


def test_a_held_meeting_cannot_be_cancelled(cast):
    meeting = attend_all(meeting_make(cast.tree.branch_a, days=-1))
    with pytest.raises(ValidationError, match="held"):
        svc.meeting_cancel(meeting=meeting, reason="补取消", actor=cast.secretary)


def test_the_notice_reaches_each_invitee_with_a_login_once_and_again_as_a_change(cast):
    meeting = meeting_make(
        cast.tree.branch_a, days=5, place="301会议室", agenda=["学习党章", "讨论发展党员"], topic="学党章"
    )
    assert svc.meeting_notify(meeting=meeting, actor=cast.secretary) == 1  # only 张伟 has a login
    assert svc.meeting_notify(meeting=meeting, actor=cast.secretary) == 0
    note = Notification.objects.get(user=cast.member)
    assert meeting.title in note.title and "301会议室" in note.body and "2. 讨论发展党员" in note.body
    assert note.url == f"/orglife/meetings/{meeting.pk}/"
    meeting.refresh_from_db()
    assert meeting.notified_at is not None
    svc.meeting_update(meeting=meeting, version=meeting.version, actor=cast.secretary, place="502会议室")
    assert svc.meeting_notify(meeting=meeting, actor=cast.secretary) == 1
    changed = Notification.objects.filter(user=cast.member).latest("pk")
    assert changed.pk != note.pk and "502会议室" in changed.body
    assert Notification.objects.filter(user=cast.member).count() == 2


def test_no_notice_for_a_meeting_that_started_or_was_cancelled(cast):
    started = meeting_make(cast.tree.branch_a, days=-1)
    with pytest.raises(ValidationError, match="started"):
        svc.meeting_notify(meeting=started, actor=cast.secretary)
    assert not Notification.objects.filter(kind=svc.NOTICE_KIND).exists()


# --- invitations ---------------------------------------------------------------------------------------------


def test_invitees_come_from_the_units_subtree_and_are_fixed_once_attendance_is_in(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5, invitees=[cast.members["a1"]])
    with pytest.raises(ValidationError, match="subordinate units"):
        svc.invitee_add(meeting=meeting, members=[cast.members["b1"]], actor=cast.secretary)
    added = svc.invitee_add(meeting=meeting, members=[cast.members["a2"], cast.members["a1"]], actor=cast.secretary)
    assert [a.name for a in added] == ["李娜"]
    meeting.refresh_from_db()
    assert meeting.invitee_count == 2
    svc.invitee_remove(meeting=meeting, attendee=meeting.attendees.get(member=cast.members["a2"]), actor=cast.secretary)
    assert Meeting.objects.get(pk=meeting.pk).invitee_count == 1
    held = attend_all(meeting_make(cast.tree.branch_a, days=-1))
    with pytest.raises(ValidationError, match="Attendance has been recorded"):
        svc.invitee_remove(meeting=held, attendee=held.attendees.first(), actor=cast.secretary)
    assert held.attendees.count() == 2


def test_an_attendee_of_another_meeting_cannot_be_removed_through_this_one(cast):
    one, other = meeting_make(cast.tree.branch_a, days=5), meeting_make(cast.tree.branch_a, days=6)
    with pytest.raises(ValidationError):
        svc.invitee_remove(meeting=one, attendee=other.attendees.first(), actor=cast.secretary)
    assert other.attendees.count() == 2


def test_guests_need_a_name_and_do_not_count_towards_the_quorum(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    with pytest.raises(ValidationError):
        svc.guest_add(meeting=meeting, name=" ", unit="机关纪委", actor=cast.secretary)
    guest = svc.guest_add(meeting=meeting, name="陈主任", unit="机关纪委", actor=cast.secretary)
    assert guest.is_guest and Meeting.objects.get(pk=meeting.pk).invitee_count == 2


# --- the member's part ---------------------------------------------------------------------------------------


def test_a_member_replies_for_themself_only(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    row = att.attendee_rsvp(attendee=_mine(meeting, cast), answer=Rsvp.YES, actor=cast.member)
    assert row.rsvp == Rsvp.YES and row.rsvp_at is not None
    other = meeting.attendees.get(member=cast.members["a2"])
    with pytest.raises(PermissionDenied):
        att.attendee_rsvp(attendee=other, answer=Rsvp.YES, actor=cast.member)
    with pytest.raises(PermissionDenied):
        att.attendee_rsvp(attendee=_mine(meeting, cast), answer=Rsvp.NO, actor=cast.secretary)
    assert meeting.attendees.get(pk=other.pk).rsvp == Rsvp.PENDING
    assert att.my_attendee(meeting, cast.secretary) is None


def test_leave_needs_a_reason_and_is_asked_for_before_the_start(cast):
    meeting = _soon(cast, minutes=30)
    with pytest.raises(ValidationError) as caught:
        att.leave_request(attendee=_mine(meeting, cast), reason=" ", actor=cast.member)
    assert "reason" in caught.value.message_dict
    row = att.leave_request(attendee=_mine(meeting, cast), reason="出差", actor=cast.member)
    assert row.leave_status == LeaveStatus.REQUESTED and row.rsvp == Rsvp.NO
    started = _soon(cast, minutes=-5)
    with pytest.raises(ValidationError, match="before the meeting starts"):
        att.leave_request(attendee=_mine(started, cast), reason="出差", actor=cast.member)
    assert _mine(started, cast).leave_status == LeaveStatus.NONE


def test_approved_leave_marks_the_member_on_leave_and_tells_them(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    row = att.leave_request(attendee=_mine(meeting, cast), reason="出差", actor=cast.member)
    with pytest.raises(PermissionDenied):
        att.leave_decide(attendee=row, approve=True, actor=cast.organiser)  # org commissioner: no orglife.approve
    with pytest.raises(PermissionDenied):
        att.leave_decide(attendee=row, approve=True, actor=cast.secretary_b)
    row = att.leave_decide(attendee=row, approve=True, actor=cast.secretary)
    assert row.leave_status == LeaveStatus.APPROVED and row.presence == Presence.ON_LEAVE
    assert row.absence_reason == "出差"
    assert Notification.objects.filter(user=cast.member, kind="orglife.leave_decision").count() == 1
    with pytest.raises(ValidationError, match="no leave request"):
        att.leave_decide(attendee=row, approve=False, actor=cast.secretary)


def test_saying_yes_withdraws_a_leave_request(cast):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    att.leave_request(attendee=_mine(meeting, cast), reason="出差", actor=cast.member)
    row = att.attendee_rsvp(attendee=_mine(meeting, cast), answer=Rsvp.YES, actor=cast.member)
    assert row.leave_status == LeaveStatus.NONE and row.leave_reason == ""


def test_self_check_in_with_the_code_inside_the_window(cast):
    meeting = _soon(cast, minutes=10)
    with pytest.raises(ValidationError) as caught:
        att.checkin_self(meeting=meeting, code="000000" if meeting.checkin_code != "000000" else "111111",
                         actor=cast.member)  # fmt: skip
    assert "code" in caught.value.message_dict and "not this meeting's code" in str(caught.value)
    row = att.checkin_self(meeting=meeting, code=f" {meeting.checkin_code} ", actor=cast.member)
    assert row.presence == Presence.PRESENT and row.checkin_method == CheckinMethod.SELF
    again = att.checkin_self(meeting=meeting, code=meeting.checkin_code, actor=cast.member)
    assert again.checked_in_at == row.checked_in_at
    meeting.refresh_from_db()
    assert meeting.present_count == 1
    assert AuditEvent.objects.filter(action="orglife.checkin_self").count() == 1


def test_checking_in_more_than_a_quarter_of_an_hour_late_is_late(cast):
    meeting = _soon(cast, minutes=-20)
    assert att.checkin_self(meeting=meeting, code=meeting.checkin_code, actor=cast.member).presence == Presence.LATE


@pytest.mark.parametrize("minutes", [45, -300], ids=["too-early", "closed"])
def test_self_check_in_outside_the_window_is_refused(cast, minutes):
    meeting = _soon(cast, minutes=minutes)
    with pytest.raises(ValidationError, match=r"opens at|closed"):
        att.checkin_self(meeting=meeting, code=meeting.checkin_code, actor=cast.member)
    assert _mine(meeting, cast).presence == Presence.UNKNOWN


def test_only_invitees_check_in(cast):
    meeting = _soon(cast, minutes=5)
    with pytest.raises(ValidationError, match="invitation list"):
        att.checkin_self(meeting=meeting, code=meeting.checkin_code, actor=cast.secretary)


def test_the_recorder_may_record_attendance(cast):
    meeting = meeting_make(cast.tree.branch_a, days=-1, recorder=cast.members["a1"])
    assert svc.may_record(cast.member, meeting) and not svc.may_manage(cast.member, meeting)
    assert svc.may_record(cast.secretary, meeting) and not svc.may_record(cast.secretary_b, meeting)
    other = meeting_make(cast.tree.branch_a, days=-1)
    assert not svc.may_record(cast.member, other)
