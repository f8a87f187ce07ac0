"""Analytic hierarchy process: priority weights, consistency, group aggregation and the worst judgment."""

from dataclasses import dataclass

import numpy as np

from .errors import MethodError, _, _fmt, as_vector, as_weights, check_choice, to_tuple

__all__ = ["RI_TABLES", "AHPResult", "Inconsistency", "ahp", "ahp_aggregate", "ahp_most_inconsistent"]

# Random consistency index RI(n) for n = 1..15 (index n − 1). RI(1) = RI(2) = 0: a 1×1 or 2×2 reciprocal matrix
# is always consistent, and CR is then defined as 0 rather than divided by zero.
# fmt: off
RI_TABLES: dict[str, tuple] = {
    # Saaty (1980), The Analytic Hierarchy Process; n = 11..15 as extended in later printings.
    "saaty1980": (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
    # Saaty (2005), Theory and Applications of the Analytic Network Process, p. 31 (AHPy random_index="saaty").
    "saaty2005": (0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    # The table in Chinese textbooks ("1–15 阶 … 计算 1000 次").
    "chinese": (0.0, 0.0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
    # Donegan & Dodd (1991), Mathematical and Computer Modelling 15(10):135–137 (AHPy default "dd").
    "donegan_dodd": (0.0, 0.0, 0.4914, 0.8286, 1.0591, 1.1797, 1.2519, 1.3171, 1.3733, 1.4055,
                     1.4213, 1.4497, 1.4643, 1.4822, 1.4969),
    # Tummala & Ling (1998), Theory and Decision 44(3):221–230 (pymcdm AHP).
    "tummala_ling": (0.0, 0.0, 0.5799, 0.8921, 1.1159, 1.2358, 1.3322, 1.3952, 1.4537, 1.4882,
                     1.5117, 1.5356, 1.5571, 1.5714, 1.5831),
}
# fmt: on

METHODS = ("eigen", "geometric", "arithmetic")
RECIPROCAL_TOLERANCE = 1e-6
CR_ACCEPTABLE = 0.1


@dataclass(frozen=True)
class AHPResult:
    weights: tuple
    lambda_max: float
    ci: float
    cr: float
    n: int
    method: str
    ri: str
    acceptable: bool


@dataclass(frozen=True)
class Inconsistency:
    """The judgment a_ij (0-based i < j) farthest from the ratio w_i / w_j the weights imply, with `indirect`: what
    the other judgments alone imply for it, the geometric mean over k of a_ik · a_kj (for three items, replacing
    a_ij by it makes the matrix consistent; the weights' ratio still carries the bad judgment's own pull)."""

    i: int
    j: int
    judged: float
    implied: float
    indirect: float = 0.0


def _judgment_matrix(matrix, *, what: str | None = None, max_n: int | None = None) -> np.ndarray:
    """A validated positive reciprocal matrix with unit diagonal, or MethodError naming the offending cell."""
    what = what or _("Judgment matrix")
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError) as e:
        raise MethodError(_("%(what)s must be a square table of numbers.") % {"what": what}) from e
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        shape = " × ".join(str(s) for s in a.shape) if a.ndim else "1"
        raise MethodError(_("%(what)s must be square (n × n); it is %(shape)s.") % {"what": what, "shape": shape})
    n = a.shape[0]
    if max_n is not None and n > max_n:
        raise MethodError(
            _("%(what)s is %(n)d × %(n)d; the random index tables go up to %(max)d × %(max)d. Split the criteria "
              "into groups of at most %(max)d.") % {"what": what, "n": n, "max": max_n}
        )  # fmt: skip
    bad = ~(np.isfinite(a) & (a > 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MethodError(
            _("%(what)s, row %(row)d, column %(col)d: %(value)s is not a positive judgment.")
            % {"what": what, "row": i + 1, "col": j + 1, "value": _fmt(a[i, j]) if np.isfinite(a[i, j]) else a[i, j]}
        )
    diag = np.diagonal(a)
    off = np.abs(diag - 1.0) > RECIPROCAL_TOLERANCE
    if off.any():
        k = int(np.argmax(off))
        raise MethodError(
            _("%(what)s, row %(row)d, column %(row)d: the diagonal must be 1, not %(value)s.")
            % {"what": what, "row": k + 1, "value": _fmt(diag[k])}
        )
    # a_ij · a_ji = 1 within a relative tolerance.
    off = np.abs(a * a.T - 1.0) > RECIPROCAL_TOLERANCE
    if off.any():
        i, j = np.argwhere(np.triu(off, 1))[0]
        raise MethodError(
            _("%(what)s is not reciprocal: row %(row)d, column %(col)d is %(a)s but row %(col)d, column %(row)d is "
              "%(b)s (it should be 1/%(a)s = %(inv)s).")
            % {"what": what, "row": i + 1, "col": j + 1, "a": _fmt(a[i, j]), "b": _fmt(a[j, i]),
               "inv": _fmt(1 / a[i, j])}
        )  # fmt: skip
    return a


def _principal(a: np.ndarray) -> tuple[np.ndarray, float]:
    """Perron eigenvector (normalised to sum 1) and eigenvalue of a positive matrix."""
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    v = np.abs(vectors[:, k].real)  # the Perron vector has one sign; abs removes eig's arbitrary sign
    return v / v.sum(), float(values[k].real)


def _weights(a: np.ndarray, method: str) -> tuple[np.ndarray, float]:
    n = a.shape[0]
    if method == "eigen":
        w, lam = _principal(a)
    else:
        # Geometric: row geometric mean; arithmetic: mean of the column-normalised rows.
        w = np.exp(np.log(a).mean(axis=1)) if method == "geometric" else (a / a.sum(axis=0)).mean(axis=1)
        w = w / w.sum()
        lam = float(((a @ w) / w).mean())
    # λmax ≥ n for every positive reciprocal matrix (and for the approximation above, by AM–GM); anything below is
    # rounding, so CI is clamped at 0 and a consistent matrix reports exactly CR 0.
    return w, max(lam, float(n))


def ahp(matrix, *, method: str = "eigen", ri: str = "saaty1980") -> AHPResult:
    """Priority weights of a pairwise comparison matrix and its consistency (CI, CR by the chosen RI table)."""
    check_choice(method, METHODS, what=_("AHP method"))
    check_choice(ri, tuple(RI_TABLES), what=_("Random index table"))
    table = RI_TABLES[ri]
    a = _judgment_matrix(matrix, max_n=len(table))
    n = a.shape[0]
    w, lam = _weights(a, method)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    cr = ci / table[n - 1] if n > 2 else 0.0
    return AHPResult(
        weights=to_tuple(w),
        lambda_max=float(lam) if n > 2 else float(n),
        ci=float(ci),
        cr=float(cr),
        n=n,
        method=method,
        ri=ri,
        acceptable=bool(cr < CR_ACCEPTABLE),
    )


def ahp_most_inconsistent(matrix, weights=None) -> Inconsistency | None:
    """The upper-triangle judgment deviating most from w_i/w_j (max |ln(a_ij w_j / w_i)|); None when n ≤ 2."""
    a = _judgment_matrix(matrix)
    n = a.shape[0]
    if n <= 2:
        return None
    if weights is None:
        w, _lam = _principal(a)
    else:
        w = as_vector(weights, what=_("Weights"), length=n)
        if (w <= 0).any():
            raise MethodError(_("Weights must all be positive to compare them with judgments."))
    implied = w[:, None] / w[None, :]
    dev = np.abs(np.log(a / implied))
    dev[np.tril_indices(n)] = -1.0
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    others = [k for k in range(n) if k not in (i, j)]
    indirect = float(np.exp(np.mean([np.log(a[i, k] * a[k, j]) for k in others])))
    return Inconsistency(i=int(i), j=int(j), judged=float(a[i, j]), implied=float(implied[i, j]), indirect=indirect)


def ahp_aggregate(matrices, *, weights=None) -> tuple:
    """Aggregate individual judgments (AIJ): the element-wise weighted geometric mean, which stays reciprocal."""
    matrices = list(matrices)
    if not matrices:
        raise MethodError(_("Give at least one judgment matrix to aggregate."))
    stack = []
    for k, m in enumerate(matrices):
        a = _judgment_matrix(m, what=_("Judgment matrix %(k)d") % {"k": k + 1})
        if stack and a.shape != stack[0].shape:
            raise MethodError(
                _("Judgment matrix %(k)d is %(n)d × %(n)d but matrix 1 is %(m)d × %(m)d; all must compare the same "
                  "criteria.") % {"k": k + 1, "n": a.shape[0], "m": stack[0].shape[0]}
            )  # fmt: skip
        stack.append(a)
    if weights is None:
        w = np.full(len(stack), 1.0 / len(stack))
    else:
        w = as_weights(weights, what=_("Expert weights"), length=len(stack))
    logs = np.tensordot(w, np.log(np.stack(stack)), axes=1)
    out = np.exp(logs)
    np.fill_diagonal(out, 1.0)
    return tuple(tuple(row) for row in out.tolist())
