"""Meetings over the API: the same rules as the pages, 409 on a stale version, 404 across units."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import LeaveStatus, MeetingStatus, Presence, Rsvp

BASE = "/api/v1/orglife/meetings"
JSON = "application/json"


def _start(days=7, hour=14):
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour)).isoformat()


def test_schedule_read_update_and_a_stale_version_is_409(cast, login):
    client = login(cast.secretary)
    payload = {
        "organisation_id": cast.tree.branch_a.pk,
        "kind": "general_meeting",
        "title": "接口安排的党员大会",
        "starts_at": _start(),
        "place": "301会议室",
        "agenda": ["学习党章"],
        "host_id": cast.members["a1"].pk,
        "guests": [{"name": "陈主任", "unit": "机关纪委"}],
    }
    created = client.post(BASE, payload, JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["invitee_count"] == 2 and len(body["attendees"]) == 3 and len(body["checkin_code"]) == 6
    url = f"{BASE}/{body['id']}"
    updated = client.post(url, {"version": body["version"], "place": "502会议室"}, JSON)
    assert updated.status_code == 200 and updated.json()["place"] == "502会议室"
    stale = client.post(url, {"version": body["version"], "place": "旧的"}, JSON)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert Meeting.objects.get(pk=body["id"]).place == "502会议室"


def test_bad_input_is_422_naming_the_field_and_saves_nothing(cast, login):
    client = login(cast.secretary)
    base = {"organisation_id": cast.tree.branch_a.pk, "kind": "party_lecture", "title": "党课", "starts_at": _start()}
    response = client.post(BASE, base, JSON)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["lecturer"]
    early = {**base, "kind": "general_meeting", "ends_at": _start(hour=9)}
    assert client.post(BASE, early, JSON).json()["error"]["details"][0]["field"] == "ends_at"
    # A member of the sibling branch is not someone the secretary may name at all.
    assert client.post(BASE, {**base, "lecturer_id": cast.members["b1"].pk}, JSON).status_code == 404
    assert not Meeting.objects.exists()


def test_the_sibling_branchs_meeting_is_404(cast, login):
    meeting = meeting_make(cast.tree.branch_b, days=3, title="第二支部的会")
    client = login(cast.secretary)
    for method, url, data in [
        ("get", f"{BASE}/{meeting.pk}", {}),
        ("post", f"{BASE}/{meeting.pk}", {"version": 1, "title": "越权"}),
        ("post", f"{BASE}/{meeting.pk}/cancel", {"reason": "越权"}),
        ("post", f"{BASE}/{meeting.pk}/notify", {}),
        ("post", f"{BASE}/{meeting.pk}/guests", {"name": "越权"}),
        ("get", f"{BASE}/{meeting.pk}/meeting.ics", {}),
    ]:
        response = getattr(client, method)(url, data, JSON) if method == "post" else client.get(url)
        assert response.status_code == 404, (url, response.content)
        assert "第二支部的会" not in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).title == "第二支部的会"
    listed = client.get(BASE).json()["items"]
    assert "第二支部的会" not in {m["title"] for m in listed}


def test_a_member_replies_asks_for_leave_and_the_secretary_decides(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=3)
    member = login(cast.member)
    detail = member.get(f"{BASE}/{meeting.pk}").json()
    assert detail["checkin_code"] == ""  # the code is shown at the meeting, not sent to members
    assert member.post(f"{BASE}/{meeting.pk}/rsvp", {"answer": "yes"}, JSON).json()["rsvp"] == Rsvp.YES
    leave = member.post(f"{BASE}/{meeting.pk}/leave", {"reason": "出差"}, JSON).json()
    assert leave["leave_status"] == LeaveStatus.REQUESTED
    refused = member.post(f"{BASE}/{meeting.pk}/attendees/{leave['id']}/leave", {"approve": True}, JSON)
    assert refused.status_code == 404
    secretary = Client()
    secretary.force_login(cast.secretary)
    secretary.cookies["django_language"] = "en"
    decided = secretary.post(f"{BASE}/{meeting.pk}/attendees/{leave['id']}/leave", {"approve": True}, JSON)
    assert decided.json()["presence"] == Presence.ON_LEAVE
    not_invited = secretary.post(f"{BASE}/{meeting.pk}/rsvp", {"answer": "no"}, JSON)
    assert not_invited.status_code == 422 and "invitation list" in not_invited.json()["error"]["details"][0]["message"]


def test_check_in_and_attendance_over_the_api(cast, login):
    meeting = meeting_make(cast.tree.branch_a, starts_at=timezone.now() - timedelta(minutes=5))
    member = login(cast.member)
    wrong = member.post(f"{BASE}/{meeting.pk}/checkin", {"code": "x"}, JSON)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"][0]["field"] == "code"
    assert member.post(f"{BASE}/{meeting.pk}/checkin", {"code": meeting.checkin_code}, JSON).json()["presence"] == (
        Presence.PRESENT
    )
    assert member.post(f"{BASE}/{meeting.pk}/attendance", {"rows": []}, JSON).status_code == 404
    a2 = Attendee.objects.get(meeting=meeting, member=cast.members["a2"])
    secretary = Client()
    secretary.force_login(cast.secretary)
    rows = [{"attendee_id": a2.pk, "presence": "absent", "reason": "病假"}]
    recorded = secretary.post(f"{BASE}/{meeting.pk}/attendance", {"rows": rows, "version": meeting.version}, JSON)
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["status"] == MeetingStatus.HELD and recorded.json()["present_count"] == 1
    stranger = meeting_make(cast.tree.branch_a, days=-3).attendees.first()
    bad = secretary.post(f"{BASE}/{meeting.pk}/attendance", {"rows": [{"attendee_id": stranger.pk,
                                                                       "presence": "present"}]}, JSON)  # fmt: skip
    assert bad.status_code == 422


def test_invitees_notice_and_cancel_over_the_api(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=3, invitees=[cast.members["a2"]])
    client = login(cast.secretary)
    body = client.post(f"{BASE}/{meeting.pk}/invitees", {"member_ids": [cast.members["a1"].pk]}, JSON).json()
    assert body["invitee_count"] == 2
    assert client.post(f"{BASE}/{meeting.pk}/notify").json() == {"sent": 1}
    assert client.post(f"{BASE}/{meeting.pk}/notify").json() == {"sent": 0}
    a2 = Attendee.objects.get(meeting=meeting, member=cast.members["a2"])
    assert client.delete(f"{BASE}/{meeting.pk}/attendees/{a2.pk}").json()["invitee_count"] == 1
    cancelled = client.post(f"{BASE}/{meeting.pk}/cancel", {"reason": "时间冲突"}, JSON).json()
    assert cancelled["status"] == MeetingStatus.CANCELLED


def test_ics_for_a_unit_year_and_for_me(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=2, title="年度日历里的会")
    client = login(cast.secretary)
    year = meeting.starts_on.year
    unit = client.get(f"{BASE}/calendar.ics", {"org_id": cast.tree.branch_a.pk, "year": year})
    assert unit["Content-Type"].startswith("text/calendar") and "SUMMARY:年度日历里的会" in unit.content.decode()
    assert client.get(f"{BASE}/calendar.ics", {"org_id": cast.tree.branch_b.pk, "year": year}).status_code == 404
    mine = login(cast.member).get(f"{BASE}/mine.ics").content.decode()
    assert "SUMMARY:年度日历里的会" in mine


def test_the_list_filters_paginates_and_its_query_count_does_not_grow(cast, login):
    client = login(cast.secretary)
    attend_all(meeting_make(cast.tree.branch_a, days=-5, title="已开的会"))
    client.get(BASE)
    few = count_queries(lambda: client.get(BASE))
    for i in range(10):
        meeting_make(cast.tree.group_a, kind="group_meeting", days=i + 1, title=f"小组会{i}")
    assert count_queries(lambda: client.get(BASE)) == few
    body = client.get(BASE, {"status": "held"}).json()
    assert body["count"] == 1 and body["items"][0]["title"] == "已开的会"
    assert client.get(BASE, {"org_id": cast.tree.group_a.pk}).json()["count"] == 10
