"""Shapley (LMG) decomposition of an OLS R² over predictors or groups of predictors, by exact enumeration."""

from dataclasses import dataclass
from math import factorial

import numpy as np

from .errors import MethodError, _, as_matrix, as_vector

__all__ = ["MAX_PLAYERS", "ShapleyResult", "shapley_r2"]

MAX_PLAYERS = 15


@dataclass(frozen=True)
class ShapleyResult:
    r2: float
    shares: dict
    players: tuple


def _players(names: list[str], groups) -> tuple[tuple, list[list[int]]]:
    """Players in order (groups first, then ungrouped predictors) and the column indices each one holds."""
    index = {name: k for k, name in enumerate(names)}
    players, columns, taken = [], [], {}
    for group, members in (groups or {}).items():
        members = list(members)
        if not members:
            raise MethodError(_('Group "%(group)s" has no predictors.') % {"group": group})
        cols = []
        for name in members:
            if name not in index:
                raise MethodError(
                    _('Group "%(group)s" names "%(name)s", which is not a predictor.') % {"group": group, "name": name}
                )
            if name in taken:
                raise MethodError(
                    _('Predictor "%(name)s" is in both group "%(a)s" and group "%(b)s".')
                    % {"name": name, "a": taken[name], "b": group}
                )
            taken[name] = group
            cols.append(index[name])
        if group in index and group not in members:
            raise MethodError(_('Group "%(group)s" has the same name as a predictor outside it.') % {"group": group})
        players.append(str(group))
        columns.append(cols)
    for name in names:
        if name not in taken:
            players.append(name)
            columns.append([index[name]])
    return tuple(players), columns


def shapley_r2(y, X, *, names, groups=None) -> ShapleyResult:
    """Each player's Shapley share of R²: shares sum to the full model's R² (efficiency)."""
    yv = as_vector(y, what=_("Outcome variable"))
    x = as_matrix(X, what=_("Predictors"))
    rows, k = x.shape
    if yv.shape[0] != rows:
        raise MethodError(
            _("The outcome has %(y)d values but the predictors have %(x)d rows.") % {"y": yv.shape[0], "x": rows}
        )
    names = [str(n) for n in names]
    if len(names) != k:
        raise MethodError(_("There are %(got)d names for %(k)d predictor columns.") % {"got": len(names), "k": k})
    if len(set(names)) != k:
        raise MethodError(_("Predictor names must be unique."))
    if rows < k + 2:
        raise MethodError(
            _("%(rows)d rows are too few for %(k)d predictors and an intercept; at least %(need)d are needed.")
            % {"rows": rows, "k": k, "need": k + 2}
        )
    players, columns = _players(names, groups)
    p = len(players)
    if p > MAX_PLAYERS:
        raise MethodError(
            _("%(p)d players (predictors or groups) are more than the %(max)d exact enumeration allows; group "
              "related predictors.") % {"p": p, "max": MAX_PLAYERS}
        )  # fmt: skip
    # The intercept is absorbed by centring. One QR of [X y] reduces every subset regression to a (k+1)-row least
    # squares problem with the same residual sum of squares, so 2^p fits cost little even for many rows.
    z = np.column_stack([x - x.mean(axis=0), yv - yv.mean()])
    tss = float(z[:, -1] @ z[:, -1])
    if not tss > 0:
        raise MethodError(_("The outcome is constant, so there is no variance to explain."))
    r = np.linalg.qr(z, mode="r")
    ry = r[:, -1]
    size = 1 << p
    r2 = np.zeros(size)
    for mask in range(1, size):
        cols = [c for b in range(p) if mask >> b & 1 for c in columns[b]]
        coef, *_rest = np.linalg.lstsq(r[:, cols], ry, rcond=None)
        resid = ry - r[:, cols] @ coef
        r2[mask] = 1.0 - float(resid @ resid) / tss
    masks = np.arange(size)
    counts = np.array([bin(m).count("1") for m in range(size)])
    weight = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])
    shares = {}
    for b in range(p):
        without = masks[(masks >> b & 1) == 0]
        gain = r2[without | (1 << b)] - r2[without]
        shares[players[b]] = float(weight[counts[without]] @ gain)
    return ShapleyResult(r2=float(r2[size - 1]), shares=shares, players=players)
