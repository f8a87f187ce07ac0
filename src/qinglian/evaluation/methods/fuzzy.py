"""Fuzzy comprehensive evaluation (模糊综合评价): B = A ∘ R with a chosen composition operator."""

from dataclasses import dataclass

import numpy as np

from .errors import MethodError, _, as_matrix, as_vector, as_weights, check_choice, to_tuple

__all__ = ["FuzzyResult", "fuzzy_evaluate"]

OPERATORS = ("weighted_average", "zadeh", "product_max", "bounded_sum")


@dataclass(frozen=True)
class FuzzyResult:
    membership: tuple
    score: float | None
    grade: int


def fuzzy_evaluate(weights, memberships, *, operator: str = "weighted_average", grade_scores=None) -> FuzzyResult:
    """Compose factor weights A (n) with the membership matrix R (n factors × p grades) into B (p)."""
    check_choice(operator, OPERATORS, what=_("Operator"))
    r = as_matrix(memberships, what=_("Membership matrix"))
    n, p = r.shape
    a = as_weights(weights, length=n)
    bad = (r < 0) | (r > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MethodError(
            _("Membership matrix, row %(row)d, column %(col)d: %(value)s is outside 0–1.")
            % {"row": i + 1, "col": j + 1, "value": f"{r[i, j]:.6g}"}
        )
    if operator == "weighted_average":  # M(·, ⊕): Σ a_i r_ij, uses all information
        b = a @ r
    elif operator == "zadeh":  # M(∧, ∨): max_i min(a_i, r_ij)
        b = np.minimum(a[:, None], r).max(axis=0)
    elif operator == "product_max":  # M(·, ∨): max_i a_i r_ij
        b = (a[:, None] * r).max(axis=0)
    else:  # M(∧, ⊕): min(1, Σ_i min(a_i, r_ij))
        b = np.minimum(1.0, np.minimum(a[:, None], r).sum(axis=0))
    total = b.sum()
    if not total > 0:
        raise MethodError(_("Every composed membership is 0, so no grade can be chosen; check the membership matrix."))
    if operator != "weighted_average":
        # The non-additive operators do not keep Σ b = 1; normalise so B reads as a distribution over grades.
        b = b / total
        total = 1.0
    score = None
    if grade_scores is not None:
        c = as_vector(grade_scores, what=_("Grade scores"), length=p)
        score = float(b @ c / total)
    # Maximum-membership rule; ties go to the first (best-listed) grade.
    return FuzzyResult(membership=to_tuple(b), score=score, grade=int(np.argmax(b)))
