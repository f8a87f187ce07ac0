"""Cycles and scores: rows of the route table.

The root committee has a frozen cycle (evaluation_scores_cycle) with one score, branch_b's (evaluation_scores_b). The
score table and branch_b's score page are read within scope: secretary_b sees branch_b's score; branch_a's people,
members and outsiders get 404. Only the committee office creates and scores cycles.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

NO_VIEW = ("outsider", "member", "liaison", "organiser")
B_REFUSED = (*NO_VIEW, "secretary", "manager_a")
MANAGE_REFUSED = (*NO_VIEW, "secretary", "secretary_b", "auditor", "inspector")
CYCLE_NAME = "机关党委2002年度考评"
UNIT_B = "第二党支部"


def _cycle(world) -> dict:
    return {"pk": world.extra["evaluation_scores_cycle"].pk}


def world_extend(world) -> None:
    from qinglian.evaluation.models import Cycle, Score, WeightSet

    cycle = Cycle.objects.create(organisation=world.cast.tree.root, year=2002, name=CYCLE_NAME)
    weights = {"layers": {"work": 0.4, "results": 0.3, "perceptions": 0.3}, "indicators": {"perceptions.internal": 1}}
    ws = WeightSet.objects.create(cycle=cycle, kind="subjective", method="ahp", weights=weights)
    Cycle.objects.filter(pk=cycle.pk).update(weight_set=ws, status="frozen", layer_weights={**weights["layers"]})
    score = Score.objects.create(
        cycle=cycle, organisation=world.cast.tree.branch_b, total=None, peer_group="branch:3",
        layers={"missing": {"work": "no value"}}, detail={},
    )  # fmt: skip
    world.extra.update(evaluation_scores_cycle=cycle, evaluation_scores_b=score)


ROUTES = [
    Route("evaluation:cycle_list", refused=NO_VIEW, allowed="secretary_b", secret=lambda w: CYCLE_NAME),
    Route("evaluation:cycle_create", refused=MANAGE_REFUSED, allowed="office"),
    Route(
        "evaluation:cycle_detail",
        kwargs=_cycle,
        refused=(*NO_VIEW, "secretary", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: CYCLE_NAME,
    ),
    Route("evaluation:cycle_score", "post", kwargs=_cycle, refused=(*MANAGE_REFUSED, "manager_a"), allowed="office"),
    Route(
        "evaluation:score_detail",
        kwargs=lambda w: {"pk": w.extra["evaluation_scores_b"].pk},
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: CYCLE_NAME,
    ),
]
