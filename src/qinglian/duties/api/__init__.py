"""Duties' API: one router per area, mounted under /api/v1/duties/."""

from ninja import Router

from qinglian.duties.api import assessment, dashboards, lists, plans

router = Router()
router.add_router("", dashboards.router)
router.add_router("", plans.router)
router.add_router("", lists.router)
router.add_router("", assessment.router)
