"""Monitoring over the API: the warnings and the heat map of a unit's subtree, narrowed to the caller's units."""

from __future__ import annotations

import pytest

from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def register(cast):
    tree, members = cast.tree, cast.members
    in_force = round_make(tree.root, year=this_year() - 1, closed=True)
    point_make(
        in_force, org=tree.branch_a, title="第一支部逾期", next_review_on=day(-3), level=1, likelihood=5, impact=5
    )
    point_make(in_force, org=tree.branch_b, title="第二支部逾期", next_review_on=day(-1), process="procurement")
    point_make(in_force, org=tree.branch_b, title="第二支部无主", measures=[("会签", members["b1"])], level=3)
    post_make(tree.branch_b, "采购员")
    member_leave(members["b1"])


def test_the_warnings_of_a_unit(cast, login, api, register):
    client = login(cast.office)
    cards = {c["key"]: c for c in client.get("/api/v1/risks/warnings").json()}
    assert cards["reviews_overdue"]["count"] == 2
    assert [p["title"] for p in cards["reviews_overdue"]["points"]] == ["第一支部逾期", "第二支部逾期"]
    (measure,) = cards["measures_unowned"]["measures"]
    assert measure["text"] == "会签" and measure["owner_name"] == "王芳" and measure["owner_status"] == "转出"
    assert [p["name"] for p in cards["posts_uncovered"]["posts"]] == ["采购员"]
    cards = {c["key"]: c for c in client.get("/api/v1/risks/warnings", {"org_id": cast.tree.branch_a.pk}).json()}
    assert [p["title"] for p in cards["reviews_overdue"]["points"]] == ["第一支部逾期"]
    cards = {c["key"]: c for c in login(cast.secretary_b).get("/api/v1/risks/warnings").json()}
    assert [p["title"] for p in cards["reviews_overdue"]["points"]] == ["第二支部逾期"]


def test_the_heat_map_of_a_unit(cast, login, api, register):
    body = login(cast.office).get("/api/v1/risks/heat-map").json()
    rows = {r["organisation_name"]: r for r in body["rows"]}
    assert set(rows) == {"第一党支部", "第二党支部"}
    assert rows["第二党支部"]["total"]["counts"] == {"1": 0, "2": 1, "3": 1}
    assert rows["第一党支部"]["total"]["highest"] == 1
    assert body["total"]["total"] == 3
    corner = next(c for c in body["matrix"] if c["likelihood"] == 5 and c["impact"] == 5)
    assert corner["count"] == 1 and corner["rating"] == "extreme"
    assert body["outside_matrix"] == 0


def test_monitoring_refuses_those_without_the_register_and_other_branches(cast, login, api, register):
    for user in (cast.member, cast.outsider, cast.propagandist):
        client = login(user)
        assert client.get("/api/v1/risks/warnings").status_code == 404
        assert client.get("/api/v1/risks/heat-map").status_code == 404
    client = login(cast.secretary)
    for url in ("/api/v1/risks/warnings", "/api/v1/risks/heat-map"):
        response = client.get(url, {"org_id": cast.tree.branch_b.pk})
        assert response.status_code == 404 and "第二" not in response.content.decode()
