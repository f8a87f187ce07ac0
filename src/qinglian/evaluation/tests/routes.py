"""Evaluation's rows of the route table (see core/tests/web.py), gathered from one module per area.

Members and users without a role get 404 everywhere; a branch secretary reads only their own branch's scores;
only the committee office manages cycles, values and weights.
"""

from __future__ import annotations

import importlib

from qinglian.evaluation.apps import AREAS

NAMESPACE = "evaluation"

_modules = []
for _area in AREAS:
    try:
        _modules.append(importlib.import_module(f"qinglian.evaluation.tests.routes_{_area}"))
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.evaluation.tests.routes_{_area}":
            raise

ROUTES = [route for module in _modules for route in module.ROUTES]


def world_extend(world) -> None:
    for module in _modules:
        module.world_extend(world)
