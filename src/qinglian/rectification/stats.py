"""Counting rectification items: the ledger by source and unit, and the closure figures the dashboards show.

Both read any queryset of items (the caller has already narrowed it to what its reader may see, a subtree,
a year) in two queries, whatever its size: one grouped count, one list of the closed items' days.

Definitions (the same everywhere they are shown):
- total: every item recorded, whatever its state;
- being rectified: open (including overdue), not yet reported rectified;
- overdue: being rectified after its deadline (an item awaiting verification is the verifier's to act on);
- awaiting verification: reported rectified, not yet verified;
- closed: verified and closed (销号);
- closure rate = closed ÷ all items recorded (None when there are none);
- median days to close = the median, over closed items, of (closed_on − created_on).days (None when none
  is closed).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from qinglian.orgs.models import Organisation
from qinglian.rectification.vocab import ItemStatus, Source


@dataclass
class Stats:
    """The counts of a set of items and the days each closed one took."""

    total: int = 0
    open: int = 0
    overdue: int = 0
    submitted: int = 0
    closed: int = 0
    reopened: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def closure_rate(self) -> float | None:
        """Closed ÷ all items recorded."""
        return self.closed / self.total if self.total else None

    @property
    def closure_percent(self) -> int | None:
        rate = self.closure_rate
        return None if rate is None else round(100 * rate)

    @property
    def median_days(self) -> float | None:
        """Median over closed items of (closed_on − created_on).days."""
        return statistics.median(self.days) if self.days else None

    def add(self, other: Stats) -> None:
        for name in ("total", "open", "overdue", "submitted", "closed", "reopened"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.days.extend(other.days)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "open": self.open,
            "overdue": self.overdue,
            "submitted": self.submitted,
            "closed": self.closed,
            "reopened": self.reopened,
            "closure_rate": self.closure_rate,
            "median_days_to_close": self.median_days,
        }


@dataclass
class LedgerRow:
    """One line of the ledger: the items of one unit (its own, not its subtree's) from one source."""

    organisation_id: int
    source: str
    stats: Stats


def _counts(today: date) -> dict:
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status=ItemStatus.OPEN)),
        "overdue": Count("pk", filter=Q(status=ItemStatus.OPEN, due_on__lt=today)),
        "submitted": Count("pk", filter=Q(status=ItemStatus.SUBMITTED)),
        "closed": Count("pk", filter=Q(status=ItemStatus.CLOSED)),
        "reopened": Count("pk", filter=Q(reopened__gt=0)),
    }


def _days(qs, *keys: str):
    """(keys..., days to close) of every closed item."""
    rows = qs.filter(status=ItemStatus.CLOSED).order_by().values_list(*keys, "created_on", "closed_on")
    for *values, created_on, closed_on in rows:
        yield (*values, (closed_on - created_on).days)


def ledger_rows(qs, *, today: date | None = None) -> list[LedgerRow]:
    """The ledger of the items in `qs`: one row per (responsible unit, source) that has items, in no set order.

    Each row's Stats counts total, being rectified, overdue (on `today`), awaiting verification, closed and
    ever reopened, with the days each closed item took (for the median). Two queries.
    """
    today = today or timezone.localdate()
    grouped = qs.order_by().values("organisation_id", "source").annotate(**_counts(today))
    rows: dict[tuple[int, str], LedgerRow] = {}
    for values in grouped:
        key = (values.pop("organisation_id"), values.pop("source"))
        rows[key] = LedgerRow(key[0], key[1], Stats(**values))
    for org_id, source, days in _days(qs, "organisation_id", "source"):
        rows[(org_id, source)].stats.days.append(days)
    return list(rows.values())


def closure_stats(qs, *, today: date | None = None) -> Stats:
    """The counts of all the items in `qs` together, with closure rate and median days to close. Two queries."""
    today = today or timezone.localdate()
    stats = Stats(**qs.order_by().aggregate(**_counts(today)))
    stats.days = [days for (days,) in _days(qs)]
    return stats


def stats_by(rows: list[LedgerRow], key) -> dict:
    """Ledger rows added up by `key(row)` (e.g. by unit, or by source)."""
    out: dict = defaultdict(Stats)
    for row in rows:
        out[key(row)].add(row.stats)
    return dict(out)


@dataclass
class UnitLine:
    """A unit's line of the ledger table: its items by source, and all of them."""

    organisation: Organisation
    cells: dict[str, Stats]
    total: Stats


@dataclass
class LedgerTable:
    """The ledger as a table of units (rows, in tree order) by source (columns), with the totals of each."""

    sources: list[tuple[str, str]]
    units: list[UnitLine]
    by_source: dict[str, Stats]
    total: Stats


def ledger_table(qs, *, today: date | None = None) -> LedgerTable:
    """The ledger of the items in `qs` laid out for a page or a document. Three queries."""
    rows = ledger_rows(qs, today=today)
    orgs = Organisation.objects.in_bulk({row.organisation_id for row in rows})
    present = {row.source for row in rows}
    sources = [(value, str(label)) for value, label in Source.choices if value in present]
    cells: dict[int, dict[str, Stats]] = defaultdict(dict)
    for row in rows:
        cells[row.organisation_id][row.source] = row.stats
    units = []
    for org in sorted(orgs.values(), key=lambda o: o.path):
        total = Stats()
        for stats in cells[org.pk].values():
            total.add(stats)
        units.append(UnitLine(org, cells[org.pk], total))
    total = Stats()
    for line in units:
        total.add(line.total)
    return LedgerTable(sources, units, stats_by(rows, lambda row: row.source), total)
