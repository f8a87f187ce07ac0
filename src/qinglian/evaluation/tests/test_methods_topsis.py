"""TOPSIS: Opricovic & Tzeng data (§5 E4) under both normalisations, absolute anchors, properties, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qinglian.evaluation.methods import MethodError, topsis

# Messages are asserted in English (the site default is Chinese).
pytestmark = pytest.mark.usefixtures("in_english")

E4 = [(1, 3000), (2, 3750), (5, 4500)]
E4_DIRECTIONS = ["cost", "benefit"]


def r3(values):
    return [round(v, 3) for v in values]


def test_e4_minmax():
    res = topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS, normalization="minmax")
    assert r3(res.closeness) == [0.500, 0.617, 0.500]


def test_e4_vector():
    res = topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS)
    assert r3(res.closeness) == [0.762, 0.722, 0.238]
    c = np.array(res.closeness)
    assert np.allclose(c, np.array(res.d_minus) / (np.array(res.d_plus) + np.array(res.d_minus)))
    assert all(type(v) is float for v in res.closeness)


def test_anchors_give_absolute_scores_unchanged_by_other_units():
    anchors = [(1, 5), (3000, 4500)]
    alone = topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS, anchors=anchors)
    # The anchors are the sample's own bounds here, so the result matches min–max.
    assert r3(alone.closeness) == [0.500, 0.617, 0.500]
    # A unit far outside the anchors is clipped and does not move the others' scores (no rank reversal).
    more = topsis([*E4, (0, 9000)], [0.5, 0.5], directions=E4_DIRECTIONS, anchors=anchors)
    assert more.closeness[:3] == pytest.approx(alone.closeness)
    assert more.closeness[3] == pytest.approx(1.0)
    # Relative min–max scores do move when the unit is added.
    relative = topsis([*E4, (0, 9000)], [0.5, 0.5], directions=E4_DIRECTIONS, normalization="minmax")
    assert relative.closeness[:3] != pytest.approx(alone.closeness)


def test_anchor_orientation_for_cost():
    res = topsis([[0], [5], [10]], [1.0], directions=["cost"], anchors=[(0, 10)])
    assert res.closeness == pytest.approx((1.0, 0.5, 0.0))


def test_identical_units_get_midpoint_not_nan():
    for normalization in ("vector", "minmax"):
        res = topsis([[3, 4], [3, 4]], [0.5, 0.5], directions=["benefit", "cost"], normalization=normalization)
        assert res.closeness == (0.5, 0.5)


def test_zero_and_constant_columns_contribute_nothing():
    base = topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS)
    with_zero = topsis([(*row, 0) for row in E4], [0.5, 0.5, 0.0], directions=[*E4_DIRECTIONS, "benefit"])
    assert with_zero.closeness == pytest.approx(base.closeness)
    mm = topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS, normalization="minmax")
    # Same relative weights on the varying columns (0.4/0.4 vs 0.5/0.5): distances shrink alike, closeness stays.
    mm_const = topsis([(*row, 7) for row in E4], [0.4, 0.4, 0.2], directions=[*E4_DIRECTIONS, "cost"],
                      normalization="minmax")  # fmt: skip
    assert mm_const.closeness == pytest.approx(mm.closeness)


def test_vector_norm_survives_huge_values():
    small = topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS)
    huge = topsis([(a * 1e200, b) for a, b in E4], [0.5, 0.5], directions=E4_DIRECTIONS)
    assert huge.closeness == pytest.approx(small.closeness)


def test_matches_a_plain_numpy_reference_on_a_large_matrix():
    rng = np.random.default_rng(3)
    x = rng.random((2000, 12)) + 0.01
    w = rng.random(12)
    w /= w.sum()
    directions = ["benefit", "cost"] * 6
    benefit = np.array([d == "benefit" for d in directions])
    v = x / np.sqrt((x**2).sum(axis=0)) * w
    best = np.where(benefit, v.max(axis=0), v.min(axis=0))
    worst = np.where(benefit, v.min(axis=0), v.max(axis=0))
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    res = topsis(x, w, directions=directions)
    assert np.allclose(res.closeness, dm / (dp + dm))


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(np.float64, st.tuples(st.integers(2, 10), st.integers(1, 6)), elements=st.floats(0.1, 1000)),
    factor=st.floats(1e-3, 1e3),
    column=st.integers(0, 5),
    data=st.data(),
)
def test_vector_closeness_invariant_to_rescaling_a_column(x, factor, column, data):
    n = x.shape[1]
    column %= n
    raw = np.array(data.draw(st.lists(st.floats(0.01, 1), min_size=n, max_size=n)))
    w = raw / raw.sum()
    directions = data.draw(st.lists(st.sampled_from(["benefit", "cost"]), min_size=n, max_size=n))
    scaled = x.copy()
    scaled[:, column] *= factor
    a = topsis(x, w, directions=directions).closeness
    b = topsis(scaled, w, directions=directions).closeness
    assert b == pytest.approx(a, abs=1e-9)
    assert all(0.0 <= c <= 1.0 for c in a)


# Refused input.


def test_weights_must_sum_to_one_and_match_columns():
    with pytest.raises(MethodError, match=r"Weights sum to 0\.8; they must sum to 1"):
        topsis(E4, [0.4, 0.4], directions=E4_DIRECTIONS)
    with pytest.raises(MethodError, match="Weights has 3 value"):
        topsis(E4, [0.4, 0.3, 0.3], directions=E4_DIRECTIONS)


def test_directions_wrong_length_or_word():
    with pytest.raises(MethodError, match="Directions has 1 entries but the table has 2 columns"):
        topsis(E4, [0.5, 0.5], directions=["cost"])
    with pytest.raises(MethodError, match='Direction of column 1 is "min"'):
        topsis(E4, [0.5, 0.5], directions=["min", "benefit"])


def test_bad_anchors_matrix_and_options():
    with pytest.raises(MethodError, match=r"Anchors of column 2 are \(4500, 3000\)"):
        topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS, anchors=[(1, 5), (4500, 3000)])
    with pytest.raises(MethodError, match="for each of the 2 columns"):
        topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS, anchors=[(1, 5)])
    with pytest.raises(MethodError, match=r"row 2, column 1: inf is not a finite number"):
        topsis([(1, 2), (float("inf"), 3)], [0.5, 0.5], directions=E4_DIRECTIONS)
    with pytest.raises(MethodError, match='Normalisation "sum" is not known'):
        topsis(E4, [0.5, 0.5], directions=E4_DIRECTIONS, normalization="sum")
    with pytest.raises(MethodError, match="Column 1: the values are too far apart"):
        topsis([(1e308, 1), (-1e308, 2)], [0.5, 0.5], directions=E4_DIRECTIONS, normalization="minmax")
    with pytest.raises(MethodError, match="must be a table"):
        topsis([1, 2, 3], [1.0], directions=["benefit"])
