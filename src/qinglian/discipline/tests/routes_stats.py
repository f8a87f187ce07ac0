"""The four-forms statistics: rows of the route table.

A closed clue about b1 王芳 of branch_b with a criticism this year: the inspector (discipline.stats on the root) counts
it under 第二党支部; nobody outside discipline inspection reaches the statistics or their exports (404).
"""

from __future__ import annotations

from qinglian.core.tests.web import Route
from qinglian.discipline.tests.routes import NO_DISCIPLINE

# Those who read branch_b's name in their own scope menu (the statistics' units are the tree's).
SCOPE_MENU = ("secretary_b", "office", "admin", "auditor", "liaison")


def world_extend(world) -> None:
    from django.utils import timezone

    from qinglian.discipline.tests.factories import clue_make
    from qinglian.discipline.tests.factories_sealed import outcome_at
    from qinglian.discipline.vocab import ClueStatus

    today = timezone.localdate()
    clue = clue_make(world.cast, status=ClueStatus.CLOSED, received_on=today.replace(day=1, month=1))
    world.extra["discipline_stats_outcome"] = outcome_at(world.cast, clue, "criticism", today)


ROUTES = [
    Route(
        "discipline:stats_table",
        refused=NO_DISCIPLINE,
        allowed="inspector",
        secret=lambda w: "第二党支部",
        knows=SCOPE_MENU,
    ),
    Route("discipline:stats_export", kwargs=lambda w: {"fmt": "xlsx"}, refused=NO_DISCIPLINE, allowed="inspector"),
]
