"""Duties' API: one router per area, mounted under /api/v1/duties/."""

from ninja import Router

router = Router()
