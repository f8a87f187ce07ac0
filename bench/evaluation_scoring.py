"""Evaluation scoring speed: our TOPSIS against plain vectorised numpy doing the same steps, in the same run.

    python -m bench.evaluation_scoring [--units 300000] [--indicators 30] [--repeat 7] [--seed 9] [--out FILE]

Generates a seeded matrix of --units × --indicators raw values (a third of the columns are costs, with a
spread of scales), weights summing to 1 and per-column anchors (low, high) that some values fall outside.
Then measures, best of --repeat after one warm-up, each case interleaved with its baseline:

- vector: `qinglian.evaluation.methods.topsis(matrix, weights, directions=..., normalization="vector")`
  against numpy: r = x / √Σx², v = w r, ideal and anti-ideal per column by direction, Euclidean distances,
  closeness = d⁻ / (d⁺ + d⁻);
- absolute: the same call with `anchors=` (values min-max scaled against the anchors, clipped to [0, 1],
  oriented by direction; ideal = the weights, anti-ideal = 0) against numpy doing exactly that.

Our call takes the matrix as a numpy array and returns plain floats (its contract); the baseline returns
arrays. Checks that closeness, d⁺ and d⁻ agree within 1e-9 and prints JSON with the seconds, the ratio
ours / baseline per case and whether it is within the budget (2×).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

BUDGET = 2.0
TOLERANCE = 1e-9


def make_inputs(units: int, indicators: int, seed: int):
    """A matrix of positive raw values on mixed scales, directions, weights and anchors."""
    rng = np.random.default_rng(seed)
    scales = rng.choice([1.0, 10.0, 100.0, 1000.0], size=indicators)
    matrix = rng.gamma(shape=rng.uniform(2, 8, size=indicators), size=(units, indicators)) * scales + 0.01 * scales
    directions = ["cost" if j % 3 == 2 else "benefit" for j in range(indicators)]
    weights = rng.dirichlet(np.ones(indicators))
    # Anchors around the bulk of each column, so that a few percent of values are clipped at either end.
    low = np.quantile(matrix, 0.02, axis=0)
    high = np.quantile(matrix, 0.97, axis=0)
    anchors = [(float(a), float(b)) for a, b in zip(low, high, strict=True)]
    return matrix, weights, directions, anchors


def baseline_vector(matrix: np.ndarray, weights: np.ndarray, benefit: np.ndarray):
    v = matrix / np.sqrt((matrix * matrix).sum(axis=0)) * weights
    top, bottom = v.max(axis=0), v.min(axis=0)
    ideal = np.where(benefit, top, bottom)
    anti = np.where(benefit, bottom, top)
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return d_minus / (d_plus + d_minus), d_plus, d_minus


def baseline_absolute(matrix: np.ndarray, weights: np.ndarray, benefit: np.ndarray, low, high):
    scaled = np.clip((matrix - low) / (high - low), 0.0, 1.0)
    v = np.where(benefit, scaled, 1.0 - scaled) * weights
    d_plus = np.sqrt(((v - weights) ** 2).sum(axis=1))
    d_minus = np.sqrt((v * v).sum(axis=1))
    return d_minus / (d_plus + d_minus), d_plus, d_minus


def best_of(repeat: int, ours, baseline) -> tuple[float, float, object, object]:
    """One warm-up of each, then `repeat` interleaved rounds; the best seconds of each and their last results."""
    ours_result, base_result = ours(), baseline()
    ours_best = base_best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        base_result = baseline()
        base_best = min(base_best, time.perf_counter() - started)
        started = time.perf_counter()
        ours_result = ours()
        ours_best = min(ours_best, time.perf_counter() - started)
    return ours_best, base_best, ours_result, base_result


def difference(ours, base) -> float:
    """The largest absolute difference between our closeness, d⁺, d⁻ and the baseline's."""
    worst = 0.0
    for name, expected in zip(("closeness", "d_plus", "d_minus"), base, strict=True):
        got = np.asarray(getattr(ours, name), dtype=float)
        if got.shape != expected.shape:
            raise SystemExit(f"{name}: {got.shape} values, expected {expected.shape}")
        worst = max(worst, float(np.max(np.abs(got - expected))))
    return worst


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=300_000)
    ap.add_argument("--indicators", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    from qinglian.evaluation.methods import topsis

    started = time.perf_counter()
    matrix, weights, directions, anchors = make_inputs(args.units, args.indicators, args.seed)
    generated = time.perf_counter() - started
    benefit = np.array([d == "benefit" for d in directions])
    low = np.array([a for a, _b in anchors])
    high = np.array([b for _a, b in anchors])
    clipped = float(np.mean((matrix < low) | (matrix > high)))

    cases = {
        "vector": (
            lambda: topsis(matrix, weights, directions=directions, normalization="vector"),
            lambda: baseline_vector(matrix, weights, benefit),
        ),
        "absolute": (
            lambda: topsis(matrix, weights, directions=directions, normalization="vector", anchors=anchors),
            lambda: baseline_absolute(matrix, weights, benefit, low, high),
        ),
    }
    result = {
        "benchmark": "evaluation_scoring",
        "units": args.units,
        "indicators": args.indicators,
        "cost_columns": directions.count("cost"),
        "values_outside_anchors": round(clipped, 4),
        "repeat": args.repeat,
        "timing": "best of repeat, after one warm-up, interleaved with the baseline",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "generated_s": round(generated, 2),
        "budget_ratio": BUDGET,
        "tolerance": TOLERANCE,
    }
    for name, (ours, baseline) in cases.items():
        ours_s, base_s, ours_result, base_result = best_of(args.repeat, ours, baseline)
        diff = difference(ours_result, base_result)
        result[name] = {
            "ours_s": round(ours_s, 4),
            "baseline_s": round(base_s, 4),
            "ratio": round(ours_s / base_s, 2),
            "max_abs_difference": diff,
            "agrees": diff < TOLERANCE,
        }
        result[name]["meets_budget"] = result[name]["ratio"] <= BUDGET
    result["meets_budget"] = all(result[n]["meets_budget"] and result[n]["agrees"] for n in cases)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if all(result[n]["agrees"] for n in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
