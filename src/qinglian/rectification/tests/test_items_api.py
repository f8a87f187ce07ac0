"""Rectification over the API: the list with its filters and paging, one item, recording and changing it with
its version, progress, the workflow, evidence as multipart or a record link, and the ledger."""

from __future__ import annotations

import pytest

from qinglian.core.tests.web import count_queries
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.rectification.models import Item
from qinglian.rectification.tests.factories import day, item_closed, item_make, item_submitted, png

pytestmark = pytest.mark.usefixtures("in_english")
BASE = "/api/v1/rectification"


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None, **extra):
        client.force_login(user)
        send = getattr(client, method)
        if method in ("post", "patch") and not extra.get("multipart"):
            return send(BASE + path, data or {}, content_type="application/json")
        extra.pop("multipart", None)
        return send(BASE + path, data or {})

    return call


def test_the_list_filters_and_pages_in_a_constant_number_of_queries(cast, api, client):
    item_make(cast, problem="整改中")
    item_make(cast, problem="逾期", days=-1, found_on=day(-5))
    item_submitted(cast, problem="待核验", source="audit")
    item_make(cast, org=cast.tree.branch_b, owner=cast.members["b1"], problem="第二支部的")
    body = api(cast.secretary, "get", "/items").json()
    assert body["count"] == 3 and "第二支部的" not in {i["problem"] for i in body["items"]}
    assert [i["problem"] for i in api(cast.secretary, "get", "/items", {"status": "overdue"}).json()["items"]] == [
        "逾期"
    ]
    assert api(cast.secretary, "get", "/items", {"source": "audit"}).json()["count"] == 1
    assert api(cast.member, "get", "/items", {"mine": "true"}).json()["count"] == 3  # a1's own, without any role
    client.force_login(cast.secretary)
    client.get(BASE + "/items")  # the session is saved on the first request after logging in
    few = count_queries(lambda: client.get(BASE + "/items"))
    for n in range(20):
        item_make(cast, problem=f"问题{n}", org=cast.tree.group_a, owner=cast.members["a2"])
    item_closed(cast)
    many = count_queries(lambda: client.get(BASE + "/items"))
    assert many == few
    assert client.get(BASE + "/items").json()["count"] == 24


def test_record_change_and_refuse_a_stale_version(cast, api):
    response = api(
        cast.secretary,
        "post",
        "/items",
        {"organisation_id": cast.tree.branch_a.pk, "source": "audit", "problem": "经费报销不规范",
         "owner_id": cast.members["a1"].pk, "due_on": day(30).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["status"], item["owner_name"], item["version"]) == ("open", "张伟", 1)
    response = api(cast.secretary, "patch", f"/items/{item['id']}", {"version": 1, "due_on": day(45).isoformat()})
    assert response.status_code == 200 and response.json()["due_on"] == day(45).isoformat()
    response = api(cast.secretary, "patch", f"/items/{item['id']}", {"version": 1, "problem": "旧版本"})
    assert response.status_code == 409 and "Someone else changed this item" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"owner_id": None}, "owner"),
        ({"due_on": "past"}, "due_on"),
        ({"owner_id": "c1"}, "owner_id"),  # never looked up by its id alone
    ],
    ids=["no-owner", "past-deadline", "owner-elsewhere"],
)
def test_bad_items_are_refused_with_the_field_named(payload, field, cast, api):
    data = {"organisation_id": cast.tree.branch_a.pk, "source": "audit", "problem": "问题",
            "owner_id": cast.members["a1"].pk, "due_on": day(5).isoformat(), **payload}  # fmt: skip
    if data["owner_id"] == "c1":
        data["owner_id"] = cast.members["c1"].pk
    if data["due_on"] == "past":
        data["due_on"] = day(-1).isoformat()
    response = api(cast.secretary, "post", "/items", data)
    assert response.status_code == 422
    assert field in {d["field"] for d in response.json()["error"]["details"]}
    assert not Item.objects.exists()


def test_the_workflow_with_evidence_over_the_api(cast, api):
    item = item_make(cast)
    path = f"/items/{item.pk}"
    response = api(cast.member, "post", f"{path}/transitions", {"action": "submit", "version": 1, "result": "已整改"})
    assert response.status_code == 422
    assert "Add at least one piece of evidence" in response.json()["error"]["details"][0]["message"]
    response = api(
        cast.member, "post", f"{path}/evidence", {"file": png("整改报告.png"), "note": "报告"}, multipart=True
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "整改报告.png" and response.json()["file_url"]
    meeting = meeting_make(cast.tree.branch_a, days=-2)
    attend_all(meeting)
    response = api(
        cast.secretary, "post", f"{path}/evidence", {"record_kind": "orglife.meeting", "record_id": meeting.pk},
        multipart=True,
    )  # fmt: skip
    assert response.status_code == 201 and response.json()["record"]["id"] == meeting.pk
    assert len(api(cast.member, "get", f"{path}/evidence").json()) == 2
    version = api(cast.member, "get", path).json()["version"]
    response = api(
        cast.member, "post", f"{path}/transitions", {"action": "submit", "version": version, "result": "已整改"}
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    version = response.json()["version"]
    # The member holds no verify role: the item is theirs to see, not to close.
    assert api(cast.member, "post", f"{path}/transitions", {"action": "verify", "version": version}).status_code == 404
    response = api(cast.discipline, "post", f"{path}/transitions", {"action": "verify", "version": version})
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = api(cast.office, "post", f"{path}/transitions", {"action": "verify", "version": version})
    assert response.status_code == 409
    detail = api(cast.discipline, "get", path).json()
    assert [e["kind"] for e in detail["events"]] == ["created", "evidence", "evidence", "submitted", "closed"]
    assert detail["closed_by"] == "discipline"


def test_the_owner_with_a_verify_role_gets_the_reason_over_the_api(cast, api):
    from qinglian.orgs.services import member_create

    own = member_create(organisation=cast.tree.branch_a, name="赵书记", gender="M", actor=None, user=cast.secretary)
    item = item_submitted(cast, owner=own)
    response = api(
        cast.secretary, "post", f"/items/{item.pk}/transitions", {"action": "verify", "version": item.version}
    )
    assert response.status_code == 422
    assert "someone else must verify and close it" in response.json()["error"]["details"][0]["message"]


def test_reopen_and_return_over_the_api(cast, api):
    closed = item_closed(cast)
    response = api(
        cast.secretary, "post", f"/items/{closed.pk}/transitions",
        {"action": "reopen", "version": closed.version, "comment": "问题反弹", "due_on": day(10).isoformat()},
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["reopened"] == 1
    submitted = item_submitted(cast)
    response = api(
        cast.discipline,
        "post",
        f"/items/{submitted.pk}/transitions",
        {"action": "return", "version": submitted.version},
    )
    assert response.status_code == 422  # no reason given
    response = api(
        cast.discipline, "post", f"/items/{submitted.pk}/transitions",
        {"action": "return", "version": submitted.version, "comment": "材料不全"},
    )  # fmt: skip
    assert response.json()["status"] == "open"


def test_another_units_items_do_not_exist_for_the_caller(cast, api):
    item = item_submitted(cast, org=cast.tree.branch_b, owner=cast.members["b1"])
    evidence = item.evidence.get()
    for method, path, data in [
        ("get", f"/items/{item.pk}", None),
        ("patch", f"/items/{item.pk}", {"version": item.version, "problem": "越权"}),
        ("post", f"/items/{item.pk}/transitions", {"action": "verify", "version": item.version}),
        ("post", f"/items/{item.pk}/progress", {"comment": "越权"}),
        ("get", f"/evidence/{evidence.pk}/file", None),
        ("delete", f"/evidence/{evidence.pk}", None),
    ]:
        assert api(cast.secretary, method, path, data).status_code == 404, path
    response = api(cast.secretary, "post", "/items", {"organisation_id": cast.tree.branch_b.pk, "source": "audit",
                                                      "problem": "越权", "owner_id": cast.members["b1"].pk,
                                                      "due_on": day(5).isoformat()})  # fmt: skip
    assert response.status_code == 404
    assert Item.objects.get().status == "submitted"


def test_the_ledger_json(cast, api):
    item_closed(cast)
    item_make(cast, source="audit")
    rows = api(cast.secretary, "get", "/ledger", {"org_id": cast.tree.branch_a.pk}).json()
    total = rows[-1]
    assert (total["organisation_id"], total["source"], total["total"], total["closed"]) == (None, "all", 2, 1)
    assert total["closure_rate"] == 0.5 and total["median_days_to_close"] == 0
    assert api(cast.secretary, "get", "/ledger", {"org_id": cast.tree.branch_b.pk}).status_code == 404
