"""Levels from the criteria (the five-criteria rule), the risk matrix and the review cycle, read from the rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from qinglian.core.models import Rule
from qinglian.core.rules import rule_revise
from qinglian.risks.services import levels

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("criteria", "level"),
    [
        (["power", "discretion", "openness", "leverage", "incidence"], 1),
        (["power", "discretion", "openness"], 1),
        (["power", "incidence"], 2),
        (["leverage"], 3),
    ],
)
def test_the_five_criteria_rule_sets_the_level(criteria, level):
    assert levels.level_for(criteria) == level


def test_a_criterion_ticked_twice_counts_once():
    assert levels.level_for(["power", "power"]) == 3


def test_no_criterion_and_an_unknown_one_are_refused(in_english):
    with pytest.raises(ValidationError) as none:
        levels.level_for(None)
    assert "Tick at least one criterion" in none.value.message_dict["criteria"][0]
    with pytest.raises(ValidationError) as empty:
        levels.level_for([])
    assert "criteria" in empty.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        levels.level_for(["power", "bribery"])
    assert "“bribery”" in unknown.value.message_dict["criteria"][0]


def test_an_unknown_level_is_refused(in_english):
    assert levels.level_check("2") == 2
    for bad in (0, 4, "一级", None):
        with pytest.raises(ValidationError) as refused:
            levels.level_check(bad)
        assert "Unknown risk level" in refused.value.message_dict["level"][0]


def test_a_unit_that_tightens_the_rule_gets_its_own_thresholds(cast):
    rule = Rule.objects.get(key=levels.LEVEL_CRITERIA, org_path="")
    value = {**rule.value, "levels": [{"level": 1, "min_criteria": 2}, {"level": 2, "min_criteria": 1},
                                      {"level": 3, "min_criteria": 1}]}  # fmt: skip
    rule_revise(rule=rule, value=value, effective_from=date(2020, 1, 1), source="本单位规定", actor=None,
                reason="从严", org_path=cast.tree.branch_a.path)  # fmt: skip
    assert levels.level_for(["power", "discretion"], org_path=cast.tree.branch_a.path) == 1
    assert levels.level_for(["power", "discretion"], org_path=cast.tree.branch_b.path) == 2


def test_criteria_and_matrix_labels_follow_the_language():
    with translation.override("en"):
        assert dict(levels.criteria_choices())["discretion"] == "Has wide discretion"
        assert levels.matrix().likelihood[0] == (1, "Rare")
    with translation.override("zh-hans"):
        assert dict(levels.criteria_choices())["discretion"] == "自由裁量权较大"
        assert levels.matrix().impact[-1] == (5, "特别严重")


def test_the_matrix_rates_a_cell_with_its_colour(in_english):
    low = levels.rating(1, 1)
    assert (low.key, low.label, low.colour) == ("low", "Low", "#2e7d32")
    assert levels.rating(5, 5).key == "extreme"
    assert levels.rating(3, 3).key == "high"
    assert levels.rating(2, 5).key == "high"  # likelihood is the row, impact the column
    rows = levels.matrix().rows()
    assert [row for row, _label, _cells in rows] == [5, 4, 3, 2, 1]


def test_a_cell_off_the_matrix_is_refused(in_english):
    with pytest.raises(ValidationError) as refused:
        levels.rating(0, 6)
    assert "likelihood from 1 to 5" in refused.value.message_dict["likelihood"][0]
    assert "impact from 1 to 5" in refused.value.message_dict["impact"][0]
    with pytest.raises(ValidationError):
        levels.rating("x", 2)


def test_review_months_by_level():
    assert [levels.review_months(n) for n in (1, 2, 3)] == [6, 12, 12]
    with pytest.raises(ValidationError):
        levels.review_months(4)
