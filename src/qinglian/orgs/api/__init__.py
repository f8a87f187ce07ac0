"""The register's API: one router per area, mounted under /api/v1/orgs/."""

from ninja import Router

from qinglian.orgs.api import committees, departments, imports, members, roles, transfers, tree

router = Router()
# Fixed paths (/departments, /terms, /posts) before the tree's /{org_id} so that they are matched first.
router.add_router("", departments.router)
router.add_router("", imports.router)
router.add_router("", committees.router)
router.add_router("", members.router)
router.add_router("", roles.router)
router.add_router("", transfers.router)
router.add_router("", tree.router)
