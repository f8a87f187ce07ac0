"""The compliance computation: the rules of a year, each unit's periods and cells, and the table of a scope.

The definitions are in the package's docstring (`qinglian.orglife.compliance`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.lib.dates import add_months
from qinglian.core.models import Rule
from qinglian.orglife.models import Meeting
from qinglian.orglife.rules import FREQUENCY, PERIOD_MONTHS, KindRule, kind_rule_of
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.models import STEP, Organisation

REMINDER_DAYS = "orglife.reminder_days"
# Units whose rows are followed by a subtotal row of their subtree.
ROLL_UP_KINDS = (Organisation.Kind.COMMITTEE, Organisation.Kind.GENERAL_BRANCH)


class Status:
    MET = "met"
    QUORUM_SHORT = "quorum_short"
    MISSED = "missed"
    DUE_SOON = "due_soon"
    DUE = "due"
    UPCOMING = "upcoming"


STATUS_LABELS = {
    Status.MET: gettext_lazy("Met"),
    Status.QUORUM_SHORT: gettext_lazy("Held, quorum not met"),
    Status.MISSED: gettext_lazy("Missed"),
    Status.DUE_SOON: gettext_lazy("Due soon"),
    Status.DUE: gettext_lazy("Open"),
    Status.UPCOMING: gettext_lazy("Upcoming"),
}


class Light:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = ""


LIGHT_LABELS = {
    Light.GREEN: gettext_lazy("On track: every period so far met"),
    Light.AMBER: gettext_lazy("Attention: quorum not met, or a period ends soon without a meeting"),
    Light.RED: gettext_lazy("Missed: a period ended without enough meetings"),
    Light.NONE: gettext_lazy("Nothing owed"),
}
LIGHT_SHORT = {
    Light.GREEN: gettext_lazy("On track"),
    Light.AMBER: gettext_lazy("Attention"),
    Light.RED: gettext_lazy("Missed"),
    Light.NONE: gettext_lazy("Nothing owed yet"),
}
OPEN_LABEL = gettext_lazy("On track, a period still open")
_LIGHT_RANK = {Light.NONE: 0, Light.GREEN: 1, Light.AMBER: 2, Light.RED: 3}


def worst(*lights: str) -> str:
    return max(lights, key=_LIGHT_RANK.__getitem__, default=Light.NONE)


# ---------------------------------------------------------------------------------------------
# Rules of a year, resolved per distinct set of subtree versions


@dataclass(frozen=True)
class PeriodShape:
    """A period a version governs in a year, before it is fitted to one unit's months."""

    months: tuple[int, ...]  # the months of the year it governs, consecutive
    length: int  # months in the full calendar period
    rule: KindRule
    row: Rule


class RuleBook:
    """The frequency rules in force at some time in `year`, read in one query.

    Resolved per (unit kind, subtree versions that apply): units without a tightened rule above
    them share one resolution, however many there are.
    """

    def __init__(self, year: int, kinds: Iterable[str] = MeetingKind.values):
        self.year = year
        self.kinds = list(kinds)
        keys = [FREQUENCY + kind for kind in self.kinds] + [REMINDER_DAYS]
        first, last = date(year, 1, 1), date(year, 12, 31)
        self.rows = list(
            Rule.objects.filter(key__in=keys, effective_from__lte=last)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=first))
            .order_by("key", "org_path", "version")
        )
        self.override_paths = sorted({row.org_path for row in self.rows if row.org_path})
        self._by_key: dict[str, list[Rule]] = defaultdict(list)
        for row in self.rows:
            self._by_key[row.key].append(row)
        self._shapes: dict[tuple, dict[str, list[PeriodShape]]] = {}
        self._kind_rules: dict[int, KindRule] = {}
        self._reminder_days: dict[tuple, int] = {}
        self.templates: dict[tuple, dict] = {}  # unit_templates' cache

    def matching(self, path: str) -> tuple[str, ...]:
        return tuple(p for p in self.override_paths if path.startswith(p))

    def row_in_force(self, key: str, matching: tuple[str, ...], day: date) -> Rule | None:
        """The version `rule_get` would return for a unit with these overrides (without a query)."""
        best = None
        for row in self._by_key.get(key, ()):
            if row.org_path and row.org_path not in matching:
                continue
            if row.effective_from > day or (row.effective_to is not None and row.effective_to < day):
                continue
            if best is None or (len(row.org_path), row.version) > (len(best.org_path), best.version):
                best = row
        return best

    def kind_rule(self, kind: str, row: Rule) -> KindRule:
        if row.pk not in self._kind_rules:
            self._kind_rules[row.pk] = kind_rule_of(kind, row)
        return self._kind_rules[row.pk]

    def reminder_days(self, org: Organisation, day: date) -> int:
        day = min(max(day, date(self.year, 1, 1)), date(self.year, 12, 31))
        key = (self.matching(org.path), day)
        if key not in self._reminder_days:
            row = self.row_in_force(REMINDER_DAYS, key[0], day)
            self._reminder_days[key] = int(row.value) if row is not None else 7
        return self._reminder_days[key]

    def shapes(self, org: Organisation) -> dict[str, list[PeriodShape]]:
        """For each kind `org` owes at some time in the year, the periods the versions in force make."""
        key = (org.kind, self.matching(org.path))
        if key not in self._shapes:
            self._shapes[key] = self._build_shapes(org.kind, key[1])
        return self._shapes[key]

    def _build_shapes(self, org_kind: str, matching: tuple[str, ...]) -> dict[str, list[PeriodShape]]:
        out: dict[str, list[PeriodShape]] = {}
        for kind in self.kinds:
            groups: list[tuple[tuple, list[int], KindRule, Rule]] = []
            for month in range(1, 13):
                row = self.row_in_force(FREQUENCY + kind, matching, date(self.year, month, 1))
                if row is None:
                    continue
                rule = self.kind_rule(kind, row)
                if org_kind not in rule.org_kinds:
                    continue
                step = PERIOD_MONTHS[rule.per]
                ident = (rule.per, (month - 1) // step)
                if groups and groups[-1][0] == ident and groups[-1][1][-1] == month - 1:
                    groups[-1][1].append(month)
                else:
                    # The version in force on the period's first governed month governs all of it.
                    groups.append((ident, [month], rule, row))
            shapes = [
                PeriodShape(tuple(months), PERIOD_MONTHS[rule.per], rule, row) for _id, months, rule, row in groups
            ]
            if shapes:
                out[kind] = shapes
        return out


# ---------------------------------------------------------------------------------------------
# Periods, cells and rows


@dataclass(frozen=True, slots=True)
class PeriodTemplate:
    """A period as owed by every unit with the same rules and months: shared, never changed."""

    kind: str
    start: date
    end: date
    due: date
    times: int
    rule: KindRule
    row: Rule
    natural: bool
    months: tuple[int, ...]


@dataclass(slots=True)
class Period:
    """One period a unit owes: its window, due day, what was held and its status."""

    kind: str
    start: date  # first day
    end: date  # the day after the last
    due: date
    times: int
    rule: KindRule
    row: Rule
    natural: bool  # the whole calendar period (not cut by founding, dissolution or a rule change)
    held: int = 0  # counted meetings in the window
    quorum_ok: int = 0  # of those, with the quorum met (or no quorum rule)
    status: str = ""
    meetings: list = field(default_factory=list)  # filled by the plan
    schedule_on: date | None = None  # filled by the plan page: the day a new meeting is proposed on

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def credited(self) -> int:
        return min(self.held, self.times)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def label(self) -> str:
        months = PERIOD_MONTHS[self.rule.per]
        if self.natural and months == 1:
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.natural and months == 3:
            return _("Q{quarter} {year}").format(quarter=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if self.natural:
            return _("Year {year}").format(year=self.start.year)
        return _("{start} to {end}").format(
            start=formats.date_format(self.start, "MONTH_DAY_FORMAT"),
            end=formats.date_format(self.last_day, "MONTH_DAY_FORMAT"),
        )


@dataclass
class Cell:
    """One unit's (or subtree's) account of one kind of meeting in the year."""

    kind: str
    required: int = 0
    held: int = 0  # credited: at most `times` per period
    quorum_met: int = 0  # credited meetings with quorum
    counted: int = 0  # every counted meeting in an owed period
    owed: bool = False  # owes at least one period this year (started or not)
    statuses: Counter = field(default_factory=Counter)
    periods: list[Period] = field(default_factory=list)

    @property
    def light(self) -> str:
        if not self.owed:
            return Light.NONE
        if self.statuses[Status.MISSED]:
            return Light.RED
        if self.statuses[Status.QUORUM_SHORT] or self.statuses[Status.DUE_SOON]:
            return Light.AMBER
        return Light.GREEN if self.required or self.statuses[Status.DUE] else Light.NONE

    @property
    def mark(self) -> str:
        """The light, or "open" for a green cell still short of its count because a period is open."""
        light = self.light
        return "open" if light == Light.GREEN and self.held < self.required else light

    @property
    def light_label(self) -> str:
        if self.mark == "open":
            return str(OPEN_LABEL)
        return str(LIGHT_SHORT[self.light])

    @property
    def rate(self) -> float | None:
        return self.held / self.required if self.required else None

    @property
    def quorum_rate(self) -> float | None:
        return self.quorum_met / self.held if self.held else None

    def add(self, other: Cell) -> None:
        self.required += other.required
        self.held += other.held
        self.quorum_met += other.quorum_met
        self.counted += other.counted
        self.owed = self.owed or other.owed
        self.statuses.update(other.statuses)

    def summary(self) -> str:
        """The statuses in words, for a tooltip and the export."""
        parts = [f"{STATUS_LABELS[s]} {n}" for s, n in self.statuses.items() if n and s != Status.UPCOMING]
        return ", ".join(parts)


@dataclass
class Row:
    """A line of the table: a unit's own obligations, or (is_total) its subtree's totals."""

    org: Organisation
    depth: int
    cells: dict[str, Cell]
    is_total: bool = False
    hidden_below: bool = False  # its subtree is counted but not listed (too many rows)

    @property
    def total(self) -> Cell:
        cell = Cell(kind="")
        for c in self.cells.values():
            cell.add(c)
        return cell

    @property
    def light(self) -> str:
        return worst(*(c.light for c in self.cells.values()))

    def cell_list(self, kinds: list[str]) -> list[Cell]:
        return [self.cells.get(kind) or Cell(kind=kind) for kind in kinds]


def active_months(org: Organisation, year: int) -> range:
    """The months of `year` the unit owes: existing on the first day, not dissolved before the last."""
    first, last = 1, 12
    if org.founded_on:
        if org.founded_on.year > year:
            return range(0)
        if org.founded_on.year == year:
            first = org.founded_on.month + (0 if org.founded_on.day == 1 else 1)
    if org.dissolved_on:
        if org.dissolved_on.year < year:
            return range(0)
        if org.dissolved_on.year == year:
            end_of_month = _month_end(year, org.dissolved_on.month) - timedelta(days=1)
            last = org.dissolved_on.month - (0 if org.dissolved_on >= end_of_month else 1)
    return range(first, last + 1)


def _month_end(year: int, month: int) -> date:
    """The first day after the month."""
    return add_months(date(year, month, 1), 1)


def _due(rule: KindRule, start: date, end: date) -> date:
    last = end - timedelta(days=1)
    if rule.day and rule.per == "month":
        return min(date(start.year, start.month, 1) + timedelta(days=int(rule.day) - 1), last)
    return last


def unit_templates(org: Organisation, book: RuleBook) -> dict[str, list[PeriodTemplate]]:
    """The periods `org` owes in the book's year, per kind: shared by units with the same rules and months."""
    months = active_months(org, book.year)
    if not months:
        return {}
    shapes = book.shapes(org)
    key = (id(shapes), months.start, months.stop)
    cached = book.templates.get(key)
    if cached is not None:
        return cached
    out: dict[str, list[PeriodTemplate]] = {}
    for kind, kind_shapes in shapes.items():
        periods = []
        for shape in kind_shapes:
            owed = tuple(m for m in shape.months if m in months)
            if not owed or 2 * len(owed) < shape.length:
                continue
            start, end = date(book.year, owed[0], 1), _month_end(book.year, owed[-1])
            due = _due(shape.rule, start, end)
            natural = len(owed) == shape.length
            periods.append(
                PeriodTemplate(kind, start, end, due, shape.rule.times, shape.rule, shape.row, natural, owed)
            )
        if periods:
            out[kind] = periods
    book.templates[key] = out
    return out


def settle(period: Period, *, on: date, reminder_days: int) -> Period:
    """Set the period's status from its counts, as seen on the day `on`."""
    if on < period.start:
        period.status = Status.UPCOMING
    elif period.held >= period.times:
        period.status = Status.MET if period.quorum_ok >= period.times else Status.QUORUM_SHORT
    elif on >= period.end:
        period.status = Status.MISSED
    elif (period.due - on).days <= reminder_days:
        period.status = Status.DUE_SOON
    else:
        period.status = Status.DUE
    return period


NO_MEETINGS = ((0,) * 13, (0,) * 13)


def unit_cells(
    org: Organisation,
    book: RuleBook,
    counts: dict[tuple[int, str], tuple[tuple[int, ...], tuple[int, ...]]],
    *,
    on: date,
) -> dict[str, Cell]:
    """The unit's cells, from `counts[(org id, kind)] = (held per month, quorum met per month)` (index 1-12)."""
    templates = unit_templates(org, book)
    if not templates:
        return {}
    days = book.reminder_days(org, on)
    cells: dict[str, Cell] = {}
    for kind, kind_templates in templates.items():
        held_by_month, ok_by_month = counts.get((org.pk, kind), NO_MEETINGS)
        cell = Cell(kind=kind, owed=True)
        for t in kind_templates:
            period = Period(
                kind=kind,
                start=t.start,
                end=t.end,
                due=t.due,
                times=t.times,
                rule=t.rule,
                row=t.row,
                natural=t.natural,
                held=sum(held_by_month[m] for m in t.months),
                quorum_ok=sum(ok_by_month[m] for m in t.months),
            )
            settle(period, on=on, reminder_days=days)
            cell.periods.append(period)
            cell.statuses[period.status] += 1
            if period.status != Status.UPCOMING:
                cell.required += period.times
                cell.held += period.credited
                cell.quorum_met += min(period.quorum_ok, period.times)
                cell.counted += period.held
        cells[kind] = cell
    return cells


def meeting_counts(meetings, year: int) -> dict[tuple[int, str], tuple[tuple[int, ...], tuple[int, ...]]]:
    """Counted meetings of `year` per (unit, kind), by month, with how many met their quorum: one query.

    One row per unit and kind with a count per month (conditional aggregates on the date range), so
    that the database compares dates itself and returns a row per unit and kind, not per month.
    """
    quorum = Q(quorum_met=True) | Q(quorum_met__isnull=True)
    aggregates = {}
    for month in range(1, 13):
        window = Q(starts_on__gte=date(year, month, 1), starts_on__lt=_month_end(year, month))
        aggregates[f"n{month}"] = Count("id", filter=window)
        aggregates[f"q{month}"] = Count("id", filter=window & quorum)
    rows = (
        meetings.counted()
        .between(date(year, 1, 1), date(year + 1, 1, 1))
        .order_by()
        .values("organisation_id", "kind")
        .annotate(**aggregates)
    )
    return {
        (r["organisation_id"], r["kind"]): (
            (0, *(r[f"n{m}"] for m in range(1, 13))),
            (0, *(r[f"q{m}"] for m in range(1, 13))),
        )
        for r in rows
    }


# ---------------------------------------------------------------------------------------------
# The table for a scope


@dataclass
class Table:
    """The traffic-light table of a scope and a year: rows in tree order with subtotals."""

    scope: Organisation
    year: int
    on: date
    kinds: list[str]
    rows: list[Row]
    units: dict[int, Row]  # every unit's own row, listed or not
    subtree: dict[int, dict[str, Cell]]  # every unit's subtree totals
    total: Row
    levels: int | None  # depth below the scope listed, when the subtree is too large to list

    @property
    def kind_labels(self) -> list[tuple[str, str]]:
        return [(kind, str(MeetingKind(kind).label)) for kind in self.kinds]

    @property
    def lines(self) -> list[tuple[Row, list[Cell]]]:
        """The listed rows with their cells in column order (for the page)."""
        return [(row, row.cell_list(self.kinds)) for row in self.rows]

    @property
    def total_cells(self) -> list[Cell]:
        return self.total.cell_list(self.kinds)

    @property
    def roll_up_units(self) -> list[Organisation]:
        """The units whose subtree the table can be narrowed to (the scope filter)."""
        return [r.org for r in self.units.values() if r.org.kind in ROLL_UP_KINDS or r.org.pk == self.scope.pk]


# Beyond this many units, the table lists the upper levels only (their totals still count everything).
MAX_LISTED = 400


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def units_of_year(units, year: int):
    """Units that existed at some time in `year`: founded by its end, not dissolved before it began."""
    first, after = year_bounds(year)
    return units.filter(Q(founded_on__isnull=True) | Q(founded_on__lt=after)).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=first)
    )


def compliance_table(*, scope: Organisation, year: int, units, on: date | None = None) -> Table:
    """The table of `scope` for `year` over `units` (the caller's visible units of the scope's subtree)."""
    on = on or timezone.localdate()
    units = list(units_of_year(units.subtree(scope), year).order_by("path"))
    book = RuleBook(year)
    counts = meeting_counts(Meeting.objects.in_subtree(scope), year)
    own = {u.pk: Row(org=u, depth=(u.depth - scope.depth), cells=unit_cells(u, book, counts, on=on)) for u in units}
    by_path = {u.path: u.pk for u in units}
    subtree: dict[int, dict[str, Cell]] = {u.pk: {} for u in units}
    for unit in units:
        ancestors = [unit.path[:i] for i in range(len(scope.path), len(unit.path) + 1, STEP)]
        for path in ancestors:
            pk = by_path.get(path)
            if pk is None:
                continue
            for kind, cell in own[unit.pk].cells.items():
                subtree[pk].setdefault(kind, Cell(kind=kind)).add(cell)
    kinds = [k for k in MeetingKind.values if any(k in row.cells for row in own.values())]
    levels = _levels(units, scope)
    rows = _display_rows(units, own, subtree, scope, levels)
    total = Row(org=scope, depth=0, cells=_sum_roots(units, subtree, scope), is_total=True)
    return Table(scope, year, on, kinds, rows, own, subtree, total, levels)


def _sum_roots(units, subtree, scope) -> dict[str, Cell]:
    """The total of the listed part of the scope: its own subtree, or the tops the reader sees in it."""
    cells: dict[str, Cell] = {}
    tops = []
    for unit in units:
        if not any(unit.path.startswith(top.path) for top in tops):
            tops.append(unit)
    for top in tops:
        for kind, cell in subtree[top.pk].items():
            cells.setdefault(kind, Cell(kind=kind)).add(cell)
    return cells


def _levels(units, scope) -> int | None:
    if len(units) <= MAX_LISTED:
        return None
    per_depth = Counter(u.depth - scope.depth for u in units)
    listed, levels = 0, 0
    for depth in sorted(per_depth):
        if listed + per_depth[depth] > MAX_LISTED and levels:
            break
        listed += per_depth[depth]
        levels = depth + 1
    return levels


def _display_rows(units, own, subtree, scope, levels) -> list[Row]:
    rows: list[Row] = []
    open_totals: list[Organisation] = []

    def close_until(path: str | None) -> None:
        while open_totals and (path is None or not path.startswith(open_totals[-1].path)):
            top = open_totals.pop()
            rows.append(Row(org=top, depth=top.depth - scope.depth, cells=subtree[top.pk], is_total=True))

    for unit in units:
        depth = unit.depth - scope.depth
        if levels is not None and depth >= levels:
            continue
        close_until(unit.path)
        row = own[unit.pk]
        row.hidden_below = levels is not None and depth == levels - 1 and _has_below(unit, units)
        rows.append(row)
        if unit.kind in ROLL_UP_KINDS and unit.pk != scope.pk:
            open_totals.append(unit)
    close_until(None)
    return rows


def _has_below(unit, units) -> bool:
    return any(u.path.startswith(unit.path) and u.pk != unit.pk for u in units)
