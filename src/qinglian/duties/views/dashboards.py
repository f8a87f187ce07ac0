"""The responsibility dashboard of a unit and a year: four charts, each with the table behind it, and its export."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qinglian.core.audit import audit_record
from qinglian.core.views import permission_required
from qinglian.duties.dashboards import OVERDUE, TOTAL, VIEW, Dashboard, dashboard_read
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.reports.xlsx import Sheet, Styled, workbook_bytes, xlsx_response

FIRST_YEAR = 2000
YEARS_BACK = 5
# The series colours of the charts: statuses from grey (draft) through blue to green (accepted), amber (returned).
STATUS_COLOURS = {
    "draft": "#adb5bd",
    "assigned": "#6ea8fe",
    "in_progress": "#0d6efd",
    "submitted": "#6f42c1",
    "accepted": "#198754",
    "returned": "#fd7e14",
    OVERDUE: "#b71c1c",
}


def _year(request) -> int:
    this = timezone.localdate().year
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= this + 1 else this


def _years(year: int) -> list[int]:
    this = timezone.localdate().year
    return sorted({*range(this + 1, this - YEARS_BACK, -1), year}, reverse=True)


def _scope(request) -> Organisation:
    """The unit chosen with ?org= (one the user may see duties of), else the scope, else its first such unit."""
    raw = request.GET.get("org", "")
    if raw.isdigit():
        return get_visible_or_404(Organisation.objects, request.user, VIEW, pk=int(raw))
    root = scope_or_404(request)
    if can(request.user, VIEW, root):
        return root
    unit = Organisation.objects.visible_to(request.user, VIEW).active().subtree(root).order_by("path").first()
    if unit is None:
        raise Http404(_("You do not follow responsibility work in any unit of this organisation."))
    return unit


def _num(value, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _tasks_chart(board: Dashboard) -> dict | None:
    if not board.task_total.counts[TOTAL]:
        return None
    rows = [r for r in board.tasks if not r.is_total]
    names = [
        _("{org} itself").format(org=r.organisation.display_name) if r.is_self else r.organisation.display_name
        for r in rows
    ]
    series = [
        {
            "name": str(label),
            "stack": "overdue" if key == OVERDUE else "status",
            "colour": STATUS_COLOURS[key],
            "values": [r.counts[key] for r in rows],
        }
        for key, label in board.task_columns
        if key != TOTAL
    ]
    return {"units": names, "series": series}


def _departments_chart(board: Dashboard) -> dict | None:
    if not board.departments:
        return None
    rows = board.departments
    series = [{"name": _("Joint-task shares overdue"), "colour": "#6f42c1", "values": [r.shares for r in rows]}]
    if board.rectification.shown:
        series.append(
            {"name": _("Rectification items overdue"), "colour": "#b71c1c", "values": [r.items for r in rows]}
        )
    return {"names": [r.name for r in rows], "series": series}


def _rectification_chart(board: Dashboard) -> dict | None:
    rect = board.rectification
    if not rect.shown or not rect.total.stats.total:
        return None
    rows = [r for r in rect.by_source if not r.is_total]
    return {
        "sources": [str(r.label) for r in rows],
        "rate": [_num(r.percent) for r in rows],
        "median": [_num(r.stats.median_days) for r in rows],
        "rate_name": _("Closure rate"),
        "median_name": _("Median days to close"),
    }


def _assessment_chart(board: Dashboard) -> dict | None:
    a = board.assessment
    if not a.rows:
        return None
    return {
        "units": [r.organisation.display_name for r in a.rows],
        "this": [_num(r.total, 2) for r in a.rows],
        "last": [_num(r.last_total, 2) for r in a.rows],
        "this_name": str(a.round.year),
        "last_name": str(a.round.year - 1),
        "grades": [{"name": grade, "value": n} for grade, n in a.grades],
    }


def chart_data(board: Dashboard) -> dict:
    """What the charts draw, with their labels in the page's language (read by duties/dashboard.js)."""
    return {
        "tasks": _tasks_chart(board),
        "departments": _departments_chart(board),
        "rectification": _rectification_chart(board),
        "assessment": _assessment_chart(board),
    }


@permission_required(VIEW)
def dashboard(request):
    scope, year = _scope(request), _year(request)
    board = dashboard_read(user=request.user, scope=scope, year=year)
    up = scope.parent if scope.parent_id and can(request.user, VIEW, scope.parent) else None
    return render(
        request,
        "duties/dashboard.html",
        {"board": board, "years": _years(year), "up": up, "charts": chart_data(board)},
    )


@permission_required(VIEW)
def dashboard_export(request):
    scope, year = _scope(request), _year(request)
    board = dashboard_read(user=request.user, scope=scope, year=year)
    audit_record(actor=request.user, action="duties.dashboard_export", obj=scope, changes={"year": year})
    return xlsx_response(dashboard_workbook(board), f"responsibility-{year}-{scope.pk}.xlsx")


def _unit_label(row, scope) -> str:
    if row.is_total:
        return _("Total")
    if row.is_self:
        return _("{org} itself").format(org=row.organisation.name)
    return row.organisation.name


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}%"


def _days(value) -> str:
    return "" if value is None else f"{value:.1f}"


def dashboard_workbook(board: Dashboard) -> bytes:
    """The four tables, one sheet each (rectification by source and by unit on two)."""
    scope = board.scope
    tasks = Sheet(
        title=_("Tasks by unit"),
        headers=[_("Organisation"), *[str(label) for _key, label in board.task_columns]],
        rows=[
            [Styled(_unit_label(r, scope), bold=r.is_total), *[Styled(r.counts[k], bold=r.is_total)
                                                               for k, _label in board.task_columns]]
            for r in board.tasks
        ],
        widths=[30] + [12] * len(board.task_columns),
    )  # fmt: skip
    departments = Sheet(
        title=_("Overdue by department"),
        headers=[_("Department"), _("Joint-task shares overdue"), _("Rectification items overdue"), _("Total")],
        rows=[[r.name, r.shares, r.items, r.total] for r in board.departments],
        widths=[30, 16, 16, 10],
    )
    closure_headers = [
        _("Recorded"),
        _("Being rectified"),
        _("Awaiting verification"),
        _("Overdue"),
        _("Closed"),
        _("Closure rate"),
        _("Median days to close"),
    ]

    def closure_cells(row):
        c = row.stats
        cells = [c.total, c.open, c.submitted, c.overdue, c.closed, _pct(row.percent), _days(c.median_days)]
        return [Styled(str(row.label), bold=row.is_total), *[Styled(v, bold=row.is_total) for v in cells]]

    by_source = Sheet(
        title=_("Rectification by source"),
        headers=[_("Source"), *closure_headers],
        rows=[closure_cells(r) for r in board.rectification.by_source],
        widths=[30] + [12] * len(closure_headers),
    )
    by_unit = Sheet(
        title=_("Rectification by unit"),
        headers=[_("Organisation"), *closure_headers],
        rows=[closure_cells(r) for r in board.rectification.by_unit],
        widths=[30] + [12] * len(closure_headers),
    )
    a = board.assessment
    this_year = str(a.round.year) if a.round else ""
    last_year = str(a.round.year - 1) if a.round else ""
    assessment = Sheet(
        title=_("Assessment results"),
        headers=[_("Organisation"), _("Status"), _("Score {year}").format(year=this_year),
                 _("Grade {year}").format(year=this_year), _("Score {year}").format(year=last_year),
                 _("Grade {year}").format(year=last_year), pgettext("difference", "Change")],
        rows=[[r.organisation.name, str(r.status_label), r.total, r.grade + (" " + _("(vetoed)") if r.vetoed else ""),
               r.last_total, r.last_grade, r.change] for r in a.rows],
        widths=[30, 16, 12, 12, 12, 12, 10],
        notes=[
            _("Responsibility dashboard of {org}, {year}, as of {day}.").format(
                org=scope.name, year=board.year, day=board.today.isoformat()),
            _("Tasks: those of the year's work plans, counted under each directly subordinate organisation with "
              "everything below it. Overdue: not accepted or submitted after the deadline; it overlaps the statuses."),
            _("Overdue by department: shares of joint tasks not done after the task's deadline, and rectification "
              "items still being rectified after their deadline."),
            _("Rectification: items recorded in the year. Closure rate: closed ÷ recorded. Median days to close: "
              "from recording to verified closure, over the closed items."),
        ],
    )  # fmt: skip
    return workbook_bytes([tasks, departments, by_source, by_unit, assessment])


urls = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export/", dashboard_export, name="dashboard_export"),
]
