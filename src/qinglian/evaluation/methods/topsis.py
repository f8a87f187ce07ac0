"""TOPSIS closeness to the ideal: relative (vector or min–max normalisation) or absolute (fixed anchors)."""

from dataclasses import dataclass

import numpy as np

from .errors import MethodError, _, _fmt, as_directions, as_matrix, as_weights, check_choice, to_tuple

__all__ = ["TopsisResult", "topsis"]

NORMALIZATIONS = ("vector", "minmax")


@dataclass(frozen=True)
class TopsisResult:
    closeness: tuple
    d_plus: tuple
    d_minus: tuple


def _row_distance(v: np.ndarray, point: np.ndarray, buf: np.ndarray) -> np.ndarray:
    """Euclidean distance of every row of v to point, reusing buf (same shape as v) to avoid allocations."""
    np.subtract(v, point, out=buf)
    return np.sqrt(np.einsum("ij,ij->i", buf, buf))


def _check_span(span: np.ndarray) -> None:
    if not np.isfinite(span).all():
        k = int(np.argmax(~np.isfinite(span)))
        raise MethodError(
            _("Column %(col)d: the values are too far apart to compute with; rescale the data.") % {"col": k + 1}
        )


def _anchors(anchors, n: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        b = np.asarray(anchors, dtype=float)
    except (TypeError, ValueError) as e:
        raise MethodError(_("Anchors must be a (low, high) pair of numbers for each column.")) from e
    if b.shape != (n, 2):
        raise MethodError(_("Anchors must be a (low, high) pair for each of the %(n)d columns.") % {"n": n})
    lo, hi = b[:, 0], b[:, 1]
    bad = ~(np.isfinite(lo) & np.isfinite(hi) & (hi > lo))
    if bad.any():
        k = int(np.argmax(bad))
        raise MethodError(
            _("Anchors of column %(col)d are (%(lo)s, %(hi)s); the low anchor must be below the high one.")
            % {"col": k + 1, "lo": _fmt(lo[k]) if np.isfinite(lo[k]) else lo[k],
               "hi": _fmt(hi[k]) if np.isfinite(hi[k]) else hi[k]}
        )  # fmt: skip
    return lo, hi


def topsis(matrix, weights, *, directions, normalization: str = "vector", anchors=None) -> TopsisResult:
    """Closeness C = D⁻ / (D⁺ + D⁻) of each row (unit) to the ideal; higher is better."""
    check_choice(normalization, NORMALIZATIONS, what=_("Normalisation"))
    x = as_matrix(matrix, what=_("Data table"))
    m, n = x.shape
    w = as_weights(weights, length=n)
    benefit = as_directions(directions, n)

    if anchors is not None:
        # Absolute TOPSIS: scale against fixed bounds, clip to [0, 1], orient; ideal = w, anti-ideal = 0.
        lo, hi = _anchors(anchors, n)
        with np.errstate(over="ignore"):
            span = hi - lo
        _check_span(span)
        scale = np.where(benefit, w / span, -w / span)
        shift = np.where(benefit, -lo * scale, -hi * scale)  # v = w·(x − lo)/span or w·(hi − x)/span
        v = x * scale
        v += shift
        np.clip(v, 0.0, w, out=v)
        best, worst = w, np.zeros(n)
    elif normalization == "vector":
        with np.errstate(over="ignore"):
            norm = np.sqrt(np.einsum("ij,ij->j", x, x))
        huge = ~np.isfinite(norm)
        if huge.any():  # Σx² overflowed: rescale those columns by their largest magnitude first
            big = np.abs(x[:, huge]).max(axis=0)
            norm[huge] = big * np.sqrt(np.einsum("ij,ij->j", x[:, huge] / big, x[:, huge] / big))
        # An all-zero column has no length and no information: it contributes 0 to every distance.
        scale = np.divide(w, norm, out=np.zeros(n), where=norm > 0)
        v = x * scale
        vmax, vmin = v.max(axis=0), v.min(axis=0)
        best = np.where(benefit, vmax, vmin)
        worst = np.where(benefit, vmin, vmax)
    else:
        xmin, xmax = x.min(axis=0), x.max(axis=0)
        with np.errstate(over="ignore"):
            span = xmax - xmin
        _check_span(span)
        constant = span == 0
        # Oriented min–max: benefit (x − min)/span, cost (max − x)/span; a constant column is 1 for everyone.
        scale = np.divide(np.where(benefit, w, -w), span, out=np.zeros(n), where=~constant)
        shift = np.where(constant, w, np.where(benefit, -xmin * scale, -xmax * scale))
        v = x * scale
        v += shift
        best, worst = w, np.where(constant, w, 0.0)

    buf = np.empty_like(v)
    d_plus = _row_distance(v, best, buf)
    d_minus = _row_distance(v, worst, buf)
    total = d_plus + d_minus
    # D⁺ + D⁻ = 0 only when every unit equals both ideals on every weighted criterion: no unit is better or worse,
    # so the closeness is defined as the midpoint 0.5 rather than 0/0.
    closeness = np.divide(d_minus, total, out=np.full(m, 0.5), where=total > 0)
    if not np.isfinite(total).all():
        raise MethodError(_("The values are too large to compute distances; rescale the data (e.g. to thousands)."))
    return TopsisResult(closeness=to_tuple(closeness), d_plus=to_tuple(d_plus), d_minus=to_tuple(d_minus))
