"""A cycle's weights over the API: the nodes to judge with the judgments saved, saving one's judgments, checking
judgments before saving, computing weight sets and freezing one. The same services and access rules as the pages."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from qinglian.evaluation.models import Cycle, Judgment, WeightSet
from qinglian.evaluation.permissions import JUDGE, MANAGE, VIEW
from qinglian.evaluation.services import weights as services
from qinglian.orgs.access import get_visible_or_404

router = Router(tags=["evaluation"])


class WeightItemOut(Schema):
    code: str
    name: str


class JudgmentOut(Schema):
    id: int
    expert: str
    node: str
    items: list[str]
    matrix: list[list[float]]
    cr: float | None
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_expert(obj) -> str:
        return obj.expert.get_username()


class NodeOut(Schema):
    code: str
    name: str
    layer: str
    items: list[WeightItemOut]
    judgments: list[JudgmentOut]


class JudgmentIn(Schema):
    node: str = ""
    values: list[float | str] | None = None  # the upper triangle, pair by pair: a12, a13, …, a23, …
    matrix: list[list[float | str]] | None = None
    version: int | None = None


class WeightCheckIn(Schema):
    node: str = ""
    values: list[float | str]


class WorstOut(Schema):
    i: int
    j: int
    a: str
    b: str
    judged: float
    implied: float
    suggested: str


class WeightCheckOut(Schema):
    cr: float
    acceptable: bool
    cr_limit: float
    weights: dict[str, float]
    worst: WorstOut | None


class WeightSetOut(Schema):
    id: int
    kind: str
    method: str
    params: dict
    inputs: dict
    weights: dict
    consistency: dict
    created_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.get_username() if obj.created_by else None


class ComputeIn(Schema):
    kind: str  # subjective | objective | combined
    method: str | None = None
    alpha: float | None = None
    subjective_id: int | None = None
    objective_id: int | None = None


class FreezeIn(Schema):
    weight_set_id: int
    version: int


class CycleWeightsOut(Schema):
    id: int
    status: str
    version: int
    weight_set_id: int | None
    layer_weights: dict
    frozen_at: datetime | None


def _cycle(request, cycle_id: int, action: str) -> Cycle:
    return get_visible_or_404(Cycle.objects.select_related("organisation"), request.user, action, pk=cycle_id)


def _node(cycle: Cycle, code: str):
    node = services.weight_tree(cycle).node(code)
    if node is None:
        raise ValidationError({"node": _("“{node}” is not a node of this cycle's tree to judge.").format(node=code)})
    return node


@router.get("/cycles/{cycle_id}/weights/nodes", response=list[NodeOut], summary="The nodes to judge and the judgments")
def node_list(request, cycle_id: int):
    cycle = _cycle(request, cycle_id, VIEW)
    judgments = list(Judgment.objects.filter(cycle=cycle).select_related("expert").order_by("expert__username"))
    return [
        {"code": n.code, "name": n.name, "layer": n.layer, "items": [{"code": i.code, "name": i.name} for i in n.items],
         "judgments": [j for j in judgments if j.node == n.code]}
        for n in services.weight_tree(cycle).nodes
    ]  # fmt: skip


@router.post("/cycles/{cycle_id}/weights/judgments", response=JudgmentOut, summary="Save your judgments of a node")
def judgment_save(request, cycle_id: int, payload: JudgmentIn):
    cycle = _cycle(request, cycle_id, JUDGE)
    return services.judgment_save(
        cycle=cycle,
        expert=request.user,
        node=payload.node,
        values=payload.values,
        matrix=payload.matrix,
        version=payload.version,
        actor=request.user,
    )


@router.post("/cycles/{cycle_id}/weights/check", response=WeightCheckOut, summary="Check judgments before saving them")
def judgment_check(request, cycle_id: int, payload: WeightCheckIn):
    cycle = _cycle(request, cycle_id, JUDGE)
    node = _node(cycle, payload.node)
    return services.judgment_check(node.items, payload.values, settings=services.ahp_settings(cycle))


@router.get("/cycles/{cycle_id}/weights/sets", response=list[WeightSetOut], summary="The cycle's weight sets")
def set_list(request, cycle_id: int):
    cycle = _cycle(request, cycle_id, VIEW)
    return list(WeightSet.objects.filter(cycle=cycle).select_related("created_by"))


@router.post("/cycles/{cycle_id}/weights/sets", response={201: WeightSetOut}, summary="Compute a weight set")
def set_compute(request, cycle_id: int, payload: ComputeIn):
    cycle = _cycle(request, cycle_id, MANAGE)
    if payload.kind == "subjective":
        ws = services.subjective_weights(cycle, actor=request.user)
    elif payload.kind == "objective":
        ws = services.objective_weights(cycle, method=payload.method or "entropy", actor=request.user)
    elif payload.kind == "combined":
        sets = WeightSet.objects.filter(cycle=cycle)
        subjective = sets.filter(pk=payload.subjective_id).first()
        objective = sets.filter(pk=payload.objective_id).first()
        if subjective is None or objective is None:
            raise ValidationError(
                {"subjective_id": _("Give a set of expert weights and a set of weights from the data of this cycle.")}
            )
        alpha = 0.5 if payload.alpha is None else payload.alpha
        ws = services.combined_weights(
            cycle, subjective, objective, method=payload.method or "linear", alpha=alpha, actor=request.user
        )
    else:
        raise ValidationError({"kind": _("Choose subjective, objective or combined.")})
    return Status(201, ws)


@router.post("/cycles/{cycle_id}/weights/freeze", response=CycleWeightsOut, summary="Freeze a weight set")
def set_freeze(request, cycle_id: int, payload: FreezeIn):
    cycle = _cycle(request, cycle_id, MANAGE)
    weight_set = WeightSet.objects.filter(cycle=cycle, pk=payload.weight_set_id).first()
    if weight_set is None:
        raise ValidationError({"weight_set_id": _("No such weight set in this cycle.")})
    return services.freeze(cycle, weight_set, version=payload.version, actor=request.user)
