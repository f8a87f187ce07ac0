"""Two-by-two difference-in-differences by OLS, with heteroskedasticity-robust or cluster-robust inference."""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import MethodError, _, as_vector

__all__ = ["DidResult", "did"]


@dataclass(frozen=True)
class DidResult:
    att: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    df: int = 0  # degrees of freedom of the t distribution used for p and CI
    inference: str = "hc1"  # "hc1" or "cluster"
    clusters: int = 0  # number of clusters when inference is "cluster"


def _indicator(values, *, what: str, n: int) -> np.ndarray:
    v = as_vector(values, what=what, length=n)
    bad = (v != 0) & (v != 1)
    if bad.any():
        k = int(np.argmax(bad))
        raise MethodError(
            _("%(what)s, position %(pos)d: %(value)s is not 0 or 1.") % {"what": what, "pos": k + 1, "value": v[k]}
        )
    return v


def did(y, treated, post, *, cluster=None, level: float = 0.95) -> DidResult:
    """ATT = (ȳ treated,post − ȳ treated,pre) − (ȳ control,post − ȳ control,pre), the β₃ of
    y = β₀ + β₁ treated + β₂ post + β₃ treated×post."""
    yv = as_vector(y, what=_("Outcome variable"))
    n = yv.shape[0]
    t = _indicator(treated, what=_("Treated indicator"), n=n)
    p = _indicator(post, what=_("Post-period indicator"), n=n)
    level = float(level)
    if not 0.0 < level < 1.0:
        raise MethodError(_("Confidence level is %(level)s; it must be between 0 and 1.") % {"level": level})
    cells = (
        ((1, 1), _("treated units after the start")),
        ((1, 0), _("treated units before the start")),
        ((0, 1), _("control units after the start")),
        ((0, 0), _("control units before the start")),
    )
    for (tt, pp), label in cells:
        if not ((t == tt) & (p == pp)).any():
            raise MethodError(_("There are no rows for %(cell)s; all four cells are needed.") % {"cell": label})
    x = np.column_stack([np.ones(n), t, p, t * p])
    kx = x.shape[1]
    if n <= kx:
        raise MethodError(
            _("%(n)d rows are too few: the model has 4 coefficients and needs at least 5 rows.") % {"n": n}
        )
    beta, *_rest = np.linalg.lstsq(x, yv, rcond=None)
    e = yv - x @ beta
    bread = np.linalg.inv(x.T @ x)
    if cluster is None:
        meat = (x * (e * e)[:, None]).T @ x
        vcov = bread @ meat @ bread * (n / (n - kx))
        df, inference, groups = n - kx, "hc1", 0
    else:
        g = np.asarray(cluster)
        if g.ndim != 1 or g.shape[0] != n:
            raise MethodError(
                _("Cluster has %(got)s values; one per row (%(n)d) is needed.")
                % {"got": g.shape[0] if g.ndim == 1 else g.size, "n": n}
            )
        _labels, codes = np.unique(g, return_inverse=True)
        groups = int(codes.max()) + 1
        if groups < 2:
            raise MethodError(_("Cluster-robust errors need at least 2 clusters; there is %(g)d.") % {"g": groups})
        scores = np.zeros((groups, kx))
        np.add.at(scores, codes, x * e[:, None])
        meat = scores.T @ scores
        # Stata's small-sample factor G/(G−1)·(N−1)/(N−K), with G − 1 degrees of freedom.
        vcov = bread @ meat @ bread * (groups / (groups - 1)) * ((n - 1) / (n - kx))
        df, inference = groups - 1, "cluster"
    att = float(beta[3])
    se = float(np.sqrt(max(vcov[3, 3], 0.0)))
    # Residuals at rounding level mean the cells are constant: the "standard error" would be numerical noise.
    if not se > 0 or np.abs(e).max() <= 1e-12 * max(1.0, float(np.abs(yv).max())):
        raise MethodError(
            _("The outcome does not vary within the four cells, so the standard error is 0 and no test is possible.")
        )
    tstat = att / se
    p_value = float(2 * stats.t.sf(abs(tstat), df))
    q = float(stats.t.ppf(0.5 + level / 2, df))
    return DidResult(
        att=att,
        se=se,
        p_value=p_value,
        ci_low=att - q * se,
        ci_high=att + q * se,
        n=n,
        df=int(df),
        inference=inference,
        clusters=groups,
    )
