"""The register over the API: the list with its filters and paging, one point, recording and changing it with its
measures and version, the workflow, reviews, incidents, posts, my points and the rules -- and its refusals."""

from __future__ import annotations

import pytest

from qinglian.core.tests.web import count_queries
from qinglian.rectification.models import Item
from qinglian.risks.models import Post, RiskPoint
from qinglian.risks.tests.factories_register import day, holder_post, move, point_approved, point_make, round_make

pytestmark = pytest.mark.usefixtures("in_english")
BASE = "/api/v1/risks"


@pytest.fixture
def risk_round(cast):
    return round_make(cast.tree.root)


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        send = getattr(client, method)
        if method in ("post", "patch"):
            return send(BASE + path, data or {}, content_type="application/json")
        return send(BASE + path, data or {})

    return call


def _new(cast, **fields) -> dict:
    payload = {
        "organisation_id": cast.tree.branch_a.pk,
        "process": "funds",
        "title": "报销审核不严",
        "description": "对报销凭证审核把关不严",
        "criteria": ["power", "discretion"],
        "likelihood": 3,
        "impact": 2,
        "measures": [{"text": "双人审核", "owner_id": cast.members["a1"].pk}],
    }
    payload.update(fields)
    return payload


def test_the_list_filters_and_pages_in_a_constant_number_of_queries(cast, risk_round, api, client):
    point_approved(cast, title="一级风险", criteria=["power", "discretion", "openness"])
    point_make(cast, title="采购风险", process="procurement")
    point_make(cast, title="第二支部的", org=cast.tree.branch_b)
    body = api(cast.secretary, "get", "/points").json()
    assert body["count"] == 2 and "第二支部的" not in {p["title"] for p in body["items"]}
    assert [p["title"] for p in api(cast.secretary, "get", "/points", {"level": 1}).json()["items"]] == ["一级风险"]
    assert api(cast.secretary, "get", "/points", {"process": "procurement"}).json()["count"] == 1
    assert api(cast.secretary, "get", "/points", {"status": "approved"}).json()["count"] == 1
    assert api(cast.office, "get", "/points", {"org_id": cast.tree.branch_b.pk}).json()["count"] == 1
    assert api(cast.secretary, "get", "/points", {"org_id": cast.tree.branch_b.pk}).status_code == 404
    client.force_login(cast.office)
    client.get(BASE + "/points")
    few = count_queries(lambda: client.get(BASE + "/points"))
    for n in range(10):
        point_make(cast, title=f"风险{n}", org=cast.tree.branch_b if n % 2 else cast.tree.branch_a)
    assert count_queries(lambda: client.get(BASE + "/points")) == few


def test_a_point_with_its_rating_measures_and_actions(cast, risk_round, api):
    point = move(point_make(cast), "propose")
    body = api(cast.secretary, "get", f"/points/{point.pk}").json()
    assert body["rating"]["key"] == "high" and body["measures"][0]["owner_name"] == "张伟"
    assert body["actions"] == ["review", "return", "withdraw"]
    assert api(cast.secretary_b, "get", f"/points/{point.pk}").status_code == 404


def test_record_a_point_and_refuse_bad_input_with_nothing_saved(cast, risk_round, api):
    response = api(cast.secretary, "post", "/points", _new(cast))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["status"], body["round_id"]) == (2, "draft", risk_round.pk)
    bad = api(cast.secretary, "post", "/points", _new(cast, level=5, measures=[{"text": "没有负责人"}]))
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["error"]["details"]}
    assert fields == {"level", "measures"}
    assert RiskPoint.objects.count() == 1
    stranger = api(
        cast.secretary, "post", "/points", _new(cast, measures=[{"text": "x", "owner_id": cast.members["b1"].pk}])
    )
    assert stranger.status_code == 422
    assert api(cast.secretary_b, "post", "/points", _new(cast)).status_code == 404
    assert api(cast.member, "post", "/points", _new(cast)).status_code == 404  # holds no post there


def test_a_post_holder_records_for_their_post_over_the_api(cast, risk_round, api):
    post = holder_post(cast)
    response = api(cast.member, "post", "/points", _new(cast, post_id=post.pk, process=""))
    assert response.status_code == 201, response.content
    assert response.json()["post_name"] == "出纳"
    mine = api(cast.member, "get", "/my-points").json()
    assert [p["name"] for p in mine["posts"]] == ["出纳"] and mine["posts"][0]["open_round_id"] == risk_round.pk
    assert [p["title"] for p in mine["own"]] == ["报销审核不严"]


def test_change_with_measures_and_refuse_a_stale_version(cast, risk_round, api):
    point = point_make(cast)
    measure = point.measures.get()
    response = api(
        cast.secretary,
        "patch",
        f"/points/{point.pk}",
        {
            "version": point.version,
            "title": "报销审核把关不严",
            "measures": [
                {"id": measure.pk, "text": "双人审核并签字", "owner_id": cast.members["a1"].pk},
                {"text": "每月抽查", "owner_id": cast.members["a2"].pk},
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "报销审核把关不严" and [m["text"] for m in body["measures"]] == [
        "双人审核并签字",
        "每月抽查",
    ]
    stale = api(cast.secretary, "patch", f"/points/{point.pk}", {"version": point.version, "title": "晚了"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert api(cast.liaison, "patch", f"/points/{point.pk}", {"version": body["version"]}).status_code == 404


def test_the_workflow_over_the_api(cast, risk_round, api):
    point = point_make(cast)

    def act(user, action, **data):
        version = RiskPoint.objects.get(pk=point.pk).version
        return api(user, "post", f"/points/{point.pk}/transitions", {"action": action, "version": version, **data})

    assert act(cast.secretary, "propose").json()["status"] == "proposed"
    assert act(cast.secretary, "review").json()["status"] == "reviewed"
    refused = act(cast.office, "approve")
    assert (
        refused.status_code == 422 and "has not given its opinion" in refused.json()["error"]["details"][0]["message"]
    )
    assert act(cast.inspector, "consult", opinion="同意").json()["discipline_opinion"] == "同意"
    assert act(cast.secretary, "approve").status_code == 404  # reviewers do not approve
    approved = act(cast.office, "approve").json()
    assert approved["status"] == "approved" and approved["next_review_on"]


def test_return_needs_a_reason_over_the_api(cast, risk_round, api):
    point = move(point_make(cast), "propose")
    response = api(cast.secretary, "post", f"/points/{point.pk}/transitions",
                   {"action": "return", "version": point.version})  # fmt: skip
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "comment"


def test_reviews_and_incidents_over_the_api(cast, risk_round, api):
    point = point_approved(cast)
    response = api(
        cast.secretary,
        "post",
        f"/points/{point.pk}/reviews",
        {
            "reviewed_on": day().isoformat(), "measures_effective": False, "conclusion": "需要整改", "level_after": 1,
            "problem": {"problem": "复核缺失", "owner_id": cast.members["a1"].pk, "due_on": day(10).isoformat()},
        },
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["rectification_item_id"] == Item.objects.get().pk
    response = api(cast.office, "post", f"/points/{point.pk}/incidents",
                   {"kind": "audit", "description": "审计发现", "occurred_on": day().isoformat()})  # fmt: skip
    assert response.status_code == 201
    body = api(cast.office, "get", f"/points/{point.pk}").json()
    assert body["needs_review"] and body["incidents"][0]["description"] == "审计发现"
    assert len(body["reviews"]) == 1
    assert api(cast.liaison, "post", f"/points/{point.pk}/incidents",
               {"kind": "audit", "description": "x", "occurred_on": day().isoformat()}).status_code == 404  # fmt: skip


def test_posts_over_the_api(cast, api):
    created = api(cast.secretary, "post", "/posts", {"organisation_id": cast.tree.branch_a.pk, "name": "出纳"})
    assert created.status_code == 201
    post_id = created.json()["id"]
    assert (
        api(cast.secretary_b, "post", "/posts", {"organisation_id": cast.tree.branch_a.pk, "name": "会计"}).status_code
        == 404
    )
    assert [p["name"] for p in api(cast.secretary, "get", "/posts").json()["items"]] == ["出纳"]
    assert api(cast.secretary_b, "get", "/posts").json()["count"] == 0
    changed = api(cast.secretary, "patch", f"/posts/{post_id}", {"name": "会计", "is_active": False}).json()
    assert (changed["name"], changed["is_active"]) == ("会计", False)
    assert api(cast.secretary_b, "patch", f"/posts/{post_id}", {"name": "越权"}).status_code == 404
    from qinglian.orgs.models import Member

    Member.objects.filter(pk=cast.members["a2"].pk).update(post="采购员")
    assert api(cast.secretary, "post", "/posts/sync", {"organisation_id": cast.tree.branch_a.pk}).json() == {"added": 1}
    assert api(cast.secretary, "post", "/posts/sync", {"organisation_id": cast.tree.branch_b.pk}).status_code == 404
    assert Post.objects.count() == 2


def test_the_rules_over_the_api(cast, api):
    body = api(cast.member, "get", "/register-rules").json()
    assert [c["value"] for c in body["criteria"]][:2] == ["power", "discretion"]
    assert body["thresholds"][0] == {"level": 1, "min_criteria": 3}
    assert body["grid"][4][4]["key"] == "extreme" and body["review_months"] == {"1": 6, "2": 12, "3": 12}
    assert body["likelihood"][0]["label"] == "Rare"
