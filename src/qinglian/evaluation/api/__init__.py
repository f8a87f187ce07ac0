"""Evaluation's API under /api/v1/evaluation/: one router per area."""

import importlib

from ninja import Router

from qinglian.evaluation.apps import AREAS

router = Router()
for _area in AREAS:
    try:
        router.add_router("", importlib.import_module(f"qinglian.evaluation.api.{_area}").router)
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.evaluation.api.{_area}":
            raise
