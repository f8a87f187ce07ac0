"""Marking answers against a key: part marks for a correct subset, none for a wrong option, blanks in any order and
any case, full-width answers, and the refusals of keys that cannot be marked."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from qinglian.study.marking import key_check, mark
from qinglian.study.vocab import MultipleRule, QuestionType

pytestmark = pytest.mark.usefixtures("in_english")


def version(qtype, answer, **fields):
    base = dict(
        options=["a", "b", "c", "d"],
        multiple_rule=MultipleRule.PARTIAL,
        partial_fraction=Decimal("0.5"),
        fill_any_order=False,
        fill_ignore_case=True,
    )
    return SimpleNamespace(qtype=qtype, answer=answer, **{**base, **fields})


def test_multiple_choice_correct_subset_earns_half_by_default():
    v = version(QuestionType.MULTIPLE, ["A", "B", "D"])
    assert mark(v, ["A", "B", "D"]) == 1
    assert mark(v, ["D", "A"]) == Decimal("0.5")
    assert mark(v, ["A", "C"]) == 0  # a wrong option: nothing
    assert mark(v, []) == 0


def test_multiple_choice_all_or_nothing():
    v = version(QuestionType.MULTIPLE, ["A", "B"], multiple_rule=MultipleRule.ALL_OR_NOTHING)
    assert mark(v, ["A"]) == 0
    assert mark(v, ["B", "A"]) == 1


def test_single_choice_and_true_false():
    assert mark(version(QuestionType.SINGLE, ["C"]), ["C"]) == 1
    assert mark(version(QuestionType.SINGLE, ["C"]), ["B"]) == 0
    assert mark(version(QuestionType.JUDGE, [False], options=[]), [False]) == 1
    assert mark(version(QuestionType.JUDGE, [False], options=[]), [True]) == 0


def test_fill_in_any_order_and_case_and_full_width():
    v = version(QuestionType.FILL, [["CPC", "中国共产党"], ["党规", "党内法规"]], options=[], fill_any_order=True)
    assert mark(v, ["党内法规", "cpc"]) == 1
    assert mark(v, ["ＣＰＣ", "党规"]) == 1  # full-width letters count as their half-width forms
    assert mark(v, ["党规", "党规"]) == Decimal("0.5")  # one answer fills one blank only
    in_order = version(QuestionType.FILL, [["a"], ["b"]], options=[])
    assert mark(in_order, ["b", "a"]) == 0
    case = version(QuestionType.FILL, [["CPC"]], options=[], fill_ignore_case=False)
    assert mark(case, ["cpc"]) == 0


def test_short_answer_waits_for_a_person():
    assert mark(version(QuestionType.SHORT, ["参考"], options=[]), "我的回答") is None


@pytest.mark.parametrize(
    ("qtype", "options", "answer", "message"),
    [
        (QuestionType.SINGLE, ["a", "b", "c", "d"], [], "no correct option"),
        (QuestionType.MULTIPLE, ["a", "b", "c", "d"], ["A", "E"], "E is not among the options (A to D)"),
        (QuestionType.SINGLE, ["a", "b", "c", "d"], ["A", "B"], "exactly one correct option"),
        (QuestionType.SINGLE, ["a"], ["A"], "at least two options"),
        (QuestionType.FILL, [], [["党章"], []], "Each blank needs"),
        (QuestionType.JUDGE, [], ["yes"], "true or false"),
    ],
)
def test_keys_that_cannot_be_marked_are_refused(qtype, options, answer, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        key_check(qtype=qtype, options=options, answer=answer)


def test_choice_letters_in_lower_case_or_full_width_are_the_same_option():
    assert mark(version(QuestionType.SINGLE, ["B"]), ["ｂ"]) == 1
    assert mark(version(QuestionType.MULTIPLE, ["A", "B"]), ["a"]) == Decimal("0.5")
