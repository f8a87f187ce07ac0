"""The panel page and its exports: rows of the route table.

No objects of its own (the panel reads the records of the other modules): members, outsiders and those without
evaluation.view get 404; branch_a's secretary reaches the page on their branch but gets 404 for branch_b's panel.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

NO_EVALUATION = ("outsider", "member", "liaison", "organiser", "propagandist", "discipline")
NOT_BRANCH_B = (*NO_EVALUATION, "secretary", "manager_a")


def world_extend(world) -> None:
    pass


def _branch_b(world) -> dict:
    return {"org": world.cast.tree.branch_b.pk, "freq": "year"}


def _fmt(fmt: str):
    return lambda world: {"fmt": fmt}


ROUTES = [
    Route("evaluation:panel", refused=NO_EVALUATION, allowed="secretary"),
    Route("evaluation:panel", data=_branch_b, refused=NOT_BRANCH_B, allowed="secretary_b"),
    Route("evaluation:panel_export", kwargs=_fmt("csv"), data=_branch_b, refused=NOT_BRANCH_B, allowed="secretary_b"),
    Route("evaluation:panel_export", kwargs=_fmt("xlsx"), data=_branch_b, refused=NO_EVALUATION, allowed="office"),
]
