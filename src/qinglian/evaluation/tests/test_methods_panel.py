"""Panel methods on simulated data with a known truth: fixed effects, wild cluster bootstrap, staggered DiD."""

from __future__ import annotations

import numpy as np
import pytest

from qinglian.evaluation.methods.errors import MethodError
from qinglian.evaluation.methods.panel import decompose_change, staggered_did, twfe, within


def _panel(*, G=20, T=10, beta=0.5, seed=0, drop=0.0):
    rng = np.random.default_rng(seed)
    u = np.repeat(np.arange(G), T)
    t = np.tile(np.arange(T), G)
    alpha = rng.normal(size=G)[u] * 3
    lam = rng.normal(size=T)[t] * 2
    x = rng.normal(size=G * T) + alpha  # correlated with the unit effect: pooled OLS would be biased
    z = rng.normal(size=G * T)
    y = alpha + lam + beta * x + rng.normal(size=G * T)
    keep = rng.random(G * T) >= drop
    return y[keep], np.column_stack([x, z])[keep], u[keep], t[keep]


def test_twfe_matches_the_dummy_variable_regression_on_an_unbalanced_panel():
    y, X, u, t = _panel(drop=0.25, seed=3)
    G, T = u.max() + 1, t.max() + 1
    D = np.column_stack([X, np.eye(G)[u], np.eye(T)[t][:, 1:]])
    exact = np.linalg.lstsq(D, y, rcond=None)[0][:2]
    fit = twfe(y, X, unit=u, time=t, names=["x", "z"], bootstrap="never")
    assert fit.estimates["x"].coef == pytest.approx(exact[0], abs=1e-8)
    assert fit.estimates["z"].coef == pytest.approx(exact[1], abs=1e-8)
    assert (fit.units, fit.periods, fit.inference) == (20, 10, "cluster")
    assert 0 < fit.r2_within < 1


def test_twfe_recovers_a_known_coefficient_with_its_interval_covering_it():
    y, X, u, t = _panel(G=50, beta=0.5, seed=1)
    fit = twfe(y, X, unit=u, time=t, names=["x", "z"])
    x = fit.estimates["x"]
    assert fit.inference == "cluster"  # 50 units: no bootstrap needed
    assert x.ci_low < 0.5 < x.ci_high
    assert x.coef == pytest.approx(0.5, abs=0.1)
    assert x.p_value < 0.001
    # t(G−1) interval
    assert x.ci_high - x.coef == pytest.approx(x.se * 2.0096, rel=1e-3)


def test_wild_bootstrap_with_few_units_gives_sensible_p_values():
    y, X, u, t = _panel(G=20, beta=0.5, seed=2)
    fit = twfe(y, X, unit=u, time=t, names=["x", "z"], reps=499, seed=4)
    assert fit.inference == "wild_bootstrap_rademacher"
    assert fit.estimates["x"].method == "wild_bootstrap_rademacher"
    assert fit.estimates["x"].p_value < 0.01
    assert fit.estimates["z"].p_value > 0.05  # z has no effect
    assert fit.estimates["z"].ci_low < 0 < fit.estimates["z"].ci_high
    # the percentile-t interval excludes 0 exactly when the bootstrap p-value is below 5 %
    x = fit.estimates["x"]
    assert (x.ci_low > 0) == (x.p_value < 0.05)
    again = twfe(y, X, unit=u, time=t, names=["x", "z"], reps=499, seed=4)
    assert again == fit  # seeded


def test_webb_weights_with_very_few_units_and_a_null_effect():
    y, X, u, t = _panel(G=8, T=12, beta=0.0, seed=5)
    fit = twfe(y, X[:, :1], unit=u, time=t, names=["x"], reps=999, seed=0)
    assert fit.inference == "wild_bootstrap_webb"
    x = fit.estimates["x"]
    assert x.ci_low < 0 < x.ci_high
    assert x.p_value > 0.05


def test_within_removes_unit_and_period_means():
    y, _X, u, t = _panel(drop=0.2, seed=6)
    yd = within(y, unit=u, time=t)
    for g in range(20):
        assert abs(yd[u == g].sum()) < 1e-8
    for p in range(10):
        assert abs(yd[t == p].sum()) < 1e-8


def test_twfe_refuses_bad_input_with_a_specific_message(in_english):
    y, X, u, t = _panel(seed=7)
    with pytest.raises(MethodError, match="at least 2 units"):
        twfe(y[u == 0], X[u == 0], unit=u[u == 0], time=t[u == 0], names=["x", "z"])
    with pytest.raises(MethodError, match="at least 2 periods"):
        twfe(y[t == 0], X[t == 0], unit=u[t == 0], time=t[t == 0], names=["x", "z"])
    constant = X.copy()
    constant[:, 1] = u * 2.0  # varies between units only
    with pytest.raises(MethodError, match="“z” does not vary within units"):
        twfe(y, constant, unit=u, time=t, names=["x", "z"])
    collinear = np.column_stack([X[:, 0], 2 * X[:, 0] + 1])
    with pytest.raises(MethodError, match="collinear"):
        twfe(y, collinear, unit=u, time=t, names=["x", "x2"])
    with pytest.raises(MethodError, match="row 3"):
        bad = y.copy()
        bad[2] = np.nan
        twfe(bad, X, unit=u, time=t, names=["x", "z"])
    with pytest.raises(MethodError, match="twice in the same period"):
        twfe(np.r_[y, y[:1]], np.r_[X, X[:1]], unit=np.r_[u, u[:1]], time=np.r_[t, t[:1]], names=["x", "z"])
    with pytest.raises(MethodError, match="2 inputs but 1 names"):
        twfe(y, X, unit=u, time=t, names=["x"])


def _staggered(*, G=40, T=10, effect=2.0, seed=0):
    rng = np.random.default_rng(seed)
    u = np.repeat(np.arange(G), T)
    t = np.tile(np.arange(T), G)
    cohorts = np.array([3] * (G // 4) + [5] * (G // 4) + [7] * (G // 4) + [None] * (G - 3 * (G // 4)), dtype=object)
    first = cohorts[u]
    treated = np.array([c is not None and p >= c for c, p in zip(first, t, strict=True)])
    # unit effects correlated with the cohort, a common trend: only parallel trends hold
    y = rng.normal(size=G)[u] + np.where(cohorts == 3, 2.0, 0.0)[u] + 0.3 * t + effect * treated
    y = y + rng.normal(size=G * T) * 0.5
    return y, u, t, list(first)


def test_staggered_did_recovers_the_effect_and_flat_pre_trends():
    y, u, t, first = _staggered(effect=2.0, seed=1)
    fit = staggered_did(y, unit=u, time=t, first_treated=first, reps=299, seed=0)
    assert fit.ci_low < 2.0 < fit.ci_high
    assert fit.att == pytest.approx(2.0, abs=0.3)
    assert fit.p_value < 0.001
    assert (fit.units, fit.treated_units, fit.n) == (40, 30, 400)
    events = {ev.e: ev for ev in fit.events}
    assert events[-1].att == 0.0  # the reference period
    assert min(events) == -7 and max(events) == 6  # cohort 7 has six pre-periods
    for e in (-5, -4, -3, -2):
        assert events[e].ci_low < 0 < events[e].ci_high
    for e in (0, 1, 2):
        assert events[e].ci_low < 2.0 < events[e].ci_high
    assert fit.pre_trend_p is not None and fit.pre_trend_p > 0.05


def test_staggered_did_detects_a_pre_trend():
    y, u, t, first = _staggered(effect=0.0, seed=2)
    cohort3 = np.array([f == 3 for f in first])
    y = y + np.where(cohort3, 1.5 * t, 0.0)  # the first cohort drifts up from the start
    fit = staggered_did(y, unit=u, time=t, first_treated=first, reps=299, seed=0)
    assert fit.pre_trend_p < 0.01


def test_staggered_did_window_and_no_pre_periods():
    y, u, t, first = _staggered(seed=3)
    fit = staggered_did(y, unit=u, time=t, first_treated=first, reps=99, seed=0, window=2)
    assert [ev.e for ev in fit.events] == [-2, -1, 0, 1, 2]
    # everyone treated in period 1: no pre-period besides the base, so no pre-trend test
    first1 = [1 if f is not None else None for f in first]
    fit = staggered_did(y, unit=u, time=t, first_treated=first1, reps=99, seed=0)
    assert fit.pre_trend_p is None


def test_staggered_did_refuses_without_treated_or_controls(in_english):
    y, u, t, first = _staggered(seed=4)
    with pytest.raises(MethodError, match="no treated group"):
        staggered_did(y, unit=u, time=t, first_treated=[None] * len(y), reps=9)
    with pytest.raises(MethodError, match="no controls"):
        staggered_did(y, unit=u, time=t, first_treated=[2] * len(y), reps=9)
    with pytest.raises(MethodError, match="two different start periods"):
        bad = list(first)
        bad[0] = 5 if bad[0] != 5 else 3
        staggered_did(y, unit=u, time=t, first_treated=bad, reps=9)


def test_decompose_change_sums_to_the_change_exactly(in_english):
    parts = decompose_change(["work", "results"], [0.5, 0.5], [60, 70], [0.4, 0.6], [65, 72])
    total_change = (0.4 * 65 + 0.6 * 72) - (0.5 * 60 + 0.5 * 70)
    assert sum(parts.values()) == pytest.approx(total_change, abs=1e-12)
    assert parts["work"] == pytest.approx(0.45 * 5 + (-0.1) * 62.5)
    with pytest.raises(MethodError, match="2 values for 3 names"):
        decompose_change(["a", "b", "c"], [0.5, 0.5], [1, 2], [0.5, 0.5], [1, 2])
