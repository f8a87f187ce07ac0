"""A small world for the API fuzzing, seeded through the services in a stack's database (run by Stack.python).

The unit tests' cast (conftest.py: the three-level tree, a user for every role, four members) plus the web tests'
world (core/tests/web.py build_world: one object of each kind every view takes by id, in every app), so that the
fuzzed requests meet real records of every module. Every built-in role from the roles registry gets a user and an
API token -- a role added later gets one here without a change -- and so does a user who holds no role.
"""

from __future__ import annotations

import json

from django.db import transaction


@transaction.atomic
def world_seed() -> dict[str, str]:
    """Seed the database; returns {role code: API token text} (and "no_role" for the user without roles).

    One transaction, as in the tests the world comes from: the tasks its services queue are queued once it is all
    there (and run only if a worker is started).
    """
    import conftest
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from qinglian.accounts.services import token_create
    from qinglian.core.tests.web import build_world
    from qinglian.orgs.access import BUILTIN_ROLES
    from qinglian.orgs.models import Role, RoleAssignment
    from qinglian.orgs.services import member_create, org_create, role_assign

    User = get_user_model()
    root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="ROOT")
    gb = org_create(name="第一党总支", kind="general_branch", parent=root, actor=None)
    branch_a = org_create(name="第一党支部", kind="branch", parent=gb, actor=None)
    group_a = org_create(name="第一党小组", kind="group", parent=branch_a, actor=None)
    branch_b = org_create(name="第二党支部", kind="branch", parent=gb, actor=None)
    branch_c = org_create(name="直属党支部", kind="branch", parent=root, actor=None)
    tree = conftest.Tree(root, gb, branch_a, group_a, branch_b, branch_c)

    users = {}
    for username, role_code, org_attr, subtree in conftest.ROLES:
        user = User.objects.create_user(username, f"{username}@example.cn", conftest.PASSWORD, first_name=username)
        role = Role.objects.get(code=role_code)
        role_assign(user=user, role=role, organisation=getattr(tree, org_attr), include_subtree=subtree, actor=None)
        users[username] = user
    users["outsider"] = User.objects.create_user("outsider", "outsider@example.cn", conftest.PASSWORD)
    members = {
        "a1": member_create(organisation=branch_a, name="张伟", gender="M", actor=None, user=users["member"]),
        "a2": member_create(organisation=group_a, name="李娜", gender="F", actor=None),
        "b1": member_create(organisation=branch_b, name="王芳", gender="F", actor=None),
        "c1": member_create(organisation=branch_c, name="刘洋", gender="M", actor=None),
    }
    settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    build_world(conftest.Cast(tree, users, members))

    tokens = {}
    for code, spec in sorted(BUILTIN_ROLES.items(), key=lambda item: (item[1].order, item[0])):
        holder = RoleAssignment.objects.filter(role__code=code).order_by("pk").select_related("user").first()
        if holder is None:  # a role the cast does not know yet: a user holding it on the root, with the subtree
            user = User.objects.create_user(f"role_{code}", f"{code}@example.cn", conftest.PASSWORD)
            role_assign(
                user=user, role=Role.objects.get(code=code), organisation=root, include_subtree=True, actor=None
            )
        else:
            user = holder.user
        tokens[code] = token_create(user=user, name="api fuzzing", days=30)[1]
    tokens["no_role"] = token_create(user=users["outsider"], name="api fuzzing", days=30)[1]
    return tokens


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(world_seed()))
