"""Identification rounds over the API: the list, one round, its progress and comparison narrowed to the
caller's units, what opening would copy, opening and closing -- and the same refusals as the pages."""

from __future__ import annotations

import pytest

from qinglian.core.tests.web import count_queries
from qinglian.risks.models import RiskPoint, RiskRound
from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year
from qinglian.risks.vocab import PointStatus

LAST = this_year() - 1


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def rounds(cast):
    tree, members = cast.tree, cast.members
    closed = round_make(tree.root, year=LAST, closed=True, title="去年的排查")
    kept = point_make(closed, org=tree.branch_a, title="第一支部去年的点", measures=[("对账", members["a1"])])
    point_make(closed, org=tree.branch_b, title="第二支部去年的点", measures=[("会签", members["b1"])])
    member_leave(members["b1"])
    current = round_make(tree.root, previous=closed, title="今年的排查")
    post_make(tree.branch_a, "出纳")
    point_make(current, org=tree.branch_a, title="第一支部改写的点", copied_from=kept, status=PointStatus.PROPOSED)
    point_make(current, org=tree.branch_b, title="第二支部新增的点", status=PointStatus.REVIEWED)
    return closed, current


def _post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_the_list_and_one_round(cast, login, api, rounds):
    closed, current = rounds
    client = login(cast.secretary_b)
    listed = client.get("/api/v1/risks/rounds").json()
    assert [r["title"] for r in listed["items"]] == ["今年的排查", "去年的排查"]
    assert client.get("/api/v1/risks/rounds", {"status": "closed"}).json()["count"] == 1
    one = client.get(f"/api/v1/risks/rounds/{current.pk}").json()
    assert one["status"] == "open" and one["previous_id"] == closed.pk and one["organisation_name"] == "机关党委"


def test_the_list_reads_a_constant_number_of_queries(cast, login, rounds):
    client = login(cast.office)
    client.get("/api/v1/risks/rounds")
    one = count_queries(lambda: client.get("/api/v1/risks/rounds"))
    for year in range(LAST - 4, LAST):
        round_make(cast.tree.root, year=year, closed=True)
    assert count_queries(lambda: client.get("/api/v1/risks/rounds")) == one


def test_progress_and_diff_are_narrowed_to_the_callers_units(cast, login, api, rounds):
    _closed, current = rounds
    client = login(cast.office)
    progress = client.get(f"/api/v1/risks/rounds/{current.pk}/progress").json()
    assert {u["organisation_name"]: u["posts_covered"] for u in progress["units"]} == {"第一党支部": 0, "第二党支部": 0}
    assert progress["total"]["points"] == 2 and progress["total"]["posts"] == 1
    diff = client.get(f"/api/v1/risks/rounds/{current.pk}/diff").json()
    assert [p["title"] for p in diff["added"]] == ["第二支部新增的点"]
    (change,) = diff["changed"]
    assert change["old"]["title"] == "第一支部去年的点"
    assert {f["name"] for f in change["fields"]} == {"title", "description", "measures"}
    assert [p["title"] for p in diff["left_out"]] == ["第二支部去年的点"]
    client = login(cast.secretary)
    progress = client.get(f"/api/v1/risks/rounds/{current.pk}/progress").json()
    assert [u["organisation_name"] for u in progress["units"]] == ["第一党支部"]
    diff = client.get(f"/api/v1/risks/rounds/{current.pk}/diff").json()
    assert diff["added"] == [] and diff["left_out"] == [] and len(diff["changed"]) == 1


def test_opening_a_round_copies_and_reports_the_warnings(cast, login, api, rounds):
    closed, current = rounds
    RiskPoint.objects.filter(round=current).delete()  # this year's round not opened yet
    current.delete()
    client = login(cast.office)
    plan = client.get("/api/v1/risks/rounds/copy-plan", {"organisation_id": cast.tree.root.pk}).json()
    assert plan["source_id"] == closed.pk and plan["points"] == 2 and len(plan["warnings"]) == 1
    payload = {"organisation_id": cast.tree.root.pk, "year": this_year(), "title": "接口开启的排查"}
    response = _post(client, "/api/v1/risks/rounds", payload)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "due_on"
    response = _post(client, "/api/v1/risks/rounds", {**payload, "due_on": day(15).isoformat()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["copied"] == 2 and "会签" in body["warnings"][0] and body["previous_id"] == closed.pk
    response = _post(client, "/api/v1/risks/rounds", {**payload, "due_on": day(15).isoformat()})
    assert response.status_code == 422  # one round a year


def test_closing_over_the_api(cast, login, api, rounds):
    _closed, current = rounds
    client = login(cast.office)
    url = f"/api/v1/risks/rounds/{current.pk}/close"
    response = _post(client, url, {"version": current.version})
    assert response.status_code == 422 and "still await" in response.json()["error"]["details"][0]["message"]
    RiskPoint.objects.filter(round=current).update(status="approved")
    assert _post(client, url, {"version": current.version + 1}).status_code == 409
    response = _post(client, url, {"version": current.version})
    assert response.status_code == 200 and response.json()["status"] == "closed"


def _404(response):
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_refuses_those_who_may_not(cast, login, api, rounds):
    _closed, current = rounds
    for user in (cast.member, cast.outsider, cast.propagandist):
        client = login(user)
        assert client.get("/api/v1/risks/rounds").json()["count"] == 0
        _404(client.get(f"/api/v1/risks/rounds/{current.pk}"))
        _404(client.get(f"/api/v1/risks/rounds/{current.pk}/progress"))
        _404(client.get(f"/api/v1/risks/rounds/{current.pk}/diff"))
    for user in (cast.secretary, cast.secretary_b, cast.auditor, cast.inspector):
        client = login(user)
        _404(_post(client, f"/api/v1/risks/rounds/{current.pk}/close", {"version": current.version}))
        _404(client.get("/api/v1/risks/rounds/copy-plan", {"organisation_id": cast.tree.root.pk}))
        payload = {
            "organisation_id": cast.tree.root.pk,
            "year": this_year() + 1,
            "title": "越权",
            "due_on": "2099-01-01",
        }
        _404(_post(client, "/api/v1/risks/rounds", payload))
    current.refresh_from_db()
    assert current.status == "open" and not RiskRound.objects.filter(title="越权").exists()
