"""Every view refuses the unauthorised: anonymous visitors go to the login page, and a logged-in
user without the right role, or from a sibling organisation, gets 404 -- the same answer as for
a page that does not exist, never a 403 that would confirm the object is there.
"""

from __future__ import annotations

import copy
import re
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import fast_settings, make_cast, make_tree
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from qinglian.api import api
from qinglian.core.models import Job
from qinglian.core.tests.web import ROUTES, ROUTES_BY_NAME, body, build_world, call, is_login_redirect, url_names
from qinglian.orgs.models import Organisation, RoleAssignment


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world for the whole module, built once per test process inside a transaction that is rolled back at the
    end; every test runs in a savepoint within it (as Django's setUpTestData does), so it starts from the same rows.
    Building the world for each of the table's ~1,600 rows was most of the suite's time."""
    folder = tmp_path_factory.mktemp("world")
    with override_settings(**fast_settings(folder)), django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world(make_cast(make_tree()))
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield world, folder
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_world, db, settings):
    """A copy of the shared world, with the files it wrote, and an empty cache (it may hold what a rolled-back test
    read)."""
    world, folder = shared_world
    for name, value in fast_settings(folder).items():
        setattr(settings, name, value)
    cache.clear()
    return copy.deepcopy(world)


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
    (next_url,) = parse_qs(urlsplit(response["Location"]).query)["next"]
    assert urlsplit(next_url).path == route.url(world)


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
        if route.secret and name not in route.knows:
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


REGISTER_WRITES = (
    "org_update", "org_move", "org_merge", "org_dissolve", "term_start", "post_assign", "post_end",
    "department_create", "department_active", "department_link", "transfer_decide",
)  # fmt: skip


def test_refused_register_writes_change_nothing(world, client):
    from qinglian.orgs.models import CommitteePost, CommitteeTerm, Department

    tree = world.cast.tree
    for name in REGISTER_WRITES:
        route = ROUTES_BY_NAME[f"orgs:{name}"]
        for user in route.refused:
            client.force_login(world.user(user))
            assert call(client, route, world).status_code == 404, (name, user)
    world.group_b.refresh_from_db()
    assert world.group_b.is_active and world.group_b.parent_id == tree.branch_b.pk
    tree.branch_b.refresh_from_db()
    assert tree.branch_b.code == "" and tree.branch_b.department_id is None
    assert list(CommitteeTerm.objects.filter(organisation=tree.branch_b)) == [world.term_b]
    assert CommitteePost.objects.filter(term=world.term_b).count() == 1
    world.post_b.refresh_from_db()
    assert world.post_b.ends_on is None
    assert list(Department.objects.all()) == [world.department]
    world.department.refresh_from_db()
    assert world.department.is_active
    world.transfer_bc.refresh_from_db()
    assert world.transfer_bc.status == "pending"


def test_org_pick_offers_a_manager_only_their_own_subtree(world, client):
    client.force_login(world.manager_a)
    page = client.get(reverse("orgs:org_pick"), {"q": "党"}).content.decode()
    assert "第一党小组" in page
    assert "第二党支部" not in page
    assert "第二党小组" not in page


def test_department_list_shows_only_the_committees_own(world, client):
    client.force_login(world.cast.secretary)
    assert world.department.name not in client.get(reverse("orgs:department_list")).content.decode()
    client.force_login(world.cast.liaison)
    assert world.department.name in client.get(reverse("orgs:department_list")).content.decode()


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
# The reporting portal's own endpoints take no login (the receipt code is the credential): they answer an empty
# call themselves — the options, or a refusal of the empty body — never "not authenticated".
PORTAL_API = "/api/v1/report/"


def _api_operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path


@pytest.mark.parametrize(("method", "path"), sorted(_api_operations()))
def test_api_refuses_anonymous_callers(method, path, client, db):
    # Any id will do: the caller is refused before the id is read. Imports and transfers have UUIDs.
    url = re.sub(r"\{(import_id|transfer_id)\}", "00000000-0000-0000-0000-000000000001", path)
    url = re.sub(r"\{\w+_id\}", "1", url)
    assert "{" not in url, f"give {path} a sample id"
    response = getattr(client, method)(url, content_type="application/json")
    if path in PUBLIC_API:
        assert response.status_code == 200
        return
    if path.startswith(PORTAL_API):
        assert response.status_code == (200 if method == "get" else 422), response.content
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


def test_api_hides_departments_terms_posts_and_transfers_from_the_sibling_branch(world, client):
    department, post, transfer = world.department, world.post_b, world.transfer_bc
    refusals = [
        ("get", f"/api/v1/orgs/departments/{department.pk}", {}),
        ("post", f"/api/v1/orgs/departments/{department.pk}", {"name": "改", "kind": "其他"}),
        ("post", f"/api/v1/orgs/departments/{department.pk}/active", {"is_active": False}),
        (
            "post",
            f"/api/v1/orgs/terms/{world.term_b.pk}/posts",
            {"member_id": world.cast.members["b1"].pk, "post": "书记"},
        ),
        ("post", f"/api/v1/orgs/posts/{post.pk}/end", {"ends_on": timezone.localdate().isoformat()}),
        ("get", f"/api/v1/orgs/transfers/{transfer.pk}", {}),
        ("post", f"/api/v1/orgs/transfers/{transfer.pk}/transition", {"to_status": "cancelled", "version": 1}),
    ]
    for user in (world.cast.secretary, world.manager_a):
        client.force_login(user)
        for method, url, payload in refusals:
            response = getattr(client, method)(url, payload, "application/json")
            assert response.status_code == 404, (user.username, url, response.content)
            assert response.json()["error"]["code"] == "not_found"
            assert "B-TO-C" not in response.content.decode()
    post.refresh_from_db()
    transfer.refresh_from_db()
    department.refresh_from_db()
    assert post.ends_on is None and transfer.status == "pending" and department.is_active
    # The same requests answer for the people who may make them.
    client.force_login(world.cast.secretary_b)
    assert client.get(f"/api/v1/orgs/transfers/{transfer.pk}").json()["letter_no"] == "B-TO-C"
    client.force_login(world.cast.office)
    assert client.get(f"/api/v1/orgs/departments/{department.pk}").json()["name"] == department.name
    ended = client.post(f"/api/v1/orgs/posts/{post.pk}/end", {"ends_on": timezone.localdate().isoformat()},
                        "application/json")  # fmt: skip
    assert ended.status_code == 200, ended.content


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
