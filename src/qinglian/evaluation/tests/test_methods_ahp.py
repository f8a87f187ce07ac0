"""AHP: Saaty's drinks example (§5 E1) to published precision, consistency properties and refused input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglian.evaluation.methods import RI_TABLES, MethodError, ahp, ahp_aggregate, ahp_most_inconsistent

# Messages are asserted in English (the site default is Chinese).
pytestmark = pytest.mark.usefixtures("in_english")

UPPER = [
    [9, 5, 2, 1, 1, 1 / 2],
    [1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 1, 1 / 3],
    [2, 1 / 2],
    [1 / 3],
]


def from_upper(upper):
    n = len(upper) + 1
    a = np.ones((n, n))
    for i, row in enumerate(upper):
        for k, v in enumerate(row):
            a[i, i + 1 + k] = v
            a[i + 1 + k, i] = 1 / v
    return a


DRINKS = from_upper(UPPER)


def test_e1_eigen_weights_and_consistency():
    r = ahp(DRINKS)
    assert [round(w, 3) for w in r.weights] == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    assert round(r.lambda_max, 4) == 7.1766
    assert round(r.ci, 5) == 0.02944
    assert round(r.cr, 4) == 0.0223
    assert r.n == 7 and r.method == "eigen" and r.ri == "saaty1980" and r.acceptable is True
    assert all(type(w) is float for w in r.weights) and type(r.cr) is float


@pytest.mark.parametrize(
    ("table", "cr"),
    [("saaty1980", 0.0223), ("saaty2005", 0.0218), ("chinese", 0.0216), ("tummala_ling", 0.0221),
     ("donegan_dodd", 0.0235)],
)  # fmt: skip
def test_e1_cr_per_random_index_table(table, cr):
    assert round(ahp(DRINKS, ri=table).cr, 4) == cr


def test_e1_approximations():
    geo = ahp(DRINKS, method="geometric")
    assert [round(w, 3) for w in geo.weights] == [0.179, 0.018, 0.042, 0.116, 0.191, 0.129, 0.324]
    ari = ahp(DRINKS, method="arithmetic")
    assert [round(w, 3) for w in ari.weights] == [0.178, 0.020, 0.042, 0.117, 0.189, 0.130, 0.325]
    assert geo.lambda_max > 7 and ari.lambda_max > 7


def test_ri_tables_cover_1_to_15_and_start_with_zeros():
    for name, table in RI_TABLES.items():
        assert len(table) == 15, name
        assert table[0] == table[1] == 0.0
    assert RI_TABLES["chinese"][2:7] == (0.52, 0.89, 1.12, 1.26, 1.36)
    assert RI_TABLES["donegan_dodd"][9] == 1.4055 and RI_TABLES["tummala_ling"][14] == 1.5831


def test_small_matrices_are_consistent_without_dividing_by_zero():
    assert ahp([[1]]).weights == (1.0,)
    r = ahp([[1, 3], [1 / 3, 1]])
    assert r.cr == 0.0 and r.ci == 0.0
    assert r.weights == pytest.approx((0.75, 0.25))
    assert ahp_most_inconsistent([[1, 3], [1 / 3, 1]]) is None


def test_inconsistent_matrix_flagged_and_worst_judgment_found():
    # Consistent weights (0.5, 0.3, 0.2) except that a_13 is judged 1/4 instead of 2.5.
    a = [[1, 5 / 3, 1 / 4], [3 / 5, 1, 1.5], [4, 2 / 3, 1]]
    r = ahp(a)
    assert r.cr > 0.1 and r.acceptable is False
    worst = ahp_most_inconsistent(a, weights=[0.5, 0.3, 0.2])
    assert (worst.i, worst.j) == (0, 2)
    assert worst.judged == 0.25 and worst.implied == pytest.approx(2.5)
    # The other judgments imply a_12 · a_23 = 5/3 · 3/2 = 2.5; following that makes the matrix consistent.
    assert worst.indirect == pytest.approx(2.5)
    fixed = [[1, 5 / 3, worst.indirect], [3 / 5, 1, 1.5], [1 / worst.indirect, 2 / 3, 1]]
    assert ahp(fixed).cr == pytest.approx(0, abs=1e-9)


def test_drinks_most_inconsistent_is_wine_vs_water():
    worst = ahp_most_inconsistent(DRINKS)
    assert (worst.i, worst.j) == (1, 6)
    assert worst.judged == pytest.approx(1 / 9)


def test_aggregate_is_elementwise_geometric_mean_and_reciprocal():
    a = [[1, 2], [1 / 2, 1]]
    b = [[1, 8], [1 / 8, 1]]
    agg = ahp_aggregate([a, b])
    assert agg[0][1] == pytest.approx(4.0) and agg[1][0] == pytest.approx(0.25)
    weighted = ahp_aggregate([a, b], weights=[0.75, 0.25])
    assert weighted[0][1] == pytest.approx(2**0.75 * 8**0.25)
    assert ahp(ahp_aggregate([DRINKS, DRINKS])).weights == pytest.approx(ahp(DRINKS).weights)


weights_strategy = st.lists(st.floats(min_value=0.05, max_value=20), min_size=1, max_size=15)


@settings(max_examples=60, deadline=None)
@given(raw=weights_strategy, method=st.sampled_from(["eigen", "geometric", "arithmetic"]))
def test_consistent_matrix_returns_its_weights_and_cr_zero(raw, method):
    w = np.array(raw) / sum(raw)
    a = w[:, None] / w[None, :]
    for table in RI_TABLES:
        r = ahp(a, method=method, ri=table)
        assert r.weights == pytest.approx(tuple(w), rel=1e-8, abs=1e-12)
        assert r.cr == pytest.approx(0.0, abs=1e-9)
        assert r.acceptable


# Refused input: a clear message naming what is wrong.


def test_not_reciprocal_names_cell_and_both_values():
    a = [[1, 3, 2], [1 / 3, 1, 4], [1 / 2, 2, 1]]
    with pytest.raises(MethodError, match=r"row 2, column 3 is 4 but row 3, column 2 is 2"):
        ahp(a)


@pytest.mark.parametrize("bad", [0, -3])
def test_non_positive_judgment(bad):
    a = [[1, bad], [1, 1]]
    with pytest.raises(MethodError, match=rf"row 1, column 2: {bad} is not a positive judgment"):
        ahp(a)


def test_not_square():
    with pytest.raises(MethodError, match=r"square.*2 × 3"):
        ahp([[1, 2, 3], [0.5, 1, 2]])


def test_diagonal_must_be_one():
    with pytest.raises(MethodError, match=r"row 2, column 2: the diagonal must be 1, not 2"):
        ahp([[1, 1], [1, 2]])


def test_nan_and_unknown_options_and_too_large():
    with pytest.raises(MethodError, match="not a positive judgment"):
        ahp([[1, float("nan")], [1, 1]])
    with pytest.raises(MethodError, match='AHP method "power" is not known'):
        ahp(DRINKS, method="power")
    with pytest.raises(MethodError, match='"saaty" is not known'):
        ahp(DRINKS, ri="saaty")
    with pytest.raises(MethodError, match=r"16 × 16.*up to 15 × 15"):
        ahp(np.ones((16, 16)))


def test_aggregate_refuses_mismatched_sizes_and_bad_weights():
    with pytest.raises(MethodError, match="Judgment matrix 2 is 3 × 3"):
        ahp_aggregate([[[1, 2], [0.5, 1]], np.ones((3, 3))])
    with pytest.raises(MethodError, match=r"sum to 0\.9"):
        ahp_aggregate([DRINKS, DRINKS], weights=[0.5, 0.4])
    with pytest.raises(MethodError, match="Judgment matrix 2 is not reciprocal: row 1, column 2"):
        ahp_aggregate([[[1, 2], [0.5, 1]], [[1, 2], [2, 1]]])
