"""The indicator tree as data: the shipped catalogue (`fixtures/indicators.json`) loaded after every migrate, and
the indicators on offer — a computed indicator is offered only when the module that computes it is installed
(its query is registered), so an installation without discipline simply has no discipline indicators.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from qinglian.core.registry import registry
from qinglian.evaluation.models import Indicator
from qinglian.evaluation.vocab import Source

CATALOGUE = Path(__file__).resolve().parent.parent / "fixtures" / "indicators.json"
FIELDS = (
    "layer", "name_zh", "name_en", "description", "direction", "interval_low", "interval_high", "unit", "source",
    "query", "flow", "anchor_low", "anchor_high", "rule", "group", "role", "effective_to", "order",
)  # fmt: skip


@transaction.atomic
def catalogue_load(*, verbosity: int = 0) -> int:
    """Add the shipped indicator versions not in the database yet (a shipped version is never loaded twice, and
    one changed in the database is left alone); returns how many were added."""
    rows = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    by_code = {(i.code, i.version): i for i in Indicator.objects.all()}
    added = 0
    for row in rows:  # parents come before their children in the file
        key = (row["code"], row.get("version", 1))
        if key in by_code:
            continue
        parent = None
        if row.get("parent"):
            parent = max((i for (code, _v), i in by_code.items() if code == row["parent"]), key=lambda i: i.version)
        values = {name: row[name] for name in FIELDS if name in row and row[name] is not None}
        if "effective_to" in values:
            values["effective_to"] = date.fromisoformat(values["effective_to"])
        by_code[key] = Indicator.objects.create(
            code=row["code"],
            version=key[1],
            parent=parent,
            effective_from=date.fromisoformat(row["effective_from"]),
            **values,
        )
        added += 1
    if added and verbosity:
        print(f"  Loaded {added} shipped indicator(s).")
    return added


def in_force(on: date):
    """The indicators (groups and leaves) in force on a day: one version of each code, the latest."""
    rows = Indicator.objects.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on), effective_from__lte=on)
    latest: dict[str, Indicator] = {}
    for indicator in rows.order_by("code", "version"):
        latest[indicator.code] = indicator
    return sorted(latest.values(), key=lambda i: (i.order, i.code))


def offered(on: date) -> list[Indicator]:
    """The leaves in force that this installation can fill: survey and manual ones, and computed ones whose query
    a module registered."""
    return [
        i for i in in_force(on)
        if i.source and (i.source != Source.COMPUTED or i.query in registry.indicators)
    ]  # fmt: skip
