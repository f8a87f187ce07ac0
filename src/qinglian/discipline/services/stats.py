"""The four-forms statistics (运用监督执纪“四种形态”批评教育帮助和处理情况统计): persons-times (人次) under each
form, by the reported person's unit, by period and by source, with totals and each form's share; and the clue-handling
counts beside them (received by source, disposed by method, repeated reports, cases, referrals).

What is counted: the outcomes in force (not superseded on appeal) with a form, decided between two dates, on clues
handled where the user holds discipline.stats. One person on one clue counts once, under the heaviest form among
its outcomes in the period (a Party and an administrative sanction in one case count once, under the heavier), on the
day, unit and source of that heaviest outcome — so every table adds up to the same total. A repeated report counts
with the clue it repeats. Aggregates only: no name, no content, leaves this module.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.discipline.models import ApprovalForm, Case, Clue, Outcome
from qinglian.discipline.permissions import STATS
from qinglian.discipline.vocab import ClueStatus, Family, FormKind, FormStatus, Method, Source
from qinglian.orgs import access
from qinglian.orgs.models import STEP, Organisation, subtree_q

FORMS = (1, 2, 3, 4)
PERIODS = ("year", "quarter", "month")
UNIT_ROWS_MAX = 100  # up to this many units at the chosen level are listed even with nothing counted
NO_UNIT = "-"


def stats_q(user, prefix: str = "") -> Q:
    """Rows (through `prefix`, the path to a clue: "clue__" for outcomes) whose clue is handled where the user holds
    discipline.stats."""
    q = Q(pk__in=[])
    for grant in access.grants(user):
        if STATS not in grant.permissions:
            continue
        if grant.subtree:
            q |= subtree_q(grant.path, f"{prefix}organisation__")
        else:
            q |= Q(**{f"{prefix}organisation_id": grant.org_id})
    return q


def may_see(user) -> bool:
    return access.has_permission(user, STATS)


def scope_orgs(user) -> QuerySet[Organisation]:
    """The organisations where the user holds discipline.stats (subtree grants include everything below)."""
    return Organisation.objects.filter(access.scope_q(user, STATS, model=Organisation))


def top_depth(user) -> int:
    depths = [len(g.path) // STEP for g in access.grants(user) if STATS in g.permissions]
    return min(depths) if depths else 1


@dataclass
class Filters:
    """What the statistics cover: outcomes decided between `date_from` and `date_to`; reported persons' units within
    `org` (all units when None), rolled up to tree depth `level`; one `source` or all; rows by `period`."""

    date_from: date
    date_to: date
    period: str = "quarter"
    org: Organisation | None = None
    level: int = 2
    source: str = ""

    def as_params(self) -> dict:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "period": self.period,
            "org": self.org.pk if self.org else None,
            "level": self.level,
            "source": self.source,
        }


def filters_default(user, *, today: date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(date_from=date(today.year, 1, 1), date_to=today, level=top_depth(user) + 1)


def filters_from_params(params: dict) -> Filters:
    org = Organisation.objects.filter(pk=params["org"]).first() if params.get("org") else None
    return Filters(
        date_from=date.fromisoformat(params["date_from"]),
        date_to=date.fromisoformat(params["date_to"]),
        period=params.get("period") or "quarter",
        org=org,
        level=int(params.get("level") or 2),
        source=params.get("source") or "",
    )


@dataclass
class Row:
    """One line of a four-forms table: persons-times under each form, their total and each form's share."""

    key: str
    label: str
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    org_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts)

    def share(self, index: int) -> float | None:
        """The share (%) of form index+1 in this row, to one decimal; None when the row counts nobody."""
        return round(100 * self.counts[index] / self.total, 1) if self.total else None

    @property
    def cells(self) -> list[tuple[int, float | None]]:
        return [(n, self.share(i)) for i, n in enumerate(self.counts)]


@dataclass
class Table:
    rows: list[Row]
    total: Row


@dataclass
class Handling:
    """How clues were handled in the period (counted by clue or by disposal, not by person)."""

    received: list[tuple[str, int]]
    received_total: int
    repeated: int
    disposed: list[tuple[str, int]]
    disposed_total: int
    cleared: int
    cases_filed: int
    cases_closed: int
    judicial: int
    referred: int


@dataclass
class Statistics:
    filters: Filters
    units: Table
    periods: Table
    sources: Table
    handling: Handling
    outcomes: int  # outcome rows read (before counting each person and clue once)

    @property
    def total(self) -> Row:
        return self.units.total

    @property
    def summary(self) -> str:
        return summary_text(self.total)


def summary_text(total: Row) -> str:
    """The report's one-sentence summary: "运用“四种形态”批评教育帮助和处理共X人次，其中第一种形态Y人次，占Z%……"."""
    values = {"total": total.total}
    for i in range(4):
        values[f"n{i + 1}"] = total.counts[i]
        share = total.share(i)
        values[f"s{i + 1}"] = f"{share:.1f}%" if share is not None else "0.0%"
    return _(
        "The four forms of supervision and discipline were applied to {total} person-times: the first form "
        "{n1} person-times, {s1}; the second form {n2} person-times, {s2}; the third form {n3} person-times, {s3}; "
        "the fourth form {n4} person-times, {s4}."
    ).format(**values)


# --- counting -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """One person on one clue, under the heaviest form of their outcomes in the period."""

    form: int
    decided_on: date
    source: str
    unit_path: str


def outcomes_in(user, flt: Filters) -> QuerySet[Outcome]:
    """The outcomes the statistics read: in force, with a form, decided in the period, within the filters."""
    qs = Outcome.objects.filter(
        stats_q(user, "clue__"),
        superseded_by__isnull=True,
        form__isnull=False,
        decided_on__gte=flt.date_from,
        decided_on__lte=flt.date_to,
    )
    if flt.org is not None:
        qs = qs.filter(subtree_q(flt.org.path, "subject_unit__"))
    if flt.source:
        qs = qs.filter(source=flt.source)
    return qs


def counted(user, flt: Filters) -> tuple[list[Counted], int]:
    """Each (person, clue) once, under its heaviest form (ties: the latest decision); and the outcome rows read."""
    return heaviest(outcomes_in(user, flt))


def heaviest(outcomes: QuerySet[Outcome]) -> tuple[list[Counted], int]:
    """`outcomes` counted as the statistics count them: each (person, clue) once, under its heaviest form (ties: the
    latest decision), a repeated report with the clue it repeats; and the outcome rows read."""
    rows = outcomes.values_list(
        "pk", "clue_id", "clue__repeat_of_id", "subject_member_id", "subject_name", "form", "decided_on", "source",
        "subject_unit__path",
    )  # fmt: skip
    best: dict[tuple, tuple] = {}
    read = 0
    for pk, clue_id, repeat_of, member_id, name, form, decided_on, source, unit_path in rows.iterator(2000):
        read += 1
        person = f"m{member_id}" if member_id else "n" + (name or "").strip()
        key = (person, repeat_of or clue_id)
        rank = (form, decided_on, pk)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, Counted(form, decided_on, source, unit_path or ""))
    return [entry for _rank, entry in best.values()], read


def _add(row: Row, item: Counted) -> None:
    row.counts[item.form - 1] += 1


def _total(rows: list[Row]) -> Row:
    total = Row("total", _("Total"))
    for row in rows:
        for i in range(4):
            total.counts[i] += row.counts[i]
    return total


def period_key(day: date, period: str) -> tuple[int, ...]:
    if period == "year":
        return (day.year,)
    if period == "month":
        return (day.year, day.month)
    return (day.year, (day.month - 1) // 3 + 1)


def period_label(key: tuple[int, ...], period: str) -> str:
    if period == "year":
        return str(key[0])
    if period == "month":
        return f"{key[0]}-{key[1]:02d}"
    return _("{year} Q{quarter}").format(year=key[0], quarter=key[1])


def period_keys(flt: Filters) -> list[tuple[int, ...]]:
    """Every period between the two dates, in order (a table lists the empty ones too)."""
    keys: list[tuple[int, ...]] = []
    year, month = flt.date_from.year, flt.date_from.month
    while (year, month) <= (flt.date_to.year, flt.date_to.month):
        key = period_key(date(year, month, 1), flt.period)
        if key not in keys:
            keys.append(key)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def by_period(items: list[Counted], flt: Filters) -> Table:
    rows = {key: Row("-".join(map(str, key)), period_label(key, flt.period)) for key in period_keys(flt)}
    for item in items:
        _add(rows[period_key(item.decided_on, flt.period)], item)
    ordered = list(rows.values())
    return Table(ordered, _total(ordered))


def by_source(items: list[Counted], flt: Filters) -> Table:
    sources = [s for s in Source if not flt.source or s == flt.source]
    rows = {s.value: Row(s.value, str(s.label)) for s in sources}
    for item in items:
        if item.source not in rows:  # a source no longer offered keeps its row
            rows[item.source] = Row(item.source, item.source)
        _add(rows[item.source], item)
    ordered = list(rows.values())
    return Table(ordered, _total(ordered))


def rolled_up(path: str, level: int) -> str:
    return path[: level * STEP] if len(path) > level * STEP else path


def by_unit(user, items: list[Counted], flt: Filters) -> Table:
    """Rows by the reported person's unit rolled up to depth `level`; a unit above that depth counts its own people
    (本级). Units at the level with nobody counted are listed too while they are few."""
    counts: dict[str, Row] = {}
    for item in items:
        key = rolled_up(item.unit_path, flt.level) if item.unit_path else NO_UNIT
        counts.setdefault(key, Row(key, ""))
        _add(counts[key], item)
    units = Organisation.objects.filter(depth=flt.level, is_active=True)
    units = units.filter(subtree_q(flt.org.path) if flt.org else access.scope_q(user, STATS, model=Organisation))
    listed = set(counts)
    if units.count() <= UNIT_ROWS_MAX:
        listed |= set(units.values_list("path", flat=True))
    orgs = {o.path: o for o in Organisation.objects.filter(path__in=[p for p in listed if p != NO_UNIT])}
    paths = sorted(p for p in listed if p != NO_UNIT)
    rows: list[Row] = []
    for path in paths:
        row = counts.get(path) or Row(path, "")
        org = orgs.get(path)
        name = org.display_name if org else _("(unit no longer in the register)")
        # A unit above the level counts only its own people when units below it have rows of their own (本级).
        own_level = any(other != path and other.startswith(path) for other in paths)
        row.label = _("{unit} (own level)").format(unit=name) if own_level else name
        row.org_id = org.pk if org and not own_level else None
        rows.append(row)
    if NO_UNIT in counts:
        counts[NO_UNIT].label = _("Unit not recorded")
        rows.append(counts[NO_UNIT])
    return Table(rows, _total(rows))


def clues_in(user, flt: Filters) -> QuerySet[Clue]:
    clues = Clue.objects.filter(stats_q(user))
    if flt.org is not None:
        clues = clues.filter(subtree_q(flt.org.path, "subject_unit__"))
    if flt.source:
        clues = clues.filter(source=flt.source)
    return clues


def handling(user, flt: Filters) -> Handling:
    """Clue-handling counts for the period; a repeated report is linked to the clue it repeats and not counted
    as received."""
    span = {"gte": flt.date_from, "lte": flt.date_to}

    def within(name: str) -> dict:
        return {f"{name}__{op}": day for op, day in span.items()}

    clues = clues_in(user, flt)
    ids = clues.values("pk")
    in_period = clues.filter(**within("received_on"))
    repeat = Q(repeat_of__isnull=False) | Q(status=ClueStatus.REPEATED)
    received = Counter(dict(in_period.exclude(repeat).order_by().values_list("source").annotate(n=Count("pk"))))
    disposals = ApprovalForm.objects.filter(
        clue_id__in=ids, kind=FormKind.DISPOSAL, status=FormStatus.APPROVED, **within("decided_at__date")
    )
    disposed = Counter(dict(disposals.order_by().values_list("method").annotate(n=Count("pk"))))
    cases = Case.objects.filter(clue_id__in=ids)
    cleared = Outcome.objects.filter(
        clue_id__in=ids, family=Family.CLEARED, superseded_by__isnull=True, **within("decided_on")
    )
    return Handling(
        received=[(str(s.label), received.get(s.value, 0)) for s in Source if not flt.source or s == flt.source],
        received_total=sum(received.values()),
        repeated=in_period.filter(repeat).count(),
        disposed=[(str(m.label), disposed.get(m.value, 0)) for m in Method],
        disposed_total=sum(disposed.values()),
        cleared=cleared.values("clue_id").distinct().count(),
        cases_filed=cases.filter(**within("filed_on")).count(),
        cases_closed=cases.filter(**within("closed_on")).count(),
        judicial=cases.filter(**within("judicial_transfer_on")).count(),
        referred=clues.filter(**within("referred_on")).count(),
    )


def statistics(user, flt: Filters) -> Statistics:
    """Every table of the four-forms statistics for the filters, over what the user may count."""
    items, read = counted(user, flt)
    return Statistics(
        filters=flt,
        units=by_unit(user, items, flt),
        periods=by_period(items, flt),
        sources=by_source(items, flt),
        handling=handling(user, flt),
        outcomes=read,
    )


def level_choices(user, flt: Filters) -> list[int]:
    """The depths a table may roll up to: from the chosen unit (or the top of the scope) down to the deepest."""
    top = flt.org.depth if flt.org else top_depth(user)
    deepest = scope_orgs(user).order_by("-depth").values_list("depth", flat=True).first() or top
    return list(range(top, max(deepest, top) + 1))


def org_choices(user, flt: Filters, *, limit: int = 300) -> list[Organisation]:
    """Units one may narrow the statistics to: the top levels of the scope, and the one chosen."""
    top = top_depth(user)
    orgs = list(scope_orgs(user).filter(depth__lte=top + 2, is_active=True).order_by("path")[:limit])
    if flt.org is not None and flt.org not in orgs and scope_orgs(user).filter(pk=flt.org.pk).exists():
        orgs.append(flt.org)
    return orgs
