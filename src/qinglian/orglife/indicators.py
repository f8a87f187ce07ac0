"""Indicators of organisational life, registered for evaluation (which reads modules only through them).

Signature of every indicator registered here (core/registry.py stores any callable under a code):

    fn(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]

It answers for many units at once (evaluation scores whole committees), keyed by organisation id.
Each unit's value covers the unit and every unit below it (a committee's is its subtree's total),
computed as in `orglife.compliance` for `year` as seen on `on` (default today: periods still open are
not counted against it). None means there is nothing to measure (nothing required, nothing held).
Access control is the caller's: evaluation asks only for the units its reader may see.

- orglife.meeting_compliance_rate: meetings that count (held, attendance recorded, minutes approved),
  at most as many per period as the rule asks, over the meetings required.
- orglife.quorum_rate: of those meetings, the share that met the quorum.
- orglife.meetings_counted and orglife.meetings_required: the numerator and denominator of the compliance
  rate as counts (responsibility assessment scores "k held of K required").

Drill-down (registry.indicator_records): `meeting_records(*, org, year, on=None)` lists the counted meetings of
the unit's subtree in the year up to `on`, newest first, each linking to its page (the compliance rate credits
at most as many per period as required; the list shows every counted one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import RECORDS_LIMIT, IndicatorRecord, IndicatorRecords, registry
from qinglian.orglife.compliance.table import Cell, compliance_table
from qinglian.orgs.models import Organisation, topmost


def _subtree_totals(orgs: Iterable[Organisation], year: int, on: date | None) -> dict[int, Cell]:
    """Each unit's subtree total over every kind: one table per topmost unit asked about."""
    wanted = sorted(orgs, key=lambda o: o.path)
    tops = topmost(wanted)
    totals: dict[int, Cell] = {}
    for top in tops:
        table = compliance_table(scope=top, year=year, units=Organisation.objects.all(), on=on)
        for org in wanted:
            if org.path.startswith(top.path) and org.pk in table.subtree:
                cell = Cell(kind="")
                for kind_cell in table.subtree[org.pk].values():
                    cell.add(kind_cell)
                totals[org.pk] = cell
    return totals


def _indicator(measure: Callable[[Cell], float | None]):
    def indicator(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
        orgs = list(orgs)
        totals = _subtree_totals(orgs, year, on)
        return {org.pk: (measure(totals[org.pk]) if org.pk in totals else None) for org in orgs}

    return indicator


meeting_compliance_rate = _indicator(lambda cell: cell.rate)
meeting_compliance_rate.__doc__ = "Share of the required meetings held (and counted), per unit subtree and year."
quorum_rate = _indicator(lambda cell: cell.quorum_rate)
quorum_rate.__doc__ = "Share of the counted meetings that met their quorum, per unit subtree and year."
meetings_counted = _indicator(lambda cell: cell.held if cell.required or cell.held else None)
meetings_counted.__doc__ = "Meetings held and counted (at most as many per period as required), per unit subtree."
meetings_required = _indicator(lambda cell: cell.required or None)
meetings_required.__doc__ = "Meetings the frequency rules required so far in the year, per unit subtree."


def meeting_records(*, org: Organisation, year: int, on: date | None = None) -> IndicatorRecords:
    """The counted meetings of the unit's subtree in `year` up to `on`, newest first (at most RECORDS_LIMIT)."""
    from qinglian.orglife.models import Meeting

    on = on or timezone.localdate()
    end = min(date(year + 1, 1, 1), date.fromordinal(on.toordinal() + 1))
    meetings = (
        Meeting.objects.counted()
        .between(date(year, 1, 1), end)
        .filter(organisation__in=Organisation.objects.subtree(org))
        .select_related("organisation")
        .order_by("-starts_on", "-pk")
    )
    total = meetings.count()
    records = []
    for meeting in meetings[:RECORDS_LIMIT]:
        if meeting.quorum_met is None:
            quorum = _("no quorum rule")
        else:
            quorum = _("quorum met") if meeting.quorum_met else _("quorum not met")
        records.append(
            IndicatorRecord(
                label=f"{meeting.organisation.display_name} · {meeting.get_kind_display()} · {meeting.title}",
                url=reverse("orglife:meeting_detail", args=[meeting.pk]),
                on=meeting.starts_on,
                value=quorum,
            )
        )
    return IndicatorRecords(records, total)


def talk_coverage_rate(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Share of the required talk pairs of each unit's own committee that talked in `year` (up to `on`)."""
    from qinglian.orglife.coverage import talk_coverage

    out: dict[int, float | None] = {}
    for org in orgs:
        coverage = talk_coverage(org, year, on)
        out[org.pk] = coverage.done / coverage.total if coverage.total else None
    return out


def register() -> None:
    registry.add_indicator("orglife.meeting_compliance_rate", meeting_compliance_rate, meeting_records)
    registry.add_indicator("orglife.quorum_rate", quorum_rate, meeting_records)
    registry.add_indicator("orglife.meetings_counted", meetings_counted)
    registry.add_indicator("orglife.meetings_required", meetings_required)
    registry.add_indicator("orglife.talk_coverage_rate", talk_coverage_rate)
