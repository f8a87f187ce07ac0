"""Access control against an expectation table written out by hand.

For every user of the cast, every permission code and every object of the tree, `can()` and
both `visible_to()` QuerySets must give exactly the answer in the table below. The table is
not derived from `access.BUILTIN_ROLES`: it is what the roles are meant to allow.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from qinglian.orgs import access
from qinglian.orgs.models import Member, Organisation, Role
from qinglian.orgs.services import role_assign

ORGS = ["root", "gb", "branch_a", "group_a", "branch_b", "branch_c"]
# member key -> the organisation whose register it is on
MEMBERS = {"a1": "branch_a", "a2": "group_a", "b1": "branch_b", "c1": "branch_c"}

ACTIONS = [
    "org.view",
    "org.manage",
    "member.view",
    "member.manage",
    "member.view_id",
    "role.assign",
    "rule.view",
    "rule.change",
    "audit.view",
    "sealed.view",
]

EVERYWHERE = set(ORGS)
BRANCH_A_AND_BELOW = {"branch_a", "group_a"}

# user -> (permissions held, organisations those permissions cover)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "admin": (
        {"org.view", "org.manage", "member.view", "member.manage", "role.assign", "rule.view", "rule.change"},
        EVERYWHERE,
    ),
    "office": (
        {"org.view", "org.manage", "member.view", "member.manage", "member.view_id", "role.assign", "rule.view"},
        EVERYWHERE,
    ),
    "inspector": ({"org.view", "member.view", "sealed.view", "rule.view"}, EVERYWHERE),
    "auditor": ({"org.view", "member.view", "rule.view", "audit.view"}, EVERYWHERE),
    "liaison": ({"org.view"}, EVERYWHERE),
    "secretary": ({"org.view", "member.view", "member.manage", "rule.view"}, BRANCH_A_AND_BELOW),
    "organiser": (
        {"org.view", "member.view", "member.manage", "member.view_id", "rule.view"},
        BRANCH_A_AND_BELOW,
    ),
    "propagandist": ({"org.view", "member.view"}, BRANCH_A_AND_BELOW),
    "discipline": ({"org.view", "member.view"}, BRANCH_A_AND_BELOW),
    # a grant without the subtree: branch_a itself, not its Party group
    "member": ({"org.view", "member.view"}, {"branch_a"}),
    "secretary_b": ({"org.view", "member.view", "member.manage", "rule.view"}, {"branch_b"}),
    "outsider": (set(), set()),
}


def expected_orgs(username: str, action: str) -> set[str]:
    permissions, covered = EXPECTED[username]
    return set(covered) if action in permissions else set()


def expected_members(username: str, action: str) -> set[str]:
    orgs = expected_orgs(username, action)
    return {key for key, org in MEMBERS.items() if org in orgs}


def test_the_table_names_only_real_permission_codes():
    assert set(ACTIONS) <= set(access.PERMISSIONS)


def test_the_table_covers_the_whole_cast(cast):
    assert set(EXPECTED) == set(cast.users)


def _answers(user, orgs, members):
    """What access control says about every object, per action: the table's shape."""
    org_names = {org.pk: name for name, org in orgs.items()}
    member_keys = {m.pk: key for key, m in members.items()}
    table = {}
    for action in ACTIONS:
        table[action] = {
            "can (organisations)": {name for name, org in orgs.items() if access.can(user, action, org)},
            "can (members)": {key for key, m in members.items() if access.can(user, action, m)},
            "Organisation.visible_to": {
                org_names[pk] for pk in Organisation.objects.visible_to(user, action).values_list("pk", flat=True)
            },
            "Member.visible_to": {
                member_keys[pk] for pk in Member.objects.visible_to(user, action).values_list("pk", flat=True)
            },
            "can (anywhere)": access.can(user, action),
        }
    return table


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_can_and_visible_to_agree_with_the_table(cast, username):
    # Every (user, action, object) combination is compared; a failure lists each one that differs.
    orgs = {name: getattr(cast.tree, name) for name in ORGS}
    expected = {
        action: {
            "can (organisations)": expected_orgs(username, action),
            "can (members)": expected_members(username, action),
            "Organisation.visible_to": expected_orgs(username, action),
            "Member.visible_to": expected_members(username, action),
            "can (anywhere)": action in EXPECTED[username][0],
        }
        for action in ACTIONS
    }
    assert _answers(cast.users[username], orgs, cast.members) == expected


def test_the_default_actions_of_visible_to_are_the_view_permissions(cast):
    assert set(Organisation.objects.visible_to(cast.secretary)) == {cast.tree.branch_a, cast.tree.group_a}
    assert set(Member.objects.visible_to(cast.secretary)) == {cast.members["a1"], cast.members["a2"]}
    assert list(Member.objects.visible_to(cast.outsider)) == []


def _assign_admin(django_user_model, tree, **dates):
    user = django_user_model.objects.create_user("temp", "temp@example.cn", "pw")
    role_assign(
        user=user,
        role=Role.objects.get(code="administrator"),
        organisation=tree.root,
        include_subtree=True,
        actor=None,
        **dates,
    )
    return django_user_model.objects.get(pk=user.pk)


def _days(offsets):
    """Dates relative to the day the test runs (not the day it was collected: a run can cross midnight)."""
    return {key: timezone.localdate() + timedelta(days=n) for key, n in offsets.items()}


@pytest.mark.parametrize(
    "dates",
    [
        pytest.param({"valid_from": -30, "valid_to": -1}, id="expired-yesterday"),
        pytest.param({"valid_from": -400, "valid_to": -300}, id="expired-long-ago"),
        pytest.param({"valid_from": 1}, id="starts-tomorrow"),
        pytest.param({"valid_from": 10, "valid_to": 20}, id="starts-in-ten-days"),
    ],
)
def test_assignments_outside_their_dates_grant_nothing(cast, django_user_model, dates):
    user = _assign_admin(django_user_model, cast.tree, **_days(dates))
    for action in ACTIONS:
        assert not access.can(user, action)
        for name in ORGS:
            assert not access.can(user, action, getattr(cast.tree, name))
        for member in cast.members.values():
            assert not access.can(user, action, member)
        assert not Organisation.objects.visible_to(user, action).exists()
        assert not Member.objects.visible_to(user, action).exists()


@pytest.mark.parametrize(
    "dates",
    [
        pytest.param({"valid_from": 0}, id="starts-today"),
        pytest.param({"valid_from": -30, "valid_to": 0}, id="ends-today"),
    ],
)
def test_assignments_are_in_force_on_their_first_and_last_day(cast, django_user_model, dates):
    user = _assign_admin(django_user_model, cast.tree, **_days(dates))
    assert access.can(user, "member.manage", cast.members["c1"])
    assert Organisation.objects.visible_to(user).count() == len(ORGS)


@pytest.mark.parametrize("username", sorted(set(EXPECTED) - {"outsider"}))
def test_an_inactive_user_gets_nothing(cast, django_user_model, username):
    django_user_model.objects.filter(username=username).update(is_active=False)
    user = django_user_model.objects.get(username=username)
    for action in ACTIONS:
        assert not access.can(user, action)
        assert not any(access.can(user, action, getattr(cast.tree, name)) for name in ORGS)
        assert not any(access.can(user, action, m) for m in cast.members.values())
        assert not Organisation.objects.visible_to(user, action).exists()
        assert not Member.objects.visible_to(user, action).exists()


def test_an_anonymous_visitor_gets_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not access.can(anonymous, "org.view", cast.tree.root)
    assert not Organisation.objects.visible_to(anonymous).exists()


def test_get_visible_or_404_returns_an_object_within_reach(cast):
    found = access.get_visible_or_404(Member.objects, cast.secretary, "member.view", pk=cast.members["a2"].pk)
    assert found == cast.members["a2"]


def test_get_visible_or_404_refuses_a_missing_id(cast):
    missing = Organisation.objects.order_by("-pk").first().pk + 1000
    with pytest.raises(Http404):
        access.get_visible_or_404(Organisation.objects, cast.admin, "org.view", pk=missing)


@pytest.mark.parametrize(
    ("username", "queryset", "target"),
    [
        ("secretary", "orgs", "branch_b"),
        ("secretary", "orgs", "branch_c"),
        ("secretary", "orgs", "gb"),
        ("secretary_b", "orgs", "branch_a"),
        ("member", "orgs", "group_a"),
        ("secretary", "members", "b1"),
        ("secretary", "members", "c1"),
        ("member", "members", "a2"),
        ("outsider", "members", "a1"),
    ],
)
def test_get_visible_or_404_refuses_another_units_id(cast, username, queryset, target):
    if queryset == "orgs":
        qs, action, pk = Organisation.objects, "org.view", getattr(cast.tree, target).pk
    else:
        qs, action, pk = Member.objects, "member.view", cast.members[target].pk
    with pytest.raises(Http404):
        access.get_visible_or_404(qs, cast.users[username], action, pk=pk)


def test_get_visible_or_404_refuses_a_permission_the_user_lacks_there(cast):
    with pytest.raises(Http404):
        access.get_visible_or_404(Member.objects, cast.admin, "sealed.view", pk=cast.members["a1"].pk)


@pytest.mark.parametrize(
    ("username", "roots"),
    [
        ("admin", ["root"]),
        ("secretary", ["branch_a"]),
        ("member", ["branch_a"]),
        ("secretary_b", ["branch_b"]),
        ("outsider", []),
    ],
)
def test_scope_roots_are_the_topmost_units_a_user_sees(cast, username, roots):
    assert access.scope_roots(cast.users[username]) == [getattr(cast.tree, name) for name in roots]


def test_a_second_grant_below_the_first_adds_no_second_scope_root(cast):
    role_assign(
        user=cast.secretary,
        role=Role.objects.get(code="member"),
        organisation=cast.tree.group_a,
        include_subtree=False,
        actor=None,
    )
    assert access.scope_roots(cast.secretary) == [cast.tree.branch_a]


def test_nearest_holders_are_the_units_own_before_those_above(cast):
    from qinglian.orgs.access import holders, nearest_holders

    tree = cast.tree
    assert set(nearest_holders(tree.branch_a, action="member.manage")) == {cast.secretary, cast.organiser}
    assert {cast.office, cast.secretary} <= set(holders(tree.branch_a, action="member.manage"))
    # branch_c has nobody of its own: the committee's people above it are the nearest.
    assert cast.office in set(nearest_holders(tree.branch_c, action="member.manage"))
    assert cast.secretary not in set(nearest_holders(tree.branch_c, action="member.manage"))


@pytest.mark.parametrize("action", ["member.manage", "orglife.approve", "rectification.verify", "audit.view"])
def test_nearest_holders_of_many_units_are_each_units_nearest_holders(cast, action):
    from django.contrib.auth import get_user_model

    from qinglian.orgs.access import nearest_holders, nearest_holders_many

    tree = cast.tree
    # A holder on a group without its subtree, one who left, and a role that has ended: the edge cases.
    role_assign(user=cast.secretary_b, role=Role.objects.get(code="org_commissioner"), organisation=tree.group_a,
                include_subtree=False, actor=None)  # fmt: skip
    gone = get_user_model().objects.create_user("gone", "gone@example.cn", "pw", is_active=False)
    role_assign(user=gone, role=Role.objects.get(code="branch_secretary"), organisation=tree.branch_c,
                include_subtree=True, actor=None)  # fmt: skip
    units = list(Organisation.objects.all())
    many = nearest_holders_many(units, action=action)
    for unit in units:
        assert set(many.get(unit.pk, [])) == set(nearest_holders(unit, action=action)), unit.name
    assert many, "some unit has holders"


def test_nearest_q_leaves_out_units_with_their_own_holders(cast):
    tree = cast.tree

    def nearest(user, action="member.manage"):
        return set(Organisation.objects.filter(access.nearest_q(user, action, model=Organisation)))

    # branch_a and branch_b have secretaries of their own; the office is nearest to the rest.
    assert nearest(cast.office) == {tree.root, tree.gb, tree.branch_c}
    assert nearest(cast.secretary) == {tree.branch_a, tree.group_a}
    assert nearest(cast.member) == set() and nearest(cast.outsider) == set()
    # Someone given the role on the group alone becomes its nearest holder.
    role_assign(
        user=cast.secretary_b,
        role=Role.objects.get(code="org_commissioner"),
        organisation=tree.group_a,
        include_subtree=False,
        actor=None,
    )
    access.forget(cast.secretary)
    assert nearest(cast.secretary) == {tree.branch_a}
    access.forget(cast.secretary_b)
    assert tree.group_a in nearest(cast.secretary_b)
