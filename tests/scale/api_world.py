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
    from qinglian.orgs.services import role_assign

    User = get_user_model()
    cast = conftest.make_cast(conftest.make_tree())
    settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    build_world(cast)

    tokens = {}
    for code, spec in sorted(BUILTIN_ROLES.items(), key=lambda item: (item[1].order, item[0])):
        holder = RoleAssignment.objects.filter(role__code=code).order_by("pk").select_related("user").first()
        if holder is None:  # a role the cast does not know yet: a user holding it on the root, with the subtree
            user = User.objects.create_user(f"role_{code}", f"{code}@example.cn", conftest.PASSWORD)
            role = Role.objects.get(code=code)
            role_assign(user=user, role=role, organisation=cast.tree.root, include_subtree=True, actor=None)
        else:
            user = holder.user
        tokens[code] = token_create(user=user, name="api fuzzing", days=30)[1]
    tokens["no_role"] = token_create(user=cast.outsider, name="api fuzzing", days=30)[1]
    return tokens


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(world_seed()))
