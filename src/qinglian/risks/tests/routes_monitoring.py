"""Monitoring: rows of the route table.

The register in force (last year's closed round of the root committee) holds a point at branch_b whose review is
overdue: secretary_b sees it among the warnings; users without risks.view get 404 on both pages.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

SECRET = "第二支部复查逾期的风险点"
NO_VIEW = ("outsider", "member", "propagandist", "organiser", "admin")


def world_extend(world) -> None:
    from qinglian.risks.tests.factories_rounds import day, point_make
    from qinglian.risks.tests.routes_rounds import rounds_at_root

    closed, _current = rounds_at_root(world)
    point = point_make(closed, org=world.cast.tree.branch_b, title=SECRET, next_review_on=day(-10), level=1)
    world.extra.update(risks_monitoring_overdue=point)


ROUTES = [
    Route("risks:warnings", refused=NO_VIEW, allowed="secretary_b", secret=lambda w: SECRET),
    Route("risks:heat_map", refused=NO_VIEW, allowed="secretary_b"),
]
