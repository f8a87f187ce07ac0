"""Grey relational analysis (灰色关联分析, Deng): how closely each comparison sequence follows the reference."""

from dataclasses import dataclass

import numpy as np

from .errors import MethodError, _, as_matrix, as_vector, as_weights, check_choice, to_tuple

__all__ = ["GreyResult", "grey_relational_grades"]

NORMALIZATIONS = ("mean", "initial", "minmax", "none")


@dataclass(frozen=True)
class GreyResult:
    grades: tuple
    coefficients: tuple
    normalized: tuple = ()  # the normalised sequences: reference first, then each comparison
    delta_min: float = 0.0  # two-level minimum a of |x0(k) − xi(k)|
    delta_max: float = 0.0  # two-level maximum b


def _normalise(s: np.ndarray, how: str) -> np.ndarray:
    """Normalise each row (sequence) of s on its own; rows are reference first, then the comparisons."""
    if how == "none":
        return s
    if how == "mean":
        base = s.mean(axis=1)
        label = _("its mean is 0")
    elif how == "initial":
        base = s[:, 0]
        label = _("its first value is 0")
    else:
        lo, hi = s.min(axis=1), s.max(axis=1)
        base = hi - lo
        label = _("it is constant")
    bad = base == 0
    if bad.any():
        k = int(np.argmax(bad))
        seq = _("the reference sequence") if k == 0 else _("comparison sequence %(k)d") % {"k": k}
        raise MethodError(
            _("Cannot normalise %(seq)s: %(why)s. Choose another normalisation.") % {"seq": seq, "why": label}
        )
    if how == "minmax":
        return (s - lo[:, None]) / base[:, None]
    return s / base[:, None]


def grey_relational_grades(
    reference, comparisons, *, rho: float = 0.5, normalization: str = "mean", weights=None
) -> GreyResult:
    """Deng's grey relational grade of each comparison sequence (row) to the reference sequence."""
    check_choice(normalization, NORMALIZATIONS, what=_("Normalisation"))
    x0 = as_vector(reference, what=_("Reference sequence"), min_length=1)
    k = x0.shape[0]
    xs = as_matrix(comparisons, what=_("Comparison sequences"))
    if xs.shape[1] != k:
        raise MethodError(
            _("Each comparison sequence has %(got)d values but the reference has %(k)d; they must be the same "
              "length.") % {"got": xs.shape[1], "k": k}
        )  # fmt: skip
    rho = float(rho)
    if not 0.0 < rho <= 1.0:
        raise MethodError(_("The distinguishing coefficient rho is %(rho)s; it must be above 0 and at most 1.")
                          % {"rho": rho})  # fmt: skip
    w = None if weights is None else as_weights(weights, length=k)
    s = _normalise(np.vstack([x0, xs]), normalization)
    delta = np.abs(s[1:] - s[0])
    a, b = delta.min(), delta.max()
    # b = 0: every sequence coincides with the reference, a full relation by definition.
    xi = np.ones_like(delta) if b == 0 else (a + rho * b) / (delta + rho * b)
    grades = xi.mean(axis=1) if w is None else xi @ w
    return GreyResult(
        grades=to_tuple(grades),
        coefficients=tuple(to_tuple(row) for row in xi),
        normalized=tuple(to_tuple(row) for row in s),
        delta_min=float(a),
        delta_max=float(b),
    )
