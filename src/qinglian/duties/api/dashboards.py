"""The responsibility dashboard through the API: the four tables of a unit and a year, as on the page.

Read by the same function as the page (`duties.dashboards.dashboard_read`), over what the caller may see.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from qinglian.duties.dashboards import VIEW, ClosureRow, dashboard_read
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation

router = Router(tags=["duties"])
FIRST_YEAR = 2000


class TaskRowOut(Schema):
    organisation_id: int | None  # null on the total row
    name: str
    is_self: bool
    is_total: bool
    counts: dict[str, int]  # each status, "total" and "overdue" (which overlaps the statuses)


class DepartmentRowOut(Schema):
    department_id: int | None  # null: rectification items that name no department
    name: str
    shares_overdue: int
    items_overdue: int


class ClosureOut(Schema):
    total: int  # recorded, whatever their state
    open: int  # being rectified (overdue among them)
    overdue: int
    submitted: int  # awaiting verification
    closed: int
    reopened: int
    closure_percent: float | None  # closed ÷ recorded × 100, one decimal
    median_days: float | None  # over closed items, of closed_on − created_on


class ClosureRowOut(ClosureOut):
    key: str  # the source's code on rows by source
    organisation_id: int | None
    name: str
    is_self: bool
    is_total: bool


class RectificationOut(Schema):
    shown: bool  # false when the caller may not read the rectification ledger
    total: ClosureOut | None
    by_source: list[ClosureRowOut]
    by_unit: list[ClosureRowOut]


class AssessmentRowOut(Schema):
    organisation_id: int
    name: str
    status: str
    total: Decimal | None  # null until the unit's result is fed back
    grade: str
    vetoed: bool
    last_total: Decimal | None
    last_grade: str
    change: Decimal | None


class AssessmentOut(Schema):
    round_id: int | None
    title: str
    year: int | None
    status: str
    rows: list[AssessmentRowOut]
    grades: dict[str, int]


class DashboardOut(Schema):
    organisation_id: int
    year: int
    as_of: date
    tasks: list[TaskRowOut]
    departments: list[DepartmentRowOut]
    rectification: RectificationOut
    assessment: AssessmentOut


def _closure(row: ClosureRow) -> dict:
    c = row.stats
    return {
        "total": c.total,
        "open": c.open,
        "overdue": c.overdue,
        "submitted": c.submitted,
        "closed": c.closed,
        "reopened": c.reopened,
        "closure_percent": None if row.percent is None else round(row.percent, 1),
        "median_days": c.median_days,
    }


def _closure_row(row: ClosureRow) -> dict:
    return {
        **_closure(row),
        "key": row.key,
        "organisation_id": row.organisation.pk if row.organisation else None,
        "name": str(row.label),
        "is_self": row.is_self,
        "is_total": row.is_total,
    }


@router.get("/dashboard", response=DashboardOut, summary="Responsibility dashboard: tasks, overdue, rectification")
def dashboard_get(request, org_id: int | None = None, year: int | None = None):
    """The four tables of the dashboard for a unit (by default the caller's scope) and a year (by default this)."""
    this = timezone.localdate().year
    if year is not None and not FIRST_YEAR <= year <= this + 1:
        raise ValidationError(_("Give a year between {first} and {last}.").format(first=FIRST_YEAR, last=this + 1))
    pk = org_id if org_id is not None else scope_or_404(request).pk
    scope = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)
    board = dashboard_read(user=request.user, scope=scope, year=year or this)
    rect, a = board.rectification, board.assessment
    return {
        "organisation_id": scope.pk,
        "year": board.year,
        "as_of": board.today,
        "tasks": [
            {
                "organisation_id": r.organisation.pk if r.organisation else None,
                "name": _("Total") if r.is_total else r.organisation.name,
                "is_self": r.is_self,
                "is_total": r.is_total,
                "counts": r.counts,
            }
            for r in board.tasks
        ],
        "departments": [
            {"department_id": r.department_id, "name": r.name, "shares_overdue": r.shares, "items_overdue": r.items}
            for r in board.departments
        ],
        "rectification": {
            "shown": rect.shown,
            "total": _closure(rect.total) if rect.shown else None,
            "by_source": [_closure_row(r) for r in rect.by_source],
            "by_unit": [_closure_row(r) for r in rect.by_unit],
        },
        "assessment": {
            "round_id": a.round.pk if a.round else None,
            "title": a.round.title if a.round else "",
            "year": a.round.year if a.round else None,
            "status": a.round.status if a.round else "",
            "rows": [
                {
                    "organisation_id": r.organisation.pk,
                    "name": r.organisation.name,
                    "status": r.status,
                    "total": r.total,
                    "grade": r.grade,
                    "vetoed": r.vetoed,
                    "last_total": r.last_total,
                    "last_grade": r.last_grade,
                    "change": r.change,
                }
                for r in a.rows
            ],
            "grades": dict(a.grades),
        },
    }
