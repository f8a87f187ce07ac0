"""Study sessions and hours in the browser and over the API: what the secretary and the member see."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.orglife.services import attendance_record
from qinglian.orglife.tests.factories import at, meeting_make
from qinglian.orglife.vocab import Presence
from qinglian.orgs.services import member_create
from qinglian.study.models import StudyRecord, StudySession
from qinglian.study.services import hours as services

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def login(login):
    """The cast's login, with pages in English."""

    def _login(user):
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return _login


@pytest.fixture
def meeting(cast):
    """branch_a's meeting three days ago, 14:00–15:30: 张伟 present, 李娜 absent."""
    day = timezone.localdate() - timedelta(days=3)
    m = meeting_make(cast.tree.branch_a, days=-3, ends_at=at(day, 15) + timedelta(minutes=30), title="学习党章集中学习")
    rows = m.attendees.filter(member__isnull=False).select_related("member")
    presences = {a.pk: Presence.PRESENT if a.member.name == "张伟" else Presence.ABSENT for a in rows}
    return attendance_record(meeting=m, presences=presences, actor=None)


def test_secretary_counts_a_meeting_as_study_and_syncs_it(cast, login, meeting):
    client = login(cast.secretary)
    listing = client.get(reverse("study:session_from_meeting")).content.decode()
    assert "学习党章集中学习" in listing
    form = client.get(reverse("study:session_from_meeting"), {"meeting": meeting.pk}).content.decode()
    assert 'value="1.5"' in form and "张伟" in form and "李娜" not in form
    response = client.post(
        reverse("study:session_from_meeting"),
        {"meeting": meeting.pk, "title": meeting.title, "kind": "collective", "topic": "charter", "hours": "1.5"},
    )
    session = StudySession.objects.get(meeting=meeting)
    assert response.url == reverse("study:session_detail", args=[session.pk])
    page = client.get(response.url).content.decode()
    assert reverse("orglife:meeting_detail", args=[meeting.pk]) in page
    assert "Read attendance again" in page
    assert list(StudyRecord.objects.values_list("member__name", "hours")) == [("张伟", Decimal("1.5"))]

    rows = meeting.attendees.filter(member__isnull=False)
    attendance_record(
        meeting=meeting, presences=dict.fromkeys(rows.values_list("pk", flat=True), "present"), actor=None
    )
    client.post(reverse("study:session_sync", args=[session.pk]))
    assert set(session.records.values_list("member__name", flat=True)) == {"张伟", "李娜"}
    # counted now: no longer offered
    assert "学习党章集中学习" not in client.get(reverse("study:session_from_meeting")).content.decode()


def test_secretary_records_a_session_with_picked_attendees(cast, login):
    client = login(cast.secretary)
    page = client.get(reverse("study:session_create")).content.decode()
    assert "张伟" in page and "王芳" not in page
    response = client.post(
        reverse("study:session_create"),
        {
            "organisation": cast.tree.branch_a.pk,
            "kind": "lecture",
            "title": "党课：廉洁自律",
            "topic": "warning",
            "held_on": timezone.localdate().isoformat(),
            "hours": "3",
            "members": [cast.members["a1"].pk, cast.members["a2"].pk],
        },
    )
    assert response.status_code == 302
    assert StudyRecord.objects.filter(session__title="党课：廉洁自律").count() == 2
    refused = client.post(
        reverse("study:session_create"),
        {
            "organisation": cast.tree.branch_a.pk,
            "kind": "lecture",
            "title": "越权",
            "topic": "warning",
            "held_on": timezone.localdate().isoformat(),
            "hours": "3",
            "members": [cast.members["b1"].pk],
        },
    )
    assert refused.status_code == 200 and not StudySession.objects.filter(title="越权").exists()


def test_member_records_self_study_and_sees_how_much_counts(cast, login):
    client = login(cast.member)
    day = timezone.localdate().isoformat()
    for _i in range(3):
        response = client.post(reverse("study:my_hours"), {"title": "自学党章", "studied_on": day, "hours": "5"})
        assert response.status_code == 302
    page = client.get(reverse("study:my_hours")).content.decode()
    assert "Self-study: 15, of which 12 count (at most 12 a year)" in page
    assert "/ 32 hours" in page


def test_login_without_member_is_told_so(cast, login):
    page = login(cast.office).get(reverse("study:my_hours")).content.decode()
    assert "not linked to a member" in page


def test_hours_table_numbers_behind_filter_and_query_count(cast, login, django_assert_max_num_queries):
    branch_a = cast.tree.branch_a
    people = [member_create(organisation=branch_a, name=f"党员{i:02d}", gender="M", actor=None) for i in range(30)]
    services.session_create(
        org=branch_a, title="全年集中学习", held_on=timezone.localdate(), hours=40, members=people[:10], actor=None
    )
    client = login(cast.secretary)
    url = reverse("study:hours_table")
    client.get(url)
    with django_assert_max_num_queries(18):
        page = client.get(url, {"sort": "-hours"}).content.decode()
    assert page.index("党员00") < page.index("张伟")
    assert "125%" in page
    behind = client.get(url, {"behind": "1"}).content.decode()
    if timezone.localdate().timetuple().tm_yday > 5:
        assert "张伟" in behind and "党员00" not in behind


def test_hours_export_opens_in_openpyxl(cast, login):
    services.session_create(
        org=cast.tree.branch_a,
        title="集中学习",
        held_on=timezone.localdate(),
        hours=8,
        members=[cast.members["a1"]],
        actor=None,
    )
    response = login(cast.secretary).get(reverse("study:hours_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    ).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    names = {row[0]: row for row in values}
    assert names["张伟"][2] == 8 and names["张伟"][3] == 32


def test_api_from_meeting_sync_and_my_hours(cast, login, meeting):
    client = login(cast.secretary)
    created = client.post(
        "/api/v1/study/sessions/from-meeting", {"meeting_id": meeting.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["meeting_id"] == meeting.pk and body["hours"] in ("1.5", 1.5)
    assert [r["member_name"] for r in body["records"]] == ["张伟"]
    again = client.post(
        "/api/v1/study/sessions/from-meeting", {"meeting_id": meeting.pk}, content_type="application/json"
    )
    assert again.status_code == 404
    sync = client.post(f"/api/v1/study/sessions/{body['id']}/sync")
    assert sync.json() == {"added": 0, "removed": 0}
    table = client.get("/api/v1/study/hours", {"org_id": cast.tree.branch_a.pk}).json()
    assert {row["member_name"]: row["hours"] for row in table["items"]} == {"张伟": 1.5, "李娜": 0.0}
    assert client.get("/api/v1/study/hours", {"org_id": cast.tree.branch_b.pk}).status_code == 404

    member = login(cast.member)
    made = member.post(
        "/api/v1/study/hours/records",
        {"source": "self", "title": "自学", "studied_on": timezone.localdate().isoformat(), "hours": "2"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    mine = member.get("/api/v1/study/hours/mine").json()
    assert float(mine["hours"]) == 3.5 and mine["norm"] == 32
    assert member.get("/api/v1/study/hours", {"org_id": cast.tree.branch_a.pk}).status_code == 404
    assert member.delete(f"/api/v1/study/hours/records/{made.json()['id']}").status_code == 204
