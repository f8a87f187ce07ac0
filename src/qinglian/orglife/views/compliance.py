"""Compliance pages: the traffic-light table of a scope, a unit's year plan, and tightening a rule."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.lib.dates import add_months
from qinglian.core.views import permission_required
from qinglian.orglife.compliance.plan import rules_in_force, schedule_day, unit_plan
from qinglian.orglife.compliance.table import LIGHT_LABELS, OPEN_LABEL, Light, compliance_table
from qinglian.orglife.forms.compliance import FrequencyTightenForm
from qinglian.orglife.models import Meeting
from qinglian.orglife.rules import kind_rule, kind_rule_of, rule_text
from qinglian.orglife.services.frequency import frequency_floor, frequency_tighten
from qinglian.orglife.views.common import year_param
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.access import can, get_visible_or_404, has_permission
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.reports.xlsx import Sheet, Styled, workbook_bytes, xlsx_response

VIEW, MANAGE, APPROVE = "orglife.view", "orglife.manage", "orglife.approve"
# The years offered: a few back, and the next (to plan ahead).
YEARS_BACK = 5
LIGHT_FILLS = {Light.GREEN: "C8E6C9", Light.AMBER: "FFE0B2", Light.RED: "FFCDD2", Light.NONE: ""}


def _year(request) -> int:
    this = timezone.localdate().year
    return year_param(request.GET.get("year"), last=this + 1) or this


def _years(year: int) -> list[int]:
    this = timezone.localdate().year
    return sorted({*range(this + 1, this - YEARS_BACK, -1), year}, reverse=True)


def _scope(request) -> Organisation:
    raw = request.GET.get("org", "")
    pk = int(raw) if raw.isdigit() else scope_or_404(request).pk
    return get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)


def _table(request):
    scope, year = _scope(request), _year(request)
    units = Organisation.objects.visible_to(request.user, VIEW)
    return compliance_table(scope=scope, year=year, units=units)


@permission_required(VIEW)
def compliance(request):
    table = _table(request)
    scope = table.scope
    up = scope.parent if scope.parent_id and can(request.user, VIEW, scope.parent) else None
    legend = [(light, LIGHT_LABELS[light]) for light in (Light.GREEN, Light.AMBER, Light.RED)]
    if table.year >= table.on.year:
        legend.insert(1, ("open", OPEN_LABEL))
    return render(
        request,
        "orglife/compliance_table.html",
        {"table": table, "years": _years(table.year), "up": up, "legend": legend},
    )


@permission_required(VIEW)
def compliance_export(request):
    table = _table(request)
    audit_record(actor=request.user, action="orglife.compliance_export", obj=table.scope, changes={"year": table.year})
    return xlsx_response(_workbook(table), f"compliance-{table.year}-{table.scope.pk}.xlsx")


def _workbook(table) -> bytes:
    def label(row):
        indent = "　" * row.depth
        if row.is_total and row.org.pk == table.scope.pk:
            return _("Total")
        if row.is_total:
            return indent + _("{org} (total)").format(org=row.org.display_name)
        return indent + row.org.display_name

    def cell(c, bold=False):
        text = f"{c.held}/{c.required}" if c.owed else "—"
        return Styled(text, LIGHT_FILLS[c.light], bold)

    rows = [
        [
            Styled(label(r), bold=r.is_total),
            *[cell(c, r.is_total) for c in r.cell_list(table.kinds)],
            cell(r.total, True),
        ]
        for r in [*table.rows, table.total]
    ]
    lights = (Light.GREEN, Light.AMBER, Light.RED)
    intro = _("Meetings held (with approved minutes and attendance) / meetings required, {org}, {year}, as of {day}.")
    notes = [
        intro.format(org=table.scope.name, year=table.year, day=table.on.isoformat()),
        *[_("Colour: {meaning}").format(meaning=LIGHT_LABELS[light]) for light in lights],
    ]
    sheet = Sheet(
        title=_("Compliance {year}").format(year=table.year),
        headers=[_("Organisation"), *[label for _kind, label in table.kind_labels], _("All kinds")],
        rows=rows,
        widths=[34] + [14] * (len(table.kinds) + 1),
        notes=notes,
    )
    return workbook_bytes([sheet])


@permission_required(VIEW)
def plan(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)
    year = _year(request)
    today = timezone.localdate()
    meetings = Meeting.objects.visible_to(request.user, VIEW)
    the_plan = unit_plan(org=org, year=year, meetings=meetings)
    kind = request.GET.get("kind", "")
    shown = [k for k in the_plan.kinds if k.kind == kind] or the_plan.kinds
    can_schedule = org.is_active and can(request.user, MANAGE, org)
    for k in shown:
        for period in k.cell.periods:
            # A period with enough meetings already on the way (scheduled, or held and waiting for their minutes)
            # needs no other: only one held without its quorum leaves room for another.
            on_the_way = sum(1 for m in period.meetings if m.quorum_met is not False)
            wanted = can_schedule and period.end > today and on_the_way < period.times
            period.schedule_on = schedule_day(period, today) if wanted else None
    return render(
        request,
        "orglife/plan_detail.html",
        {
            "plan": the_plan,
            "back": org.parent if org.parent_id and can(request.user, VIEW, org.parent) else org,
            "shown": shown,
            "kind": kind if len(shown) == 1 and kind else "",
            "years": _years(year),
            "can_schedule": can_schedule,
            "can_tighten": can(request.user, APPROVE, org),
            "can_read_rules": has_permission(request.user, "rule.view"),
            "legend": [(light, LIGHT_LABELS[light]) for light in (Light.GREEN, Light.AMBER, Light.RED)],
        },
    )


@permission_required(VIEW)
def compliance_rules(request, pk: int):
    """The frequency rules in force for a unit's subtree: the system's, or tightened above or here."""
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)
    return render(
        request,
        "orglife/compliance_rules.html",
        {
            "org": org,
            "entries": rules_in_force(org, timezone.localdate()),
            "can_tighten": can(request.user, APPROVE, org) and org.is_active,
            "can_read_rules": has_permission(request.user, "rule.view"),
        },
    )


@permission_required(APPROVE)
def compliance_rule_tighten(request, pk: int, kind: str):
    org = get_visible_or_404(Organisation.objects.filter(is_active=True), request.user, APPROVE, pk=pk)
    if kind not in MeetingKind.values:
        raise Http404
    today = timezone.localdate()
    starts = add_months(date(today.year, today.month, 1), 1)
    floor = frequency_floor(kind, org, on=starts)
    current = kind_rule(kind, org, on=starts)
    if floor is None or current is None:
        raise Http404
    form = FrequencyTightenForm(
        request.POST or None, kind=kind, initial=FrequencyTightenForm.initial_for(current, starts)
    )
    if request.method == "POST" and form.is_valid():
        try:
            frequency_tighten(org=org, kind=kind, actor=request.user, **form.service_args())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The stricter rule for {kind} applies to {org} and the units below it from {day}.").format(
                    kind=MeetingKind(kind).label, org=org.name, day=form.cleaned_data["effective_from"].isoformat()
                ),
            )
            return redirect("orglife:compliance_rules", pk=org.pk)
    return render(
        request,
        "orglife/compliance_rule_form.html",
        {
            "org": org,
            "kind": kind,
            "label": MeetingKind(kind).label,
            "form": form,
            "floor_text": rule_text(kind_rule_of(kind, floor)),
            "floor_row": floor,
        },
    )


urls = [
    path("compliance/", compliance, name="compliance"),
    path("compliance/export/", compliance_export, name="compliance_export"),
    path("compliance/plan/<int:pk>/", plan, name="plan"),
    path("compliance/rules/<int:pk>/", compliance_rules, name="compliance_rules"),
    path("compliance/rules/<int:pk>/<str:kind>/", compliance_rule_tighten, name="compliance_rule_tighten"),
]
