"""The shared test cast: a three-level organisation tree and a user for every role.

    committee 机关党委 (root)
    ├── general branch 第一党总支 (gb)
    │   ├── branch 第一党支部 (branch_a) ── group 第一党小组 (group_a)
    │   └── branch 第二党支部 (branch_b)      ← sibling of branch_a
    └── branch 直属党支部 (branch_c)

Users (password "pw"): admin, office, inspector, auditor, liaison (on root, with subtree);
secretary, organiser, propagandist, discipline (on branch_a, with subtree); member (on branch_a);
secretary_b (on branch_b); outsider (logs in, holds no role).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("QINGLIAN_TESTING", "1")


@dataclass
class Tree:
    root: object
    gb: object
    branch_a: object
    group_a: object
    branch_b: object
    branch_c: object


@dataclass
class Cast:
    tree: Tree
    users: dict
    members: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["users"][name]  # not self.users: a copy being made has no users yet
        except KeyError:
            raise AttributeError(name) from None


PASSWORD = "pw"

ROLES = [
    # user, role code, organisation attribute, include subtree
    ("admin", "administrator", "root", True),
    ("office", "committee_office", "root", True),
    ("inspector", "discipline_staff", "root", True),
    ("auditor", "auditor", "root", True),
    ("liaison", "department_liaison", "root", True),
    ("secretary", "branch_secretary", "branch_a", True),
    ("organiser", "org_commissioner", "branch_a", True),
    ("propagandist", "propaganda_commissioner", "branch_a", True),
    ("discipline", "discipline_commissioner", "branch_a", True),
    ("member", "member", "branch_a", False),
    ("secretary_b", "branch_secretary", "branch_b", True),
]


def fast_settings(folder) -> dict:
    """The settings every test runs with: quick hashing, no second factor, files under `folder`, tasks inline."""
    return {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "TWO_FACTOR_REQUIRED": False,
        "EXPORT_DIR": folder / "exports",
        "MEDIA_ROOT": folder / "media",
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    }


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    for name, value in fast_settings(tmp_path).items():
        setattr(settings, name, value)


def make_tree() -> Tree:
    from qinglian.orgs.services import org_create

    root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="ROOT")
    gb = org_create(name="第一党总支", kind="general_branch", parent=root, actor=None)
    branch_a = org_create(name="第一党支部", kind="branch", parent=gb, actor=None)
    group_a = org_create(name="第一党小组", kind="group", parent=branch_a, actor=None)
    branch_b = org_create(name="第二党支部", kind="branch", parent=gb, actor=None)
    branch_c = org_create(name="直属党支部", kind="branch", parent=root, actor=None)
    return Tree(root, gb, branch_a, group_a, branch_b, branch_c)


def make_cast(tree: Tree) -> Cast:
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Role
    from qinglian.orgs.services import member_create, role_assign

    users = {}
    for username, role_code, org_attr, subtree in ROLES:
        user = get_user_model().objects.create_user(
            username, f"{username}@example.cn", PASSWORD, first_name=username.title()
        )
        role_assign(
            user=user,
            role=Role.objects.get(code=role_code),
            organisation=getattr(tree, org_attr),
            include_subtree=subtree,
            actor=None,
        )
        users[username] = user
    users["outsider"] = get_user_model().objects.create_user("outsider", "outsider@example.cn", PASSWORD)
    members = {
        "a1": member_create(organisation=tree.branch_a, name="张伟", gender="M", actor=None, user=users["member"]),
        "a2": member_create(organisation=tree.group_a, name="李娜", gender="F", actor=None),
        "b1": member_create(organisation=tree.branch_b, name="王芳", gender="F", actor=None),
        "c1": member_create(organisation=tree.branch_c, name="刘洋", gender="M", actor=None),
    }
    return Cast(tree, users, members)


@pytest.fixture
def tree(db) -> Tree:
    return make_tree()


@pytest.fixture
def cast(tree) -> Cast:
    return make_cast(tree)


@pytest.fixture
def in_english():
    """Run the test in English, for assertions on messages (the site's language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    """Log the test client in as one of the cast: login(cast.secretary)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
