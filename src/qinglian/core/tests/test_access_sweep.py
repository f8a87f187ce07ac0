"""The access sweep: every page and every API read, for every built-in role, inside and outside its subtree.

For each built-in role R the sweep makes two users: one holding R (with its subtree) on the organisation where the
route's objects live -- the organisation of the route table's `allowed` user -- and one holding R on a sibling
subtree. The expectation is not written per user but derived: `access_matrix` says which permission each page and
API operation requires, the registry (`orgs.access.BUILTIN_ROLES`) says which roles grant it, so

- inside, R is served exactly when the permission is among R's (a route served to a role without it, or refusing a
  role with it, fails: the declared permission disagrees with what the view does);
- outside, R is refused (404) on object routes even with the permission; lists are served to holders anywhere but
  show only their own subtree (the route's secret text must not appear);
- personal routes serve every login, need-to-know routes serve no role by itself;
- a row of the route table on which its page answers otherwise (the matrix's ROWS, UNIT_ROWS) is judged by its own
  entry, and a secret that the page echoes back to anyone is replaced by the matrix's SECRETS.

The pages come from the URL resolver and the operations from the API's OpenAPI schema: a view or an endpoint without
a matrix entry fails `test_every_page_and_operation_is_in_the_matrix`. Writes are swept for refusals only -- the
inside users without the permission and the outside holders must get 404 -- and a refused write leaves no audit
event (every service records one).

The sweep runs as a few large tests, each building the world once and making its requests in one transaction.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from qinglian.api import api
from qinglian.core.models import AuditEvent
from qinglian.core.tests import access_matrix as matrix
from qinglian.core.tests.web import ROUTES, body, build_world, call, is_login_redirect, url_names
from qinglian.orgs.access import BUILTIN_ROLES, PERMISSIONS
from qinglian.orgs.models import Role, RoleAssignment

# Who may reach what is decided in Python, the same on either database; the sweep's thousands of requests run
# once, on SQLite, which keeps CI within its time (the route table's own rows run on both databases).
SWEPT_HERE = connection.vendor == "sqlite"
pytestmark = pytest.mark.skipif(not SWEPT_HERE, reason="the access sweep runs on SQLite only")
CHUNKS = 4
# Where a role is held "outside": a subtree that does not cover the organisation the route's objects live in.
OUTSIDE = {"root": "branch_c", "gb": "branch_c", "branch_a": "branch_b", "group_a": "branch_b", "branch_b": "branch_a"}
UNITS = ("root", "gb", "branch_a", "group_a", "branch_b", "branch_c")


def _roles_granting(expression: str) -> set[str]:
    """The built-in roles satisfying a matrix expression: one code, `a|b` (either) or `a+b` (both)."""
    if expression in (matrix.PERSONAL, matrix.WRITE):
        return set(BUILTIN_ROLES)
    if expression == matrix.NEED_TO_KNOW:
        return set()
    held = set()
    for code, spec in BUILTIN_ROLES.items():
        if "|" in expression:
            ok = any(p in spec.permissions for p in expression.split("|"))
        else:
            ok = all(p in spec.permissions for p in expression.split("+"))
        if ok:
            held.add(code)
    return held


def _codes(expression: str) -> set[str]:
    if expression in matrix.SPECIAL:
        return set()
    return set(re.split(r"[|+]", expression))


def _api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method, path) for path, methods in schema["paths"].items() for method in methods}


# --- the matrix is complete and speaks of permissions that exist ------------------------------------------------


def test_every_page_and_operation_is_in_the_matrix():
    pages = url_names()
    assert pages - set(matrix.PAGES) == set(), "pages without a matrix entry"
    assert set(matrix.PAGES) - pages == set(), "matrix entries for pages that no longer exist"
    operations = _api_operations()
    declared = set(matrix.API) | {tuple(op.split(" ", 1)) for ops in matrix.API_NOT_SWEPT.values() for op in ops}
    assert operations - declared == set(), "API operations without a matrix entry"
    assert declared - operations == set(), "matrix entries for API operations that no longer exist"


def test_the_matrix_names_only_registered_permissions():
    expressions = [*matrix.PAGES.values(), *matrix.ROWS.values(), *matrix.API.values()]
    used = {code for expr in expressions for code in _codes(expr)}
    assert used - set(PERMISSIONS) == set()
    assert set(matrix.LISTS) <= set(matrix.PAGES)
    assert {("get", path) for path in matrix.API_LISTS} <= set(matrix.API)
    assert not set(matrix.API) & {tuple(op.split(" ", 1)) for ops in matrix.API_NOT_SWEPT.values() for op in ops}


def test_the_row_entries_name_one_row_of_the_route_table_each():
    rows = [(route.name, route.allowed) for route in ROUTES]
    for key in [*matrix.ROWS, *matrix.UNIT_ROWS]:
        assert rows.count(key) == 1, key
    assert {name for name, _allowed in matrix.UNIT_ROWS} <= matrix.LISTS
    assert set(matrix.SECRETS) <= set(matrix.PAGES)


# --- the sweep ---------------------------------------------------------------------------------------------------


class Sweep:
    def __init__(self, cast, django_user_model):
        from qinglian.orgs.services import role_assign

        self.world = build_world(cast)
        tree = cast.tree
        self.units = {getattr(tree, name).pk: name for name in UNITS}
        self.users = {}
        roles = {role.code: role for role in Role.objects.filter(code__in=BUILTIN_ROLES)}
        assert set(roles) == set(BUILTIN_ROLES)
        for code in BUILTIN_ROLES:
            for unit in ("root", "branch_a", "branch_b", "branch_c"):
                user = django_user_model.objects.create_user(f"sweep-{code}-{unit}", f"{code}.{unit}@example.cn")
                role_assign(
                    user=user, role=roles[code], organisation=getattr(tree, unit), include_subtree=True, actor=None
                )
                self.users[code, unit] = user
        self.failures: list[str] = []
        self.requests = 0

    def home_of(self, route) -> str:
        """The unit the route's objects live in: where the route table's allowed user holds their role."""
        if not route.allowed:
            return "branch_b"
        assignment = (
            RoleAssignment.objects.filter(user=self.world.user(route.allowed)).order_by("organisation__path").first()
        )
        return self.units.get(assignment.organisation_id, "branch_b") if assignment else "branch_b"

    def fail(self, message: str) -> None:
        self.failures.append(message)


def _served(response) -> bool:
    return response.status_code in (200, 302) and not is_login_redirect(response)


def _page_chunk(index: int) -> list:
    return [route for i, route in enumerate(ROUTES) if i % CHUNKS == index]


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_page_sweep(chunk, cast, client, django_user_model):
    sweep = Sweep(cast, django_user_model)
    world = sweep.world
    for route in _page_chunk(chunk):
        expression = matrix.ROWS.get((route.name, route.allowed), matrix.PAGES[route.name])
        if route.public or expression in (matrix.PUBLIC, matrix.UNIT_FREE_WRITE, matrix.UNDECLARED):
            continue
        assert expression != matrix.WRITE or route.method == "post", route.name
        granted = _roles_granting(expression)
        home = sweep.home_of(route)
        listed = route.name in matrix.LISTS and (route.name, route.allowed) not in matrix.UNIT_ROWS
        listed = listed or expression == matrix.PERSONAL
        secret_of = matrix.SECRETS.get(route.name, route.secret)
        secret = secret_of(world) if secret_of else None
        audit_before = AuditEvent.objects.count() if route.method == "post" else None
        for code in BUILTIN_ROLES:
            for side, unit in (("in", home), ("out", OUTSIDE[home])):
                if side == "out" and code not in granted:
                    continue  # refused inside already: the outside adds nothing
                expected = code in granted and (side == "in" or listed)
                if route.method == "post" and expected:
                    continue  # writes are swept for their refusals only
                client.force_login(sweep.users[code, unit])
                response = call(client, route, world)
                sweep.requests += 1
                where = f"{route.name} {code} {side}({unit}) -> {response.status_code}"
                if expected and not _served(response):
                    sweep.fail(f"{where}: refused, the matrix says {expression}")
                elif not expected and response.status_code != 404:
                    sweep.fail(f"{where}: not refused, the matrix says {expression}")
                elif (
                    secret
                    and (side == "out" or not expected)
                    and route.name not in matrix.GLOBAL
                    and response.status_code == 200
                    and secret in body(response)
                ):
                    sweep.fail(f"{where}: shows {secret!r}")
        if audit_before is not None and AuditEvent.objects.count() != audit_before:
            sweep.fail(f"{route.name}: a refused write left an audit event")
    assert not sweep.failures, "\n".join(sweep.failures)
    assert sweep.requests > 0


def test_public_pages_are_those_the_route_table_calls_public():
    public = {name for name, expression in matrix.PAGES.items() if expression == matrix.PUBLIC}
    assert public == {route.name for route in ROUTES if route.public}


# --- the API: reads by the unit they are asked for -------------------------------------------------------------


def _api_reads() -> list[str]:
    """The swept reads: those that take no id, or only the unit's (`{org_id}`, asked for branch_b)."""
    return sorted(path for method, path in matrix.API if method == "get")


def test_api_sweep(cast, client, django_user_model):
    sweep = Sweep(cast, django_user_model)
    branch_b = cast.tree.branch_b
    for path in _api_reads():
        expression = matrix.API["get", path]
        granted = _roles_granting(expression)
        listed = path in matrix.API_LISTS or expression == matrix.PERSONAL
        url = path.replace("{org_id}", str(branch_b.pk))
        for code in BUILTIN_ROLES:
            for side, unit in (("in", "branch_b"), ("out", "branch_a")):
                if side == "out" and code not in granted:
                    continue
                client.force_login(sweep.users[code, unit])
                response = client.get(url)
                sweep.requests += 1
                expected = code in granted and (side == "in" or listed)
                where = f"GET {path} {code} {side}({unit}) -> {response.status_code}"
                if expected and response.status_code != 200:
                    sweep.fail(f"{where}: refused, the matrix says {expression}")
                elif not expected and response.status_code != 404:
                    sweep.fail(f"{where}: not refused, the matrix says {expression}")
                elif side == "out" and branch_b.name in response.content.decode(errors="replace"):
                    sweep.fail(f"{where}: names {branch_b.name}")
    assert not sweep.failures, "\n".join(sweep.failures)
