"""Study points: off by default, capped per kind and day, never paid twice for the same thing."""

from __future__ import annotations

from datetime import date

from qinglian.core.models import Rule
from qinglian.core.rules import rule_get, rule_revise
from qinglian.study.models import PointEntry
from qinglian.study.services.points import points_award, points_rule
from qinglian.study.vocab import PointsKind


def points_on(org, actor, rules=None):
    """Turn points on for `org`'s subtree (optionally with other points/caps)."""
    base = rule_get("study.points")
    value = {"enabled": True, "rules": {**base.value["rules"], **(rules or {})}}
    return rule_revise(
        rule=base, value=value, effective_from=date(2020, 1, 1), source="test", actor=actor, reason="test",
        org_path=org.path,
    )  # fmt: skip


def test_points_are_off_by_default(cast):
    a1 = cast.members["a1"]
    assert points_rule(a1.organisation.path)["enabled"] is False
    assert points_award(member=a1, kind=PointsKind.PRACTICE_CORRECT, ref="q1") is None
    assert not PointEntry.objects.exists()


def test_points_are_capped_per_day_and_paid_once(cast):
    a1 = cast.members["a1"]
    points_on(cast.tree.branch_a, cast.admin, {"exam_passed": {"points": 5, "daily_cap": 7}})
    day = date(2026, 11, 30)
    first = points_award(member=a1, kind=PointsKind.EXAM_PASSED, ref="exam:1", on=day)
    assert first.points == 5
    assert points_award(member=a1, kind=PointsKind.EXAM_PASSED, ref="exam:1", on=day) is None  # same thing
    second = points_award(member=a1, kind=PointsKind.EXAM_PASSED, ref="exam:2", on=day)
    assert second.points == 2  # the remainder up to the cap
    assert points_award(member=a1, kind=PointsKind.EXAM_PASSED, ref="exam:3", on=day) is None
    assert points_award(member=a1, kind=PointsKind.EXAM_PASSED, ref="exam:3", on=date(2026, 12, 1)).points == 5
    # Another unit's members are not affected.
    assert points_award(member=cast.members["b1"], kind=PointsKind.EXAM_PASSED, ref="exam:1", on=day) is None
    assert Rule.objects.filter(key="study.points", org_path=cast.tree.branch_a.path).exists()
