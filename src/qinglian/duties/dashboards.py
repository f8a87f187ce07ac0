"""The responsibility dashboard's reads: four tables of a unit and a year, each counted in a few aggregate queries.

1. Tasks by status and unit: the tasks of the year's plans (Plan.year) in the unit's subtree, counted under
   each direct child unit (with everything below it), the unit's own tasks on a row of their own, and a
   total; overdue is derived by `TaskQuerySet.overdue`.
2. Overdue by department: the shares of joint tasks not done when their task's deadline has passed, and
   the rectification items still being rectified after their deadline, per responsible department.
3. Rectification: of the items recorded in the year, the closure rate (closed ÷ recorded) and the median
   days to close (closed_on − created_on, over closed items), per source and per unit, and in all — as
   rectification's own ledger counts them (`rectification.stats`).
4. Assessment results: the latest round of the unit up to the year (or, for a unit that runs none, the
   latest round that assessed units within it): each unit's score and grade beside last year's.

Rows are grouped in the database by the first step of the organisation's path below the unit (as
orgs.stats does), so the number of queries does not grow with the number of units or records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.duties.models import Round, Task, TaskShare, UnitAssessment
from qinglian.duties.vocab import TASK_OPEN, TaskStatus, UnitStatus
from qinglian.orgs.access import can_at, has_permission
from qinglian.orgs.models import STEP, Organisation, subtree_q
from qinglian.rectification.exports import ledger_items
from qinglian.rectification.stats import Stats, ledger_rows, stats_by
from qinglian.rectification.vocab import Source

VIEW = "duties.view"
ASSESS = "duties.assess"
RECTIFICATION_VIEW = "rectification.view"
OVERDUE = "overdue"
TOTAL = "total"


@dataclass
class UnitRow:
    """One row of a table by unit: a direct child (with its subtree), the unit itself, or the total."""

    organisation: Organisation | None  # None on the total row
    counts: dict = field(default_factory=dict)
    is_self: bool = False
    is_total: bool = False


@dataclass
class DepartmentRow:
    department_id: int | None  # None: items that name no department
    name: str
    shares: int = 0
    items: int = 0

    @property
    def total(self) -> int:
        return self.shares + self.items


@dataclass
class ClosureRow:
    """A line of a closure table: rectification's own Stats of a source or a unit, with its label."""

    label: object
    stats: Stats
    organisation: Organisation | None = None
    key: str = ""
    is_self: bool = False
    is_total: bool = False

    @property
    def percent(self) -> float | None:
        """The closure rate as a percentage (shown with one decimal)."""
        rate = self.stats.closure_rate
        return None if rate is None else 100 * rate


@dataclass
class Rectification:
    shown: bool  # False for a user who may not see the rectification ledger
    total: ClosureRow = field(default_factory=lambda: ClosureRow("", Stats(), is_total=True))
    by_source: list[ClosureRow] = field(default_factory=list)
    by_unit: list[ClosureRow] = field(default_factory=list)


@dataclass
class AssessmentRow:
    organisation: Organisation
    status: str
    status_label: object
    total: Decimal | None  # None while the result is not out (to this user)
    grade: str
    vetoed: bool
    last_total: Decimal | None = None
    last_grade: str = ""

    @property
    def change(self) -> Decimal | None:
        if self.total is None or self.last_total is None:
            return None
        return self.total - self.last_total


@dataclass
class Assessment:
    round: Round | None
    rows: list[AssessmentRow] = field(default_factory=list)
    grades: list[tuple[str, int]] = field(default_factory=list)  # (grade, units), in the table's order


@dataclass
class Dashboard:
    scope: Organisation
    year: int
    today: date
    task_columns: list[tuple[str, object]]
    tasks: list[UnitRow]
    departments: list[DepartmentRow]
    rectification: Rectification
    assessment: Assessment

    @property
    def task_total(self) -> UnitRow:
        return self.tasks[-1]

    @property
    def task_lines(self) -> list[tuple[UnitRow, list[int]]]:
        """Each row with its counts in the columns' order, for the table."""
        return [(row, [row.counts[key] for key, _label in self.task_columns]) for row in self.tasks]


def task_columns() -> list[tuple[str, object]]:
    """(key, label) of the task table's columns: each status, the total, and overdue (which overlaps them)."""
    return [*TaskStatus.choices, (TOTAL, _("All tasks")), (OVERDUE, _("Overdue"))]


def _branch(scope: Organisation, field_path: str = "organisation__path") -> Substr:
    """The path of the direct child of `scope` a row's organisation lies under (or the scope's own path)."""
    return Substr(field_path, 1, len(scope.path) + STEP)


def _listed(children, by_branch, user, action: str) -> list[Organisation]:
    """The children with something counted, and the active ones whose records the user may read with `action`
    (a unit the user cannot read would only show zeros)."""
    return [c for c in children if c.path in by_branch or (c.is_active and can_at(user, action, c.path))]


def _unit_rows(scope, children, by_branch: dict[str, dict], zero: dict) -> list[UnitRow]:
    """A row per child given, the scope's own if it has anything counted, and the total."""
    rows = [UnitRow(child, by_branch.get(child.path, dict(zero))) for child in children]
    if scope.path in by_branch:
        rows.insert(0, UnitRow(scope, by_branch[scope.path], is_self=True))
    total = {key: sum(counts.get(key, 0) for counts in by_branch.values()) for key in zero}
    rows.append(UnitRow(None, total, is_total=True))
    return rows


def year_tasks(*, user, scope: Organisation, year: int):
    """The tasks of the year's plans in the scope's subtree that the user may see."""
    return Task.objects.visible_to(user, VIEW).in_subtree(scope).filter(plan__year=year)


def tasks_by_unit(*, user, tasks, scope: Organisation, children: list[Organisation], today: date) -> list[UnitRow]:
    """Tasks by status under each direct child unit (two queries: the counts, and the overdue)."""
    statuses = [value for value, _label in TaskStatus.choices]
    branch = _branch(scope)
    counts = (
        tasks.annotate(branch=branch)
        .values("branch")
        .annotate(**{s: Count("pk", filter=Q(status=s)) for s in statuses}, **{TOTAL: Count("pk")})
        .order_by()
    )
    by_branch = {row.pop("branch"): {**row, OVERDUE: 0} for row in counts}
    for row in tasks.overdue(today).annotate(branch=branch).values("branch").annotate(n=Count("pk")).order_by():
        by_branch[row["branch"]][OVERDUE] = row["n"]
    zero = {key: 0 for key, _label in task_columns()}
    return _unit_rows(scope, _listed(children, by_branch, user, VIEW), by_branch, zero)


def overdue_shares(tasks, today: date):
    """Shares of joint tasks not done when the task's deadline has passed (the task still open)."""
    return TaskShare.objects.filter(task__in=tasks, task__status__in=TASK_OPEN, task__due_on__lt=today).filter(
        done_on__isnull=True
    )


def overdue_by_department(*, tasks, items, today: date, show_items: bool) -> list[DepartmentRow]:
    """Overdue joint-task shares and overdue rectification items per department (two queries)."""
    rows: dict[int | None, DepartmentRow] = {}
    order: dict[int | None, tuple] = {}
    shares = overdue_shares(tasks, today).values("department_id", "department__name", "department__order")
    for row in shares.annotate(n=Count("pk")).order_by():
        key = row["department_id"]
        rows[key] = DepartmentRow(key, row["department__name"], shares=row["n"])
        order[key] = (0, row["department__order"], row["department__name"])
    if show_items:
        overdue = items.overdue(today).values("department_id", "department__name", "department__order")
        for row in overdue.annotate(n=Count("pk")).order_by():
            key = row["department_id"]
            if key not in rows:
                name = row["department__name"] or str(_("No department named"))
                rows[key] = DepartmentRow(key, name)
                order[key] = (1, 0, "") if key is None else (0, row["department__order"], row["department__name"])
            rows[key].items = row["n"]
    return sorted(rows.values(), key=lambda r: order[r.department_id])


# --- rectification -------------------------------------------------------------------------------------------


def year_items(*, user, scope: Organisation, year: int):
    """The rectification items recorded in the year in the scope's subtree that the user may see (as the ledger)."""
    return ledger_items(user, scope, year)


def rectification_stats(*, user, items, scope, children, today: date, shown: bool) -> Rectification:
    """Closure per source, per unit and in all, from rectification's own ledger (three queries).

    The ledger counts each unit's own items; they are added up under the direct child of the scope whose
    subtree holds the unit (its path's first step below the scope's).
    """
    if not shown:
        return Rectification(shown=False)
    rows = ledger_rows(items, today=today)
    total = Stats()
    for row in rows:
        total.add(row.stats)
    by_source = stats_by(rows, lambda row: row.source)
    labels = dict(Source.choices)
    order = [value for value, _label in Source.choices] + sorted(set(by_source) - set(labels))
    source_rows = [ClosureRow(labels.get(s, s), by_source[s], key=s) for s in order if s in by_source]
    units = Organisation.objects.filter(pk__in=items.order_by().values("organisation_id"))  # a subquery, not ids
    paths = dict(units.values_list("pk", "path"))
    step = len(scope.path) + STEP
    by_branch = stats_by(rows, lambda row: paths[row.organisation_id][:step])
    unit_rows = [
        ClosureRow(child.display_name, by_branch.get(child.path, Stats()), organisation=child)
        for child in _listed(children, by_branch, user, RECTIFICATION_VIEW)
    ]
    if scope.path in by_branch:
        unit_rows.insert(0, ClosureRow(scope.display_name, by_branch[scope.path], organisation=scope, is_self=True))
    total_row = ClosureRow(_("Total"), total, is_total=True)
    return Rectification(
        shown=True, total=total_row, by_source=[*source_rows, total_row], by_unit=[*unit_rows, total_row]
    )


# --- assessment ----------------------------------------------------------------------------------------------


def latest_round(*, scope: Organisation, year: int) -> Round | None:
    """The scope's own latest round up to the year; else the latest that assessed units within the scope."""
    rounds = Round.objects.select_related("organisation", "table").filter(year__lte=year).order_by("-year", "-pk")
    own = rounds.filter(organisation=scope).first()
    if own is not None:
        return own
    return rounds.filter(
        pk__in=UnitAssessment.objects.filter(subtree_q(scope.path, "organisation__")).values("round_id")
    ).first()


def assessment_results(*, user, scope: Organisation, year: int) -> Assessment:
    """Each unit's result in the latest round beside last year's (three queries).

    A unit's score and grade are shown once its assessment is finished (fed back), or earlier to those who
    assess on the round's unit.
    """
    the_round = latest_round(scope=scope, year=year)
    if the_round is None:
        return Assessment(None)
    assessor = can_at(user, ASSESS, the_round.organisation.path)
    visible = UnitAssessment.objects.visible_to(user, VIEW).filter(subtree_q(scope.path, "organisation__"))
    this_year = visible.filter(round=the_round).select_related("organisation").order_by("organisation__path")
    last_year = {
        row["organisation_id"]: row
        for row in visible.filter(round__organisation=the_round.organisation, round__year=the_round.year - 1).values(
            "organisation_id", "total", "grade", "status"
        )
    }
    labels = dict(UnitStatus.choices)
    rows = []
    for ua in this_year:
        out = ua.status == UnitStatus.FINISHED or (assessor and ua.status == UnitStatus.ASSESSED)
        row = AssessmentRow(
            organisation=ua.organisation,
            status=ua.status,
            status_label=labels.get(ua.status, ua.status),
            total=ua.total if out else None,
            grade=ua.grade if out else "",
            vetoed=ua.vetoed if out else False,
        )
        last = last_year.get(ua.organisation_id)
        if last and (last["status"] == UnitStatus.FINISHED or assessor):
            row.last_total, row.last_grade = last["total"], last["grade"]
        rows.append(row)
    tally = Counter(row.grade for row in rows if row.grade)
    named = [g.get("grade") for g in the_round.table.grades if isinstance(g, dict) and g.get("grade")]
    grades = [(g, tally[g]) for g in named if tally[g]] + [(g, n) for g, n in tally.items() if g not in named]
    return Assessment(the_round, rows, grades)


# --- the whole page ------------------------------------------------------------------------------------------


def dashboard_read(*, user, scope: Organisation, year: int, today: date | None = None) -> Dashboard:
    """The four tables of the scope and year, as the user may see them."""
    today = today or timezone.localdate()
    children = list(scope.children.order_by("path"))
    tasks = year_tasks(user=user, scope=scope, year=year)
    show_items = has_permission(user, RECTIFICATION_VIEW)
    items = year_items(user=user, scope=scope, year=year)
    return Dashboard(
        scope=scope,
        year=year,
        today=today,
        task_columns=task_columns(),
        tasks=tasks_by_unit(user=user, tasks=tasks, scope=scope, children=children, today=today),
        departments=overdue_by_department(tasks=tasks, items=items, today=today, show_items=show_items),
        rectification=rectification_stats(
            user=user, items=items, scope=scope, children=children, today=today, shown=show_items
        ),
        assessment=assessment_results(user=user, scope=scope, year=year),
    )
