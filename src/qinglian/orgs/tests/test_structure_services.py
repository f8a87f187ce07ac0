"""Organisation structure services: details, merge, dissolve, departments, committee terms and posts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from qinglian.core.audit import audit_verify
from qinglian.core.models import AuditEvent
from qinglian.orgs import access
from qinglian.orgs.models import CommitteePost, CommitteeTerm, Department, Member, Organisation
from qinglian.orgs.services import (
    department_create,
    department_deactivate,
    department_update,
    member_create,
    org_create,
    org_dissolve,
    org_merge,
    org_move,
    org_update,
    post_assign,
    post_end,
    term_end,
    term_start,
)


@pytest.fixture(autouse=True)
def _english():
    with override("en"):
        yield


def _events(org, action):
    return AuditEvent.objects.filter(object_type="orgs.organisation", object_id=str(org.pk), action=action)


def test_update_changes_only_what_is_given_and_audits_the_difference(cast):
    branch = cast.tree.branch_a
    dept = department_create(organisation=cast.tree.root, name="办公室", kind="办公室", actor=cast.office)
    org_update(org=branch, founded_on=date(2015, 7, 1), department=dept, actor=cast.office)
    branch.refresh_from_db()
    assert (branch.founded_on, branch.department, branch.name) == (date(2015, 7, 1), dept, "第一党支部")
    event = _events(branch, "org.update").get()
    assert event.changes == {"founded_on": [None, "2015-07-01"], "department": [None, dept.pk]}
    org_update(org=branch, founded_on=date(2015, 7, 1), actor=cast.office)
    assert _events(branch, "org.update").count() == 1  # nothing changed, nothing recorded


def test_update_refuses_a_stale_version_and_another_committees_department(cast):
    with pytest.raises(ValidationError, match="Someone else"):
        org_update(org=cast.tree.branch_a, code="X1", version=99, actor=cast.office)
    other = org_create(name="另一机关党委", kind="committee", parent=None, actor=None)
    foreign = department_create(organisation=other, name="财务处", kind="财务", actor=None)
    with pytest.raises(ValidationError):
        org_update(org=cast.tree.branch_a, department=foreign, actor=cast.office)


def test_merge_moves_members_and_children_and_dissolves_the_source(cast):
    tree = cast.tree
    merged = org_merge(source=tree.branch_a, target=tree.branch_b, actor=cast.office, reason="机构改革")
    assert merged == tree.branch_b
    tree.branch_a.refresh_from_db()
    tree.group_a.refresh_from_db()
    assert not tree.branch_a.is_active
    assert tree.branch_a.successor == tree.branch_b and tree.branch_a.dissolved_on is not None
    assert Member.objects.get(pk=cast.members["a1"].pk).organisation == tree.branch_b
    assert tree.group_a.parent == tree.branch_b and tree.group_a.path.startswith(tree.branch_b.path)
    assert Member.objects.in_subtree(tree.branch_b).count() == 3  # a1, a2 (in the group) and b1
    assert Member.objects.filter(organisation=tree.branch_a).count() == 0
    # The member keeps seeing their own branch through the role that followed them.
    access.forget(cast.member)
    assert access.can(cast.member, "org.view", tree.branch_b)
    assert _events(tree.branch_a, "org.merge").get().reason == "机构改革"
    assert _events(tree.branch_b, "org.merge_in").exists()
    assert audit_verify().ok


def test_merge_refuses_a_target_inside_the_source_a_dissolved_target_and_no_reason(cast):
    tree = cast.tree
    with pytest.raises(ValidationError, match="itself or one of its own subordinates"):
        org_merge(source=tree.gb, target=tree.branch_a, actor=cast.office, reason="x")
    with pytest.raises(ValidationError, match="Say why"):
        org_merge(source=tree.branch_a, target=tree.branch_b, actor=cast.office, reason=" ")
    empty = org_create(name="临时党支部", kind="temp_branch", parent=tree.root, actor=None)
    org_dissolve(org=empty, on=date(2026, 1, 1), successor=None, actor=cast.office, reason="任务完成")
    with pytest.raises(ValidationError, match="dissolved"):
        org_merge(source=tree.branch_a, target=empty, actor=cast.office, reason="x")
    assert Member.objects.get(pk=cast.members["a1"].pk).organisation == tree.branch_a


def test_merge_refuses_when_a_child_could_not_sit_under_the_target(cast):
    # branch_a's Party group cannot sit directly under a general branch.
    with pytest.raises(ValidationError, match="cannot sit under"):
        org_merge(source=cast.tree.branch_a, target=cast.tree.gb, actor=cast.office, reason="x")
    cast.tree.branch_a.refresh_from_db()
    assert cast.tree.branch_a.is_active


def test_dissolve_refuses_with_members_and_children_saying_how_many(cast):
    with pytest.raises(ValidationError) as exc:
        org_dissolve(org=cast.tree.branch_a, on=date(2026, 1, 1), successor=None, actor=cast.office, reason="x")
    message = " ".join(exc.value.messages)
    assert "1 member(s)" in message and "1 active subordinate organisation(s)" in message
    with pytest.raises(ValidationError, match="2 active subordinate"):
        org_dissolve(org=cast.tree.gb, on=date(2026, 1, 1), successor=None, actor=cast.office, reason="x")


def test_dissolve_an_empty_unit_keeps_it_with_date_successor_and_history(cast):
    unit = org_create(name="临时党支部", kind="temp_branch", parent=cast.tree.root, actor=None)
    term_start(org=unit, elected_on=date(2025, 1, 1), actor=cast.office)
    org_dissolve(org=unit, on=date(2026, 3, 1), successor=cast.tree.branch_c, actor=cast.office, reason="任务完成")
    unit.refresh_from_db()
    assert (unit.is_active, unit.dissolved_on, unit.successor) == (False, date(2026, 3, 1), cast.tree.branch_c)
    assert CommitteeTerm.objects.get(organisation=unit).closed_on == date(2026, 3, 1)
    assert _events(unit, "org.dissolve").get().reason == "任务完成"
    with pytest.raises(ValidationError, match="already dissolved"):
        org_dissolve(org=unit, on=date(2026, 3, 2), successor=None, actor=cast.office, reason="again")


def test_nothing_moves_under_its_own_descendant_or_a_dissolved_unit(cast):
    with pytest.raises(ValidationError, match="under itself or its own subordinates"):
        org_move(org=cast.tree.gb, new_parent=cast.tree.branch_a, actor=cast.office)
    gone = org_create(name="已撤销党总支", kind="general_branch", parent=cast.tree.root, actor=None)
    org_dissolve(org=gone, on=date(2026, 1, 1), successor=None, actor=cast.office, reason="x")
    with pytest.raises(ValidationError, match="dissolved"):
        org_move(org=cast.tree.branch_b, new_parent=gone, actor=cast.office)


def test_departments_are_created_renamed_and_retired_with_audit(cast):
    dept = department_create(organisation=cast.tree.root, name="审计处", kind="审计", code="SJ", actor=cast.office)
    with pytest.raises(ValidationError, match="already a department"):
        department_create(organisation=cast.tree.root, name="审计处", actor=cast.office)
    with pytest.raises(ValidationError, match="Party committee"):
        department_create(organisation=cast.tree.branch_a, name="财务处", actor=cast.office)
    dept = department_update(department=dept, name="内审处", kind="审计", code="SJ", order=5, actor=cast.office)
    department_deactivate(department=dept, actor=cast.office, reason="并入财务处")
    dept.refresh_from_db()
    assert (dept.name, dept.order, dept.is_active) == ("内审处", 5, False)
    actions = AuditEvent.objects.filter(object_type="orgs.department").values_list("action", flat=True)
    assert list(actions.order_by("seq")) == ["department.create", "department.update", "department.deactivate"]
    with pytest.raises(ValidationError, match="inactive"):
        org_update(org=cast.tree.branch_a, department=dept, actor=cast.office)


def test_a_term_lasts_three_years_by_the_rule(cast):
    term = term_start(org=cast.tree.branch_a, elected_on=date(2024, 5, 10), actor=cast.office)
    assert (term.number, term.ends_on) == (1, date(2027, 5, 10))


def test_a_village_or_community_term_lasts_five_years(cast):
    org_update(org=cast.tree.branch_c, is_village_or_community=True, actor=cast.office)
    cast.tree.branch_c.refresh_from_db()
    assert term_end(cast.tree.branch_c, date(2024, 2, 29)) == date(2029, 2, 28)
    term = term_start(org=cast.tree.branch_c, elected_on=date(2024, 3, 1), actor=cast.office)
    assert term.ends_on == date(2029, 3, 1)


def test_a_new_term_closes_the_current_one_and_its_posts(cast):
    first = term_start(org=cast.tree.branch_a, elected_on=date(2021, 1, 5), actor=cast.office)
    seat = post_assign(term=first, member=cast.members["a1"], post="书记", actor=cast.office)
    with pytest.raises(ValidationError, match="after the current one"):
        term_start(org=cast.tree.branch_a, elected_on=date(2020, 1, 1), actor=cast.office)
    second = term_start(org=cast.tree.branch_a, elected_on=date(2024, 1, 8), actor=cast.office)
    first.refresh_from_db()
    seat.refresh_from_db()
    assert (first.closed_on, seat.ends_on, second.number) == (date(2024, 1, 8), date(2024, 1, 8), 2)
    assert _events(cast.tree.branch_a, "org.term_start").count() == 2


def test_posts_go_to_members_of_the_subtree_one_secretary_at_a_time(cast):
    term = term_start(org=cast.tree.branch_a, elected_on=date(2024, 1, 8), actor=cast.office)
    post_assign(term=term, member=cast.members["a1"], post="书记", actor=cast.office)
    post_assign(term=term, member=cast.members["a2"], post="组织委员", actor=cast.office)  # in the Party group
    with pytest.raises(ValidationError, match="not a member"):
        post_assign(term=term, member=cast.members["b1"], post="宣传委员", actor=cast.office)
    with pytest.raises(ValidationError, match="already filled"):
        post_assign(term=term, member=cast.members["a2"], post="书记", actor=cast.office)
    seat = CommitteePost.objects.get(term=term, post="书记")
    post_end(seat=seat, ends_on=date(2025, 1, 1), actor=cast.office, reason="调离")
    post_assign(term=term, member=cast.members["a2"], post="书记", actor=cast.office, starts_on=date(2025, 1, 2))
    assert list(CommitteePost.objects.holding().filter(term=term).values_list("post", flat=True).order_by("post")) == [
        "书记",
        "组织委员",
    ]


def test_department_queryset_and_terms_are_scoped(cast):
    department_create(organisation=cast.tree.root, name="办公室", actor=None)
    term_start(org=cast.tree.branch_b, elected_on=date(2024, 1, 1), actor=None)
    assert Department.objects.visible_to(cast.office).count() == 1
    assert Department.objects.visible_to(cast.secretary).count() == 0
    assert CommitteeTerm.objects.visible_to(cast.secretary_b).count() == 1
    assert CommitteeTerm.objects.visible_to(cast.secretary).count() == 0
    assert Organisation.objects.get(pk=cast.tree.branch_b.pk).terms.get().ends_on == date(2027, 1, 1)
    assert member_create  # the cast's members come from the shared fixture


def test_a_term_before_any_rule_is_refused_with_a_message(cast):
    with pytest.raises(ValidationError, match="No rule on committee terms"):
        term_start(org=cast.tree.branch_a, elected_on=date(2001, 1, 1), actor=cast.office)
