"""One unit's year: per kind of meeting, every period it owes with its due day, meetings and status; and the
frequency rules in force for its subtree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from qinglian.core.models import Rule
from qinglian.orglife.compliance.table import Cell, Period, RuleBook, unit_cells, worst, year_bounds
from qinglian.orglife.models import Meeting
from qinglian.orglife.rules import FREQUENCY, KindRule, rule_text
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
    owners = _tightened_by({p.row for c in cells.values() for p in c.periods})
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


def _tightened_by(rows) -> dict[str, Organisation]:
    """The units (by path) whose subtrees these rule versions were made for: one query, none for system rules."""
    paths = {row.org_path for row in rows if row.org_path}
    return {o.path: o for o in Organisation.objects.filter(path__in=paths)} if paths else {}


@dataclass
class RuleInForce:
    """The frequency rule of one kind of meeting in force for a unit's subtree: the system's, or tightened."""

    kind: str
    label: str
    rule: KindRule
    text: str  # the rule in a sentence
    row: Rule
    owner: Organisation | None  # the unit that tightened it (None: the system rule)
    here: bool  # tightened by this unit itself
    applies: bool  # owed by the unit itself, not only by units below it


def rules_in_force(org: Organisation, on: date) -> list[RuleInForce]:
    """Per kind of meeting, the frequency rule in force for `org`'s subtree on the day `on` (two queries)."""
    book = RuleBook(on.year)
    matching = book.matching(org.path)
    found = []
    for kind in MeetingKind.values:
        row = book.row_in_force(FREQUENCY + kind, matching, on)
        if row is not None:
            found.append((kind, book.kind_rule(kind, row), row))
    owners = _tightened_by(row for _kind, _rule, row in found)
    return [
        RuleInForce(
            kind=kind,
            label=str(MeetingKind(kind).label),
            rule=rule,
            text=rule_text(rule),
            row=row,
            owner=owners.get(row.org_path),
            here=row.org_path == org.path,
            applies=org.kind in rule.org_kinds,
        )
        for kind, rule, row in found
    ]


def schedule_day(period: Period, on: date) -> date:
    """The day a new meeting for the period is proposed on: the fixed day, else the first day still ahead."""
    if period.rule.day and period.rule.per == "month" and period.due >= on:
        return period.due
    return max(period.start, on + timedelta(days=1)) if on < period.last_day else period.last_day
