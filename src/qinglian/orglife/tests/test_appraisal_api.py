"""Democratic appraisal over the API: the same steps and refusals as the pages, in the API's error format."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import AppraisalEntry, AppraisalRound
from qinglian.orglife.tests.factories import appraisal_people, appraisal_round_at, meeting_make
from qinglian.orglife.vocab import MeetingKind

YEAR = timezone.localdate().year
API = "/api/v1/orglife/appraisal"


@pytest.fixture
def people(cast, client):
    client.cookies["django_language"] = "en"
    return appraisal_people(cast)


def _post(client, url, data=None, status=200):
    response = client.post(url, data or {}, content_type="application/json")
    assert response.status_code == status, response.content.decode()
    return response.json()


def _message(body) -> str:
    return " ".join([body["error"]["message"], *[d["message"] for d in body["error"].get("details", [])]])


def test_a_round_over_the_api(people, client):
    branch_a = people.tree.branch_a
    client.force_login(people.secretary)
    round = _post(client, f"{API}/rounds", {"org_id": branch_a.pk, "year": YEAR}, status=201)
    assert round["status"] == "self" and round["members"] == 4 and round["probationary"] == 1
    assert round["excellent_cap"] == 1 and round["graded_members"] == 3
    rid = round["id"]
    ids = {e["member_name"]: e["id"] for e in round["entries"]}
    again = _post(client, f"{API}/rounds", {"org_id": branch_a.pk, "year": YEAR}, status=422)
    assert "once a year" in _message(again)

    client.force_login(people.member)
    mine = client.get(f"{API}/rounds/{rid}/me").json()
    assert mine["member_name"] == "张伟" and mine["voted"] is False
    mine = _post(client, f"{API}/rounds/{rid}/self-assessment", {"text": "坚定理想信念。"})
    assert mine["self_submitted_at"] and mine["self_assessment"] == "坚定理想信念。"

    client.force_login(people.secretary)
    round = _post(client, f"{API}/rounds/{rid}/transition", {"to_status": "peer", "version": round["version"]})
    assert round["status"] == "peer"

    client.force_login(people.member)
    ballot = {"grades": {str(ids["李娜"]): "优秀", str(ids["周强"]): "合格"}}
    assert _post(client, f"{API}/rounds/{rid}/vote", ballot, status=201) == {"round_id": rid, "voted": True}
    twice = _post(client, f"{API}/rounds/{rid}/vote", ballot, status=422)
    assert "already voted" in _message(twice)

    client.force_login(people.secretary)
    round = client.get(f"{API}/rounds/{rid}").json()
    assert all(e["peer"] is None for e in round["entries"])  # hidden while voting is open
    masses = {"counts": {str(ids["张伟"]): {"优秀": 2, "合格": 8}}, "version": round["version"]}
    round = _post(client, f"{API}/rounds/{rid}/masses", masses)
    assert {e["member_name"]: e["masses"] for e in round["entries"]}["张伟"] == {"优秀": 2, "合格": 8}
    round = _post(client, f"{API}/rounds/{rid}/transition", {"to_status": "proposal", "version": round["version"]})
    assert {e["member_name"]: e["peer"] for e in round["entries"]}["李娜"] == {"优秀": 1}

    bad = {"grades": {str(ids["张伟"]): "良好"}, "version": round["version"]}
    body = _post(client, f"{API}/rounds/{rid}/propose", bad, status=422)
    assert body["error"]["code"] == "invalid" and "“良好” is not an official grade" in _message(body)
    over = {"grades": {str(ids["张伟"]): "优秀", str(ids["李娜"]): "优秀"}, "version": round["version"]}
    assert "at most 1 of the 3" in _message(_post(client, f"{API}/rounds/{rid}/propose", over, status=422))
    probationary = {"grades": {str(ids["陈静"]): "合格"}, "version": round["version"]}
    assert "陈静" in _message(_post(client, f"{API}/rounds/{rid}/propose", probationary, status=422))
    skip = _post(client, f"{API}/rounds/{rid}/transition", {"to_status": "reported", "version": round["version"]}, 422)
    assert "taken in order" in _message(skip)

    grades = {str(ids["张伟"]): "优秀", str(ids["李娜"]): "合格", str(ids["周强"]): "不合格"}
    round = _post(client, f"{API}/rounds/{rid}/propose", {"grades": grades, "version": round["version"]})
    stale = round["version"] - 1
    conflict = _post(client, f"{API}/rounds/{rid}/transition", {"to_status": "decision", "version": stale}, 409)
    assert conflict["error"]["code"] == "conflict"
    round = _post(client, f"{API}/rounds/{rid}/transition", {"to_status": "decision", "version": round["version"]})
    meeting = meeting_make(people.tree.branch_a, kind=MeetingKind.GENERAL_MEETING, days=-1)
    decision = {"grades": grades, "version": round["version"], "meeting_id": meeting.pk}
    round = _post(client, f"{API}/rounds/{rid}/decide", decision)
    assert round["meeting_id"] == meeting.pk and round["decided_on"] == meeting.starts_on.isoformat()
    round = _post(client, f"{API}/rounds/{rid}/transition", {"to_status": "notified", "version": round["version"]})
    round = _post(client, f"{API}/rounds/{rid}/tell", {"version": round["version"]})
    assert all(e["told_at"] for e in round["entries"])

    zhou = next(e for e in round["entries"] if e["member_name"] == "周强")
    assert zhou["follow_up_status"] == "open"
    entry = _post(
        client, f"{API}/entries/{zhou['id']}/follow-up", {"measure": "组织处置。", "version": zhou["version"]}
    )
    assert entry["follow_up_measure"] == "组织处置。"

    client.force_login(people.member)
    mine = _post(client, f"{API}/rounds/{rid}/acknowledge")
    assert mine["final_grade"] == "优秀" and mine["acknowledged_at"]

    client.force_login(people.secretary)
    round = _post(client, f"{API}/rounds/{rid}/report", {"version": round["version"]})
    assert round["status"] == "reported" and round["reported_at"]
    entry = _post(client, f"{API}/entries/{zhou['id']}/follow-up/done", {})
    assert entry["follow_up_status"] == "done"

    results = client.get(f"{API}/results", {"org_id": people.tree.branch_a.pk, "year": YEAR}).json()
    row = next(r for r in results["rows"] if r["organisation_name"] == "第一党支部")
    assert row["counts"] == {
        "优秀": 1,
        "合格": 1,
        "基本合格": 0,
        "不合格": 1,
        "probationary": 1,
        "ungraded": 0,
        "total": 4,
    }
    assert row["rounds"] == 1 and results["rows"][-1]["total_row"]


def test_another_units_round_answers_404(people, client):
    round = appraisal_round_at(people.tree.branch_b, "proposal")
    entry = AppraisalEntry.objects.filter(round=round).first()
    client.force_login(people.secretary)
    for method, url, data in [
        ("get", f"{API}/rounds/{round.pk}", None),
        ("post", f"{API}/rounds/{round.pk}/transition", {"to_status": "decision", "version": round.version}),
        ("post", f"{API}/rounds/{round.pk}/propose", {"grades": {str(entry.pk): "合格"}}),
        ("post", f"{API}/rounds/{round.pk}/vote", {"grades": {}}),
        ("get", f"{API}/rounds/{round.pk}/me", None),
        ("post", f"{API}/entries/{entry.pk}/follow-up", {"measure": "越权"}),
        ("post", f"{API}/rounds", {"org_id": people.tree.branch_b.pk, "year": YEAR - 1}),
    ]:
        response = client.post(url, data, content_type="application/json") if method == "post" else client.get(url)
        assert response.status_code == 404, (url, response.content)
        assert "第二党支部" not in response.content.decode()
    assert AppraisalEntry.objects.get(pk=entry.pk).proposed_grade == ""
    assert not AppraisalRound.objects.filter(year=YEAR - 1).exists()


def test_a_member_reads_grades_only_once_they_are_told(people, client):
    round = appraisal_round_at(people.tree.branch_a, "decision")
    client.force_login(people.member)  # orglife.view at branch_a, not appraise
    body = client.get(f"{API}/rounds/{round.pk}").json()
    assert all(e.get("proposed_grade") is None and e.get("final_grade") is None for e in body["entries"])
    assert all(e.get("self_assessment") is None for e in body["entries"])
    refused = client.post(
        f"{API}/rounds/{round.pk}/transition", {"to_status": "notified", "version": 1}, "application/json"
    )
    assert refused.status_code == 404


def test_the_round_list_does_not_grow_in_queries_with_rounds(people, client):
    client.force_login(people.office)
    appraisal_round_at(people.tree.branch_a, "self")
    client.get(f"{API}/rounds")  # the first request after logging in also saves the session
    few = count_queries(lambda: client.get(f"{API}/rounds"))
    for year in range(YEAR - 4, YEAR):
        appraisal_round_at(people.tree.branch_a, "notified", year=year)
        appraisal_round_at(people.tree.branch_b, "self", year=year)
    assert count_queries(lambda: client.get(f"{API}/rounds")) == few
    assert client.get(f"{API}/rounds").json()["count"] == 9
