"""The evaluation dashboard's data over the API: cycles, ranking, one unit's layers, its trend, the tree coloured by
score and the latest contribution findings — the same numbers as the page, within the caller's scope (404 for a
cycle or a unit outside it, and for everyone without evaluation.view)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from ninja import Router, Schema

from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import dashboards as services
from qinglian.orgs.access import has_permission

router = Router(tags=["evaluation"])


class DashboardCycleOut(Schema):
    id: int
    year: int
    name: str
    organisation_id: int
    status: str
    scored_at: datetime | None


class RankRowOut(Schema):
    org_id: int
    name: str
    total: float | None
    grade: str
    rank: int | None
    peers: int


class PeerGroupOut(Schema):
    code: str
    label: str


class RankingOut(Schema):
    peer_group: str
    peer_group_label: str
    groups: list[PeerGroupOut]
    rows: list[RankRowOut]


class LayerRowOut(Schema):
    key: str
    label: str
    value: float | None
    peer_mean: float | None
    on_radar: bool


class RadarOut(Schema):
    org_id: int
    name: str
    total: float | None
    grade: str
    rank: int | None
    peers: int
    peer_count: int
    rows: list[LayerRowOut]


class TrendRowOut(Schema):
    year: int
    cycle_id: int
    total: float | None
    grade: str
    rank: int | None
    peers: int
    work: float | None
    results: float | None
    perceptions: float | None
    incidents: float | None


class SeriesOut(Schema):
    key: str
    label: str


class TrendOut(Schema):
    org_id: int
    name: str
    series: list[SeriesOut]
    rows: list[TrendRowOut]


class TreeRowOut(Schema):
    org_id: int
    name: str
    depth: int
    total: float | None
    grade: str
    colour: str


class BandOut(Schema):
    low: float
    high: float | None
    label: str
    colour: str


class TreeOut(Schema):
    roots: list[dict]
    rows: list[TreeRowOut]
    bands: list[BandOut]


class EstimateOut(Schema):
    name: str
    coef: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    verdict: str = ""


class DashboardEventOut(Schema):
    e: int
    att: float | None
    ci_low: float | None
    ci_high: float | None


class FindingOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    organisation: str
    created_at: datetime
    evidence: str
    evidence_label: str
    n: int | None
    units: int | None
    periods: int | None
    verdict: str
    caveats: list[str]
    estimates: list[EstimateOut]
    events: list[DashboardEventOut]


def _cycle(request, cycle_id: int):
    if not has_permission(request.user, VIEW):
        raise Http404
    cycle = services.cycles_visible(request.user).filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    return cycle


def _unit(request, cycle, org_id: int | None):
    scores = services.scores_visible(request.user, cycle)
    unit = next((s for s in scores if s.organisation_id == org_id), None) if org_id else services.unit_default(scores)
    if unit is None:
        raise Http404
    return unit, scores


@router.get("/dashboards/cycles", response=list[DashboardCycleOut], summary="Evaluation cycles the caller may see")
def cycles(request):
    if not has_permission(request.user, VIEW):
        raise Http404
    return [
        {
            "id": c.pk,
            "year": c.year,
            "name": c.name,
            "organisation_id": c.organisation_id,
            "status": c.status,
            "scored_at": c.scored_at,
        }
        for c in services.cycles_visible(request.user).order_by("-year", "organisation__path")
    ]


@router.get("/dashboards/{cycle_id}/ranking", response=RankingOut, summary="Ranking among peers")
def ranking(request, cycle_id: int, peer_group: str | None = None):
    """The units of one peer group the caller may see, best first (default: the largest group)."""
    cycle = _cycle(request, cycle_id)
    return services.ranking(services.scores_visible(request.user, cycle), peer_group)


@router.get("/dashboards/{cycle_id}/radar", response=RadarOut, summary="One unit's layer scores")
def radar(request, cycle_id: int, org_id: int | None = None):
    """The unit's layers beside the mean of the other peers the caller may see (default: the caller's top unit)."""
    unit, scores = _unit(request, _cycle(request, cycle_id), org_id)
    return services.radar(unit, scores)


@router.get("/dashboards/{cycle_id}/trend", response=TrendOut, summary="One unit's scores over the years")
def trend(request, cycle_id: int, org_id: int | None = None):
    unit, _scores = _unit(request, _cycle(request, cycle_id), org_id)
    return services.trend(request.user, unit.organisation)


@router.get("/dashboards/{cycle_id}/tree", response=TreeOut, summary="The organisation tree coloured by score")
def tree(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    return services.tree(services.scores_visible(request.user, cycle), cycle)


@router.get("/dashboards/{cycle_id}/contribution", response=list[FindingOut], summary="Latest contribution findings")
def contribution(request, cycle_id: int):
    """The latest stored analysis of each kind, with estimates, intervals (95%) and caveats."""
    return services.contribution(request.user, _cycle(request, cycle_id))
