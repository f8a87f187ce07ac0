"""The methods library's one error type, its message translation, and the input checks every method shares.

Checks are vectorised (one pass over the data) and only look for the offending cell once a check has failed, so
validation costs O(size) with a small constant even for very large matrices.
"""

from collections.abc import Sequence

import numpy as np

__all__ = ["MethodError", "_"]

DIRECTIONS = ("benefit", "cost")
SUM_TOLERANCE = 1e-6


class MethodError(ValueError):
    """Input a method cannot use, with a plain message saying what and why (already translated)."""


def _(text: str) -> str:
    """Translate through Django's gettext when Django is set up; the English text otherwise.

    The library runs without Django (scripts, notebooks, benchmarks), so the import and the settings check are
    guarded; a message is translated at the moment it is raised, in the active language.
    """
    try:
        from django.conf import settings

        if not settings.configured:
            return text
        from django.apps import apps

        if not apps.ready:
            return text
        from django.utils.translation import gettext

        return gettext(text)
    except ImportError:
        return text


def _fmt(x: float) -> str:
    """A number as people write it: 3, 0.5, 0.3333."""
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def as_matrix(data, *, what: str, min_rows: int = 1, min_cols: int = 1) -> np.ndarray:
    """A 2-D float array with finite values, or MethodError naming the first bad cell (1-based)."""
    try:
        a = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as e:
        raise MethodError(_("%(what)s must be a table of numbers with rows of equal length.") % {"what": what}) from e
    if a.ndim != 2:
        raise MethodError(
            _("%(what)s must be a table (rows × columns); got %(ndim)d dimension(s).") % {"what": what, "ndim": a.ndim}
        )
    rows, cols = a.shape
    if rows < min_rows:
        raise MethodError(
            _("%(what)s needs at least %(min)d row(s); it has %(rows)d.")
            % {"what": what, "min": min_rows, "rows": rows}
        )
    if cols < min_cols:
        raise MethodError(
            _("%(what)s needs at least %(min)d column(s); it has %(cols)d.")
            % {"what": what, "min": min_cols, "cols": cols}
        )
    if not np.isfinite(a).all():
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise MethodError(
            _("%(what)s, row %(row)d, column %(col)d: %(value)s is not a finite number.")
            % {"what": what, "row": i + 1, "col": j + 1, "value": a[i, j]}
        )
    return a


def as_vector(data, *, what: str, length: int | None = None, min_length: int = 1) -> np.ndarray:
    """A 1-D float array with finite values (of the given length), or MethodError."""
    try:
        a = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as e:
        raise MethodError(_("%(what)s must be a list of numbers.") % {"what": what}) from e
    if a.ndim != 1:
        raise MethodError(_("%(what)s must be a flat list of numbers.") % {"what": what})
    if length is not None and a.shape[0] != length:
        raise MethodError(
            _("%(what)s has %(got)d value(s); %(expected)d are needed.")
            % {"what": what, "got": a.shape[0], "expected": length}
        )
    if a.shape[0] < min_length:
        raise MethodError(
            _("%(what)s needs at least %(min)d value(s); it has %(got)d.")
            % {"what": what, "min": min_length, "got": a.shape[0]}
        )
    if not np.isfinite(a).all():
        k = int(np.argmax(~np.isfinite(a)))
        raise MethodError(
            _("%(what)s, position %(pos)d: %(value)s is not a finite number.")
            % {"what": what, "pos": k + 1, "value": a[k]}
        )
    return a


def as_weights(data, *, what: str | None = None, length: int | None = None) -> np.ndarray:
    """Non-negative weights summing to 1 within SUM_TOLERANCE, or MethodError."""
    what = what or _("Weights")
    w = as_vector(data, what=what, length=length)
    if (w < 0).any():
        k = int(np.argmax(w < 0))
        raise MethodError(
            _("%(what)s, position %(pos)d: %(value)s is negative; weights must be 0 or more.")
            % {"what": what, "pos": k + 1, "value": _fmt(w[k])}
        )
    total = float(w.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise MethodError(_("%(what)s sum to %(total)s; they must sum to 1.") % {"what": what, "total": f"{total:.6g}"})
    return w


def as_directions(directions, n: int) -> np.ndarray:
    """A boolean array, True where a column is a benefit criterion, from the words "benefit"/"cost"."""
    if isinstance(directions, str) or not isinstance(directions, Sequence | np.ndarray):
        raise MethodError(_('Directions must be a list with "benefit" or "cost" for each column.'))
    if len(directions) != n:
        raise MethodError(
            _("Directions has %(got)d entries but the table has %(n)d columns; give one per column.")
            % {"got": len(directions), "n": n}
        )
    benefit = np.empty(n, dtype=bool)
    for k, word in enumerate(directions):
        if word not in DIRECTIONS:
            raise MethodError(
                _('Direction of column %(col)d is "%(word)s"; use "benefit" or "cost".') % {"col": k + 1, "word": word}
            )
        benefit[k] = word == "benefit"
    return benefit


def check_choice(value, choices: Sequence[str], *, what: str) -> str:
    if value not in choices:
        raise MethodError(
            _('%(what)s "%(value)s" is not known; use one of: %(choices)s.')
            % {"what": what, "value": value, "choices": ", ".join(choices)}
        )
    return value


def to_tuple(a: np.ndarray) -> tuple:
    """Plain Python floats (tolist converts numpy scalars in C, fast for large arrays)."""
    return tuple(a.tolist())
