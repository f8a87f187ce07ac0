"""The unit × period panel: every indicator's value for every unit in every quarter or year, read as the modules
compute it (computed indicators, through the queries they register) or as it was entered (survey and manual values).

A value is never made up: what cannot be read stays None, with the reason in `Panel.missing`.

- A computed indicator is read with one call of its registered query per period for all units at once, for the
  period's year as seen on the period's last day (or today, for a period still running). A `flow` indicator
  (hours, counts: they accumulate over the year) has as a quarter's value its year-to-date value at the end of the
  quarter minus the one at the end of the previous quarter of the same year.
- A survey or manual indicator reads the Value rows of exactly that period; for a year with no value of its own,
  the mean of the year's quarterly values, marked as such in `Panel.notes`. A committee with no survey result of
  its own takes the respondent-weighted mean of the results of the units below it (also noted).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import registry
from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.services.catalogue import in_force, offered
from qinglian.evaluation.vocab import Source
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.reports.xlsx import Sheet, safe_cell, workbook_bytes

MAX_PERIODS = 40  # ten years of quarters: a page or an export beyond that is not a panel anyone reads


class PanelError(ValueError):
    """Input the panel cannot be built from (an unknown indicator, a reversed period range); the message says why."""


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date
    year: int
    quarter: int | None = None

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)


def _check_years(first_year: int, last_year: int) -> None:
    if first_year > last_year:
        raise PanelError(_("The first year (%(first)s) is after the last (%(last)s).") % {
            "first": first_year, "last": last_year})  # fmt: skip
    if first_year < 1900 or last_year > 2999:
        raise PanelError(_("Years must lie between 1900 and 2999."))


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) - timedelta(days=1) if q == 4 else date(year, 3 * q + 1, 1) - timedelta(days=1)
    return Period(key=f"{year}Q{q}", start=start, end=end, year=year, quarter=q)


def quarters(first_year: int, last_year: int) -> list[Period]:
    """Every quarter of the years first_year..last_year, in order."""
    _check_years(first_year, last_year)
    return [quarter(year, q) for year in range(first_year, last_year + 1) for q in (1, 2, 3, 4)]


def years(first_year: int, last_year: int) -> list[Period]:
    """Every year first_year..last_year, in order."""
    _check_years(first_year, last_year)
    return [
        Period(key=str(y), start=date(y, 1, 1), end=date(y, 12, 31), year=y) for y in range(first_year, last_year + 1)
    ]


def period_of(key: str) -> Period:
    """The period of a key ("2025Q2", also "2025-Q2", or "2025"); PanelError when it is neither."""
    text = str(key).strip().upper().replace("-Q", "Q")
    try:
        if "Q" in text:
            year, q = text.split("Q")
            if int(q) not in (1, 2, 3, 4):
                raise ValueError
            return quarter(int(year), int(q))
        return years(int(text), int(text))[0]
    except ValueError:
        raise PanelError(
            _("“%(key)s” is not a period: write a year (2025) or a quarter (2025Q2).") % {"key": key}
        ) from None


@dataclass
class Panel:
    """units × periods × indicators. `values[(org_id, period_key, code)]` is a float or None; `missing` holds the
    reason for each None, `notes` what to know about a value that is there (a year read as the mean of its quarters,
    a period still running)."""

    units: list[Organisation]
    periods: list[Period]
    indicators: list[Indicator]
    values: dict[tuple[int, str, str], float | None] = field(default_factory=dict)
    missing: dict[tuple[int, str, str], str] = field(default_factory=dict)
    notes: dict[tuple[int, str, str], str] = field(default_factory=dict)
    on: date | None = None

    def value(self, org, period, code: str) -> float | None:
        return self.values.get((_pk(org), _key(period), code))

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def table(self, code: str) -> list[tuple[Organisation, list[dict]]]:
        """One indicator as rows of units, each with a cell per period: {"value", "text", "missing", "note"}."""
        indicator = self.indicator(code)
        rows = []
        for unit in self.units:
            cells = []
            for period in self.periods:
                key = (unit.pk, period.key, code)
                value = self.values.get(key)
                cells.append(
                    {
                        "value": value,
                        "text": format_value(indicator, value),
                        "missing": self.missing.get(key, ""),
                        "note": self.notes.get(key, ""),
                    }
                )
            rows.append((unit, cells))
        return rows

    def long_rows(self):
        """One row per unit, period and indicator (the shape a regression reads)."""
        for unit in self.units:
            for period in self.periods:
                for indicator in self.indicators:
                    key = (unit.pk, period.key, indicator.code)
                    value = self.values.get(key)
                    yield (
                        unit.pk, unit.name, period.key, period.start, period.end, indicator.code, indicator.name,
                        value, self.notes.get(key, ""), self.missing.get(key, ""),
                    )  # fmt: skip


def _pk(org) -> int:
    return org if isinstance(org, int) else org.pk


def _key(period) -> str:
    return period if isinstance(period, str) else period.key


def format_value(indicator: Indicator, value: float | None) -> str:
    """A value as the page shows it: shares as percentages, others with their unit."""
    if value is None:
        return "—"
    if indicator.unit == "%" and (indicator.anchor_high is None or indicator.anchor_high <= 1):
        return f"{value * 100:.1f}%"
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return f"{text} {indicator.unit}".strip() if indicator.unit not in ("", "%") else text + (indicator.unit or "")


def default_units(scope: Organisation) -> list[Organisation]:
    """The active Party branches of scope's subtree, in tree order."""
    return list(Organisation.objects.subtree(scope).active().filter(kind=Organisation.Kind.BRANCH).order_by("path"))


def indicators_for(codes: list[str] | None, on: date) -> list[Indicator]:
    """The leaves named (latest version in force on `on`), or every leaf on offer; PanelError for an unknown code."""
    if codes is None:
        return offered(on)
    leaves = {i.code: i for i in in_force(on) if i.source}
    missing = [code for code in codes if code not in leaves]
    if missing:
        # an indicator no longer in force is still read in the panel of the years it was in force
        older = {}
        for indicator in Indicator.objects.filter(code__in=missing).exclude(source="").order_by("code", "version"):
            older[indicator.code] = indicator
        leaves.update(older)
        unknown = [code for code in missing if code not in older]
        if unknown:
            raise PanelError(_("No indicator has the code %(codes)s.") % {"codes": ", ".join(unknown)})
    return [leaves[code] for code in codes]


def build_panel(
    *,
    scope: Organisation,
    periods: list[Period],
    codes: list[str] | None = None,
    units=None,
    on: date | None = None,
) -> Panel:
    """The panel of `units` (default: the active branches under `scope`) over `periods` for the indicators `codes`
    (default: every leaf this installation can fill). The caller checks the reader may see `scope`."""
    today = timezone.localdate()
    on = min(on or today, today)
    if not periods:
        raise PanelError(_("Choose at least one period."))
    if len(periods) > MAX_PERIODS:
        raise PanelError(_("At most %(n)s periods at once.") % {"n": MAX_PERIODS})
    units = default_units(scope) if units is None else list(units)
    indicators = indicators_for(codes, on)
    panel = Panel(units=units, periods=list(periods), indicators=indicators, on=on)
    if not units:
        return panel
    for indicator in indicators:
        if indicator.source == Source.COMPUTED:
            _read_computed(panel, indicator, on)
        else:
            _read_entered(panel, indicator, on)
    return panel


def _read_computed(panel: Panel, indicator: Indicator, on: date) -> None:
    code = indicator.code
    fn = registry.indicators.get(indicator.query)
    calls: dict[tuple[int, date], dict] = {}

    def ytd(year: int, day: date) -> dict:
        if (year, day) not in calls:  # one call for all units; a flow's previous quarter is usually asked already
            calls[(year, day)] = fn(orgs=panel.units, year=year, on=day)
        return calls[(year, day)]

    for period in panel.periods:
        reason = None
        if fn is None:
            reason = _("Not computed here: the module that computes it is not installed.")
        elif period.start > on:
            reason = _("The period has not begun.")
        elif indicator.effective_to and period.start > indicator.effective_to:
            reason = _("The indicator was no longer in force.")
        if reason:
            for unit in panel.units:
                _set(panel, unit.pk, period.key, code, None, reason)
            continue
        day = min(period.end, on)
        current = ytd(period.year, day)
        previous = None
        if indicator.flow and period.quarter and period.quarter > 1:
            previous = ytd(period.year, quarter(period.year, period.quarter - 1).end)
        running = day < period.end
        for unit in panel.units:
            value = current.get(unit.pk)
            if value is None:
                _set(panel, unit.pk, period.key, code, None, _("Nothing to measure in this period."))
                continue
            if previous is not None:
                before = previous.get(unit.pk)
                if before is None:
                    _set(panel, unit.pk, period.key, code, None, _("Nothing to measure in the previous quarter."))
                    continue
                value = round(float(value) - float(before), 6)
            _set(panel, unit.pk, period.key, code, float(value))
            if running:
                panel.notes[(unit.pk, period.key, code)] = _("So far: the period runs until %(day)s.") % {
                    "day": period.end.isoformat()}  # fmt: skip


def _read_entered(panel: Panel, indicator: Indicator, on: date) -> None:
    code = indicator.code
    first, last = min(p.start for p in panel.periods), max(p.end for p in panel.periods)
    rows = (
        Value.objects.filter(indicator__code=code, organisation__in=[u.pk for u in panel.units])
        .filter(Q(period_start__gte=first, period_end__lte=last))
        .values_list("organisation_id", "period_start", "period_end", "value")
    )
    exact: dict[tuple[int, date, date], float] = {}
    by_year_quarters: dict[tuple[int, int], list[float]] = defaultdict(list)
    quarter_spans = {}
    for row in rows:
        org_id, start, end, value = row
        exact[(org_id, start, end)] = value
    for year in {p.year for p in panel.periods}:
        for q in (1, 2, 3, 4):
            period = quarter(year, q)
            quarter_spans[(period.start, period.end)] = year
    for (org_id, start, end), value in exact.items():
        if (start, end) in quarter_spans:
            by_year_quarters[(org_id, quarter_spans[(start, end)])].append(value)
    empty = _("No survey result entered for this period.") if indicator.source == Source.SURVEY else _(
        "No value entered for this period.")  # fmt: skip
    for period in panel.periods:
        for unit in panel.units:
            value = exact.get((unit.pk, period.start, period.end))
            if value is not None:
                _set(panel, unit.pk, period.key, code, float(value))
            elif period.quarter is None and by_year_quarters.get((unit.pk, period.year)):
                values = by_year_quarters[(unit.pk, period.year)]
                _set(panel, unit.pk, period.key, code, sum(values) / len(values))
                panel.notes[(unit.pk, period.key, code)] = _("Mean of %(n)s quarterly values.") % {"n": len(values)}
            elif period.start > on:
                _set(panel, unit.pk, period.key, code, None, _("The period has not begun."))
            else:
                _set(panel, unit.pk, period.key, code, None, empty)
    _roll_up_entered(panel, indicator)


def _roll_up_entered(panel: Panel, indicator: Indicator) -> None:
    """A committee with no survey result of its own takes the mean of the results of the units below it, weighted
    by their respondents (each unit once: its result of the period, else the mean of its results within it; a plain
    mean when some unit has no respondents recorded), marked as such. A manual value is never rolled up: it is
    evidence about one unit."""
    if indicator.source != Source.SURVEY:
        return
    code = indicator.code
    gaps = [
        (unit, period) for unit in panel.units for period in panel.periods
        if panel.values.get((unit.pk, period.key, code)) is None and unit.kind != "branch"
    ]  # fmt: skip
    if not gaps:
        return
    within = Q(pk__in=[])
    for unit in {unit for unit, _period in gaps}:
        within |= subtree_q(unit.path, "organisation__") & ~Q(organisation=unit)
    first, last = min(p.start for p in panel.periods), max(p.end for p in panel.periods)
    rows = Value.objects.filter(within, indicator__code=code, period_start__gte=first, period_end__lte=last)
    rows = list(rows.values_list("organisation__path", "period_start", "period_end", "value", "respondents"))
    for unit, period in gaps:
        per_unit: dict[str, list[tuple[date, date, float, int | None]]] = defaultdict(list)
        for path, start, end, value, respondents in rows:
            if path.startswith(unit.path) and start >= period.start and end <= period.end:
                per_unit[path].append((start, end, value, respondents))
        if not per_unit:
            continue
        results = []  # one (value, respondents) per unit below
        for found in per_unit.values():
            exact = [r for r in found if (r[0], r[1]) == (period.start, period.end)]
            use = exact or found
            people = [r[3] for r in use]
            results.append((sum(r[2] for r in use) / len(use), sum(people) / len(people) if all(people) else None))
        if all(people for _value, people in results):
            total = sum(people for _value, people in results)
            value = sum(value * people for value, people in results) / total
            note = _("Mean of the results of %(n)s units below, weighted by their respondents.") % {"n": len(results)}
        else:
            value = sum(value for value, _people in results) / len(results)
            note = _("Mean of the results of %(n)s units below.") % {"n": len(results)}
        _set(panel, unit.pk, period.key, code, value)
        panel.missing.pop((unit.pk, period.key, code), None)
        panel.notes[(unit.pk, period.key, code)] = note


def _set(panel: Panel, org_id: int, key: str, code: str, value: float | None, reason: str = "") -> None:
    panel.values[(org_id, key, code)] = value
    if value is None:
        panel.missing[(org_id, key, code)] = reason


# --- exports ------------------------------------------------------------------------------------------------


def _headers() -> list[str]:
    return [
        _("Unit id"), _("Unit"), _("Period"), _("From"), _("To"), _("Indicator code"), _("Indicator"), _("Value"),
        _("Note"), _("Why missing"),
    ]  # fmt: skip


def panel_xlsx(panel: Panel) -> bytes:
    """The panel as a workbook: one long sheet (a row per unit, period and indicator) and one wide sheet per
    indicator (units × periods, missing cells empty)."""
    sheets = [Sheet(title=_("Panel"), headers=_headers(), rows=list(panel.long_rows()),
                    widths=[8, 30, 10, 12, 12, 24, 30, 12, 30, 40])]  # fmt: skip
    for indicator in panel.indicators:
        rows = [
            [unit.name] + [panel.values.get((unit.pk, p.key, indicator.code)) for p in panel.periods]
            for unit in panel.units
        ]
        sheets.append(
            Sheet(
                title=indicator.code[:31],
                headers=[_("Unit")] + [p.key for p in panel.periods],
                rows=rows,
                widths=[30] + [10] * len(panel.periods),
            )
        )
    return workbook_bytes(sheets)


def panel_csv(panel: Panel) -> str:
    """The panel in long form as CSV (UTF-8 text; a value a spreadsheet would run as a formula is neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_headers())
    for row in panel.long_rows():
        writer.writerow(["" if v is None else safe_cell(v.isoformat() if isinstance(v, date) else v) for v in row])
    return out.getvalue()
