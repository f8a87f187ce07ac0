"""Evaluation cycles and scores over the API: cycles (list, create, score), a cycle's scores within the caller's
scope, one unit's score with its detail. The same services and access rules as the pages."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status

from qinglian.core.models import Job
from qinglian.evaluation.models import Cycle, Score
from qinglian.evaluation.permissions import MANAGE, VIEW
from qinglian.evaluation.services import scoring
from qinglian.evaluation.views.scores import cycles_visible
from qinglian.orgs.access import get_visible_or_404, has_permission, scope_q
from qinglian.orgs.models import Organisation

router = Router(tags=["evaluation"])


class EvaluationCycleOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    year: int
    name: str
    status: str
    weight_set_id: int | None
    layer_weights: dict
    frozen_at: datetime | None
    scored_at: datetime | None

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.display_name


class CycleIn(Schema):
    organisation_id: int
    year: int
    name: str = ""


class EvaluationScoreOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    total: float | None
    layers: dict
    grade: str
    rank: int | None
    peers: int
    peer_group: str
    computed_at: datetime

    @staticmethod
    def resolve_organisation(obj) -> str:
        return obj.organisation.display_name


class ScoreDetailOut(EvaluationScoreOut):
    cycle_id: int
    detail: dict


class ScoredOut(Schema):
    units: int | None = None
    job_id: str | None = None


def _need(request, action: str) -> None:
    if not has_permission(request.user, action):
        raise Http404


@router.get("/cycles", response=list[EvaluationCycleOut], summary="Evaluation cycles within your scope")
def cycle_list(request):
    _need(request, VIEW)
    return list(cycles_visible(request.user).order_by("-year", "organisation__path")[:500])


@router.post("/cycles", response={201: EvaluationCycleOut}, summary="Open an evaluation cycle")
def cycle_create(request, payload: CycleIn):
    _need(request, MANAGE)
    org = get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=payload.organisation_id)
    try:
        cycle = scoring.cycle_create(organisation=org, year=payload.year, name=payload.name, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    return Status(201, cycle)


def _cycle(request, cycle_id: int) -> Cycle:
    _need(request, VIEW)
    cycle = cycles_visible(request.user).filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    return cycle


@router.get("/cycles/{cycle_id}", response=EvaluationCycleOut, summary="One cycle")
def cycle_detail(request, cycle_id: int):
    return _cycle(request, cycle_id)


@router.get(
    "/cycles/{cycle_id}/scores", response=list[EvaluationScoreOut], summary="A cycle's scores of units in your scope"
)
def score_list(request, cycle_id: int, peer_group: str = ""):
    cycle = _cycle(request, cycle_id)
    scores = (
        Score.objects.filter(cycle=cycle)
        .filter(scope_q(request.user, VIEW, model=Score))
        .select_related("organisation")
        .order_by("peer_group", "rank", "organisation__path")
    )
    if peer_group:
        scores = scores.filter(peer_group=peer_group)
    return list(scores)


@router.post("/cycles/{cycle_id}/score", response={200: ScoredOut, 202: ScoredOut}, summary="Score a frozen cycle")
def cycle_score(request, cycle_id: int):
    _need(request, MANAGE)
    cycle = get_visible_or_404(
        Cycle.objects.select_related("organisation", "weight_set"), request.user, MANAGE, pk=cycle_id
    )
    try:
        outcome = scoring.score_cycle_start(cycle, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    if isinstance(outcome, Job):
        return Status(202, {"job_id": str(outcome.pk)})
    return Status(200, {"units": outcome})


@router.get("/scores/{score_id}", response=ScoreDetailOut, summary="One unit's score with every indicator")
def score_detail(request, score_id: int):
    _need(request, VIEW)
    return get_visible_or_404(Score.objects.select_related("organisation"), request.user, VIEW, pk=score_id)
