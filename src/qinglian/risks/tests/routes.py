"""Risks' rows of the route table (see core/tests/web.py), gathered from one module per area.

Objects sit in branch_b: its secretary (secretary_b) reviews there; branch_a's people and users without a role
must get 404. Integrity files are stricter still: only the cadre, discipline inspection and named reviewers.
"""

from __future__ import annotations

import importlib

NAMESPACE = "risks"
AREAS = ("register", "rounds", "monitoring", "files", "opinion", "conflicts")

_modules = []
for _area in AREAS:
    try:
        _modules.append(importlib.import_module(f"qinglian.risks.tests.routes_{_area}"))
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.risks.tests.routes_{_area}":
            raise

ROUTES = [route for module in _modules for route in module.ROUTES]


def world_extend(world) -> None:
    for module in _modules:
        module.world_extend(world)
