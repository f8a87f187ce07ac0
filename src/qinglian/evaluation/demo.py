"""The evaluation part of the demo organisation: three years of quarterly records with a planted effect, the
current year's cycle with two experts' judgments, frozen weights and scores, and the contribution analyses."""

from __future__ import annotations


def load(**kwargs) -> dict:
    from qinglian.evaluation.demo_data import load_demo

    return load_demo(**kwargs)
