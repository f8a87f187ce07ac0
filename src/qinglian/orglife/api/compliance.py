"""Compliance through the API: the traffic-light table of a scope and the year plan of a unit.

Both read the same computation as the pages (`orglife.compliance`), over the units and meetings the
caller may see with orglife.view.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from qinglian.orglife.compliance.plan import KindPlan, unit_plan
from qinglian.orglife.compliance.table import Cell, Period, Row, compliance_table
from qinglian.orglife.models import Meeting
from qinglian.orglife.rules import rule_text
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Organisation

router = Router(tags=["orglife"])
VIEW = "orglife.view"


class ComplianceCellOut(Schema):
    kind: str
    owed: bool
    required: int
    held: int
    quorum_met: int
    counted: int
    light: str
    statuses: dict[str, int]


class ComplianceRowOut(Schema):
    organisation_id: int
    name: str
    org_kind: str
    depth: int
    is_total: bool
    light: str
    cells: list[ComplianceCellOut]
    total: ComplianceCellOut


class ComplianceTableOut(Schema):
    organisation_id: int
    year: int
    as_of: date
    kinds: list[str]
    rows: list[ComplianceRowOut]
    total: ComplianceRowOut


class MeetingRef(Schema):
    meeting_id: int
    title: str
    starts_on: date
    status: str
    counted: bool
    quorum_met: bool | None


class CompliancePeriodOut(Schema):
    label: str
    start: date
    end: date
    due: date
    times: int
    held: int
    quorum_met: int
    status: str
    meetings: list[MeetingRef]


class ComplianceRuleOut(Schema):
    rule_id: int
    text: str
    per: str
    times: int
    quorum: str
    strict: bool
    day: int | None
    source: str
    effective_from: date
    tightened: bool
    tightened_by_id: int | None


class KindPlanOut(Schema):
    kind: str
    label: str
    rule: ComplianceRuleOut
    cell: ComplianceCellOut
    periods: list[CompliancePeriodOut]


class CompliancePlanOut(Schema):
    organisation_id: int
    name: str
    year: int
    as_of: date
    reminder_days: int
    light: str
    kinds: list[KindPlanOut]


def _year(year: int | None) -> int:
    this = timezone.localdate().year
    if year is None:
        return this
    if not 2000 <= year <= this + 1:
        raise ValidationError(_("Give a year between 2000 and {last}.").format(last=this + 1))
    return year


def _cell(c: Cell) -> ComplianceCellOut:
    return ComplianceCellOut(
        kind=c.kind,
        owed=c.owed,
        required=c.required,
        held=c.held,
        quorum_met=c.quorum_met,
        counted=c.counted,
        light=c.light,
        statuses={status: n for status, n in c.statuses.items() if n},
    )


def _row(row: Row, kinds: list[str]) -> ComplianceRowOut:
    return ComplianceRowOut(
        organisation_id=row.org.pk,
        name=row.org.name,
        org_kind=row.org.kind,
        depth=row.depth,
        is_total=row.is_total,
        light=row.light,
        cells=[_cell(c) for c in row.cell_list(kinds)],
        total=_cell(row.total),
    )


def _rule(k: KindPlan) -> ComplianceRuleOut:
    quorum = k.rule.quorum
    return ComplianceRuleOut(
        rule_id=k.row.pk,
        text=rule_text(k.rule),
        per=k.rule.per,
        times=k.rule.times,
        quorum=f"{quorum.numerator}/{quorum.denominator}",
        strict=k.rule.strict,
        day=k.rule.day,
        source=k.row.source,
        effective_from=k.row.effective_from,
        tightened=bool(k.row.org_path),
        tightened_by_id=k.tightened_by.pk if k.tightened_by else None,
    )


def _period(p: Period) -> CompliancePeriodOut:
    meetings = [
        MeetingRef(
            meeting_id=m.pk, title=m.title, starts_on=m.starts_on, status=m.status, counted=m.counted,
            quorum_met=m.quorum_met,
        )
        for m in p.meetings
    ]  # fmt: skip
    return CompliancePeriodOut(
        label=p.label,
        start=p.start,
        end=p.last_day,
        due=p.due,
        times=p.times,
        held=p.held,
        quorum_met=p.quorum_ok,
        status=p.status,
        meetings=meetings,
    )


@router.get(
    "/compliance/{org_id}/plan", response=CompliancePlanOut, summary="A unit's year plan: what is due when, and held"
)
def plan_get(request, org_id: int, year: int | None = None):
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
    plan = unit_plan(org=org, year=_year(year), meetings=Meeting.objects.visible_to(request.user, VIEW))
    kinds = [
        KindPlanOut(
            kind=k.kind, label=k.label, rule=_rule(k), cell=_cell(k.cell), periods=[_period(p) for p in k.cell.periods]
        )
        for k in plan.kinds
    ]
    return CompliancePlanOut(
        organisation_id=org.pk,
        name=org.name,
        year=plan.year,
        as_of=plan.on,
        reminder_days=plan.reminder_days,
        light=plan.light,
        kinds=kinds,
    )


@router.get(
    "/compliance/{org_id}", response=ComplianceTableOut, summary="Held against required per unit and kind, rolled up"
)
def compliance_get(request, org_id: int, year: int | None = None):
    scope = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
    units = Organisation.objects.visible_to(request.user, VIEW)
    table = compliance_table(scope=scope, year=_year(year), units=units)
    return ComplianceTableOut(
        organisation_id=scope.pk,
        year=table.year,
        as_of=table.on,
        kinds=table.kinds,
        rows=[_row(r, table.kinds) for r in table.rows],
        total=_row(table.total, table.kinds),
    )
