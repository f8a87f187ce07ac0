"""Monitoring of the integrity-risk register: the warnings of a scope and the heat map.

The points **watched** over a scope are those of the register in force (see services.rounds) and those being
worked on or approved in the open round. The warnings of a scope root on a day:

- **reviews overdue**: points in force whose next review date has passed (next_review_on < today);
- **reviews due soon**: points in force whose next review falls within DUE_DAYS days (today included);
- **measures without an owner**: measures of watched points whose owner is empty or no longer on the register
  (status outside orgs.vocab.ON_REGISTER);
- **posts without any identified risk**: active posts of active units with no point in force and none being
  worked on or approved in the open round;
- **points raised for review**: watched points marked `needs_review` (an incident was linked, ...), with the
  reason.

The heat map counts the points in force by unit (rows: the units with points down to branches, a Party group's
points counted at its branch) and business process (columns), by level, with each cell's highest level; the
matrix counts them by likelihood × impact on the rule risks.matrix, each cell coloured by its rating.

Each function takes an optional `user`: with one, only the points, measures and posts at units where the user
holds risks.view are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.orgs.access import scope_q
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import Post, RiskMeasure, RiskPoint
from qinglian.risks.services import levels
from qinglian.risks.services.rounds import LIVE_STATUSES, VIEW, open_rounds, rounds_in_force
from qinglian.risks.vocab import Level, PointStatus, Process

DUE_DAYS = 30
ROWS_SHOWN = 50


# --- what is watched ---------------------------------------------------------------------------------------


def _watched_q(root: Organisation) -> tuple[Q, Q]:
    """(the points in force, the points of the open rounds being worked on or approved) over root's subtree."""
    in_force = Q(round__in=[r.pk for r in rounds_in_force(root)], status=PointStatus.APPROVED)
    in_open = Q(round__in=[r.pk for r in open_rounds(root)], status__in=LIVE_STATUSES)
    return in_force, in_open


def _points(root: Organisation, q: Q, user):
    points = RiskPoint.objects.filter(q).filter(subtree_q(root.path, "organisation__"))
    if user is not None:
        points = points.filter(scope_q(user, VIEW, model=RiskPoint))
    return points


def points_watched(root: Organisation, *, user=None):
    in_force, in_open = _watched_q(root)
    return _points(root, in_force | in_open, user)


def points_in_force_seen(root: Organisation, *, user=None):
    in_force, _in_open = _watched_q(root)
    return _points(root, in_force, user)


# --- the warnings ------------------------------------------------------------------------------------------


def reviews_overdue(root: Organisation, *, today: date | None = None, user=None):
    """Points in force whose next review date has passed; the longest overdue first."""
    today = today or timezone.localdate()
    return points_in_force_seen(root, user=user).filter(next_review_on__lt=today).order_by("next_review_on", "pk")


def reviews_due(root: Organisation, *, today: date | None = None, user=None, days: int = DUE_DAYS):
    """Points in force whose next review falls within `days` days from today (today included); soonest first."""
    today = today or timezone.localdate()
    return (
        points_in_force_seen(root, user=user)
        .filter(next_review_on__gte=today, next_review_on__lte=today + timedelta(days=days))
        .order_by("next_review_on", "pk")
    )


def unowned_q(prefix: str = "") -> Q:
    """Measures without an owner on the register (owner empty, or left, deceased, transferred out...)."""
    return Q(**{f"{prefix}owner__isnull": True}) | ~Q(**{f"{prefix}owner__status__in": ON_REGISTER})


def measures_unowned(root: Organisation, *, user=None):
    """Measures of watched points whose owner is empty or no longer on the register."""
    return (
        RiskMeasure.objects.filter(point__in=points_watched(root, user=user).values("pk"))
        .filter(unowned_q())
        .order_by("point__organisation__path", "point_id", "order", "pk")
    )


def posts_uncovered(root: Organisation, *, user=None):
    """Active posts of active units with no point in force and none being worked on or approved in the open
    round."""
    covered = points_watched(root).filter(post__isnull=False).values("post_id")
    posts = (
        Post.objects.active()
        .filter(subtree_q(root.path, "organisation__"), organisation__is_active=True)
        .exclude(pk__in=covered)
    )
    if user is not None:
        posts = posts.filter(scope_q(user, VIEW, model=Post))
    return posts.order_by("organisation__path", "name", "pk")


def points_raised(root: Organisation, *, user=None):
    """Watched points raised for a review of their level (needs_review), the most serious level first."""
    return points_watched(root, user=user).filter(needs_review=True).order_by("level", "organisation__path", "pk")


@dataclass
class WarningCard:
    """One kind of warning: its rows (the first ROWS_SHOWN) and how many there are in all."""

    key: str
    title: str
    explanation: str
    rows: list
    count: int
    colour: str = "warning"

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


WARNING_KINDS = (
    "reviews_overdue",
    "reviews_due",
    "measures_unowned",
    "posts_uncovered",
    "points_raised",
)


def warnings(root: Organisation, *, today: date | None = None, user=None, limit: int = ROWS_SHOWN) -> list[WarningCard]:
    """Every kind of warning over root's subtree on `today`, each with its count and first rows."""
    today = today or timezone.localdate()
    point_related = ("organisation", "post", "round")

    def card(key, title, explanation, queryset, colour):
        rows = list(queryset[:limit])
        count = len(rows) if len(rows) < limit else queryset.count()
        return WarningCard(key, title, explanation, rows, count, colour)

    return [
        card(
            "reviews_overdue",
            _("Reviews overdue"),
            _("Points of the register in force whose next periodic review date has passed."),
            reviews_overdue(root, today=today, user=user).select_related(*point_related),
            "danger",
        ),
        card(
            "reviews_due",
            _("Reviews due within {n} days").format(n=DUE_DAYS),
            _("Points of the register in force whose next periodic review falls due soon."),
            reviews_due(root, today=today, user=user).select_related(*point_related),
            "warning",
        ),
        card(
            "measures_unowned",
            _("Measures without an owner"),
            _(
                "Prevention and control measures, on the register in force or in the open round, whose owner is "
                "missing or no longer on the register."
            ),
            measures_unowned(root, user=user).select_related("owner", "point", "point__organisation", "point__round"),
            "danger",
        ),
        card(
            "posts_uncovered",
            _("Posts without any identified risk"),
            _("Active posts with no point on the register in force and none proposed or approved in the open round."),
            posts_uncovered(root, user=user).select_related("organisation", "department"),
            "warning",
        ),
        card(
            "points_raised",
            _("Points raised for review"),
            _("Points whose level is to be reviewed, for example because an incident was linked to them."),
            points_raised(root, user=user).select_related(*point_related),
            "danger",
        ),
    ]


# --- the heat map ------------------------------------------------------------------------------------------


@dataclass
class HeatCell:
    """The points of one unit and process: how many of each level, and the highest (most serious) level."""

    counts: dict[int, int] = field(default_factory=lambda: {level: 0 for level in Level.values})
    process: str | None = None  # the column's process ("" for points by post alone); None for totals

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def highest(self) -> int | None:
        return min((level for level, n in self.counts.items() if n), default=None)

    @property
    def levels(self) -> list[tuple[int, int]]:
        return sorted(self.counts.items())

    def add(self, level: int, n: int) -> None:
        self.counts[level] = self.counts.get(level, 0) + n


@dataclass
class HeatRow:
    organisation: Organisation
    cells: list[HeatCell]
    total: HeatCell


@dataclass
class HeatMap:
    columns: list[tuple[str, str]]  # (process, label)
    rows: list[HeatRow]
    column_totals: list[HeatCell]
    total: HeatCell


NO_PROCESS = gettext_lazy("No process named")


def _row_unit(org: Organisation, root: Organisation) -> Organisation:
    """Rows go down to branches: a Party group's points are counted at its branch."""
    if org.kind == Organisation.Kind.GROUP and org.pk != root.pk and org.parent_id:
        return org.parent
    return org


def heat_map(root: Organisation, *, user=None) -> HeatMap:
    """The points in force over root's subtree by unit × business process, by level (two queries)."""
    counts = list(
        points_in_force_seen(root, user=user)
        .values_list("organisation_id", "process", "level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in={c[0] for c in counts}).select_related("parent")}
    processes = {process for _org, process, _level, _n in counts}
    # Every process is a column, so that maps of two scopes read alike; points by post alone get one of their own.
    columns = [(value, str(label)) for value, label in Process.choices]
    if "" in processes:
        columns.append(("", str(NO_PROCESS)))
    index = {value: i for i, (value, _label) in enumerate(columns)}
    rows: dict[int, HeatRow] = {}
    column_totals = [HeatCell(process=value) for value, _label in columns]
    total = HeatCell()
    for org_id, process, level, n in counts:
        unit = _row_unit(orgs[org_id], root)
        row = rows.get(unit.pk)
        if row is None:
            row = rows[unit.pk] = HeatRow(unit, [HeatCell(process=value) for value, _label in columns], HeatCell())
        i = index[process]
        for cell in (row.cells[i], row.total, column_totals[i], total):
            cell.add(level, n)
    ordered = sorted(rows.values(), key=lambda r: r.organisation.path)
    return HeatMap(columns, ordered, column_totals, total)


@dataclass
class MatrixCell:
    rating: levels.Rating
    count: int


@dataclass
class MatrixView:
    """The likelihood × impact matrix of the points in force: rows from the most likely down."""

    impact: list[tuple[int, str]]
    rows: list[tuple[int, str, list[MatrixCell]]]
    ratings: list[tuple[str, str, str]]  # (key, label, colour) for the legend
    total: int
    outside: int  # points whose likelihood or impact lies outside the matrix (after the rule changed)


def risk_matrix(root: Organisation, *, user=None) -> MatrixView:
    """The points in force over root's subtree counted by likelihood × impact on the unit's matrix rule."""
    grid = levels.matrix(org_path=root.path)
    counts = {
        (likelihood, impact): n
        for likelihood, impact, n in points_in_force_seen(root, user=user)
        .values_list("likelihood", "impact")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = [
        (row, label, [MatrixCell(rating, counts.get((rating.likelihood, rating.impact), 0)) for rating in cells])
        for row, label, cells in grid.rows()
    ]
    inside = sum(cell.count for _row, _label, cells in rows for cell in cells)
    total = sum(counts.values())
    ratings = [(key, label, colour) for key, (label, colour) in grid.ratings.items()]
    return MatrixView(grid.impact, rows, ratings, total, total - inside)
