"""Fuzzy comprehensive evaluation and grey relational analysis (§5 E8)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglian.evaluation.methods import MethodError, fuzzy_evaluate, grey_relational_grades

# Messages are asserted in English (the site default is Chinese).
pytestmark = pytest.mark.usefixtures("in_english")

A = [0.4, 0.35, 0.25]
R = [
    [0.2, 0.5, 0.2, 0.1, 0.0],
    [0.1, 0.3, 0.4, 0.1, 0.1],
    [0.0, 0.2, 0.3, 0.3, 0.2],
]
SCORES = [95, 85, 75, 65, 55]


def test_weighted_average_is_a_dot_r_with_score_and_grade():
    res = fuzzy_evaluate(A, R, grade_scores=SCORES)
    expected = np.array(A) @ np.array(R)
    assert res.membership == pytest.approx(tuple(expected))
    assert res.score == pytest.approx(float(expected @ SCORES))
    assert res.grade == int(np.argmax(expected)) == 1
    assert fuzzy_evaluate(A, R).score is None


def test_other_operators_by_hand():
    a, r = np.array(A), np.array(R)
    zadeh = np.minimum(a[:, None], r).max(axis=0)
    assert fuzzy_evaluate(A, R, operator="zadeh").membership == pytest.approx(tuple(zadeh / zadeh.sum()))
    pm = (a[:, None] * r).max(axis=0)
    assert fuzzy_evaluate(A, R, operator="product_max").membership == pytest.approx(tuple(pm / pm.sum()))
    bs = np.minimum(1, np.minimum(a[:, None], r).sum(axis=0))
    res = fuzzy_evaluate(A, R, operator="bounded_sum", grade_scores=SCORES)
    assert res.membership == pytest.approx(tuple(bs / bs.sum()))
    assert sum(res.membership) == pytest.approx(1.0)
    assert res.score == pytest.approx(float(bs / bs.sum() @ SCORES))


def test_ties_go_to_the_first_grade_and_multi_level_stacks():
    assert fuzzy_evaluate([1.0], [[0.5, 0.5]]).grade == 0
    b1 = fuzzy_evaluate([0.5, 0.5], R[:2]).membership
    b2 = fuzzy_evaluate([1.0], R[2:]).membership
    top = fuzzy_evaluate([0.6, 0.4], [b1, b2])
    assert sum(top.membership) == pytest.approx(1.0)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), n=st.integers(1, 8), p=st.integers(2, 7))
def test_weighted_average_equals_a_times_r(data, n, p):
    raw = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=n, max_size=n)))
    a = raw / raw.sum()
    r = np.array(data.draw(st.lists(st.lists(st.floats(0, 1), min_size=p, max_size=p), min_size=n, max_size=n)))
    if not (a @ r).sum() > 0:
        with pytest.raises(MethodError):
            fuzzy_evaluate(a, r)
        return
    assert fuzzy_evaluate(a, r).membership == pytest.approx(tuple(a @ r), abs=1e-12)


def test_fuzzy_refuses_bad_input():
    with pytest.raises(MethodError, match=r"Weights sum to 0\.9"):
        fuzzy_evaluate([0.4, 0.3, 0.2], R)
    with pytest.raises(MethodError, match="Weights has 2 value"):
        fuzzy_evaluate([0.5, 0.5], R)
    with pytest.raises(MethodError, match=r"row 2, column 3: 1\.2 is outside 0–1"):
        fuzzy_evaluate([0.5, 0.5], [[0.1, 0.2, 0.7], [0, 0, 1.2]])
    with pytest.raises(MethodError, match="Grade scores has 2 value"):
        fuzzy_evaluate(A, R, grade_scores=[1, 2])
    with pytest.raises(MethodError, match='Operator "max_min" is not known'):
        fuzzy_evaluate(A, R, operator="max_min")
    with pytest.raises(MethodError, match="Every composed membership is 0"):
        fuzzy_evaluate([0.5, 0.5], [[0, 0], [0, 0]])


# Grey relational analysis, §5 E8: GDP against the three industries, 2000–2005.

E8 = np.array([
    (1988, 386, 839, 763),
    (2061, 408, 846, 808),
    (2335, 422, 960, 953),
    (2750, 482, 1258, 1010),
    (3356, 511, 1577, 1268),
    (3806, 561, 1893, 1352),
])  # fmt: skip


def test_e8_mean_normalisation_grades():
    res = grey_relational_grades(E8[:, 0], E8[:, 1:].T)
    first_year = [round(seq[0], 4) for seq in res.normalized]
    assert first_year == [0.7320, 0.8361, 0.6828, 0.7439]
    assert round(res.delta_min, 4) == 0.0006 and round(res.delta_max, 4) == 0.1862
    assert [round(g, 4) for g in res.grades] == [0.5084, 0.6243, 0.7573]
    assert len(res.coefficients) == 3 and len(res.coefficients[0]) == 6
    assert all(0 < c <= 1 for row in res.coefficients for c in row)


def test_grey_variants_and_edge_cases():
    ref, comp = E8[:, 0], E8[:, 1:].T
    for how in ("initial", "minmax"):
        res = grey_relational_grades(ref, comp, normalization=how)
        assert all(0 < g <= 1 for g in res.grades)
    weighted = grey_relational_grades(ref, comp, weights=[1 / 6] * 6)
    assert weighted.grades == pytest.approx(grey_relational_grades(ref, comp).grades)
    same = grey_relational_grades([1, 2, 3], [[2, 4, 6], [3, 6, 9]])
    assert same.grades == (1.0, 1.0)
    # A larger rho compresses the grades towards 1.
    assert min(grey_relational_grades(ref, comp, rho=0.9).grades) > min(grey_relational_grades(ref, comp).grades)


def test_grey_refuses_bad_input():
    with pytest.raises(MethodError, match="comparison sequence 2: its mean is 0"):
        grey_relational_grades([1, 2], [[1, 2], [-1, 1]])
    with pytest.raises(MethodError, match="the reference sequence: its first value is 0"):
        grey_relational_grades([0, 2], [[1, 2]], normalization="initial")
    with pytest.raises(MethodError, match="comparison sequence 1: it is constant"):
        grey_relational_grades([1, 2], [[3, 3]], normalization="minmax")
    with pytest.raises(MethodError, match="3 values but the reference has 2"):
        grey_relational_grades([1, 2], [[1, 2, 3]])
    with pytest.raises(MethodError, match="rho is 0"):
        grey_relational_grades([1, 2], [[1, 2]], rho=0)
