"""Indicators of rectification, registered for evaluation (which reads modules only through them).

Signature of every indicator here (as orglife's):

    fn(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]

For many units at once, keyed by organisation id; each unit's value covers the unit and every unit below it.
The items counted are those recorded in `year` up to `on` (default today), in the state they are in now,
closures counted only up to `on`. None means there is nothing to measure. Access control is the caller's.

- rectification.closure_rate: closed ÷ all items recorded (as the ledger and the dashboards count it);
- rectification.median_days_to_close: the median over closed items of (closed_on − created_on).days;
- rectification.on_time_rate: of the items whose deadline has passed by `on` or that are reported rectified,
  the share reported rectified by their deadline (a report sent back no longer counts).

Drill-down (registry.indicator_records): `fn(*, org, year, on=None)` lists the items counted for the unit's subtree,
newest first, each linking to its page, with what it contributes to that indicator.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_

from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from qinglian.core.registry import RECORDS_LIMIT, IndicatorRecord, IndicatorRecords, registry
from qinglian.orgs.models import STEP, Organisation, subtree_q, topmost
from qinglian.rectification.models import Item
from qinglian.rectification.vocab import ItemStatus


@dataclass(frozen=True)
class _Row:
    status: str
    created_on: date
    closed_on: date | None
    submitted_on: date | None
    due_on: date


def _subtree_rows(orgs: list[Organisation], year: int, on: date) -> dict[int, list[_Row]]:
    """Each unit's items (its subtree's), read in one query for all the units asked about."""
    if not orgs:
        return {}
    tops = topmost(orgs)
    wanted = {org.path: org.pk for org in orgs}
    found: dict[int, list[_Row]] = defaultdict(list)
    rows = (
        Item.objects.filter(reduce(or_, (subtree_q(top.path, "organisation__") for top in tops)))
        .filter(created_on__year=year, created_on__lte=on)
        .values_list("organisation__path", "status", "created_on", "closed_on", "submitted_on", "due_on")
    )
    for path, *values in rows:
        row = _Row(*values)
        for end in range(STEP, len(path) + 1, STEP):
            pk = wanted.get(path[:end])
            if pk is not None:
                found[pk].append(row)
    return found


def _closed(row: _Row, on: date) -> bool:
    return row.status == ItemStatus.CLOSED and row.closed_on is not None and row.closed_on <= on


def _closure_rate(rows: list[_Row], on: date) -> float | None:
    return sum(1 for r in rows if _closed(r, on)) / len(rows) if rows else None


def _median_days(rows: list[_Row], on: date) -> float | None:
    days = [(r.closed_on - r.created_on).days for r in rows if _closed(r, on)]
    return float(statistics.median(days)) if days else None


def _on_time_rate(rows: list[_Row], on: date) -> float | None:
    reported = {ItemStatus.SUBMITTED, ItemStatus.CLOSED}
    due = [r for r in rows if r.due_on < on or (r.status in reported and r.submitted_on is not None)]
    if not due:
        return None
    in_time = sum(1 for r in due if r.status in reported and r.submitted_on and r.submitted_on <= r.due_on)
    return in_time / len(due)


def _indicator(measure: Callable[[list[_Row], date], float | None], doc: str):
    def indicator(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
        orgs = list(orgs)
        on = on or timezone.localdate()
        rows = _subtree_rows(orgs, year, on)
        return {org.pk: measure(rows.get(org.pk, []), on) for org in orgs}

    indicator.__doc__ = doc
    return indicator


closure_rate = _indicator(_closure_rate, "Closed ÷ all items recorded in the year, per unit subtree.")
median_days_to_close = _indicator(_median_days, "Median days from recording to verified closure, per unit subtree.")
on_time_rate = _indicator(_on_time_rate, "Share of the items due that were reported rectified by their deadline.")


def _describe_closure(row: _Row, on: date) -> str:
    return _("closed on %(day)s") % {"day": row.closed_on.isoformat()} if _closed(row, on) else _("not closed")


def _describe_days(row: _Row, on: date) -> str:
    if _closed(row, on):
        return _("closed after %(n)s days") % {"n": (row.closed_on - row.created_on).days}
    return _("not closed (not counted)")


def _describe_on_time(row: _Row, on: date) -> str:
    reported = row.status in (ItemStatus.SUBMITTED, ItemStatus.CLOSED) and row.submitted_on is not None
    if reported and row.submitted_on <= row.due_on:
        return _("reported by the deadline")
    if reported:
        return _("reported after the deadline")
    if row.due_on < on:
        return _("deadline %(day)s passed, not reported") % {"day": row.due_on.isoformat()}
    return _("deadline %(day)s not reached (not counted)") % {"day": row.due_on.isoformat()}


def _records(describe: Callable[[_Row, date], str]):
    def records(*, org: Organisation, year: int, on: date | None = None) -> IndicatorRecords:
        on = on or timezone.localdate()
        items = (
            Item.objects.filter(subtree_q(org.path, "organisation__"), created_on__year=year, created_on__lte=on)
            .select_related("organisation")
            .order_by("-created_on", "-pk")
        )
        total = items.count()
        found = []
        for item in items[:RECORDS_LIMIT]:
            row = _Row(item.status, item.created_on, item.closed_on, item.submitted_on, item.due_on)
            found.append(
                IndicatorRecord(
                    label=f"{item.organisation.display_name} · {Truncator(item.problem).chars(60)}",
                    url=reverse("rectification:item_detail", args=[item.pk]),
                    on=item.created_on,
                    value=describe(row, on),
                )
            )
        return IndicatorRecords(found, total)

    return records


closure_records = _records(_describe_closure)
days_records = _records(_describe_days)
on_time_records = _records(_describe_on_time)


def register() -> None:
    registry.add_indicator("rectification.closure_rate", closure_rate, closure_records)
    registry.add_indicator("rectification.median_days_to_close", median_days_to_close, days_records)
    registry.add_indicator("rectification.on_time_rate", on_time_rate, on_time_records)
