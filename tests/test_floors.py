"""The floors of HOUSE.md, checked on the source: an app imports only apps on the floors below it.

Every import counts, including one inside a function — hiding an upward import there is what the rule
forbids. Tests and migrations are left out (a test may build another app's records).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "qinglian"

# core and accounts share the ground floor, accounts standing on core.
FLOORS = {
    "core": 1.0,
    "accounts": 1.5,
    "reports": 2,
    "orgs": 3,
    "rectification": 4,
    "orglife": 5,
    "duties": 5,
    "risks": 5,
    "study": 6,
    "discipline": 6,
    "evaluation": 7,
}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "qinglian" and len(parts) > 1 and parts[1] in FLOORS:
                found.add((parts[1], node.lineno))
    return found


@pytest.mark.parametrize("app", [app for app in FLOORS if (SOURCE / app).is_dir()])
def test_app_imports_only_floors_below(app):
    upward = []
    for path in sorted((SOURCE / app).rglob("*.py")):
        relative = path.relative_to(SOURCE / app)
        if relative.parts[0] in ("tests", "migrations"):
            continue
        for other, line in sorted(imported_apps(path)):
            if other != app and FLOORS[other] >= FLOORS[app]:
                upward.append(f"{app}/{relative}:{line} imports {other}")
    assert not upward, "imports that run up or across the floors:\n" + "\n".join(upward)


def test_every_app_has_a_floor():
    apps = {path.parent.name for path in SOURCE.glob("*/apps.py")}
    assert apps <= set(FLOORS), f"apps without a floor in this test: {sorted(apps - set(FLOORS))}"
