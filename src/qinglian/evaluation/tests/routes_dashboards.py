"""The evaluation dashboard: rows of the route table.

A cycle on the root in which only branch_b is scored: its secretary and the committee's readers open it; branch_a's
people, the liaison, members and outsiders get 404 (evaluation.view nowhere, or no score of theirs in it).
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

NO_EVALUATION = ("outsider", "member", "liaison", "organiser", "propagandist", "discipline")
NOT_BRANCH_B = (*NO_EVALUATION, "secretary", "manager_a")


def world_extend(world) -> None:
    from qinglian.evaluation.tests.factories_dashboards import cycle_make, score_make

    cycle = cycle_make(world.cast.tree.root, 2019, name="第二党支部考评周期样例")
    world.extra["evaluation_dashboards_cycle"] = cycle
    world.extra["evaluation_dashboards_score"] = score_make(cycle, world.cast.tree.branch_b, 88.0, rank=1, peers=1)


ROUTES = [
    Route("evaluation:dashboard", refused=NO_EVALUATION, allowed="secretary"),
    Route(
        "evaluation:dashboard_cycle",
        kwargs=lambda w: {"pk": w.extra["evaluation_dashboards_cycle"].pk},
        refused=NOT_BRANCH_B,
        allowed="secretary_b",
        secret=lambda w: "第二党支部考评周期样例",
    ),
]
