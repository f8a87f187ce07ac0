"""Identification rounds over the API: the rounds the caller may see, one round with its progress by unit and
the comparison with the round before, what opening a round would copy, opening and closing a round.

A round is seen by whoever holds risks.view at a unit it covers; its progress and comparison are narrowed to the
units the caller may see. Opening and closing need risks.manage at the committee."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import can, can_at, get_visible_or_404
from qinglian.orgs.models import Organisation
from qinglian.risks.models import RiskRound
from qinglian.risks.services import rounds as services
from qinglian.risks.services.rounds import MANAGE, VIEW, ProgressRow

router = Router(tags=["risks"])


class RiskRoundOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    title: str
    status: str
    opened_on: date
    due_on: date | None
    closed_on: date | None
    previous_id: int | None
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class RoundOpenedOut(RiskRoundOut):
    copied: int = Field(0, description="how many points were copied from the round before")
    warnings: list[str] = Field(default_factory=list, description="what needs attention in the copies")

    @staticmethod
    def resolve_warnings(obj) -> list[str]:
        return getattr(obj, "copy_warnings", [])


class ProgressOut(Schema):
    organisation_id: int | None
    organisation_name: str
    posts: int
    posts_covered: int
    draft: int
    proposed: int
    reviewed: int
    approved: int
    returned: int
    withdrawn: int
    points: int
    completion: float | None = Field(None, description="approved ÷ points being worked on or approved")

    @staticmethod
    def resolve_organisation_id(obj) -> int | None:
        return obj.organisation.pk if obj.organisation else None

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name if obj.organisation else ""


class ProgressTableOut(Schema):
    units: list[ProgressOut]
    total: ProgressOut


class PointRefOut(Schema):
    id: int
    title: str
    organisation_id: int
    organisation_name: str
    post: str
    process: str
    level: int
    status: str

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_post(obj) -> str:
        return str(obj.post) if obj.post_id else ""


class FieldChangeOut(Schema):
    name: str
    label: str
    old: str
    new: str


class PointChangeOut(Schema):
    point: PointRefOut
    old: PointRefOut
    fields: list[FieldChangeOut]


class DiffOut(Schema):
    previous_id: int | None
    added: list[PointRefOut]
    changed: list[PointChangeOut]
    left_out: list[PointRefOut]
    unchanged: int

    @staticmethod
    def resolve_previous_id(obj) -> int | None:
        return obj.previous.pk if obj.previous else None


class CopyPlanOut(Schema):
    source_id: int | None
    source_title: str
    points: int
    measures: int
    warnings: list[str]


class RiskRoundIn(Schema):
    organisation_id: int
    year: int
    title: str
    due_on: date | None = None
    copy_register: bool = Field(True, description="copy the approved points of the round before (the default)")
    copy_from_id: int | None = Field(None, description="the round to copy; by default the latest closed round")


class RiskCloseIn(Schema):
    version: int


def _round(request, round_id: int) -> RiskRound:
    found = services.rounds_seen_by(request.user).select_related("organisation", "previous").filter(pk=round_id).first()
    if found is None:
        raise Http404
    return found


def _committee(request, organisation_id: int) -> Organisation:
    return get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=organisation_id)


@router.get("/rounds", response=list[RiskRoundOut], summary="Identification rounds covering the caller's units")
@paginate(IdPageNumberPagination)
def round_list(request, org_id: int | None = None, status: str = ""):
    """`org_id`: the rounds covering that unit or run within it; `status`: open or closed."""
    rounds = services.rounds_seen_by(request.user).select_related("organisation")
    if org_id:
        org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
        rounds = rounds.filter(services.near_q(org))
    if status:
        rounds = rounds.filter(status=status)
    return rounds.order_by("-year", "organisation__path", "pk")


@router.get("/rounds/copy-plan", response=CopyPlanOut, summary="What opening a committee's round would copy")
def round_copy_plan(request, organisation_id: int, year: int | None = None):
    committee = _committee(request, organisation_id)
    source = services.latest_closed_round(committee, before_year=year)
    plan = services.copy_plan(source)
    return {
        "source_id": source.pk if source else None,
        "source_title": source.title if source else "",
        "points": len(plan.points),
        "measures": plan.measures,
        "warnings": plan.warnings,
    }


@router.get("/rounds/{round_id}", response=RiskRoundOut, summary="One identification round")
def round_get(request, round_id: int):
    return _round(request, round_id)


@router.get("/rounds/{round_id}/progress", response=ProgressTableOut, summary="A round's progress by unit")
def round_progress(request, round_id: int):
    """Each unit's active posts, posts with a point, points by status and completion (the caller's units)."""
    risk_round = _round(request, round_id)
    rows, total = services.round_progress(risk_round)
    if not can(request.user, VIEW, risk_round):
        rows = [row for row in rows if can_at(request.user, VIEW, row.organisation.path)]
        total = ProgressRow(None)
        for row in rows:
            total.add(row)
    return {"units": rows, "total": total}


@router.get("/rounds/{round_id}/diff", response=DiffOut, summary="A round compared with the round before")
def round_diff(request, round_id: int):
    """Points added (not copied), copies changed (the fields that differ, old and new), the round before's
    approved points left out, and how many copies are unchanged -- in the caller's units."""
    risk_round = _round(request, round_id)
    user = request.user
    return services.round_diff(risk_round).only(lambda p: can(user, VIEW, p))


@router.post("/rounds", response={201: RoundOpenedOut}, summary="Open a committee's identification round")
def round_open(request, payload: RiskRoundIn):
    """Copies the approved points of the committee's latest closed round (or `copy_from_id`) as drafts unless
    `copy_register` is false; `warnings` lists the measures whose owner has left the register."""
    committee = _committee(request, payload.organisation_id)
    copy_from = None
    if payload.copy_from_id:
        copy_from = RiskRound.objects.filter(pk=payload.copy_from_id, organisation=committee).first()
        if copy_from is None:
            raise Http404
    opened = services.round_open(
        organisation=committee,
        year=payload.year,
        title=payload.title,
        due_on=payload.due_on,
        copy_from=copy_from,
        copy=payload.copy_register,
        actor=request.user,
    )
    return Status(201, opened)


@router.post("/rounds/{round_id}/close", response=RiskRoundOut, summary="Close a round (send its version)")
def round_close(request, round_id: int, payload: RiskCloseIn):
    """Refused (422, listing them) while points await review or approval; drafts and returned points are
    withdrawn. A stale `version` answers 409."""
    risk_round = _round(request, round_id)
    if not services.may_manage(request.user, risk_round):
        raise Http404
    return services.round_close(round=risk_round, actor=request.user, version=payload.version)
