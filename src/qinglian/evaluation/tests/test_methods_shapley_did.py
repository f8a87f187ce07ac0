"""Shapley (LMG) decomposition of R² and the 2×2 difference-in-differences (§3.3 E12, §3.4)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qinglian.evaluation.methods import MethodError, did, shapley_r2

# Messages are asserted in English (the site default is Chinese).
pytestmark = pytest.mark.usefixtures("in_english")


def r2_of(y, x):
    a = np.column_stack([np.ones(len(y)), x]) if x.size else np.ones((len(y), 1))
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    e = y - a @ coef
    d = y - y.mean()
    return 1 - (e @ e) / (d @ d)


def data(seed, n=60, k=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, k))
    x[:, 1] += 0.6 * x[:, 0]  # correlated predictors, where shares are not trivial
    y = x @ rng.normal(size=k) + rng.normal(size=n)
    return y, x


def test_two_predictors_by_the_textbook_formula():
    y, x = data(1, k=2)
    res = shapley_r2(y, x, names=["a", "b"])
    ra, rb, rab = r2_of(y, x[:, [0]]), r2_of(y, x[:, [1]]), r2_of(y, x)
    assert res.r2 == pytest.approx(rab)
    assert res.shares["a"] == pytest.approx((ra + rab - rb) / 2)
    assert res.shares["b"] == pytest.approx((rb + rab - ra) / 2)
    assert res.players == ("a", "b")
    assert all(type(v) is float for v in res.shares.values())


def test_groups_are_single_players():
    y, x = data(2, k=3)
    res = shapley_r2(y, x, names=["a", "b", "c"], groups={"ab": ["a", "b"]})
    assert res.players == ("ab", "c")
    rab, rc, rall = r2_of(y, x[:, :2]), r2_of(y, x[:, [2]]), r2_of(y, x)
    assert res.shares["ab"] == pytest.approx((rab + rall - rc) / 2)
    assert sum(res.shares.values()) == pytest.approx(rall)


def test_null_player_gets_nothing():
    rng = np.random.default_rng(4)
    n = 40
    a = rng.normal(size=n)
    y = 2 * a + rng.normal(size=n)
    # z is exactly orthogonal to both the centred y and a: it explains nothing in any coalition.
    basis = np.column_stack([np.ones(n), a, y])
    z = rng.normal(size=n)
    z -= basis @ np.linalg.lstsq(basis, z, rcond=None)[0]
    res = shapley_r2(y, np.column_stack([a, z]), names=["a", "z"])
    assert res.shares["z"] == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6), n_extra=st.integers(0, 30))
def test_shares_sum_to_r2_and_duplicates_are_symmetric(seed, k, n_extra):
    rng = np.random.default_rng(seed)
    n = k + 4 + n_extra
    x = rng.normal(size=(n, k))
    y = x @ rng.normal(size=k) + rng.normal(size=n)
    xd = np.column_stack([x, x[:, 0]])  # the last column duplicates the first: a symmetric pair of players
    names = [f"x{j}" for j in range(k + 1)]
    res = shapley_r2(y, xd, names=names)
    assert sum(res.shares.values()) == pytest.approx(res.r2, abs=1e-10)
    assert res.r2 == pytest.approx(r2_of(y, x), abs=1e-10)
    assert res.shares["x0"] == pytest.approx(res.shares[f"x{k}"], abs=1e-10)


def test_fifteen_players_run_and_sixteen_are_refused():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 16))
    y = x.sum(axis=1) + rng.normal(size=40)
    names = [f"x{j}" for j in range(16)]
    with pytest.raises(MethodError, match=r"16 players .* more than the 15"):
        shapley_r2(y, x, names=names)
    res = shapley_r2(y, x, names=names, groups={"pair": ["x0", "x1"]})
    assert len(res.players) == 15
    assert sum(res.shares.values()) == pytest.approx(res.r2)


def test_shapley_refuses_bad_input():
    y, x = data(6, n=10, k=3)
    with pytest.raises(MethodError, match="4 rows are too few for 3 predictors and an intercept; at least 5"):
        shapley_r2(y[:4], x[:4], names=["a", "b", "c"])
    with pytest.raises(MethodError, match="2 names for 3 predictor columns"):
        shapley_r2(y, x, names=["a", "b"])
    with pytest.raises(MethodError, match="unique"):
        shapley_r2(y, x, names=["a", "a", "b"])
    with pytest.raises(MethodError, match='names "d", which is not a predictor'):
        shapley_r2(y, x, names=["a", "b", "c"], groups={"g": ["a", "d"]})
    with pytest.raises(MethodError, match='"a" is in both group "g" and group "h"'):
        shapley_r2(y, x, names=["a", "b", "c"], groups={"g": ["a"], "h": ["a", "b"]})
    with pytest.raises(MethodError, match="outcome has 9 values but the predictors have 10 rows"):
        shapley_r2(y[:9], x, names=["a", "b", "c"])
    with pytest.raises(MethodError, match="outcome is constant"):
        shapley_r2(np.ones(10), x, names=["a", "b", "c"])


# Difference-in-differences.


def cell_means(y, t, p):
    return {(a, b): y[(t == a) & (p == b)].mean() for a in (0, 1) for b in (0, 1)}


def test_e12_att_and_hc1_by_hand():
    rng = np.random.default_rng(7)
    n = 200
    t = rng.integers(0, 2, n)
    p = rng.integers(0, 2, n)
    y = 1 + 0.5 * t + 2 * p + 1.5 * t * p + rng.normal(size=n) * (1 + t)
    res = did(y, t, p)
    m = cell_means(y, t, p)
    assert res.att == pytest.approx((m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0]))
    # Saturated model: HC0 variance of β₃ is Σ over cells of Σe² / n_c²; HC1 scales it by n/(n − 4).
    var = 0.0
    for (a, b), mean in m.items():
        e = y[(t == a) & (p == b)] - mean
        var += (e @ e) / e.size**2
    assert res.se == pytest.approx(np.sqrt(var * n / (n - 4)))
    q = stats.t.ppf(0.975, n - 4)
    assert (res.ci_low, res.ci_high) == pytest.approx((res.att - q * res.se, res.att + q * res.se))
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(res.att / res.se), n - 4))
    assert res.n == n and res.df == n - 4 and res.inference == "hc1"


def test_cluster_robust_with_singleton_clusters_equals_hc1_and_grouped_by_hand():
    rng = np.random.default_rng(8)
    n = 120
    t = np.repeat([0, 1], n // 2)
    p = np.tile([0, 1], n // 2)
    g = np.repeat(np.arange(12), n // 12)
    y = t * p * 2.0 + rng.normal(size=n) + rng.normal(size=12)[g]
    assert did(y, t, p, cluster=np.arange(n)).se == pytest.approx(did(y, t, p).se)
    res = did(y, t, p, cluster=g, level=0.9)
    x = np.column_stack([np.ones(n), t, p, t * p])
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    e = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    meat = sum(np.outer(x[g == c].T @ e[g == c], x[g == c].T @ e[g == c]) for c in range(12))
    v = bread @ meat @ bread * 12 / 11 * (n - 1) / (n - 4)
    assert res.se == pytest.approx(np.sqrt(v[3, 3]))
    assert res.df == 11 and res.clusters == 12 and res.inference == "cluster"
    q = stats.t.ppf(0.95, 11)
    assert res.ci_high - res.ci_low == pytest.approx(2 * q * res.se)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), per_cell=st.integers(2, 12))
def test_att_equals_difference_of_four_means(seed, per_cell):
    rng = np.random.default_rng(seed)
    t = np.repeat([0, 0, 1, 1], per_cell)
    p = np.repeat([0, 1, 0, 1], per_cell)
    order = rng.permutation(t.size)
    t, p = t[order], p[order]
    y = rng.normal(size=t.size) * rng.uniform(0.1, 100) + rng.uniform(-50, 50)
    m = cell_means(y, t, p)
    res = did(y, t.astype(bool), p)
    assert res.att == pytest.approx((m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0]), rel=1e-9, abs=1e-9)
    assert res.ci_low <= res.att <= res.ci_high and 0 <= res.p_value <= 1


def test_did_refuses_bad_input():
    t = [0, 0, 1, 1, 1, 0]
    p = [0, 1, 0, 0, 0, 1]
    y = [1.0, 2, 3, 4, 5, 6]
    with pytest.raises(MethodError, match="no rows for treated units after the start"):
        did(y, t, p)
    with pytest.raises(MethodError, match=r"Treated indicator, position 2: 2\.0 is not 0 or 1"):
        did(y, [0, 2, 1, 1, 1, 0], p)
    with pytest.raises(MethodError, match="Post-period indicator has 5 value"):
        did(y, t, p[:5])
    with pytest.raises(MethodError, match="at least 5 rows"):
        did([1.0, 2, 3, 4], [0, 0, 1, 1], [0, 1, 0, 1])
    with pytest.raises(MethodError, match="standard error is 0"):
        did([1.0, 1, 2, 3, 3], [0, 0, 0, 1, 1], [0, 0, 1, 0, 1])
    full_t, full_p = [0, 0, 1, 1, 0, 1], [0, 1, 0, 1, 0, 1]
    with pytest.raises(MethodError, match="at least 2 clusters"):
        did(y, full_t, full_p, cluster=["a"] * 6)
    with pytest.raises(MethodError, match="one per row"):
        did(y, full_t, full_p, cluster=["a", "b"])
    with pytest.raises(MethodError, match="between 0 and 1"):
        did(y, full_t, full_p, level=95)
    with pytest.raises(MethodError, match=r"Outcome variable, position 3: nan is not a finite number"):
        did([1.0, 2, float("nan"), 4, 5, 6], full_t, full_p)
