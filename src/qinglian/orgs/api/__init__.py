"""The register's API: one router per area, mounted under /api/v1/orgs/."""

from ninja import Router

from qinglian.orgs.api import members, roles, tree

router = Router()
router.add_router("", members.router)
router.add_router("", roles.router)
router.add_router("", tree.router)
