"""The organisation register's services: paths, kinds, moves, renames and role assignments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglian.core.audit import audit_verify
from qinglian.core.models import AuditEvent
from qinglian.orgs import access
from qinglian.orgs.models import Member, Organisation, Role, RoleAssignment
from qinglian.orgs.services import decode_step, encode_step, org_create, org_move, org_rename, role_assign, role_revoke


def _fresh(*orgs):
    for org in orgs:
        org.refresh_from_db()


def test_the_tree_gets_fixed_width_paths_and_depths(tree):
    assert [
        (o.path, o.depth) for o in (tree.root, tree.gb, tree.branch_a, tree.group_a, tree.branch_b, tree.branch_c)
    ] == [
        ("0001", 1),
        ("00010001", 2),
        ("000100010001", 3),
        ("0001000100010001", 4),
        ("000100010002", 3),
        ("00010002", 2),
    ]


def test_paths_are_unique_and_each_is_its_parents_path_plus_one_step(tree):
    orgs = list(Organisation.objects.all())
    assert len({o.path for o in orgs}) == len(orgs)
    for org in orgs:
        assert re.fullmatch(r"([0-9A-Z]{4})+", org.path)
        assert len(org.path) == 4 * org.depth
        if org.parent_id:
            assert org.path[:-4] == org.parent.path
        else:
            assert org.depth == 1


def test_a_second_top_level_committee_gets_the_next_root_step(tree):
    other = org_create(name="第二机关党委", kind="committee", parent=None, actor=None)
    assert (other.path, other.depth) == ("0002", 1)


def test_child_steps_count_in_base_36_and_sort_in_creation_order(tree):
    groups = [org_create(name=f"直属第{n}党小组", kind="group", parent=tree.branch_c, actor=None) for n in range(1, 38)]
    steps = [g.path[-4:] for g in groups]
    assert steps[:3] == ["0001", "0002", "0003"]
    assert steps[8:11] == ["0009", "000A", "000B"]
    assert steps[34:37] == ["000Z", "0010", "0011"]
    # The register lists units in path order, which must be the order they were created in.
    assert list(Organisation.objects.filter(parent=tree.branch_c)) == groups


@pytest.mark.parametrize(
    ("number", "step"), [(1, "0001"), (35, "000Z"), (36, "0010"), (1295, "00ZZ"), (36**4 - 1, "ZZZZ")]
)
def test_steps_encode_and_decode(number, step):
    assert encode_step(number) == step
    assert decode_step(step) == number


@pytest.mark.parametrize("number", [0, -1, 36**4])
def test_a_step_out_of_range_is_refused(number):
    with pytest.raises(ValidationError):
        encode_step(number)


def test_org_create_stores_pinyin_initials_for_search(tree):
    assert tree.branch_a.name_initials == "dydzb"  # 第一党支部


# Which kinds may sit under which, written out independently of ALLOWED_PARENTS.
KINDS = ["committee", "general_branch", "branch", "temp_branch", "group"]
PARENTS = [None, "committee", "general_branch", "branch", "temp_branch", "group"]
ALLOWED = {
    ("committee", None),
    ("committee", "committee"),
    ("general_branch", "committee"),
    ("branch", "committee"),
    ("branch", "general_branch"),
    ("temp_branch", "committee"),
    ("temp_branch", "general_branch"),
    ("group", "branch"),
    ("group", "temp_branch"),
}


@pytest.fixture
def parents(tree):
    temp = org_create(name="临时党支部", kind="temp_branch", parent=tree.root, actor=None)
    return {
        None: None,
        "committee": tree.root,
        "general_branch": tree.gb,
        "branch": tree.branch_a,
        "temp_branch": temp,
        "group": tree.group_a,
    }


@pytest.mark.parametrize("parent_kind", PARENTS)
@pytest.mark.parametrize("kind", KINDS)
def test_org_create_allows_each_kind_only_under_its_parents(parents, kind, parent_kind):
    parent = parents[parent_kind]
    orgs_before, events_before = Organisation.objects.count(), AuditEvent.objects.count()
    if (kind, parent_kind) in ALLOWED:
        org = org_create(name="新组织", kind=kind, parent=parent, actor=None)
        assert org.parent == parent
        assert org.depth == (parent.depth + 1 if parent else 1)
        assert Organisation.objects.count() == orgs_before + 1
    else:
        with pytest.raises(ValidationError):
            org_create(name="新组织", kind=kind, parent=parent, actor=None)
        assert Organisation.objects.count() == orgs_before
        assert AuditEvent.objects.count() == events_before


def test_org_move_rewrites_the_whole_subtree(tree):
    sub = org_create(name="机关第二党委", kind="committee", parent=tree.root, actor=None)
    moved = org_move(org=tree.gb, new_parent=sub, actor=None, reason="机构改革")
    _fresh(tree.gb, tree.branch_a, tree.group_a, tree.branch_b, tree.branch_c)

    assert moved.parent == sub
    assert moved.path == sub.path + "0001" == "000100030001"
    assert [(o.path, o.depth) for o in (tree.gb, tree.branch_a, tree.group_a, tree.branch_b)] == [
        ("000100030001", 3),
        ("0001000300010001", 4),
        ("00010003000100010001", 5),
        ("0001000300010002", 4),
    ]
    # Parents are kept, and nothing outside the subtree moved.
    assert tree.branch_a.parent == tree.gb and tree.group_a.parent == tree.branch_a
    assert (tree.branch_c.path, tree.branch_c.depth) == ("00010002", 2)
    assert list(Organisation.objects.subtree(sub)) == [sub, tree.gb, tree.branch_a, tree.group_a, tree.branch_b]


def test_access_follows_a_moved_subtree(cast):
    tree = cast.tree
    org_move(org=tree.branch_a, new_parent=tree.root, actor=None)
    access.forget(cast.secretary)
    assert set(Member.objects.visible_to(cast.secretary)) == {cast.members["a1"], cast.members["a2"]}
    group_a = Organisation.objects.get(pk=tree.group_a.pk)
    assert access.can(cast.secretary, "member.manage", group_a)
    assert not Organisation.objects.subtree(Organisation.objects.get(pk=tree.gb.pk)).filter(pk=group_a.pk).exists()


def test_org_move_takes_the_same_queries_for_a_big_subtree_as_for_one_unit(tree):
    top = org_create(name="第二机关党委", kind="committee", parent=None, actor=None)
    for n in range(5):
        org_create(name=f"第{n}党小组", kind="group", parent=tree.branch_b, actor=None)

    with CaptureQueriesContext(connection) as one_unit:
        org_move(org=tree.branch_c, new_parent=top, actor=None)
    with CaptureQueriesContext(connection) as subtree:
        org_move(org=tree.gb, new_parent=top, actor=None)
    assert Organisation.objects.subtree(top).count() == 1 + 1 + 4 + 5
    assert len(subtree) == len(one_unit)


def test_org_move_refuses_to_put_a_unit_under_itself(tree):
    with pytest.raises(ValidationError):
        org_move(org=tree.root, new_parent=tree.root, actor=None)


def test_org_move_refuses_to_put_a_unit_under_its_own_subordinate(tree):
    sub = org_create(name="下级党委", kind="committee", parent=tree.root, actor=None)
    deeper = org_create(name="更下级党委", kind="committee", parent=sub, actor=None)
    with pytest.raises(ValidationError):
        org_move(org=tree.root, new_parent=deeper, actor=None)
    _fresh(tree.root, sub, deeper)
    assert (tree.root.path, sub.path, deeper.path) == ("0001", "00010003", "000100030001")
    assert tree.root.parent is None


def test_org_move_refuses_a_parent_of_the_wrong_kind(tree):
    with pytest.raises(ValidationError):
        org_move(org=tree.branch_b, new_parent=tree.group_a, actor=None)
    _fresh(tree.branch_b)
    assert tree.branch_b.parent == tree.gb


def test_org_rename_bumps_the_version_and_updates_the_initials(tree):
    renamed = org_rename(org=tree.branch_a, name="  综合党支部 ", short_name="综合", actor=None, version=1)
    assert (renamed.name, renamed.short_name, renamed.version, renamed.name_initials) == (
        "综合党支部",
        "综合",
        2,
        "zhdzb",
    )


def test_org_rename_refuses_a_stale_version(tree):
    # Two people open the rename form at version 1; the second to save loses.
    org_rename(org=tree.branch_a, name="甲改的名字", short_name="", actor=None, version=1)
    with pytest.raises(ValidationError):
        org_rename(org=tree.branch_a, name="乙改的名字", short_name="", actor=None, version=1)
    _fresh(tree.branch_a)
    assert (tree.branch_a.name, tree.branch_a.version) == ("甲改的名字", 2)


def test_org_move_counts_as_a_change_for_a_concurrent_rename(tree):
    sub = org_create(name="下级党委", kind="committee", parent=tree.root, actor=None)
    version_read = tree.gb.version
    org_move(org=tree.gb, new_parent=sub, actor=None)
    with pytest.raises(ValidationError):
        org_rename(org=tree.gb, name="新名", short_name="", actor=None, version=version_read)


def _grant(user, org, code="branch_secretary", subtree=True, **dates):
    return role_assign(
        user=user, role=Role.objects.get(code=code), organisation=org, include_subtree=subtree, actor=None, **dates
    )


def test_role_assign_takes_effect_at_once_even_after_grants_were_read(cast):
    outsider = cast.outsider
    assert not access.can(outsider, "member.view", cast.members["c1"])  # grants read and kept
    _grant(outsider, cast.tree.branch_c)
    assert access.can(outsider, "member.view", cast.members["c1"])
    assert list(Member.objects.visible_to(outsider)) == [cast.members["c1"]]


def test_role_revoke_takes_effect_at_once(cast):
    user = cast.outsider
    assignment = _grant(user, cast.tree.branch_c)
    assert access.can(user, "member.view", cast.members["c1"])
    role_revoke(assignment=assignment, actor=cast.admin, reason="调离")
    assert not access.can(user, "member.view", cast.members["c1"])
    assert not Member.objects.visible_to(user).exists()
    # The roles page lists active assignments: an ended one is gone from it at once.
    assert not RoleAssignment.objects.active().filter(user=user).exists()


def test_role_revoke_of_a_long_held_role_keeps_its_record(cast):
    user = cast.outsider
    today = timezone.localdate()
    assignment = _grant(user, cast.tree.branch_c, valid_from=today - timedelta(days=100))
    role_revoke(assignment=assignment, actor=cast.admin)
    kept = RoleAssignment.objects.get(pk=assignment.pk)
    assert (kept.valid_from, kept.valid_to) == (today - timedelta(days=100), today - timedelta(days=1))
    # It was in force yesterday, as the record says.
    assert RoleAssignment.objects.active(on=today - timedelta(days=1)).filter(pk=assignment.pk).exists()
    assert not access.can(user, "org.view", cast.tree.branch_c)


def test_role_revoke_does_not_revive_an_assignment_that_already_ended(cast):
    today = timezone.localdate()
    ended = today - timedelta(days=10)
    assignment = _grant(cast.outsider, cast.tree.branch_c, valid_from=today - timedelta(days=40), valid_to=ended)
    role_revoke(assignment=assignment, actor=cast.admin)
    assert RoleAssignment.objects.get(pk=assignment.pk).valid_to == ended
    assert not access.can(cast.outsider, "org.view", cast.tree.branch_c)


def test_role_revoke_of_a_future_assignment_means_it_never_starts(cast):
    start = timezone.localdate() + timedelta(days=7)
    assignment = _grant(cast.outsider, cast.tree.branch_c, valid_from=start)
    role_revoke(assignment=assignment, actor=cast.admin)
    for day in (start, start + timedelta(days=1)):
        assert not RoleAssignment.objects.active(on=day).filter(user=cast.outsider).exists()


def test_role_assign_and_revoke_are_audited(cast):
    assignment = _grant(cast.outsider, cast.tree.branch_c, subtree=False)
    event = AuditEvent.objects.get(action="role.assign", object_id=str(assignment.pk))
    assert event.changes == {
        "user": "outsider",
        "role": "branch_secretary",
        "organisation": cast.tree.branch_c.pk,
        "include_subtree": False,
    }
    assert event.organisation_path == cast.tree.branch_c.path
    role_revoke(assignment=assignment, actor=cast.admin, reason="调离")
    event = AuditEvent.objects.filter(action="role.revoke").get()
    assert (event.actor_label, event.reason, event.object_id) == ("admin", "调离", str(assignment.pk))
    assert event.changes == {"role": "branch_secretary", "user": "outsider"}
    assert audit_verify().ok


def test_role_assign_refuses_an_end_before_the_start(cast):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        _grant(cast.outsider, cast.tree.branch_c, valid_from=today, valid_to=today - timedelta(days=1))
    assert not RoleAssignment.objects.filter(user=cast.outsider).exists()
