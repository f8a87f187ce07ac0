"""What the import benchmarks share: timing rounds of our import against the baseline on the same file."""

from __future__ import annotations

from collections.abc import Callable


def import_rounds(
    *,
    repeat: int,
    clear: Callable[[], None],
    baseline: Callable[[], float],
    ours: Callable[[], tuple[float, float, int]],
    expected: int,
    noun: str,
) -> tuple[list[float], list[float], list[float]]:
    """`repeat` rounds, each on an empty database: the baseline's seconds, then ours (check and save seconds and
    how many rows it saved, which must be `expected`). Returns the baseline, check and save times."""
    baselines, checks, saves = [], [], []
    try:
        for _ in range(repeat):
            clear()
            baselines.append(baseline())
            checked, saved, created = ours()
            if created != expected:
                raise SystemExit(f"{created} {noun} saved, expected {expected}")
            checks.append(checked)
            saves.append(saved)
    finally:
        clear()
    return baselines, checks, saves
