"""Objective weights from data (entropy, CRITIC) and combinations of weight vectors."""

from dataclasses import dataclass, field

import numpy as np

from .errors import MethodError, _, as_directions, as_matrix, as_weights, check_choice, to_tuple

__all__ = ["CombinedWeights", "WeightsResult", "combine_weights", "critic_weights", "entropy_weights"]

ENTROPY_NORMALIZATIONS = ("minmax", "sum")
COMBINE_METHODS = ("linear", "multiplicative", "mdi", "game")


@dataclass(frozen=True)
class WeightsResult:
    weights: tuple
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CombinedWeights:
    weights: tuple
    coefficients: tuple


def _minmax(x: np.ndarray, benefit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Oriented min–max normalisation; a constant column becomes all 1 (and is reported as constant)."""
    lo = x.min(axis=0)
    hi = x.max(axis=0)
    span = hi - lo
    constant = span == 0
    safe = np.where(constant, 1.0, span)
    r = np.where(benefit, (x - lo) / safe, (hi - x) / safe)
    if constant.any():
        r[:, constant] = 1.0
    return r, constant


def entropy_weights(matrix, *, directions, normalization: str = "minmax") -> WeightsResult:
    """Entropy weights: columns that vary more between units carry more weight; a constant column gets 0."""
    check_choice(normalization, ENTROPY_NORMALIZATIONS, what=_("Normalisation"))
    x = as_matrix(matrix, what=_("Data table"))
    m, n = x.shape
    if m < 2:
        raise MethodError(_("Entropy weights need at least 2 units (rows); the table has %(m)d.") % {"m": m})
    benefit = as_directions(directions, n)
    if normalization == "minmax":
        r, constant = _minmax(x, benefit)
    else:
        # Proportions need positive values; cost columns use the reciprocal 1/x (pyDecision's convention).
        bad = x <= 0
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise MethodError(
                _("Row %(row)d, column %(col)d: %(value)s is not positive; sum normalisation needs values above 0 "
                  "(use min–max normalisation instead).") % {"row": i + 1, "col": j + 1, "value": x[i, j]}
            )  # fmt: skip
        r = np.where(benefit, x, 1.0 / x)
        constant = (x == x[0]).all(axis=0)
    if constant.all():
        raise MethodError(
            _("Every column is constant across units, so entropy weights are undefined (no column tells units apart).")
        )
    p = r / r.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)  # 0 · ln 0 = 0
    e = -plogp.sum(axis=0) / np.log(m)
    e[constant] = 1.0
    e = np.clip(e, 0.0, 1.0)
    d = 1.0 - e
    w = d / d.sum()
    return WeightsResult(
        weights=to_tuple(w),
        details={
            "e": to_tuple(e),
            "d": to_tuple(d),
            "constant": tuple(bool(c) for c in constant),
            "normalization": normalization,
        },
    )


def critic_weights(matrix, *, directions) -> WeightsResult:
    """CRITIC weights (Diakoulaki et al. 1995): contrast (sample SD) times conflict (Σ 1 − r) per column."""
    x = as_matrix(matrix, what=_("Data table"))
    m, n = x.shape
    if m < 3:
        raise MethodError(
            _("CRITIC weights need at least 3 units (rows) for meaningful correlations; the table has %(m)d.")
            % {"m": m}
        )
    benefit = as_directions(directions, n)
    r, constant = _minmax(x, benefit)
    if constant.all():
        raise MethodError(_("Every column is constant across units, so CRITIC weights are undefined."))
    live = ~constant
    sd = np.zeros(n)
    sd[live] = r[:, live].std(axis=0, ddof=1)
    corr = np.full((n, n), np.nan)
    sub = np.atleast_2d(np.corrcoef(r[:, live], rowvar=False))
    corr[np.ix_(live, live)] = sub
    # Constant columns carry no information and have no defined correlation: they get weight 0 and are left out
    # of the other columns' conflict sums.
    conflict = np.zeros(n)
    conflict[live] = (1.0 - sub).sum(axis=1)
    info = sd * conflict
    total = info.sum()
    if not total > 0:
        raise MethodError(
            _(
                "Only one column varies, or the varying columns are perfectly correlated with each other, so CRITIC "
                "weights are undefined."
            )
        )
    w = info / total
    return WeightsResult(
        weights=to_tuple(w),
        details={
            "sd": to_tuple(sd),
            "conflict": to_tuple(conflict),
            "information": to_tuple(info),
            "correlation": tuple(tuple(None if np.isnan(v) else v for v in row) for row in corr.tolist()),
            "constant": tuple(bool(c) for c in constant),
        },
    )


def combine_weights(*vectors, method: str = "linear", alpha=0.5) -> CombinedWeights:
    """Combine weight vectors (each summing to 1): linear, multiplicative, minimum discrimination (mdi), game."""
    check_choice(method, COMBINE_METHODS, what=_("Combination method"))
    if len(vectors) < 2:
        raise MethodError(_("Give at least two weight vectors to combine."))
    first = as_weights(vectors[0], what=_("Weight vector %(k)d") % {"k": 1})
    ws = np.stack(
        [first]
        + [
            as_weights(v, what=_("Weight vector %(k)d") % {"k": k + 2}, length=first.shape[0])
            for k, v in enumerate(vectors[1:])
        ]
    )
    count = ws.shape[0]
    if method == "linear":
        if np.ndim(alpha) == 0:
            if count != 2:
                raise MethodError(
                    _("A single alpha combines two vectors; for %(k)d vectors give one coefficient per vector.")
                    % {"k": count}
                )
            a = float(alpha)
            if not 0.0 <= a <= 1.0:
                raise MethodError(_("Alpha is %(a)s; it must be between 0 and 1.") % {"a": a})
            coef = np.array([a, 1.0 - a])
        else:
            coef = as_weights(alpha, what=_("Coefficients"), length=count)
        w = coef @ ws
    elif method in ("multiplicative", "mdi"):
        coef = np.full(count, 1.0 if method == "multiplicative" else 1.0 / count)
        w = np.prod(ws ** coef[:, None], axis=0)
        total = w.sum()
        if not total > 0:
            raise MethodError(
                _("No criterion has a positive weight in every vector, so the product combination is undefined.")
            )
        w = w / total
    else:
        # Game theory: Σ_k α_k (w_l · w_k) = w_l · w_l for each l; α* = |α| / Σ|α|. lstsq gives the minimum-norm
        # solution when vectors coincide (singular Gram matrix).
        gram = ws @ ws.T
        raw, *_rest = np.linalg.lstsq(gram, np.diagonal(gram).copy(), rcond=None)
        coef = np.abs(raw) / np.abs(raw).sum()
        w = coef @ ws
    return CombinedWeights(weights=to_tuple(w / w.sum()), coefficients=to_tuple(coef))
