"""Monitoring over the API: the warnings of a unit's subtree and its heat map (unit × business process, and the
likelihood × impact matrix), counted over the units where the caller holds risks.view."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema

from qinglian.orgs.access import get_visible_or_404, has_permission, scope_roots
from qinglian.orgs.models import Organisation
from qinglian.risks.services import monitoring
from qinglian.risks.services.rounds import VIEW

router = Router(tags=["risks"])


class WarnedPointOut(Schema):
    id: int
    title: str
    organisation_id: int
    organisation_name: str
    round_id: int
    level: int
    status: str
    next_review_on: date | None
    needs_review_reason: str

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class WarnedMeasureOut(Schema):
    id: int
    text: str
    point_id: int
    point_title: str
    organisation_name: str
    owner_id: int | None
    owner_name: str
    owner_status: str

    @staticmethod
    def resolve_point_title(obj) -> str:
        return obj.point.title

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.point.organisation.name

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.name if obj.owner_id else ""

    @staticmethod
    def resolve_owner_status(obj) -> str:
        return obj.owner.status if obj.owner_id else ""


class WarnedPostOut(Schema):
    id: int
    name: str
    organisation_id: int
    organisation_name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class WarningOut(Schema):
    key: str = Field(description=", ".join(monitoring.WARNING_KINDS))
    title: str
    explanation: str
    count: int
    points: list[WarnedPointOut] = Field(default_factory=list)
    measures: list[WarnedMeasureOut] = Field(default_factory=list)
    posts: list[WarnedPostOut] = Field(default_factory=list)


class HeatCellOut(Schema):
    process: str | None
    counts: dict[int, int] = Field(description="level -> points")
    total: int
    highest: int | None


class HeatRowOut(Schema):
    organisation_id: int
    organisation_name: str
    cells: list[HeatCellOut]
    total: HeatCellOut

    @staticmethod
    def resolve_organisation_id(obj) -> int:
        return obj.organisation.pk

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class ColumnOut(Schema):
    process: str
    label: str


class MatrixCellOut(Schema):
    likelihood: int
    impact: int
    rating: str
    colour: str
    count: int


class HeatMapOut(Schema):
    columns: list[ColumnOut]
    rows: list[HeatRowOut]
    column_totals: list[HeatCellOut]
    total: HeatCellOut
    matrix: list[MatrixCellOut]
    outside_matrix: int


def _root(request, org_id: int | None) -> Organisation:
    if not has_permission(request.user, VIEW):
        raise Http404
    if org_id:
        return get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id)
    roots = scope_roots(request.user)
    if not roots:
        raise Http404
    return roots[0]


@router.get("/warnings", response=list[WarningOut], summary="The warnings of a unit and those below it")
def warnings(request, org_id: int | None = None, limit: int = 50):
    """Reviews overdue and due within 30 days, measures without an owner on the register, posts without any
    identified risk, points raised for review; each with its count and first `limit` rows (at most 200).
    `org_id`: the unit (by default the caller's topmost one)."""
    root = _root(request, org_id)
    cards = monitoring.warnings(root, today=timezone.localdate(), user=request.user, limit=max(1, min(limit, 200)))
    out = []
    for card in cards:
        kind = {"measures_unowned": "measures", "posts_uncovered": "posts"}.get(card.key, "points")
        out.append(
            {
                "key": card.key,
                "title": card.title,
                "explanation": card.explanation,
                "count": card.count,
                kind: card.rows,
            }
        )
    return out


@router.get("/heat-map", response=HeatMapOut, summary="The register in force by unit × process, and its matrix")
def heat_map(request, org_id: int | None = None):
    """Rows: the units with points in force, down to branches (a Party group's points counted at its branch);
    columns: business processes ("" for points by post alone); each cell counts points by level with its
    highest level. `matrix`: the points in force per likelihood × impact cell, with the rule's rating."""
    root = _root(request, org_id)
    heat = monitoring.heat_map(root, user=request.user)
    view = monitoring.risk_matrix(root, user=request.user)
    return {
        "columns": [{"process": value, "label": label} for value, label in heat.columns],
        "rows": heat.rows,
        "column_totals": heat.column_totals,
        "total": heat.total,
        "matrix": [
            {
                "likelihood": cell.rating.likelihood,
                "impact": cell.rating.impact,
                "rating": cell.rating.key,
                "colour": cell.rating.colour,
                "count": cell.count,
            }
            for _row, _label, cells in view.rows
            for cell in cells
        ],
        "outside_matrix": view.outside,
    }
