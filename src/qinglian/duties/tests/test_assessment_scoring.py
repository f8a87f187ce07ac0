"""The scoring of a score table's items and of a unit's result: exact Decimals, and the properties every rule keeps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qinglian.duties import scoring
from qinglian.duties.scoring import Item, ScoringError, item_score, unit_result
from qinglian.duties.vocab import RuleKind

GRADES = [
    {"grade": "优秀", "min": 90, "no_zero_item": True},
    {"grade": "良好", "min": 80},
    {"grade": "合格", "min": 60},
    {"grade": "不合格", "min": 0},
]
D = Decimal

points_st = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
count_st = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
per_st = st.decimals(min_value=D("0.01"), max_value=50, places=2, allow_nan=False, allow_infinity=False)


# --- each rule, by example ----------------------------------------------------------------------------------


def test_presence_is_all_or_nothing():
    assert item_score(RuleKind.PRESENCE, {}, 4, True) == D("4.00")
    assert item_score(RuleKind.PRESENCE, {}, 4, 1) == D("4.00")
    assert item_score(RuleKind.PRESENCE, {}, 4, 0) == D("0.00")
    assert item_score(RuleKind.PRESENCE, {}, 4, False) == D("0.00")


def test_count_gives_k_of_k_required_of_the_points():
    assert item_score(RuleKind.COUNT, {"target": 12}, 8, 12) == D("8.00")
    assert item_score(RuleKind.COUNT, {"target": 12}, 8, 9) == D("6.00")
    # 11 of 12 of 5 points is 4.58333…: rounded half up to the cent
    assert item_score(RuleKind.COUNT, {"target": 12}, 5, 11) == D("4.58")
    # more than the target does not make up elsewhere
    assert item_score(RuleKind.COUNT, {"target": 2}, 4, 5) == D("4.00")
    assert item_score(RuleKind.COUNT, {"target": 2}, 4, 1) == D("2.00")


def test_count_is_exact_where_floats_are_not():
    # 0.1 + 0.2 of a 0.3 target: floats give 0.30000000000000004 / 0.3 > 1
    assert item_score(RuleKind.COUNT, {"target": "0.3"}, 10, D("0.1") + D("0.2")) == D("10.00")
    assert item_score(RuleKind.COUNT, {"target": 3}, 1, 1) == D("0.33")
    assert item_score(RuleKind.COUNT, {"target": 3}, 1, 2) == D("0.67")


def test_deduction_per_occurrence_stops_at_the_floor():
    assert item_score(RuleKind.DEDUCTION, {"per": 1}, 3, 0) == D("3.00")
    assert item_score(RuleKind.DEDUCTION, {"per": 1}, 3, 2) == D("1.00")
    assert item_score(RuleKind.DEDUCTION, {"per": 1}, 3, 7) == D("0.00")
    assert item_score(RuleKind.DEDUCTION, {"per": 2, "floor": 1}, 6, 10) == D("1.00")


def test_discretionary_takes_off_at_most_its_range():
    assert item_score(RuleKind.DISCRETIONARY, {"max": 3}, 4, D("1.5")) == D("2.50")
    with pytest.raises(ScoringError):
        item_score(RuleKind.DISCRETIONARY, {"max": 3}, 4, 4)


def test_tier_maps_another_grade():
    tiers = {"A": 10, "B": 9, "C": 8, "D": 7}
    assert item_score(RuleKind.TIER, {"tiers": tiers}, 10, "B") == D("9.00")
    with pytest.raises(ScoringError):
        item_score(RuleKind.TIER, {"tiers": tiers}, 10, "E")


def test_bonus_is_capped_by_the_items_points():
    assert item_score(RuleKind.BONUS, {"per": 2}, 4, 1) == D("2.00")
    assert item_score(RuleKind.BONUS, {"per": 2}, 4, 5) == D("4.00")


def test_veto_scores_nothing():
    assert item_score(RuleKind.VETO, {"grade": "不合格"}, 0, 1) == D("0.00")
    assert scoring.vetoes(RuleKind.VETO, 1) and not scoring.vetoes(RuleKind.VETO, 0)


def test_bad_inputs_are_refused():
    for rule, params, value in [
        (RuleKind.COUNT, {"target": 2}, -1),
        (RuleKind.COUNT, {}, 1),
        (RuleKind.DEDUCTION, {"per": 1}, None),
        (RuleKind.BONUS, {"per": 1}, "x"),
        ("nonsense", {}, 1),
    ]:
        with pytest.raises(ScoringError):
            item_score(rule, params, 4, value)


# --- properties -----------------------------------------------------------------------------------------------


@given(points=points_st, k=count_st, target=st.integers(min_value=1, max_value=500))
def test_count_never_above_points_never_below_zero_and_grows_with_k(points, k, target):
    score = item_score(RuleKind.COUNT, {"target": target}, points, k)
    assert D(0) <= score <= points
    assert item_score(RuleKind.COUNT, {"target": target}, points, k + 1) >= score
    if k >= target:
        assert score == points


@given(points=points_st, n=count_st, per=per_st, floor=points_st)
def test_deduction_never_below_its_floor_or_zero_nor_above_points(points, n, per, floor):
    score = item_score(RuleKind.DEDUCTION, {"per": per, "floor": floor}, points, n)
    assert max(D(0), min(floor, points)) <= score <= points


@given(points=points_st, n=count_st, per=per_st)
def test_bonus_never_above_its_cap(points, n, per):
    assert D(0) <= item_score(RuleKind.BONUS, {"per": per}, points, n) <= points


@given(
    rule=st.sampled_from([RuleKind.PRESENCE, RuleKind.COUNT, RuleKind.DEDUCTION, RuleKind.BONUS, RuleKind.VETO]),
    points=points_st,
    value=count_st,
)
def test_every_rule_scores_within_the_items_points(rule, points, value):
    params = {"target": 7, "per": 1}
    score = item_score(rule, params, points, value)
    assert D(0) <= score <= points
    assert score == score.quantize(D("0.01"))


@given(
    bonuses=st.lists(st.tuples(points_st, count_st, per_st), min_size=1, max_size=6),
    cap=points_st,
)
def test_bonus_of_a_section_is_capped_together(bonuses, cap):
    items = [Item(("b", i), RuleKind.BONUS, p, {"per": per}, "S") for i, (p, _n, per) in enumerate(bonuses)]
    scores = {
        item.key: item_score(item.rule, item.params, item.points, n) for item, (_p, n, _per) in zip(items, bonuses)
    }
    result = unit_result(items, scores, GRADES, bonus_caps={"S": cap})
    assert result.bonus <= cap
    assert result.total == result.bonus


def _base_items(scores: list[Decimal]) -> tuple[list[Item], dict]:
    items = [Item(i, RuleKind.PRESENCE if i % 2 else RuleKind.COUNT, D(10), {"target": 5}) for i in range(len(scores))]
    return items, dict(enumerate(scores))


@given(scores=st.lists(st.decimals(min_value=0, max_value=10, places=2), min_size=10, max_size=10))
def test_total_is_the_exact_sum_and_the_grade_follows_the_thresholds(scores):
    items, values = _base_items(scores)
    result = unit_result(items, values, GRADES)
    assert result.total == sum(scores, D(0))
    assert result.base == D(100)
    expected = next(
        g["grade"]
        for g in GRADES
        if result.total >= g["min"] and not (g.get("no_zero_item") and any(s == 0 for s in scores))
    )
    assert result.grade == expected


@given(
    scores=st.lists(st.decimals(min_value=0, max_value=10, places=2), min_size=10, max_size=10),
    ceiling=st.sampled_from(["优秀", "良好", "合格", "不合格", "no such grade"]),
)
def test_a_veto_caps_the_grade(scores, ceiling):
    items, values = _base_items(scores)
    veto = Item("veto", RuleKind.VETO, D(0), {"grade": ceiling})
    free = unit_result(items, values, GRADES)
    struck = unit_result([*items, veto], {**values, "veto": 1}, GRADES)
    names = [g["grade"] for g in GRADES]
    limit = names.index(ceiling) if ceiling in names else len(names) - 1
    assert struck.vetoed and struck.veto_items == ("veto",)
    assert struck.total == free.total  # a veto changes the grade, not the score
    assert names.index(struck.grade) >= max(limit, names.index(free.grade))
    assert not unit_result([*items, veto], {**values, "veto": 0}, GRADES).vetoed


def test_excellent_needs_no_zero_item():
    items = [Item(i, RuleKind.PRESENCE, D(10), {}) for i in range(10)]
    all_done = unit_result(items, dict.fromkeys(range(10), D(10)), GRADES)
    assert (all_done.total, all_done.grade) == (D(100), "优秀")
    items.append(Item("x", RuleKind.PRESENCE, D(5), {}))
    one_zero = unit_result(items, {**dict.fromkeys(range(10), D(10)), "x": 0}, GRADES)
    assert one_zero.total == D(100) and one_zero.grade == "良好" and one_zero.zero_items == ("x",)


def test_missing_scores_count_as_zero_and_a_bonus_lifts_the_total():
    items = [Item("a", RuleKind.COUNT, D(60), {"target": 1}), Item("b", RuleKind.PRESENCE, D(40), {})]
    bonus = Item("c", RuleKind.BONUS, D(5), {"per": 1}, "S2")
    result = unit_result([*items, bonus], {"a": D(60), "b": None, "c": D(5)}, GRADES, bonus_caps={"S2": 3})
    assert result.total == D(63) and result.bonus == D(3) and result.grade == "合格"


def test_score_allowed_by_hand():
    assert scoring.score_allowed(RuleKind.PRESENCE, {}, 4, 4)
    assert not scoring.score_allowed(RuleKind.PRESENCE, {}, 4, 2)
    assert not scoring.score_allowed(RuleKind.COUNT, {"target": 2}, 4, D("4.01"))
    assert not scoring.score_allowed(RuleKind.COUNT, {"target": 2}, 4, -1)
    assert not scoring.score_allowed(RuleKind.COUNT, {"target": 2}, 4, D("1.005"))
    assert scoring.score_allowed(RuleKind.TIER, {"tiers": {"A": 3, "B": 2.5}}, 3, D("2.5"))
    assert not scoring.score_allowed(RuleKind.TIER, {"tiers": {"A": 3, "B": 2.5}}, 3, 2)
    assert scoring.score_allowed(RuleKind.DEDUCTION, {"per": 1, "floor": 1}, 3, 1)
    assert not scoring.score_allowed(RuleKind.DEDUCTION, {"per": 1, "floor": 1}, 3, D("0.5"))
