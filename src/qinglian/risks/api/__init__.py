"""Risks' API: one router per area, mounted under /api/v1/risks/."""

import importlib

from ninja import Router

router = Router()
for _area in ("register", "rounds", "monitoring", "files", "opinion", "conflicts"):
    try:
        router.add_router("", importlib.import_module(f"qinglian.risks.api.{_area}").router)
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.risks.api.{_area}":
            raise
