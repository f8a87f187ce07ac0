"""Rectification's API, mounted under /api/v1/rectification/."""

from ninja import Router

router = Router()
