"""Indicators of the integrity-risk register, registered for evaluation (which reads modules only through them).

Signature of every indicator here (as rectification's):

    fn(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]

For many units at once, keyed by organisation id; each unit's value covers the unit and every unit below it.
The register measured is the one in force at the end of `year` (the approved points of each committee's
latest round of that year or before, closed by `on`, default today), in the state it is in now. None means
there is nothing to measure. Access control is the caller's.

- risks.reviews_on_time_rate: of the points in force, the share whose periodic review is not overdue on the
  last day measured (`on`, or the end of `year` when earlier);
- risks.posts_covered_rate: of the active posts, the share with a point in force;
- risks.measures_owned_rate: of the measures of the points in force, the share whose owner is on the register;
- risks.level1_points: how many level-1 points are in force (None where no point is in force at all).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.orgs.models import STEP, Organisation, subtree_q, topmost
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import Post, RiskMeasure, RiskPoint
from qinglian.risks.services.rounds import rounds_in_force
from qinglian.risks.vocab import PointStatus


@dataclass
class _Unit:
    """What one unit's subtree holds of the register in force."""

    points: list[tuple[int, date | None]] = field(default_factory=list)  # (level, next review)
    posts: set[int] = field(default_factory=set)
    covered: set[int] = field(default_factory=set)
    measures: int = 0
    owned: int = 0


def _gather(orgs: list[Organisation], year: int, on: date) -> dict[int, _Unit]:
    """Each asked unit's share of the register in force, read in three queries for all of them."""
    found: dict[int, _Unit] = defaultdict(_Unit)
    if not orgs:
        return found
    wanted = {org.path: org.pk for org in orgs}
    within = reduce(or_, (subtree_q(top.path, "organisation__") for top in topmost(orgs)))

    def units(path: str):
        for end in range(STEP, len(path) + 1, STEP):
            pk = wanted.get(path[:end])
            if pk is not None:
                yield found[pk]

    points = RiskPoint.objects.filter(
        within, round__in=[r.pk for r in rounds_in_force(year=year, on=on)], status=PointStatus.APPROVED
    )
    for path, level, next_review, post_id in points.values_list(
        "organisation__path", "level", "next_review_on", "post_id"
    ):
        for unit in units(path):
            unit.points.append((level, next_review))
            if post_id:
                unit.covered.add(post_id)
    for path, post_id in Post.objects.active().filter(within).values_list("organisation__path", "pk"):
        for unit in units(path):
            unit.posts.add(post_id)
    measures = RiskMeasure.objects.filter(point__in=points.values("pk")).values_list(
        "point__organisation__path", "owner__status"
    )
    for path, owner_status in measures:
        for unit in units(path):
            unit.measures += 1
            unit.owned += owner_status in ON_REGISTER
    return found


def _reviews_on_time(unit: _Unit, day: date) -> float | None:
    if not unit.points:
        return None
    return sum(1 for _level, due in unit.points if due is None or due >= day) / len(unit.points)


def _posts_covered(unit: _Unit, day: date) -> float | None:
    return len(unit.posts & unit.covered) / len(unit.posts) if unit.posts else None


def _measures_owned(unit: _Unit, day: date) -> float | None:
    return unit.owned / unit.measures if unit.measures else None


def _level1(unit: _Unit, day: date) -> float | None:
    return float(sum(1 for level, _due in unit.points if level == 1)) if unit.points else None


def _indicator(measure, doc: str):
    def indicator(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
        orgs = list(orgs)
        on = on or timezone.localdate()
        day = min(on, date(year, 12, 31))
        gathered = _gather(orgs, year, on)
        return {org.pk: measure(gathered.get(org.pk, _Unit()), day) for org in orgs}

    indicator.__doc__ = doc
    return indicator


reviews_on_time_rate = _indicator(_reviews_on_time, "Share of the points in force whose review is not overdue.")
posts_covered_rate = _indicator(_posts_covered, "Share of the active posts with a point in force.")
measures_owned_rate = _indicator(_measures_owned, "Share of the measures in force whose owner is on the register.")
level1_points = _indicator(_level1, "How many level-1 points are in force.")


def register() -> None:
    registry.add_indicator("risks.reviews_on_time_rate", reviews_on_time_rate)
    registry.add_indicator("risks.posts_covered_rate", posts_covered_rate)
    registry.add_indicator("risks.measures_owned_rate", measures_owned_rate)
    registry.add_indicator("risks.level1_points", level1_points)
