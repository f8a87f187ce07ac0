"""The evaluation reports: rows of the route table.

The whole-organisation report of a root cycle is the committee's readers' (the office): branch_b's secretary, who
sees only their branch's score, gets 404 for it, as do branch_a's people, the liaison, members and outsiders.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route
from qinglian.evaluation.tests.routes_dashboards import NO_EVALUATION, NOT_BRANCH_B


def world_extend(world) -> None:
    """Uses the dashboards' cycle (routes_dashboards runs first)."""


ROUTES = [
    Route("evaluation:reports", refused=NO_EVALUATION, allowed="secretary"),
    Route(
        "evaluation:report_download",
        kwargs=lambda w: {"pk": w.extra["evaluation_dashboards_cycle"].pk, "fmt": "xlsx"},
        refused=(*NOT_BRANCH_B, "secretary_b"),
        allowed="office",
    ),
]
