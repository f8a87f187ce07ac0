"""The meeting pages as people use them: scheduling, the meeting's page, replies, check-in, calendars, .ics."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.services import attendance as att
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import LeaveStatus, MeetingKind, MeetingStatus, Presence, Rsvp


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def _form(cast, **fields):
    day = timezone.localdate() + timedelta(days=7)
    data = {
        "organisation": cast.tree.branch_a.pk,
        "kind": MeetingKind.GENERAL_MEETING,
        "title": "第一季度党员大会",
        "topic": "学党章",
        "day": day.isoformat(),
        "start_time": "14:30",
        "end_time": "16:30",
        "place": "301会议室",
        "agenda": "学习党章\n\n讨论发展党员",
        "host": cast.members["a1"].pk,
        "recorder": cast.members["a2"].pk,
        "invitees": [cast.members["a1"].pk, cast.members["a2"].pk],
        "guests": "陈主任, 机关纪委\n王老师，市委党校",
    }
    data.update(fields)
    return data


def test_the_form_ticks_the_expected_members_of_the_unit(cast, login):
    page = _english(login(cast.secretary)).get(reverse("orglife:meeting_create")).content.decode()
    for member in ("a1", "a2"):
        assert f'value="{cast.members[member].pk}" id="inv-{cast.members[member].pk}" checked' in page
    assert cast.members["b1"].name not in page


def test_scheduling_through_the_page_with_guests(cast, login):
    client = login(cast.secretary)
    response = client.post(reverse("orglife:meeting_create"), _form(cast))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orglife:meeting_detail", args=[meeting.pk])
    assert meeting.agenda == ["学习党章", "讨论发展党员"] and meeting.host == cast.members["a1"]
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "14:30"
    guests = {(a.guest_name, a.guest_unit) for a in meeting.attendees.guests()}
    assert guests == {("陈主任", "机关纪委"), ("王老师", "市委党校")}
    page = client.get(response["Location"]).content.decode()
    assert "第一季度党员大会" in page and "陈主任" in page and "301会议室" in page


def test_errors_keep_what_was_typed_and_save_nothing(cast, login):
    client = _english(login(cast.secretary))
    cases = [
        ({"end_time": "13:00"}, "cannot end before it starts"),
        ({"kind": MeetingKind.PARTY_LECTURE, "lecturer": "", "lecturer_name": ""}, "needs a lecturer"),
        ({"invitees": []}, "Invite at least one member"),
        ({"host": cast.members["b1"].pk}, "Select a valid choice"),  # not a member the secretary manages
        ({"invitees": [cast.members["a1"].pk, cast.members["c1"].pk]}, "not a member you can invite"),
    ]
    for fields, message in cases:
        response = client.post(reverse("orglife:meeting_create"), _form(cast, **fields))
        page = response.content.decode()
        assert response.status_code == 200 and message in page, fields
        assert "第一季度党员大会" in page and "陈主任, 机关纪委" in page, fields
    assert not Meeting.objects.exists()


def test_a_host_from_a_group_of_another_unit_is_refused_by_the_rule(cast, login):
    # The office manages everything: the form accepts the member, the service says why not.
    client = _english(login(cast.office))
    response = client.post(reverse("orglife:meeting_create"), _form(cast, host=cast.members["c1"].pk))
    assert "The host must be a member of 第一党支部" in response.content.decode()
    assert not Meeting.objects.exists()


def test_editing_with_a_stale_version_says_someone_else_changed_it(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=7, place="旧地点")
    client = _english(login(cast.secretary))
    data = _form(cast, version=meeting.version, place="我的地点")
    data.pop("organisation")
    meeting.place = "别人的地点"
    meeting.version += 1
    meeting.save()
    response = client.post(reverse("orglife:meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 409 and "Someone else changed this meeting" in response.content.decode()
    assert "我的地点" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).place == "别人的地点"


def test_editing_saves_and_asks_to_notify_again(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=7)
    client = _english(login(cast.secretary))
    client.post(reverse("orglife:meeting_notify", args=[meeting.pk]))
    data = _form(cast, version=meeting.version, place="502会议室", title="改期后的党员大会")
    response = client.post(reverse("orglife:meeting_edit", args=[meeting.pk]), data, follow=True)
    assert "Send the notice again" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.place == "502会议室" and meeting.title == "改期后的党员大会"


def test_the_page_offers_actions_by_role(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=3, recorder=cast.members["a2"])
    url = reverse("orglife:meeting_detail", args=[meeting.pk])
    secretary = _english(login(cast.secretary)).get(url).content.decode()
    assert "Send the notice" in secretary and "Cancel the meeting" in secretary and meeting.checkin_code in secretary
    member = _english(login(cast.member)).get(url).content.decode()
    assert "I will attend" in member and "Ask for leave" in member
    assert "Send the notice" not in member and meeting.checkin_code not in member and "Edit" not in member


def test_rsvp_leave_and_decision_through_the_pages(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=3)
    member = _english(login(cast.member))
    member.post(reverse("orglife:meeting_rsvp", args=[meeting.pk]), {"answer": "yes"})
    assert Attendee.objects.get(meeting=meeting, member=cast.members["a1"]).rsvp == Rsvp.YES
    response = member.post(reverse("orglife:meeting_leave", args=[meeting.pk]), {"reason": ""})
    assert response.status_code == 422 and "Give the reason" in response.content.decode()
    member.post(reverse("orglife:meeting_leave", args=[meeting.pk]), {"reason": "到省厅开会"})
    row = Attendee.objects.get(meeting=meeting, member=cast.members["a1"])
    assert row.leave_status == LeaveStatus.REQUESTED
    secretary = _english(login(cast.secretary))
    page = secretary.get(reverse("orglife:meeting_detail", args=[meeting.pk])).content.decode()
    assert "Leave requests awaiting a decision" in page and "到省厅开会" in page
    secretary.post(reverse("orglife:meeting_leave_decide", args=[meeting.pk, row.pk]), {"decision": "approve"})
    row.refresh_from_db()
    assert row.leave_status == LeaveStatus.APPROVED and row.presence == Presence.ON_LEAVE


def test_a_reply_from_someone_not_invited_is_refused_and_saves_nothing(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=3)
    client = _english(login(cast.secretary))  # may see the meeting, is not on its list
    response = client.post(reverse("orglife:meeting_rsvp", args=[meeting.pk]), {"answer": "yes"}, follow=True)
    assert "You are not on this meeting" in response.content.decode()
    assert not meeting.attendees.exclude(rsvp=Rsvp.PENDING).exists()


def test_leave_after_the_start_is_refused_with_the_reason_kept(cast, login):
    meeting = meeting_make(cast.tree.branch_a, starts_at=timezone.now() - timedelta(minutes=5))
    client = _english(login(cast.member))
    response = client.post(reverse("orglife:meeting_leave", args=[meeting.pk]), {"reason": "临时有事"})
    assert response.status_code == 422
    assert Attendee.objects.get(meeting=meeting, member=cast.members["a1"]).leave_status == LeaveStatus.NONE


def test_self_check_in_on_the_phone_page(cast, login):
    meeting = meeting_make(cast.tree.branch_a, starts_at=timezone.now() + timedelta(minutes=5))
    client = _english(login(cast.member))
    url = reverse("orglife:meeting_checkin", args=[meeting.pk])
    assert 'autocomplete="one-time-code"' in client.get(url).content.decode()
    wrong = "123456" if meeting.checkin_code != "123456" else "654321"
    response = client.post(url, {"code": wrong})
    assert response.status_code == 422 and "not this meeting&#x27;s code" in response.content.decode()
    assert wrong in response.content.decode()  # what was typed stays
    response = client.post(url, {"code": meeting.checkin_code}, follow=True)
    assert "You are checked in" in response.content.decode()
    assert Attendee.objects.get(meeting=meeting, member=cast.members["a1"]).presence == Presence.PRESENT


def test_the_projector_page_shows_the_code_to_managers_only(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=1)
    url = reverse("orglife:meeting_checkin_code", args=[meeting.pk])
    page = login(cast.secretary).get(url).content.decode()
    assert meeting.checkin_code in page and "<svg" in page
    assert login(cast.member).get(url).status_code == 404


def test_recording_attendance_marks_the_meeting_held(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=-1)
    a1, a2 = (meeting.attendees.get(member=cast.members[k]) for k in ("a1", "a2"))
    client = _english(login(cast.secretary))
    url = reverse("orglife:meeting_attendance", args=[meeting.pk])
    data = {"version": meeting.version, f"p_{a1.pk}": "present", f"p_{a2.pk}": "absent", f"r_{a2.pk}": ""}
    response = client.post(url, data)
    assert response.status_code == 200 and "Give the reason 李娜 was absent" in response.content.decode()
    data[f"r_{a2.pk}"] = "病假"
    assert client.post(url, data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.present_count == 1
    assert Attendee.objects.get(pk=a2.pk).absence_reason == "病假"


def test_cancelling_from_the_page(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=3)
    client = _english(login(cast.secretary))
    response = client.post(reverse("orglife:meeting_cancel", args=[meeting.pk]), {"reason": "", "version": 1})
    assert response.status_code == 422 and "Say why the meeting is cancelled" in response.content.decode()
    client.post(reverse("orglife:meeting_cancel", args=[meeting.pk]), {"reason": "时间冲突", "version": 1})
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED


def test_the_calendar_shows_a_meeting_on_its_day(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=2, title="日历上的党员大会")
    day = meeting.starts_on
    page = login(cast.secretary).get(reverse("orglife:calendar"), {"year": day.year, "month": day.month})
    html = page.content.decode()
    cell = html.split(f'<div class="ql-daynum">{day.day}</div>')
    assert any(part.split("</td>")[0].count("日历上的党员大会") for part in cell[1:])
    other = day.replace(day=1) + timedelta(days=40)
    html = login(cast.secretary).get(reverse("orglife:calendar"), {"year": other.year, "month": other.month})
    assert "日历上的党员大会" not in html.content.decode()


def test_my_calendar_lists_only_my_meetings(cast, login):
    mine = meeting_make(cast.tree.branch_a, days=2, title="我受邀的会议")
    meeting_make(cast.tree.branch_a, days=2, title="没请我的会议", invitees=[cast.members["a2"]])
    meeting_make(cast.tree.branch_b, days=2, title="别的支部的会议")
    day = mine.starts_on
    page = login(cast.member).get(reverse("orglife:calendar_mine"), {"year": day.year, "month": day.month})
    html = page.content.decode()
    assert "我受邀的会议" in html and "没请我的会议" not in html and "别的支部的会议" not in html
    assert (
        "Reply needed"
        in _english(login(cast.member))
        .get(reverse("orglife:calendar_mine"), {"year": day.year, "month": day.month})
        .content.decode()
    )


def test_ics_downloads(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=2, title="导出的会议", place="301会议室，三楼")
    client = login(cast.member)
    one = client.get(reverse("orglife:meeting_ics", args=[meeting.pk]))
    assert one["Content-Type"].startswith("text/calendar")
    text = one.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and f"UID:orglife-meeting-{meeting.pk}@qinglian" in text
    assert "LOCATION:301会议室，三楼" in text and "SUMMARY:导出的会议" in text
    mine = client.get(reverse("orglife:calendar_mine_ics")).content.decode()
    assert mine.count("BEGIN:VEVENT") == 1
    unit = login(cast.secretary).get(
        reverse("orglife:calendar_unit_ics", args=[cast.tree.branch_a.pk, meeting.starts_on.year])
    )
    assert f"UID:orglife-meeting-{meeting.pk}@qinglian" in unit.content.decode()


def test_list_filters_and_query_count_do_not_grow_with_rows(cast, login):
    client = login(cast.secretary)
    url = reverse("orglife:meeting_list")
    for i in range(3):
        attend_all(meeting_make(cast.tree.branch_a, days=-10 - i, title=f"往期会议{i}"))
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for i in range(12):
        meeting_make(cast.tree.group_a, kind=MeetingKind.GROUP_MEETING, days=3 + i, title=f"小组学习{i}")
    many = count_queries(lambda: client.get(url))
    assert many == few
    assert "小组学习" in client.get(url, {"kind": "group_meeting"}).content.decode()
    assert "往期会议" not in client.get(url, {"kind": "group_meeting"}).content.decode()
    held = client.get(url, {"status": "held"}).content.decode()
    assert "往期会议0" in held and "小组学习" not in held


def test_the_calendars_query_count_does_not_grow_with_rows(cast, login):
    client = login(cast.member)
    day = timezone.localdate()
    params = {"year": day.year, "month": day.month}
    meeting_make(cast.tree.branch_a, days=0, title="会0")
    client.get(reverse("orglife:calendar_mine"), params)
    few = count_queries(lambda: client.get(reverse("orglife:calendar_mine"), params))
    for i in range(8):
        meeting_make(cast.tree.branch_a, days=0, title=f"会{i + 1}")
    assert count_queries(lambda: client.get(reverse("orglife:calendar_mine"), params)) == few


def test_a_meeting_of_another_unit_is_404(cast, login):
    meeting = meeting_make(cast.tree.branch_b, days=3)
    client = login(cast.secretary)
    for name in ("meeting_detail", "meeting_edit", "meeting_ics", "meeting_checkin"):
        assert client.get(reverse(f"orglife:{name}", args=[meeting.pk])).status_code == 404, name
    assert client.post(reverse("orglife:meeting_notify", args=[meeting.pk])).status_code == 404
    assert att.my_attendee(meeting, cast.secretary) is None


def test_every_member_must_be_marked_and_the_rest_can_be_pre_marked_present(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=-1)
    a1, a2 = (meeting.attendees.get(member=cast.members[k]) for k in ("a1", "a2"))
    client = _english(login(cast.secretary))
    url = reverse("orglife:meeting_attendance", args=[meeting.pk])
    response = client.post(url, {"version": meeting.version, f"p_{a1.pk}": "present"})
    assert "Mark 李娜 present, late, absent or on leave" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED
    page = client.get(url, {"fill": "present"}).content.decode()
    assert f'id="id_p_{a2.pk}_0" value="present" autocomplete="off" checked' in page


def test_changing_the_unit_reloads_its_people(cast, login):
    client = login(cast.secretary)
    url = reverse("orglife:meeting_people")
    page = client.get(url, {"organisation": cast.tree.group_a.pk, "kind": "group_meeting"}).content.decode()
    assert "李娜" in page and "张伟" not in page
    assert client.get(url, {"organisation": cast.tree.branch_b.pk}).status_code == 404
