"""Rectification's API, mounted under /api/v1/rectification/: one router per area."""

from ninja import Router

from qinglian.rectification.api import items

router = Router()
for area in (items,):
    router.add_router("", area.router)
