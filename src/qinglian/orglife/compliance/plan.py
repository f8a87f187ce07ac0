"""The year plan of one unit: per kind of meeting, every period it owes with its due day, meetings and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from qinglian.core.models import Rule
from qinglian.orglife.compliance.table import Cell, Period, RuleBook, unit_cells, worst, year_bounds
from qinglian.orglife.models import Meeting
from qinglian.orglife.rules import KindRule, rule_text
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.models import Organisation


@dataclass
class KindPlan:
    kind: str
    cell: Cell
    rule: KindRule
    row: Rule  # the version governing the latest period
    tightened_by: Organisation | None  # the unit whose subtree the version was made for

    @property
    def label(self) -> str:
        return str(MeetingKind(self.kind).label)

    @property
    def text(self) -> str:
        return rule_text(self.rule)

    @property
    def versions(self) -> list[Rule]:
        seen, out = set(), []
        for period in self.cell.periods:
            if period.row.pk not in seen:
                seen.add(period.row.pk)
                out.append(period.row)
        return out


@dataclass
class Plan:
    org: Organisation
    year: int
    on: date
    kinds: list[KindPlan]
    reminder_days: int

    @property
    def light(self) -> str:
        return worst(*(k.cell.light for k in self.kinds))


def unit_plan(*, org: Organisation, year: int, on: date | None = None, meetings=None) -> Plan:
    """The year of `org`: per kind, every owed period with its due day, its meetings and status.

    `meetings` are the unit's meetings of the year the reader may see (not cancelled), listed in
    their periods; counted ones make up the counts.
    """
    on = on or timezone.localdate()
    book = RuleBook(year)
    first, after = year_bounds(year)
    listed = list(
        (meetings if meetings is not None else Meeting.objects.filter(organisation=org))
        .filter(organisation=org)
        .between(first, after)
        .not_cancelled()
        .order_by("starts_at", "pk")
    )
    by_kind: dict[str, tuple[list[int], list[int]]] = {}
    for m in listed:
        if m.counted:
            held, ok = by_kind.setdefault(m.kind, ([0] * 13, [0] * 13))
            held[m.starts_on.month] += 1
            ok[m.starts_on.month] += m.quorum_met is not False
    counts = {(org.pk, kind): (tuple(held), tuple(ok)) for kind, (held, ok) in by_kind.items()}
    cells = unit_cells(org, book, counts, on=on)
    override_paths = {p.row.org_path for c in cells.values() for p in c.periods if p.row.org_path}
    owners = {o.path: o for o in Organisation.objects.filter(path__in=override_paths)} if override_paths else {}
    kinds = []
    for kind in MeetingKind.values:
        cell = cells.get(kind)
        if cell is None:
            continue
        for period in cell.periods:
            period.meetings = [m for m in listed if m.kind == kind and period.start <= m.starts_on < period.end]
        latest = cell.periods[-1]
        kinds.append(KindPlan(kind, cell, latest.rule, latest.row, owners.get(latest.row.org_path)))
    return Plan(org, year, on, kinds, book.reminder_days(org, on))


def schedule_day(period: Period, on: date) -> date:
    """The day a new meeting for the period is proposed on: the fixed day, else the first day still ahead."""
    if period.rule.day and period.rule.per == "month" and period.due >= on:
        return period.due
    return max(period.start, on + timedelta(days=1)) if on < period.last_day else period.last_day
