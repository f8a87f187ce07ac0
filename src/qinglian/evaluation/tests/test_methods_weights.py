"""Entropy (§5 E5), CRITIC (§5 E6) and combination weights; properties and refused input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qinglian.evaluation.methods import MethodError, combine_weights, critic_weights, entropy_weights

# Messages are asserted in English (the site default is Chinese).
pytestmark = pytest.mark.usefixtures("in_english")

BANKS = [
    (7, 312, 1891, 6613, 163),
    (72, 88, 728, 941804, 1078),
    (10, 252, 2594, 3466, 117471),
    (10, 145, 980, 2371, 86329),
    (65, 54, 350, 501, 29897),
    (29, 48, 380, 912, 34051),
    (7, 476, 3300, 78470, 2212),
    (70, 87, 650, 733, 819000),
    (4, 86, 591, 3015, 103),
    (12, 79, 579, 3240, 96098),
    (21, 45, 261, 1253, 453),
    (1, 72, 530, 4333, 0.1048),
]

SOFTWARE = [
    (5000, 3, 3, 4, 3, 2),
    (680, 5, 3, 2, 2, 1),
    (2000, 3, 2, 3, 4, 3),
    (600, 4, 3, 1, 2, 2),
    (800, 2, 4, 3, 3, 4),
]


def r(values, places):
    return [round(v, places) for v in values]


def test_e5_entropy_weights_and_intermediates():
    res = entropy_weights(BANKS, directions=["benefit"] * 5, normalization="sum")
    assert r(res.weights, 6) == [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]
    assert r(res.details["e"], 6) == [0.807441, 0.873223, 0.869097, 0.174789, 0.441391]
    assert r(res.details["d"], 6) == [0.192559, 0.126777, 0.130903, 0.825211, 0.558609]
    assert res.details["normalization"] == "sum"


def test_entropy_minmax_handles_zeros_and_cost_orientation():
    x = [[0, 10], [1, 20], [10, 40], [2, 15]]
    benefit = entropy_weights(x, directions=["benefit", "benefit"])
    cost = entropy_weights(x, directions=["cost", "benefit"])
    assert sum(benefit.weights) == pytest.approx(1.0)
    assert all(np.isfinite(benefit.weights)) and all(np.isfinite(cost.weights))
    assert benefit.weights != cost.weights


def test_e6_critic_both_orientations():
    assert r(critic_weights(SOFTWARE, directions=["benefit"] * 6).weights, 3) == [
        0.157, 0.249, 0.168, 0.121, 0.154, 0.151,
    ]  # fmt: skip
    assert r(critic_weights(SOFTWARE, directions=["cost"] + ["benefit"] * 5).weights, 3) == [
        0.184, 0.213, 0.142, 0.158, 0.168, 0.134,
    ]  # fmt: skip


def test_critic_constant_column_gets_zero_and_no_nan():
    x = [(*row, 7) for row in SOFTWARE]
    res = critic_weights(x, directions=["benefit"] * 7)
    assert res.weights[6] == 0.0
    assert r(res.weights[:6], 3) == [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    assert res.details["correlation"][6][0] is None and res.details["constant"][6] is True


@settings(max_examples=50, deadline=None)
@given(
    data=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=8),
                    elements=st.floats(-1e3, 1e3)),
    value=st.floats(-1e3, 1e3),
    normalization=st.sampled_from(["minmax", "sum"]),
)  # fmt: skip
def test_entropy_weight_of_constant_column_is_zero(data, value, normalization):
    if normalization == "sum":
        data = np.abs(data) + 1
        value = abs(value) + 1
    x = np.column_stack([data, np.full(data.shape[0], value)])
    varying = (np.ptp(data, axis=0) > 0).any()
    directions = ["benefit", "cost"] * x.shape[1]
    if not varying:
        with pytest.raises(MethodError):
            entropy_weights(x, directions=directions[: x.shape[1]], normalization=normalization)
        return
    res = entropy_weights(x, directions=directions[: x.shape[1]], normalization=normalization)
    assert res.weights[-1] == 0.0
    assert sum(res.weights) == pytest.approx(1.0)
    assert all(0.0 <= w <= 1.0 for w in res.weights)


def test_combine_linear_multiplicative_mdi_game():
    s, o = [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]
    lin = combine_weights(s, o, method="linear", alpha=0.6)
    assert lin.weights == pytest.approx((0.38, 0.3, 0.32)) and lin.coefficients == pytest.approx((0.6, 0.4))
    mul = combine_weights(s, o, method="multiplicative")
    assert mul.weights == pytest.approx(tuple(np.array([0.1, 0.09, 0.1]) / 0.29))
    mdi = combine_weights(s, o, method="mdi")
    g = np.sqrt([0.1, 0.09, 0.1])
    assert mdi.weights == pytest.approx(tuple(g / g.sum()))
    game = combine_weights(s, o, method="game")
    assert game.coefficients == pytest.approx((0.5, 0.5)) and game.weights == pytest.approx((0.35, 0.3, 0.35))
    same = combine_weights(s, s, method="game")
    assert same.weights == pytest.approx(tuple(s))
    three = combine_weights(s, o, [1 / 3] * 3, method="linear", alpha=[0.5, 0.25, 0.25])
    assert sum(three.weights) == pytest.approx(1.0)


def test_game_coefficients_solve_the_first_order_conditions():
    w = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])
    res = combine_weights(*w, method="game")
    gram = w @ w.T
    raw = np.linalg.solve(gram, np.diagonal(gram))
    assert res.coefficients == pytest.approx(tuple(np.abs(raw) / np.abs(raw).sum()))


# Refused input.


def test_weight_vectors_must_sum_to_one():
    with pytest.raises(MethodError, match=r"Weight vector 2 sum to 0\.9; they must sum to 1"):
        combine_weights([0.5, 0.5], [0.4, 0.5])
    with pytest.raises(MethodError, match="negative"):
        combine_weights([1.2, -0.2], [0.5, 0.5])
    with pytest.raises(MethodError, match="at least two"):
        combine_weights([0.5, 0.5])
    with pytest.raises(MethodError, match=r"has 3 value.*2 are needed"):
        combine_weights([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(MethodError, match="between 0 and 1"):
        combine_weights([0.5, 0.5], [0.5, 0.5], alpha=1.5)
    with pytest.raises(MethodError, match="No criterion has a positive weight"):
        combine_weights([1, 0], [0, 1], method="multiplicative")


def test_directions_wrong_length_or_unknown_word():
    with pytest.raises(MethodError, match="Directions has 4 entries but the table has 5 columns"):
        entropy_weights(BANKS, directions=["benefit"] * 4)
    with pytest.raises(MethodError, match='Direction of column 2 is "max"; use "benefit" or "cost"'):
        critic_weights(SOFTWARE, directions=["benefit", "max"] + ["benefit"] * 4)
    with pytest.raises(MethodError, match="Directions must be a list"):
        entropy_weights(BANKS, directions="benefit")


def test_entropy_refuses_all_constant_and_single_row():
    with pytest.raises(MethodError, match="Every column is constant"):
        entropy_weights([[1, 2], [1, 2], [1, 2]], directions=["benefit", "cost"])
    with pytest.raises(MethodError, match="at least 2 units"):
        entropy_weights([[1, 2]], directions=["benefit", "cost"])
    with pytest.raises(MethodError, match=r"Row 2, column 1: 0\.0 is not positive"):
        entropy_weights([[1, 2], [0, 3]], directions=["benefit", "cost"], normalization="sum")
    with pytest.raises(MethodError, match=r"row 1, column 2: nan is not a finite number"):
        entropy_weights([[1, float("nan")], [2, 3]], directions=["benefit", "cost"])


def test_critic_refuses_undefined_cases():
    with pytest.raises(MethodError, match="Every column is constant"):
        critic_weights([[1, 2], [1, 2], [1, 2]], directions=["benefit", "cost"])
    with pytest.raises(MethodError, match="perfectly correlated"):
        critic_weights([[1, 2], [2, 4], [3, 6]], directions=["benefit", "benefit"])
    with pytest.raises(MethodError, match="at least 3 units"):
        critic_weights([[1, 2], [2, 5]], directions=["benefit", "benefit"])
