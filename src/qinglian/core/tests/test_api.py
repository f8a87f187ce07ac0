"""The REST API as a client sees it: schema, health, the one error format, pagination, CSRF, and
list endpoints whose cost does not grow with the number of rows.
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from openapi_spec_validator import validate

from qinglian.core.audit import audit_record
from qinglian.core.models import Notification, Rule
from qinglian.core.tests.web import count_queries
from qinglian.orgs.models import Role
from qinglian.orgs.services import member_create, org_create, role_assign


def _error(response, status, code):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_openapi_document_is_valid_openapi_3(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/orgs/{org_id}/members" in spec["paths"]


def test_docs_page_is_served_without_login(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.content.decode()


def test_health_reports_database_cache_and_queue(client, db):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "queue": "ok"}


def test_health_says_which_part_is_down(client, db, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "error: ConnectionError"
    assert response.json()["database"] == "ok"


def test_unknown_record_is_404_in_the_error_format(cast, login):
    client = login(cast.admin)
    _error(client.get("/api/v1/orgs/999999"), 404, "not_found")
    _error(client.get("/api/v1/rules/999999"), 404, "not_found")


def test_bad_query_parameter_is_422_naming_the_field(cast, login):
    client = login(cast.admin)
    error = _error(client.get("/api/v1/orgs/?parent_id=abc"), 422, "invalid")
    assert [d["field"] for d in error["details"]] == ["parent_id"]
    error = _error(client.get("/api/v1/orgs/?page=0"), 422, "invalid")
    assert error["details"][0]["field"] == "page"


def test_bad_body_is_422_naming_the_fields(cast, login):
    client = login(cast.admin)
    org = cast.tree.branch_a
    error = _error(
        client.post(f"/api/v1/orgs/{org.pk}/rename", {"short_name": "x"}, "application/json"), 422, "invalid"
    )
    assert {d["field"] for d in error["details"]} == {"name", "version"}
    error = _error(
        client.post(f"/api/v1/orgs/{org.pk}/children", {"name": "新组", "kind": "planet"}, "application/json"),
        422,
        "invalid",
    )
    assert [d["field"] for d in error["details"]] == ["kind"]
    response = client.post(f"/api/v1/orgs/{org.pk}/rename", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_rules_the_model_refuses_are_422_with_the_reason(cast, login):
    client = login(cast.admin)
    tree = cast.tree
    # A general branch cannot sit under a branch.
    error = _error(
        client.post(
            f"/api/v1/orgs/{tree.branch_a.pk}/children", {"name": "总支", "kind": "general_branch"}, "application/json"
        ),
        422,
        "invalid",
    )
    assert error["details"]
    # Renaming with a version someone else already changed is refused, the name kept.
    response = client.post(f"/api/v1/orgs/{tree.branch_a.pk}/rename", {"name": "甲", "version": 99}, "application/json")
    _error(response, 422, "invalid")
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.name == "第一党支部"


def test_unauthenticated_is_401_in_the_error_format(db):
    _error(Client().get("/api/v1/orgs/"), 401, "not_authenticated")
    _error(Client().get("/api/v1/accounts/me"), 401, "not_authenticated")


def test_writes_through_the_api_succeed_and_are_audited(cast, login):
    client = login(cast.admin)
    tree = cast.tree
    response = client.post(
        f"/api/v1/orgs/{tree.branch_c.pk}/children", {"name": "直属小组", "kind": "group"}, "application/json"
    )
    assert response.status_code == 201
    created = response.json()
    assert created["parent_id"] == tree.branch_c.pk
    response = client.post(
        f"/api/v1/orgs/{created['id']}/rename", {"name": "直属第一小组", "version": 1}, "application/json"
    )
    assert response.json()["name"] == "直属第一小组"
    assert response.json()["version"] == 2
    response = client.post(f"/api/v1/orgs/{tree.branch_b.pk}/move", {"new_parent_id": tree.root.pk}, "application/json")
    assert response.json()["parent_id"] == tree.root.pk
    audit = login(cast.auditor).get("/api/v1/audit?action=org.").json()
    assert {"org.create", "org.rename", "org.move"} <= {e["action"] for e in audit["items"]}


def test_pagination_gives_count_items_and_pages(cast, login):
    Notification.objects.bulk_create([Notification(user=cast.member, title=f"通知{i:02}") for i in range(57)])
    client = login(cast.member)
    first = client.get("/api/v1/notifications").json()
    assert first["count"] == 57
    assert len(first["items"]) == 50
    second = client.get("/api/v1/notifications?page=2").json()
    assert second["count"] == 57
    assert len(second["items"]) == 7
    assert not {n["id"] for n in first["items"]} & {n["id"] for n in second["items"]}
    small = client.get("/api/v1/notifications?page=3&page_size=20").json()
    assert len(small["items"]) == 17
    assert client.get("/api/v1/notifications?page=9").json()["items"] == []


def test_notifications_are_only_ones_own_and_can_be_marked_read(cast, login):
    Notification.objects.create(user=cast.member, title="给党员的")
    Notification.objects.create(user=cast.secretary, title="给书记的")
    client = login(cast.member)
    assert [n["title"] for n in client.get("/api/v1/notifications").json()["items"]] == ["给党员的"]
    assert client.post("/api/v1/notifications/read", {}, "application/json").json() == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 0
    assert Notification.objects.get(title="给书记的").read_at is None


def test_session_posts_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.member)
    Notification.objects.create(user=cast.member, title="未读")
    response = client.post("/api/v1/notifications/read", {}, "application/json")
    assert response.status_code == 403
    assert "error" in response.json()
    assert Notification.objects.get(title="未读").read_at is None
    client.get("/")  # the page sets the CSRF cookie, as in a browser
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/notifications/read", {}, "application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.json() == {"marked": 1}


def test_me_lists_my_roles(cast, login):
    me = login(cast.secretary).get("/api/v1/accounts/me").json()
    assert me["username"] == "secretary"
    assert me["roles"] == [
        {
            "role": "branch_secretary",
            "organisation_id": cast.tree.branch_a.pk,
            "organisation": "第一党支部",
            "include_subtree": True,
        }
    ]


def test_member_search_in_the_api_matches_name_and_pinyin(cast, login):
    client = login(cast.admin)
    url = f"/api/v1/orgs/{cast.tree.root.pk}/members"
    assert [m["name"] for m in client.get(url, {"q": "张"}).json()["items"]] == ["张伟"]
    assert [m["name"] for m in client.get(url, {"q": "Wang"}).json()["items"]] == ["王芳"]
    assert client.get(f"/api/v1/orgs/{cast.tree.branch_b.pk}/members", {"q": "张"}).json()["count"] == 0


# --- query counts: constant in the number of rows --------------------------------------------------------


_serial = itertools.count()


def _grow_orgs(cast, n):
    for i in range(n):
        org_create(name=f"支部{i}", kind="branch", parent=cast.tree.branch_c.parent, actor=None)


def _grow_members(cast, n):
    for i in range(n):
        member_create(organisation=cast.tree.branch_c, name=f"成员{i}", gender="F", actor=None)


def _grow_roles(cast, n, django_user_model):
    role = Role.objects.get(code="member")
    for _ in range(n):
        user = django_user_model.objects.create_user(f"extra{next(_serial)}")
        role_assign(user=user, role=role, organisation=cast.tree.branch_c, include_subtree=False, actor=None)


def _grow_notes(cast, n):
    Notification.objects.bulk_create([Notification(user=cast.auditor, title=f"n{i}") for i in range(n)])


def _grow_audit(cast, n):
    for i in range(n):
        audit_record(actor=cast.admin, action="test.event", object_repr=f"对象{i}")


def _grow_rules(cast, n):
    for _ in range(n):
        Rule.objects.create(
            key=f"test.rule{next(_serial)}", title_zh="规则", title_en="Rule", value=1, effective_from="2025-01-01"
        )


LISTS = {
    "orgs": ("/api/v1/orgs/", _grow_orgs),
    "members": ("/api/v1/orgs/{root}/members", _grow_members),
    "roles": ("/api/v1/orgs/{root}/roles", _grow_roles),
    "notifications": ("/api/v1/notifications", _grow_notes),
    "audit": ("/api/v1/audit", _grow_audit),
    "rules": ("/api/v1/rules", _grow_rules),
}


@pytest.mark.parametrize("name", LISTS)
def test_api_list_query_count_does_not_grow_with_rows(name, cast, django_user_model):
    url, grow = LISTS[name]
    url = url.format(root=cast.tree.root.pk)
    client = Client()
    client.force_login(cast.auditor if name in ("audit", "notifications") else cast.admin)

    def grow_by(n):
        return grow(cast, n, django_user_model) if name == "roles" else grow(cast, n)

    grow_by(3)
    client.get(url)  # warm up: the session and the content types are read once
    few = count_queries(lambda: client.get(url))
    count_few = client.get(url).json()["count"]
    grow_by(27)
    many = count_queries(lambda: client.get(url))
    assert client.get(url).json()["count"] >= count_few + 27
    assert many == few, f"{name}: {few} queries for a few rows, {many} for many"
