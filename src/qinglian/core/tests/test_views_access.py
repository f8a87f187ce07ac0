"""Every view refuses the unauthorised: anonymous visitors go to the login page, and a logged-in
user without the right role, or from a sibling organisation, gets 404 -- the same answer as for
a page that does not exist, never a 403 that would confirm the object is there.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from qinglian.api import api
from qinglian.core.models import Job
from qinglian.core.tests.web import ROUTES, ROUTES_BY_NAME, body, build_world, call, is_login_redirect, url_names
from qinglian.orgs.models import Organisation, RoleAssignment


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_every_view_has_a_row_in_the_route_table():
    """A view added to core, orgs or accounts without access tests makes this fail."""
    served = url_names()
    assert served - set(ROUTES_BY_NAME) == set(), "views without access tests"
    assert set(ROUTES_BY_NAME) - served == set(), "rows for views that no longer exist"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_visitor_is_sent_to_log_in(route, world, client):
    response = call(client, route, world)
    if route.public:
        if route.method == "get":
            assert response.status_code == 200
        else:  # logging out when not logged in just lands on the login page
            assert is_login_redirect(response)
        return
    assert is_login_redirect(response), (response.status_code, response.get("Location"))
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [route.url(world)]


@pytest.mark.parametrize("route", [r for r in ROUTES if r.allowed], ids=lambda r: r.name)
def test_the_view_serves_a_user_with_the_role(route, world, client):
    """The refusals below mean something only because the same request succeeds for this user."""
    client.force_login(world.user(route.allowed))
    response = call(client, route, world)
    assert response.status_code in (200, 302), response.status_code
    assert not is_login_redirect(response)
    if route.secret and response.status_code == 200:
        assert route.secret(world) in body(response)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.refused], ids=lambda r: r.name)
def test_a_user_without_the_role_gets_404(route, world, client):
    for name in route.refused:
        client.force_login(world.user(name))
        response = call(client, route, world)
        assert response.status_code == 404, (name, response.status_code)
        assert "core/error.html" in [t.name for t in response.templates], name
        if route.secret:
            assert route.secret(world) not in body(response), name


def test_refused_writes_change_nothing(world, client):
    tree = world.cast.tree
    jobs_before = Job.objects.count()
    for name in ("org_create", "org_rename", "assignment_create", "assignment_revoke", "scope_set"):
        route = ROUTES_BY_NAME[f"orgs:{name}"]
        for user in route.refused:
            client.force_login(world.user(user))
            assert call(client, route, world).status_code == 404
    for user in ROUTES_BY_NAME["core:audit_job"].refused:
        client.force_login(world.user(user))
        call(client, ROUTES_BY_NAME["core:audit_job"], world)
    tree.branch_b.refresh_from_db()
    assert tree.branch_b.name == "第二党支部"
    assert not Organisation.objects.filter(name="越权新建的小组").exists()
    assert not RoleAssignment.objects.filter(user=world.cast.outsider).exists()
    assert RoleAssignment.objects.active().filter(pk=world.assignment_b.pk).exists()
    assert Job.objects.count() == jobs_before
    world.token.refresh_from_db()
    assert world.token.revoked_at is None


def test_refused_scope_switch_keeps_the_current_scope(world, client):
    client.force_login(world.cast.secretary)
    client.post(reverse("orgs:scope_set"), {"organisation": world.cast.tree.branch_b.pk})
    page = client.get(reverse("orgs:member_list")).content.decode()
    assert "张伟" in page
    assert "王芳" not in page


def test_malformed_scope_is_refused_not_an_error(world, client):
    client.force_login(world.cast.admin)
    assert client.post(reverse("orgs:scope_set"), {"organisation": "x"}).status_code == 404


# --- the API: the second door must refuse the same people -------------------------------------------------

PUBLIC_API = {"/api/v1/health"}


def _api_operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path


@pytest.mark.parametrize(("method", "path"), sorted(_api_operations()))
def test_api_refuses_anonymous_callers(method, path, client, db):
    url = path.replace("{org_id}", "1").replace("{rule_id}", "1").replace("{token_id}", "1")
    url = url.replace("{import_id}", "00000000-0000-0000-0000-000000000001")
    url = url.replace("{member_id}", "1")
    assert "{" not in url, f"give {path} a sample id"
    response = getattr(client, method)(url, content_type="application/json")
    if path in PUBLIC_API:
        assert response.status_code == 200
        return
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def _api_404(response):
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    assert "第二党支部" not in response.content.decode()


def test_api_hides_a_sibling_branch_from_its_neighbours_secretary(world, client):
    b = world.cast.tree.branch_b
    client.force_login(world.cast.secretary)
    _api_404(client.get(f"/api/v1/orgs/{b.pk}"))
    _api_404(client.get(f"/api/v1/orgs/{b.pk}/members"))
    _api_404(client.get(f"/api/v1/orgs/{b.pk}/roles"))
    _api_404(client.post(f"/api/v1/orgs/{b.pk}/rename", {"name": "改", "version": b.version}, "application/json"))
    _api_404(client.post(f"/api/v1/orgs/{b.pk}/move", {"new_parent_id": world.cast.tree.root.pk}, "application/json"))
    listed = client.get("/api/v1/orgs/").json()["items"]
    assert {o["name"] for o in listed} == {"第一党支部", "第一党小组"}
    # The same requests answer for branch_a, so the 404s above are refusals, not broken endpoints.
    assert client.get(f"/api/v1/orgs/{world.cast.tree.branch_a.pk}/members").json()["count"] == 2


def test_api_refuses_a_manager_outside_their_subtree(world, client):
    tree = world.cast.tree
    client.force_login(world.manager_a)
    b = tree.branch_b
    _api_404(client.get(f"/api/v1/orgs/{b.pk}/roles"))
    _api_404(client.post(f"/api/v1/orgs/{b.pk}/rename", {"name": "改", "version": b.version}, "application/json"))
    _api_404(client.post(f"/api/v1/orgs/{b.pk}/children", {"name": "新", "kind": "group"}, "application/json"))
    # Moving their own group under the sibling branch needs rights on the sibling too.
    _api_404(client.post(f"/api/v1/orgs/{tree.group_a.pk}/move", {"new_parent_id": b.pk}, "application/json"))
    b.refresh_from_db()
    tree.group_a.refresh_from_db()
    assert b.name == "第二党支部"
    assert tree.group_a.parent_id == tree.branch_a.pk
    # Within branch_a the same manager succeeds.
    response = client.post(
        f"/api/v1/orgs/{tree.group_a.pk}/rename", {"name": "第一党小组（新）", "version": 1}, "application/json"
    )
    assert response.status_code == 200


def test_api_audit_and_rules_are_404_without_the_permission(world, client):
    client.force_login(world.cast.outsider)
    _api_404(client.get("/api/v1/audit"))
    _api_404(client.get("/api/v1/rules"))
    _api_404(client.get(f"/api/v1/rules/{world.rule.pk}"))
    client.force_login(world.cast.admin)
    _api_404(client.get("/api/v1/audit"))
    client.force_login(world.cast.secretary)
    _api_404(client.delete(f"/api/v1/accounts/tokens/{world.token.pk}"))
    world.token.refresh_from_db()
    assert world.token.revoked_at is None
