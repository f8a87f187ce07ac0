"""The responsibility dashboard: rows of the route table.

branch_b has a task of its plan (dash_task_b) named in its table: only those who may see duties in
branch_b read it; branch_a's people get 404 when they ask for branch_b.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a", "member")


def _org_b(world) -> dict:
    return {"org": world.cast.tree.branch_b.pk}


def world_extend(world) -> None:
    from qinglian.duties.tests.factories import dash_plan, dash_task

    plan = dash_plan(world.cast.tree.branch_b, title="第二支部年度计划")
    world.extra["dash_task_b"] = dash_task(plan, world.cast.tree.branch_b, title="第二支部的任务")


ROUTES = [
    Route(
        "duties:dashboard",
        data=_org_b,
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二党支部",
    ),
    Route("duties:dashboard_export", data=_org_b, refused=B_REFUSED, allowed="secretary_b"),
]
