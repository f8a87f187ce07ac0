"""Discipline's rows of the route table (see core/tests/web.py), gathered from one module per area.

Nobody outside discipline inspection may reach any page of this module: the administrator, the committee office,
the auditor, the liaison, branch people (the secretary, branch_a's discipline commissioner, members) and users without
a role all get 404. Inside it, a clue is need-to-know: its handlers and the head of discipline inspection.
"""

from __future__ import annotations

import importlib

NAMESPACE = "discipline"
NAMESPACES = ["discipline", "portal"]  # the staff pages and the public reporting portal
AREAS = ("intake", "clues", "disposal", "cases", "sealed", "stats", "portal")

NO_DISCIPLINE = (
    "outsider",
    "member",
    "secretary",
    "discipline",
    "secretary_b",
    "office",
    "admin",
    "auditor",
    "liaison",
    "manager_a",
)

_modules = []
for _area in AREAS:
    try:
        _modules.append(importlib.import_module(f"qinglian.discipline.tests.routes_{_area}"))
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.discipline.tests.routes_{_area}":
            raise

ROUTES = [route for module in _modules for route in module.ROUTES]


def world_extend(world) -> None:
    for module in _modules:
        module.world_extend(world)
