"""Discipline's API: one router per staff area under /api/v1/discipline/, and the portal's own small router under
/api/v1/report/ (no login; the receipt code is the credential)."""

import importlib

from ninja import Router

from qinglian.discipline.urls import AREAS

router = Router()
for _area in AREAS:
    try:
        router.add_router("", importlib.import_module(f"qinglian.discipline.api.{_area}").router)
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.discipline.api.{_area}":
            raise

try:
    from qinglian.discipline.api.portal import router as portal_router
except ModuleNotFoundError as error:
    if error.name != "qinglian.discipline.api.portal":
        raise
    portal_router = Router(auth=None)
