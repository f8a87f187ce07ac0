"""Identification rounds: rows of the route table.

Rounds are run by the root committee, so every round sits at the root: branch_b's secretary (secretary_b) sees
them (they cover branch_b) with branch_b's points only; users without risks.view get 404; only the committee's
managers (office) open and close rounds -- not branch_b's or branch_a's people, nor manager_a, who manages
branch_a's subtree but no committee. This year's round holds a point proposed at branch_b; an earlier round left
open without points is the one closed (closing this year's could be refused by other areas' points awaiting
decisions).
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

SECRET = "第二支部本轮提出的风险点"
NO_VIEW = ("outsider", "member", "propagandist", "organiser", "admin")
NOT_COMMITTEE_MANAGERS = (
    "outsider", "member", "secretary", "secretary_b", "manager_a", "liaison", "auditor", "inspector", "discipline",
)  # fmt: skip


def rounds_at_root(world):
    """Last year's closed round and this year's open round of the root committee (those already made by another
    area's world are used)."""
    from qinglian.risks.models import RiskRound
    from qinglian.risks.tests.factories_rounds import round_make, this_year

    root = world.cast.tree.root
    closed = RiskRound.objects.filter(organisation=root, year=this_year() - 1).first()
    current = RiskRound.objects.filter(organisation=root, year=this_year()).first()
    return closed or round_make(root, year=this_year() - 1, closed=True), current or round_make(root)


def world_extend(world) -> None:
    from qinglian.risks.tests.factories_rounds import point_make, round_make, this_year

    _closed, current = rounds_at_root(world)
    point_make(current, org=world.cast.tree.branch_b, title=SECRET, status="proposed")
    left_open = round_make(world.cast.tree.root, year=this_year() - 2, title="往年遗留未关闭的排查")
    world.extra.update(risks_rounds_current=current, risks_rounds_left_open=left_open)


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


ROUTES = [
    Route(
        "risks:round_list",
        refused=NO_VIEW,
        allowed="secretary_b",
        secret=lambda w: w.extra["risks_rounds_current"].title,
    ),
    Route("risks:round_create", refused=(*NO_VIEW, *NOT_COMMITTEE_MANAGERS), allowed="office"),
    Route(
        "risks:round_detail",
        kwargs=_pk("risks_rounds_current"),
        refused=NO_VIEW,
        allowed="secretary_b",
        secret=lambda w: SECRET,
    ),
    Route(
        "risks:round_close",
        "post",
        kwargs=_pk("risks_rounds_left_open"),
        data=lambda w: {"version": w.extra["risks_rounds_left_open"].version},
        refused=(*NO_VIEW, *NOT_COMMITTEE_MANAGERS),
        allowed="office",
    ),
]
