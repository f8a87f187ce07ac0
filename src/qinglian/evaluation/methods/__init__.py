"""Qinglian's evaluation methods: weighting, aggregation and contribution analysis as plain functions.

Pure numpy/scipy, no Django models: every function takes lists or numpy arrays and returns a frozen dataclass of
plain Python floats and tuples, so results can be stored as JSON, compared in tests and shown in pages. The
algorithms, their variants and the reference examples are those of the project's research note
``evaluation-methods.md`` (§2 algorithms, §3 panel methods, §5 worked examples); the tests reproduce the §5
examples to their published precision.

Conventions
===========

* Rows are units (alternatives, branches), columns are criteria (indicators). Messages count rows, columns and
  positions from 1; returned indices (``Inconsistency.i/j``, ``FuzzyResult.grade``) are 0-based.
* ``directions``: one word per column, ``"benefit"`` (more is better) or ``"cost"`` (less is better).
* Weight vectors must be non-negative and sum to 1 within 1e-6; otherwise ``MethodError``.
* Bad input raises :class:`MethodError` (a ``ValueError``) with a plain, specific, translated message: which
  cell, which value, why ("Judgment matrix, row 2, column 3: 0 is not a positive judgment"). No function returns
  NaN or infinity: undefined cases either have a documented definition (below) or raise.
* Messages go through ``methods.errors._``: Django's gettext when settings are configured and apps are loaded,
  the English text otherwise (scripts, notebooks, benchmarks).
* Validation is vectorised: one pass over the data, and the offending cell is only looked for after a failed
  check. ``topsis`` on 300,000 × 30 runs at plain-numpy speed.

AHP — ``ahp(matrix, *, method="eigen", ri="saaty1980") -> AHPResult``
=======================================================================

Priority weights of a pairwise comparison matrix (Saaty 1–9 scale, a_ji = 1/a_ij, a_ii = 1).

* ``method="eigen"``: principal right eigenvector normalised to sum 1 (Saaty), λmax the principal eigenvalue.
  ``"geometric"``: row geometric mean (RGMM). ``"arithmetic"``: mean of the column-normalised rows. For the two
  approximations λmax = (1/n) Σ (Aw)_i / w_i.
* CI = (λmax − n)/(n − 1); CR = CI / RI(n); ``acceptable`` is CR < 0.1. λmax ≥ n always holds, so rounding below
  n is clamped and a perfectly consistent matrix gives CI = CR = 0 exactly.
* ``ri`` picks the random index table (``RI_TABLES``, n = 1..15): ``"saaty1980"`` (0.58, 0.90, 1.12 …; pyDecision),
  ``"saaty2005"`` (ANP book p. 31: 0.52, 0.89, 1.11 …; AHPy ``"saaty"``), ``"chinese"`` (the textbook table:
  0.52, 0.89, 1.12, 1.26, 1.36 …), ``"donegan_dodd"`` (1991: 0.4914, 0.8286 …; AHPy default), ``"tummala_ling"``
  (1998: 0.5799, 0.8921 …; pymcdm). The same matrix has a different CR under each table; record the table.
* RI(1) = RI(2) = 0: a 1×1 or 2×2 reciprocal matrix is always consistent; CR is defined as 0 (never divided by 0).
* Rejected: not square; a judgment that is zero, negative or not finite; a diagonal other than 1; a_ij · a_ji ≠ 1
  beyond a relative 1e-6 (the message names both cells and both values); n above 15 (beyond every RI table:
  split the criteria into groups).
* Example (Saaty 2008 drinks, §5 E1): weights 0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327; λmax 7.1766;
  CI 0.02944; CR 0.0223 (saaty1980), 0.0218 (saaty2005), 0.0216 (chinese), 0.0235 (donegan_dodd),
  0.0221 (tummala_ling).

``ahp_most_inconsistent(matrix, weights=None) -> Inconsistency | None``: the judgment a_ij (i < j) farthest from
the ratio the weights imply, by |ln(a_ij w_j / w_i)| — the one to revisit with the expert when CR ≥ 0.1. Weights
default to the eigenvector. ``None`` for n ≤ 2 (always consistent).

``ahp_aggregate(matrices, *, weights=None) -> tuple[tuple[float, ...], ...]``: group AHP by aggregating individual
judgments (AIJ, Aczél & Saaty 1983): element-wise weighted geometric mean, which keeps reciprocity. Expert weights
default to equal; they must sum to 1. Check each expert's CR and the aggregate's (pass the result to ``ahp``).

Objective weights — ``entropy_weights`` and ``critic_weights`` ``-> WeightsResult(weights, details)``
=====================================================================================================

``entropy_weights(matrix, *, directions, normalization="minmax")``: p_ij = r_ij / Σ_i r_ij;
e_j = −(1/ln m) Σ_i p_ij ln p_ij with 0 · ln 0 = 0; d_j = 1 − e_j; w_j = d_j / Σ d.

* ``normalization="minmax"`` (the Chinese practice): benefit (x − min)/(max − min), cost (max − x)/(max − min).
  Handles zeros and negative values; every varying column gets a 0 and a 1.
* ``normalization="sum"``: proportions of the raw values (benefit x, cost 1/x — pyDecision's convention); needs
  every value > 0. This reproduces §5 E5 (Elsayed et al. 2017): weights 0.104991, 0.069124, 0.071373,
  0.449937, 0.304575.
* A constant column has e = 1 exactly and weight 0 (it tells no units apart). All columns constant, or fewer than
  2 rows: ``MethodError``. ``details``: ``e``, ``d``, ``constant`` (per column), ``normalization``.
* Caution: entropy rewards dispersion, not importance — rare events can dominate. Combine with subjective weights
  and freeze the result per evaluation cycle.

``critic_weights(matrix, *, directions)`` (Diakoulaki et al. 1995): oriented min–max normalisation; σ_j the sample
SD (ddof 1); r_jk Pearson correlations; C_j = σ_j Σ_k (1 − r_jk); w_j = C_j / Σ C. Orientation changes the weights
(§5 E6: all benefit 0.157, 0.249, 0.168, 0.121, 0.154, 0.151; price as cost 0.184, 0.213, 0.142, 0.158, 0.168,
0.134). Constant columns get weight 0 and are left out of the others' conflict sums (their correlation is
undefined: ``None`` in ``details["correlation"]``). Needs ≥ 3 rows; if only one column varies or the varying
columns are perfectly correlated, Σ C = 0 and the weights are undefined: ``MethodError``. ``details``: ``sd``,
``conflict``, ``information`` (C), ``correlation``, ``constant``.

``combine_weights(*vectors, method="linear", alpha=0.5) -> CombinedWeights(weights, coefficients)``
======================================================================================================

Each vector must sum to 1 (1e-6) and all must have the same length.

* ``"linear"``: w = α w₁ + (1 − α) w₂ (α is a policy choice: expose it); for more than two vectors pass ``alpha``
  as one coefficient per vector summing to 1. ``coefficients`` = the α used.
* ``"multiplicative"``: w_j ∝ Π_l w_lj (amplifies agreement). ``"mdi"`` (minimum discrimination information):
  w_j ∝ (Π_l w_lj)^(1/L), for two vectors √(w₁ w₂). ``coefficients`` = the exponents. If no criterion is positive
  in every vector the product is all zero: ``MethodError``.
* ``"game"`` (博弈论组合赋权): solve Σ_k α_k (w_l · w_k) = w_l · w_l for every l (least squares, minimum norm when
  vectors coincide), α* = |α| / Σ|α|, w = Σ α*_k w_k. ``coefficients`` = α*.

TOPSIS — ``topsis(matrix, weights, *, directions, normalization="vector", anchors=None) -> TopsisResult``
=========================================================================================================

v_ij = w_j r_ij; D⁺/D⁻ Euclidean distances to the ideal and anti-ideal; closeness C = D⁻ / (D⁺ + D⁻) ∈ [0, 1],
higher is better. ``TopsisResult(closeness, d_plus, d_minus)``, one value per row.

* ``"vector"`` (Hwang & Yoon 1981): r = x / √Σx²; ideal = column max of v for benefit, min for cost. Closeness
  is invariant to rescaling a column by a positive factor. An all-zero column contributes nothing.
* ``"minmax"``: oriented min–max (as pymcdm's default); ideal = w, anti-ideal = 0; a constant column is 1 for
  every unit (no effect on closeness).
* ``anchors=[(low, high), …]`` per column — absolute TOPSIS for panels: values are scaled against the fixed
  bounds, clipped to [0, 1] and oriented; ideal = w, anti-ideal = 0. Units and years are then comparable (no rank
  reversal when a unit is added); ``normalization`` is ignored. Each low must be below its high.
* D⁺ + D⁻ = 0 only when every unit equals both ideals (all identical): closeness is defined as 0.5.
* Example (§5 E4, Opricovic & Tzeng data, cost/benefit, weights 0.5/0.5): minmax 0.500, 0.617, 0.500;
  vector 0.762, 0.722, 0.238.

Fuzzy comprehensive evaluation — ``fuzzy_evaluate(weights, memberships, *, operator, grade_scores=None)``
=========================================================================================================

B = A ∘ R, A the factor weights (n, sum 1), R the membership matrix (n factors × p grades, values in 0–1, rows
usually summing to 1, e.g. share of raters giving each grade). Returns ``FuzzyResult(membership, score, grade)``.

* ``"weighted_average"`` M(·, ⊕), b_j = Σ a_i r_ij — uses all information; the default; B = A · R exactly (not
  renormalised, so it sums to 1 whenever R's rows do).
* ``"zadeh"`` M(∧, ∨), max_i min(a_i, r_ij); ``"product_max"`` M(·, ∨), max_i a_i r_ij; ``"bounded_sum"``
  M(∧, ⊕), min(1, Σ_i min(a_i, r_ij)). These are normalised to sum 1.
* ``grade`` = index (0-based) of the largest membership, ties to the first grade. ``score`` = Σ b_j c_j / Σ b_j
  with ``grade_scores`` c (e.g. 95/85/75/65/55 — record the choice), else ``None``. Prefer the score and the
  whole B to the single label when B is flat.
* Multi-level: evaluate each first-level factor, stack the resulting B vectors as rows of a new R, evaluate again.
* All composed memberships 0: ``MethodError``.

Grey relational analysis — ``grey_relational_grades(reference, comparisons, *, rho=0.5, normalization="mean")``
===============================================================================================================

Deng's grade of each comparison sequence (a row of ``comparisons``, same length K as ``reference``).
Each sequence is normalised on its own: ``"mean"`` x / mean(x), ``"initial"`` x / x(1), ``"minmax"``
(x − min)/(max − min), or ``"none"`` for data already normalised (evaluation use: reference = the ideal per
criterion). Δ_i(k) = |x₀(k) − x_i(k)|; a, b = two-level min and max of Δ; ξ_i(k) = (a + ρb) / (Δ_i(k) + ρb),
ρ ∈ (0, 1]; grade r_i = mean_k ξ_i(k), or Σ_k w_k ξ_i(k) with ``weights``. Returns ``GreyResult(grades,
coefficients, normalized, delta_min, delta_max)``. b = 0 (all sequences equal the reference): every ξ and grade
is 1. A sequence with mean 0, first value 0 or (minmax) no variation cannot be normalised: ``MethodError``.
Example (§5 E8, GDP vs three industries, mean normalisation): grades 0.5084, 0.6243, 0.7573. Grades measure
similarity of shape, not effect or contribution.

Shapley decomposition of R² — ``shapley_r2(y, X, *, names, groups=None) -> ShapleyResult(r2, shares, players)``
================================================================================================================

LMG / general dominance (Lindeman, Merenda & Gold 1980; Grömping 2006): φ_k = Σ_{S ⊆ N∖{k}}
|S|!(P − |S| − 1)!/P! · [R²(S ∪ {k}) − R²(S)], by exact enumeration of all 2^P subsets of OLS fits with an
intercept. Shares sum to the full model's R² (efficiency); symmetric players get equal shares; a predictor that
adds nothing gets 0. ``groups={name: [column names]}`` makes each group one player (Owen/group Shapley); columns in
no group are players of their own; groups come first in ``players``. At most 15 players; at least
predictors + 2 rows; a constant outcome is refused. Shares are descriptive, not causal; with few units show
bootstrap intervals. (``pyshapley2`` computes Banzhaf values, not these.)

Difference-in-differences — ``did(y, treated, post, *, cluster=None, level=0.95) -> DidResult``
================================================================================================

2×2 DiD by OLS of y = β₀ + β₁ treated + β₂ post + β₃ treated×post; ATT = β₃ = (ȳ_T,post − ȳ_T,pre) −
(ȳ_C,post − ȳ_C,pre). ``treated`` and ``post`` are 0/1 per row. Standard error HC1 (df n − 4), or cluster-robust
with Stata's G/(G − 1)·(n − 1)/(n − 4) factor and G − 1 df when ``cluster`` (one label per row) is given;
p-value and CI from Student's t. Extra fields: ``df``, ``inference`` ("hc1"/"cluster"), ``clusters``. Refused:
an empty cell (e.g. no treated rows after the start), values other than 0/1, fewer than 5 rows, one cluster, or an
outcome with no variation within cells (standard error 0). With few clusters prefer a wild bootstrap
(``twfe(..., bootstrap=...)``). Staggered roll-outs need ``staggered_did``, not this.

Panel econometrics (``methods.panel``)
======================================

``twfe`` (two-way fixed effects with clustered or wild-bootstrap inference), ``staggered_did`` (heterogeneity-
robust event study) and ``decompose_change`` (two-factor Shapley split of a score change into weight and
performance parts) live in ``methods/panel.py`` and are re-exported here; see that module's documentation.

References
==========

Saaty (1980, 2005, 2008); Donegan & Dodd (1991); Tummala & Ling (1998); Aczél & Saaty (1983); Diakoulaki,
Mavrotas & Papayannakis (1995); Hwang & Yoon (1981); Opricovic & Tzeng (2004); Elsayed, Dawood & Karthikeyan
(2017); Tuş & Adalı (2019); Deng (1982); Lindeman, Merenda & Gold (1980); Grömping (2006); OECD/JRC Handbook on
Constructing Composite Indicators (2008). Full citations in the research note, §7.
"""

from .ahp import RI_TABLES, AHPResult, Inconsistency, ahp, ahp_aggregate, ahp_most_inconsistent
from .did import DidResult, did
from .errors import MethodError
from .fuzzy import FuzzyResult, fuzzy_evaluate
from .grey import GreyResult, grey_relational_grades
from .shapley import ShapleyResult, shapley_r2
from .topsis import TopsisResult, topsis
from .weights import CombinedWeights, WeightsResult, combine_weights, critic_weights, entropy_weights

__all__ = [
    "RI_TABLES",
    "AHPResult",
    "CombinedWeights",
    "DidResult",
    "FuzzyResult",
    "GreyResult",
    "Inconsistency",
    "MethodError",
    "ShapleyResult",
    "TopsisResult",
    "WeightsResult",
    "ahp",
    "ahp_aggregate",
    "ahp_most_inconsistent",
    "combine_weights",
    "critic_weights",
    "did",
    "entropy_weights",
    "fuzzy_evaluate",
    "grey_relational_grades",
    "shapley_r2",
    "topsis",
]

try:
    from .panel import decompose_change, staggered_did, twfe
except ModuleNotFoundError as e:  # methods/panel.py is written separately; the rest works without it
    if e.name != __name__ + ".panel":
        raise
else:
    __all__ += ["decompose_change", "staggered_did", "twfe"]
