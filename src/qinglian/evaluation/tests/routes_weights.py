"""A cycle's weights: rows of the route table.

branch_b has a cycle (evaluation_weights_cycle) with one weight set. Its readers see the weights page (secretary_b
reads; branch_a's people, manager_a and users without a role get 404); experts (the inspector, the committee office)
judge; only the committee office computes and freezes.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

READ_REFUSED = ("outsider", "member", "secretary", "organiser", "liaison", "manager_a")
JUDGE_REFUSED = (*READ_REFUSED, "secretary_b", "auditor")
MANAGE_REFUSED = (*JUDGE_REFUSED, "inspector")
CYCLE_NAME = "第二支部2001年度党风廉政建设考评"


def _cycle(world) -> dict:
    return {"pk": world.extra["evaluation_weights_cycle"].pk}


def _judge(world) -> dict:
    return {**_cycle(world), "node": "layers"}


def _freeze(world) -> dict:
    cycle = world.extra["evaluation_weights_cycle"]
    cycle.refresh_from_db()
    return {"weight_set": world.extra["evaluation_weights_set"].pk, "version": cycle.version}


def world_extend(world) -> None:
    from qinglian.evaluation.models import Cycle, WeightSet

    cycle = Cycle.objects.create(organisation=world.cast.tree.branch_b, year=2001, name=CYCLE_NAME)
    weights = {"layers": {"work": 0.4, "results": 0.3, "perceptions": 0.3}, "indicators": {}}
    weight_set = WeightSet.objects.create(cycle=cycle, kind="objective", method="entropy", weights=weights)
    world.extra.update(evaluation_weights_cycle=cycle, evaluation_weights_set=weight_set)


ROUTES = [
    Route(
        "evaluation:weights", kwargs=_cycle, refused=READ_REFUSED, allowed="secretary_b", secret=lambda w: CYCLE_NAME
    ),
    Route(
        "evaluation:weights_judge",
        kwargs=_judge,
        refused=JUDGE_REFUSED,
        allowed="inspector",
        secret=lambda w: CYCLE_NAME,
    ),
    Route(
        "evaluation:weights_check",
        "post",
        kwargs=_judge,
        data=lambda w: {"a_0_1": "3", "a_0_2": "5", "a_1_2": "2"},
        refused=JUDGE_REFUSED,
        allowed="inspector",
    ),
    Route(
        "evaluation:weights_compute",
        "post",
        kwargs=_cycle,
        data=lambda w: {"kind": "subjective"},
        refused=MANAGE_REFUSED,
        allowed="office",
    ),
    Route("evaluation:weights_freeze", "post", kwargs=_cycle, data=_freeze, refused=MANAGE_REFUSED, allowed="office"),
]
