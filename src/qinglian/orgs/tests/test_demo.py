"""The demo organisation: a whole committee with members and a login for every role."""

from __future__ import annotations

import contextlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from qinglian.core.audit import audit_verify
from qinglian.orgs import access, demo
from qinglian.orgs.models import Member, Organisation, RoleAssignment

CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


@pytest.fixture
def loaded(db):
    result = demo.load(members=300)
    assert result["loaded"] is True
    return result


def test_it_creates_the_committee_and_its_branches(loaded):
    root = Organisation.objects.get(code=demo.ROOT_CODE)
    assert (root.kind, root.depth, root.parent) == ("committee", 1, None)
    kinds = list(Organisation.objects.subtree(root).values_list("kind", flat=True))
    assert kinds.count("committee") == 1
    assert kinds.count("general_branch") == 3
    assert 10 <= kinds.count("branch") <= 14
    assert kinds.count("group") >= 5
    assert Organisation.objects.count() == len(kinds)  # everything sits under the committee
    for group in Organisation.objects.filter(kind="group"):
        assert group.parent.kind == "branch"


def test_it_puts_300_members_with_chinese_names_on_the_register(loaded):
    members = list(Member.objects.select_related("organisation"))
    assert len(members) == 300
    assert all(CHINESE_NAME.fullmatch(m.name) for m in members)
    assert all(m.name_pinyin and m.name_pinyin.isascii() for m in members)
    # Members sit in branches or their Party groups, spread over every branch.
    assert {m.organisation.kind for m in members} <= {"branch", "group"}
    homes = {m.organisation.parent_id if m.organisation.kind == "group" else m.organisation_id for m in members}
    assert homes == set(Organisation.objects.filter(kind="branch").values_list("pk", flat=True))
    assert Member.objects.filter(category="probationary").exists()


def test_it_gives_every_demo_login_its_role(loaded):
    expected = {
        username: (role, "JZCZ" if org_key == "root" else f"JZCZ-{org_key.upper()}", subtree)
        for username, role, org_key, subtree, _label in demo.LOGINS
    }
    users = get_user_model().objects.filter(username__in=expected)
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in users)
    held = {
        a.user.username: (a.role.code, a.organisation.code, a.include_subtree)
        for a in RoleAssignment.objects.active().filter(user__in=users).select_related("user", "role", "organisation")
    }
    assert held == expected
    assert len(held) == RoleAssignment.objects.active().filter(user__in=users).count()  # one role each


def test_the_demo_logins_see_what_their_roles_allow(loaded):
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[row[0] for row in demo.LOGINS])}
    budget = Organisation.objects.get(code="JZCZ-BUDGET")
    in_budget = Member.objects.in_subtree(budget).count()
    assert in_budget > 0
    assert Member.objects.visible_to(users["secretary"]).count() == in_budget
    assert Member.objects.visible_to(users["office"]).count() == 300
    assert access.can(users["auditor"], "audit.view") and not access.can(users["admin"], "audit.view")
    assert not access.can(users["admin"], "sealed.view") and access.can(users["inspector"], "sealed.view")


def test_the_budget_logins_are_members_of_the_budget_branch(loaded):
    budget = Organisation.objects.get(code="JZCZ-BUDGET")
    for username in ("secretary", "organiser", "propagandist", "discipline"):
        member = Member.objects.select_related("organisation").get(user__username=username)
        assert member.organisation.is_within(budget)
        assert member.user.first_name == member.name


def test_it_lists_every_login_with_its_role_names(loaded):
    logins = {username: (zh, en) for username, zh, en in loaded["logins"]}
    assert set(logins) == {row[0] for row in demo.LOGINS}
    assert logins["secretary"] == ("支部书记", "Branch secretary")
    assert loaded["password"] == demo.DEMO_PASSWORD


def test_loading_again_adds_nothing(loaded):
    User = get_user_model()
    counts = (
        Organisation.objects.count(),
        Member.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
    )
    again = demo.load(members=300)
    assert again["loaded"] is False
    assert len(again["logins"]) == len(demo.LOGINS)
    assert (
        Organisation.objects.count(),
        Member.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
    ) == counts


def test_it_is_the_same_every_time(db):
    class Rollback(Exception):
        pass

    runs = []
    for _ in range(2):
        with contextlib.suppress(Rollback), transaction.atomic():
            demo.load(members=40)
            runs.append(list(Member.objects.order_by("pk").values_list("name", "organisation__path", "birth_date")))
            raise Rollback
    assert len(runs[0]) == 40
    assert runs[0] == runs[1]


def test_the_load_keeps_the_audit_chain_intact(loaded):
    assert audit_verify().ok
