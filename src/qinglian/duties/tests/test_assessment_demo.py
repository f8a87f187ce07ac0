"""The demo's assessment: last year's round finished with one unit struck by a veto, this year's under way."""

from __future__ import annotations

import random
from types import SimpleNamespace

from django.utils import timezone

from qinglian.duties import demo_assessment
from qinglian.duties.models import Round
from qinglian.duties.vocab import RoundStatus, UnitStatus


def test_the_demo_rounds(cast):
    today = timezone.localdate()
    ctx = SimpleNamespace(root=cast.tree.root, office=cast.office, today=today, rng=random.Random(2026))
    out = demo_assessment.load(ctx)
    assert out["assessment_rounds"] == 2 and out["assessment_units"] == 4  # the general branch and three branches
    last = Round.objects.get(year=today.year - 1)
    assert last.status == RoundStatus.FINISHED and last.finished_at.year == today.year - 1
    units = list(last.units.all())
    assert all(u.status == UnitStatus.FINISHED and u.grade for u in units)
    struck = [u for u in units if u.vetoed]
    assert len(struck) == 1 and struck[0].grade in ("合格", "不合格")
    current = Round.objects.get(year=today.year)
    assert current.status == RoundStatus.SELF
    assert {u.status for u in current.units.all()} == {UnitStatus.ASSESSED, UnitStatus.SUBMITTED, UnitStatus.SELF}
    assert demo_assessment.load(ctx) == {}  # once only
