"""Panel methods for the contribution analysis: two-way fixed effects with unit-clustered inference (and a wild
cluster bootstrap when units are few), Callaway–Sant'Anna staggered difference-in-differences with an event study,
and the exact two-factor decomposition of a change in a weighted score.

Pure numpy/scipy; no Django. See research/evaluation-methods.md §3.2, §3.3, §3.5 and §3.7.

Inference choices, stated once:

- `twfe`: CR1 unit-clustered standard errors, small-sample factor G/(G−1)·(N−1)/(N−K) with K the regressors plus
  the period effects (unit effects are nested in the clusters and not counted, as reghdfe and fixest do);
  t(G−1) p-values and intervals. With few units (G < 40, or `bootstrap="always"`) the p-value and the interval come
  from a wild cluster bootstrap-t with the null imposed (WCR; Rademacher weights, Webb's six-point weights when
  G ≤ 12). The interval is the symmetric percentile-t one: coef ± q·se, q the `level` quantile of |t*| of the
  null-imposed bootstrap; it therefore excludes 0 exactly when the bootstrap p-value is below 1 − level.
- `staggered_did`: ATT(g,t) against never-treated and not-yet-treated units, universal base period g−1; overall
  ATT = mean of the post-treatment ATT(g,t) weighted by cohort size; standard errors from a unit (cluster)
  bootstrap; intervals att ± z·se and normal p-values; the pre-trend test is a Wald test of the pre-period event
  effects (e ≤ −2) with the bootstrap covariance.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from qinglian.evaluation.methods.errors import MethodError, _

WILD_BELOW = 40  # wild bootstrap when fewer units than this (bootstrap="auto")
WEBB_UP_TO = 12  # Webb six-point weights when this many units or fewer


@dataclass(frozen=True)
class Estimate:
    coef: float
    se: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float
    method: str


@dataclass(frozen=True)
class TwfeResult:
    estimates: dict
    n: int
    units: int
    periods: int
    r2_within: float
    inference: str
    level: float = 0.95
    reps: int = 0


@dataclass(frozen=True)
class EventTime:
    e: int
    att: float
    se: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class EventStudyResult:
    att: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    units: int
    treated_units: int
    events: tuple
    pre_trend_p: float | None
    level: float = 0.95
    reps: int = 0


# --------------------------------------------------------------------------------------------------------------------
# Helpers


def _codes(labels, what: str) -> tuple[np.ndarray, list]:
    """Integer codes 0..m−1 for labels (in sorted order when they sort, else first-seen order)."""
    labels = list(labels)
    try:
        levels = sorted(set(labels))
    except TypeError:
        levels = list(dict.fromkeys(labels))
    index = {level: i for i, level in enumerate(levels)}
    return np.array([index[label] for label in labels], dtype=int), levels


def _vector(y, what: str) -> np.ndarray:
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as error:
        raise MethodError(_("%(what)s must be numbers.") % {"what": what}) from error
    if arr.ndim != 1:
        raise MethodError(_("%(what)s must be one list of numbers.") % {"what": what})
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise MethodError(
            _("%(what)s, row %(row)d: a missing or infinite value; leave incomplete rows out first.")
            % {"what": what, "row": int(bad[0]) + 1}
        )
    return arr


def _demean(M: np.ndarray, u: np.ndarray, t: np.ndarray, nu: int, nt: int) -> np.ndarray:
    """The exact two-way within transformation: residuals of M on unit and period dummies.

    Alternating projections (demean by unit, then by period, until nothing changes) converge to the exact projection
    also on unbalanced panels; a balanced panel converges after one sweep. If the sweeps do not settle, the dummies
    are regressed out directly.
    """
    M = M.astype(float).copy()
    cu = np.bincount(u, minlength=nu).astype(float)
    ct = np.bincount(t, minlength=nt).astype(float)
    scale = max(1.0, float(np.abs(M).max()) if M.size else 1.0)
    for _i in range(5000):
        before = M.copy()
        for codes, counts, m in ((u, cu, nu), (t, ct, nt)):
            sums = np.zeros((m, M.shape[1]))
            np.add.at(sums, codes, M)
            M -= (sums / counts[:, None])[codes]
        if np.abs(M - before).max() <= 1e-13 * scale:
            return M
    D = np.zeros((len(u), nu + nt))
    D[np.arange(len(u)), u] = 1.0
    D[np.arange(len(u)), nu + t] = 1.0
    coef, *_rest = np.linalg.lstsq(D, M, rcond=None)
    return M - D @ coef


def _cluster_sums(H: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return H @ Z


def _webb(rng, size) -> np.ndarray:
    values = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
    return values[rng.integers(0, 6, size=size)]


def _rademacher(rng, size) -> np.ndarray:
    return rng.integers(0, 2, size=size) * 2.0 - 1.0


def within(M, *, unit, time) -> np.ndarray:
    """Columns of M with unit and period effects partialled out (Frisch–Waugh–Lovell), exact on unbalanced panels."""
    arr = np.asarray(M, dtype=float)
    flat = arr.ndim == 1
    arr = arr[:, None] if flat else arr
    u, ulevels = _codes(unit, "unit")
    t, tlevels = _codes(time, "time")
    out = _demean(arr, u, t, len(ulevels), len(tlevels))
    return out[:, 0] if flat else out


# --------------------------------------------------------------------------------------------------------------------
# Two-way fixed effects


def twfe(
    y,
    X,
    *,
    unit,
    time,
    names,
    level: float = 0.95,
    bootstrap: str = "auto",
    reps: int = 999,
    seed: int = 0,
    wild_below: int = WILD_BELOW,
    webb_up_to: int = WEBB_UP_TO,
) -> TwfeResult:
    """y_it = α_i + λ_t + X_it β + ε_it by the within estimator, inference clustered by unit (see the module)."""
    if bootstrap not in ("auto", "never", "always"):
        raise MethodError(_("bootstrap must be “auto”, “never” or “always”."))
    if not 0 < level < 1:
        raise MethodError(_("The confidence level must lie between 0 and 1."))
    yv = _vector(y, _("The outcome"))
    n = len(yv)
    names = [str(name) for name in names]
    try:
        Xm = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as error:
        raise MethodError(_("The inputs must be numbers.")) from error
    if Xm.ndim == 1:
        Xm = Xm[:, None]
    if Xm.ndim != 2 or Xm.shape[0] != n:
        raise MethodError(_("The inputs must have one row per outcome value (%(n)d rows).") % {"n": n})
    k = Xm.shape[1]
    if k == 0:
        raise MethodError(_("At least one input is needed."))
    if len(names) != k:
        raise MethodError(_("%(k)d inputs but %(m)d names.") % {"k": k, "m": len(names)})
    if len(set(names)) != k:
        raise MethodError(_("Two inputs have the same name."))
    for j, name in enumerate(names):
        bad = np.flatnonzero(~np.isfinite(Xm[:, j]))
        if bad.size:
            raise MethodError(
                _("Input “%(name)s”, row %(row)d: a missing or infinite value; leave incomplete rows out first.")
                % {"name": name, "row": int(bad[0]) + 1}
            )
    if len(unit) != n or len(time) != n:
        raise MethodError(_("Units and periods must have one entry per outcome value (%(n)d rows).") % {"n": n})
    u, ulevels = _codes(unit, "unit")
    t, tlevels = _codes(time, "time")
    G, T = len(ulevels), len(tlevels)
    if G < 2:
        raise MethodError(_("Fixed effects need at least 2 units; the data have %(g)d.") % {"g": G})
    if T < 2:
        raise MethodError(_("Fixed effects need at least 2 periods; the data have %(t)d.") % {"t": T})
    pairs = set(zip(u.tolist(), t.tolist(), strict=True))
    if len(pairs) != n:
        raise MethodError(_("A unit appears twice in the same period."))

    Z = _demean(np.column_stack([yv, Xm]), u, t, G, T)
    yd, Xd = Z[:, 0], Z[:, 1:]
    for j, name in enumerate(names):
        if np.linalg.norm(Xd[:, j]) <= 1e-9 * max(1.0, np.linalg.norm(Xm[:, j])):
            raise MethodError(
                _(
                    "Input “%(name)s” does not vary within units once unit and period effects are removed, "
                    "so its effect cannot be estimated."
                )
                % {"name": name}
            )
    if np.linalg.norm(yd) <= 1e-12 * max(1.0, np.linalg.norm(yv)):
        raise MethodError(_("The outcome does not vary within units once unit and period effects are removed."))
    if np.linalg.matrix_rank(Xd, tol=1e-8 * max(1.0, np.abs(Xd).max())) < k:
        for j in range(1, k):
            if np.linalg.matrix_rank(Xd[:, : j + 1], tol=1e-8 * max(1.0, np.abs(Xd).max())) < j + 1:
                raise MethodError(
                    _("Input “%(name)s” is a combination of the inputs before it (collinear); leave one out.")
                    % {"name": names[j]}
                )
    K = k + (T - 1)
    if n - K <= 0 or n - G - T + 1 - k <= 0:
        raise MethodError(
            _("Too few observations (%(n)d) for %(k)d inputs with %(g)d unit and %(t)d period effects.")
            % {"n": n, "k": k, "g": G, "t": T}
        )

    XtX_inv = np.linalg.inv(Xd.T @ Xd)
    beta = XtX_inv @ Xd.T @ yd
    resid = yd - Xd @ beta
    H = np.zeros((G, n))
    H[u, np.arange(n)] = 1.0
    c = G / (G - 1) * (n - 1) / (n - K)
    scores = H @ (Xd * resid[:, None])  # G × k
    V = c * XtX_inv @ (scores.T @ scores) @ XtX_inv
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    r2 = 1.0 - float(resid @ resid) / float(yd @ yd)
    df = G - 1
    tcrit = float(stats.t.ppf(0.5 + level / 2, df))

    use_boot = bootstrap == "always" or (bootstrap == "auto" and wild_below > G)
    inference = "cluster"
    if use_boot:
        inference = "wild_bootstrap_webb" if webb_up_to >= G else "wild_bootstrap_rademacher"
        rng = np.random.default_rng(seed)
        weights = (_webb if webb_up_to >= G else _rademacher)(rng, (G, reps))
        V_boot = weights[u]  # n × reps

    estimates = {}
    for j, name in enumerate(names):
        b, s = float(beta[j]), float(se[j])
        tstat = b / s if s > 0 else math.inf
        if not use_boot:
            p = float(2 * stats.t.sf(abs(tstat), df)) if s > 0 else 0.0
            lo, hi = b - tcrit * s, b + tcrit * s
        else:
            p, q = _wild_t(Xd, yd, j, H, XtX_inv, c, V_boot, tstat, level)
            lo, hi = b - q * s, b + q * s
        estimates[name] = Estimate(
            coef=b, se=s, t=float(tstat), p_value=float(p), ci_low=float(lo), ci_high=float(hi), method=inference
        )
    return TwfeResult(
        estimates=estimates,
        n=int(n),
        units=int(G),
        periods=int(T),
        r2_within=float(r2),
        inference=inference,
        level=float(level),
        reps=int(reps) if use_boot else 0,
    )


def _wild_t(Xd, yd, j, H, XtX_inv, c, V_boot, tstat, level) -> tuple[float, float]:
    """WCR bootstrap of coefficient j: p-value of |t| and the `level` quantile of |t*| (null β_j = 0 imposed)."""
    others = [i for i in range(Xd.shape[1]) if i != j]
    if others:
        Xr = Xd[:, others]
        br, *_rest = np.linalg.lstsq(Xr, yd, rcond=None)
        fitted = Xr @ br
    else:
        fitted = np.zeros_like(yd)
    restricted = yd - fitted
    Ystar = fitted[:, None] + restricted[:, None] * V_boot  # n × B
    A = XtX_inv @ Xd.T  # k × n
    Bstar = A @ Ystar  # k × B
    Estar = Ystar - Xd @ Bstar  # n × B
    a_j = Xd @ XtX_inv[j]  # n: the influence of each row on β_j
    S = H @ (a_j[:, None] * Estar)  # G × B
    se_star = np.sqrt(c * (S**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstar = np.where(se_star > 0, Bstar[j] / se_star, 0.0)
    abs_t = np.abs(tstar)
    p = float(np.mean(abs_t >= abs(tstat) - 1e-12))
    q = float(np.quantile(abs_t, level))
    return p, q


# --------------------------------------------------------------------------------------------------------------------
# Staggered difference-in-differences (Callaway & Sant'Anna 2021)


def staggered_did(
    y,
    *,
    unit,
    time,
    first_treated,
    level: float = 0.95,
    reps: int = 999,
    seed: int = 0,
    window: int | None = None,
) -> EventStudyResult:
    """ATT(g,t) with not-yet- and never-treated controls, base period g−1, aggregated by cohort size.

    `first_treated` is given per row (the same for all rows of a unit): the first period in which the unit is
    treated, comparable with `time` (a period between two observed ones counts from the next observed one), or
    None for a unit never treated. Units treated from the first observed period have no base period and are left
    out. `window` limits the event times shown to −window … +window (the overall ATT uses every post period).
    """
    if not 0 < level < 1:
        raise MethodError(_("The confidence level must lie between 0 and 1."))
    yv = _vector(y, _("The outcome"))
    n = len(yv)
    if len(unit) != n or len(time) != n or len(first_treated) != n:
        raise MethodError(
            _("Units, periods and start periods must have one entry per outcome value (%(n)d rows).") % {"n": n}
        )
    u, ulevels = _codes(unit, "unit")
    t, tlevels = _codes(time, "time")
    G, T = len(ulevels), len(tlevels)
    if G < 2:
        raise MethodError(_("Difference-in-differences needs at least 2 units; the data have %(g)d.") % {"g": G})
    if T < 2:
        raise MethodError(_("Difference-in-differences needs at least 2 periods; the data have %(t)d.") % {"t": T})
    Y = np.full((G, T), np.nan)
    if len(set(zip(u.tolist(), t.tolist(), strict=True))) != n:
        raise MethodError(_("A unit appears twice in the same period."))
    Y[u, t] = yv
    cohort = np.full(G, T, dtype=int)  # T = never treated within the window observed
    seen = {}
    for row, (ui, ft) in enumerate(zip(u.tolist(), first_treated, strict=True)):
        missing = ft is None or (isinstance(ft, float) and math.isnan(ft))
        if not missing:
            try:
                g = bisect.bisect_left(tlevels, ft)
            except TypeError as error:
                raise MethodError(
                    _("Row %(row)d: the start period cannot be compared with the periods.") % {"row": row + 1}
                ) from error
        else:
            g = T
        if seen.setdefault(ui, g) != g:
            raise MethodError(_("Unit “%(unit)s” has two different start periods.") % {"unit": ulevels[ui]})
        cohort[ui] = g
    cohorts = sorted(g for g in set(cohort.tolist()) if 1 <= g < T)
    if not cohorts:
        raise MethodError(
            _("No unit starts the treatment after the first period observed: there is no treated group to compare.")
        )

    # Cells: (g, t) with their treated units and control units (never treated or not yet treated at max(t, g−1)).
    cells = []
    for g in cohorts:
        treated = np.flatnonzero(cohort == g)
        for tt in range(T):
            if tt == g - 1:
                continue
            horizon = max(tt, g - 1)
            controls = np.flatnonzero((cohort > horizon) & (cohort != g))
            tr = treated[np.isfinite(Y[treated, tt]) & np.isfinite(Y[treated, g - 1])]
            co = controls[np.isfinite(Y[controls, tt]) & np.isfinite(Y[controls, g - 1])]
            if tr.size == 0 or co.size == 0:
                continue
            cells.append((g, tt, tr, co, Y[tr, tt] - Y[tr, g - 1], Y[co, tt] - Y[co, g - 1]))
    if not any(tt >= g for g, tt, *_r in cells):
        raise MethodError(_("No treated period has a comparison unit that is not yet treated: there are no controls."))

    def estimate(w: np.ndarray) -> tuple[float, dict]:
        """Overall ATT and event-time effects with unit weights w (1 for the sample; counts in a bootstrap)."""
        cell_att, cell_size = {}, {}
        for g, tt, tr, co, dtr, dco in cells:
            wt, wc = w[tr], w[co]
            st, sc = wt.sum(), wc.sum()
            if st <= 0 or sc <= 0:
                continue
            cell_att[(g, tt)] = (wt @ dtr) / st - (wc @ dco) / sc
            cell_size[(g, tt)] = w[cohort == g].sum()
        post = [key for key in cell_att if key[1] >= key[0]]
        total = sum(cell_size[key] for key in post)
        overall = sum(cell_size[key] * cell_att[key] for key in post) / total if total > 0 else math.nan
        by_e: dict[int, list] = {}
        for (g, tt), value in cell_att.items():
            by_e.setdefault(tt - g, []).append((cell_size[(g, tt)], value))
        events = {
            e: sum(s * v for s, v in items) / sum(s for s, _v in items)
            for e, items in by_e.items()
            if sum(s for s, _v in items) > 0
        }
        return overall, events

    ones = np.ones(G)
    att, events = estimate(ones)
    event_n = {}
    for g, tt, tr, _co, *_r in cells:
        event_n[tt - g] = event_n.get(tt - g, 0) + int(tr.size)
    keys = sorted(e for e in events if window is None or abs(e) <= window)

    rng = np.random.default_rng(seed)
    boot_att = np.full(reps, np.nan)
    boot_events = np.full((reps, len(keys)), np.nan)
    for b in range(reps):
        w = np.bincount(rng.integers(0, G, size=G), minlength=G).astype(float)
        overall, ev = estimate(w)
        boot_att[b] = overall
        boot_events[b] = [ev.get(e, np.nan) for e in keys]
    z = float(stats.norm.ppf(0.5 + level / 2))
    se = _nan_sd(boot_att)
    p = float(2 * stats.norm.sf(abs(att) / se)) if se > 0 else (0.0 if att != 0 else 1.0)
    rows = []
    for i, e in enumerate(keys):
        s = _nan_sd(boot_events[:, i])
        rows.append(
            EventTime(
                e=int(e),
                att=float(events[e]),
                se=s,
                ci_low=float(events[e] - z * s),
                ci_high=float(events[e] + z * s),
                n=int(event_n.get(e, 0)),
            )
        )
    treated_count = int(sum((cohort == g).sum() for g in cohorts))
    rows.append(EventTime(e=-1, att=0.0, se=0.0, ci_low=0.0, ci_high=0.0, n=treated_count))
    rows.sort(key=lambda r: r.e)

    pre = [i for i, e in enumerate(keys) if e <= -2]
    pre_p = None
    if pre:
        theta = np.array([events[keys[i]] for i in pre])
        draws = boot_events[:, pre]
        draws = draws[np.all(np.isfinite(draws), axis=1)]
        if draws.shape[0] > len(pre):
            cov = np.atleast_2d(np.cov(draws, rowvar=False))
            wald = float(theta @ np.linalg.pinv(cov) @ theta)
            rank = int(np.linalg.matrix_rank(cov))
            pre_p = float(stats.chi2.sf(wald, rank)) if rank > 0 else None
    return EventStudyResult(
        att=float(att),
        se=float(se),
        ci_low=float(att - z * se),
        ci_high=float(att + z * se),
        p_value=float(p),
        n=int(n),
        units=int(G),
        treated_units=treated_count,
        events=tuple(rows),
        pre_trend_p=pre_p,
        level=float(level),
        reps=int(reps),
    )


def _nan_sd(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    if values.size < 2:
        return math.nan
    return float(np.std(values, ddof=1))


# --------------------------------------------------------------------------------------------------------------------
# Decomposition of a change in a weighted score


def decompose_change(names, weights_before, scores_before, weights_after, scores_after) -> dict:
    """Two-factor Shapley decomposition of ΔS = Σ w_a z_a − Σ w_b z_b: each name gets w̄·Δz + Δw·z̄ (w̄, z̄ the
    two-period means); the parts sum to the change exactly."""
    names = [str(name) for name in names]
    arrays = []
    for label, values in (
        (_("weights before"), weights_before),
        (_("scores before"), scores_before),
        (_("weights after"), weights_after),
        (_("scores after"), scores_after),
    ):
        arr = _vector(values, label)
        if len(arr) != len(names):
            raise MethodError(
                _("%(what)s: %(m)d values for %(k)d names.") % {"what": label, "m": len(arr), "k": len(names)}
            )
        arrays.append(arr)
    if len(set(names)) != len(names):
        raise MethodError(_("Two dimensions have the same name."))
    wb, zb, wa, za = arrays
    parts = (wa + wb) / 2 * (za - zb) + (wa - wb) * (za + zb) / 2
    return {name: float(part) for name, part in zip(names, parts, strict=True)}
