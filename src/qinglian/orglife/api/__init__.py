"""Organisational life's API: one router per area, mounted under /api/v1/orglife/."""

from ninja import Router

from qinglian.orglife.api import appraisal, compliance, life, me, meetings, minutes, talks

router = Router()
router.add_router("", me.router)
router.add_router("", compliance.router)
router.add_router("", appraisal.router)
router.add_router("", talks.router)
router.add_router("", life.router)
router.add_router("", minutes.router)
router.add_router("", meetings.router)
