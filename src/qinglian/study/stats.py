"""Item statistics of an exam (classical test theory, as Moodle's quiz statistics report).

Over each member's FIRST attempt, when finished:
- facility index: the item's mean score ÷ its marks × 100;
- standard deviation of the item score as a percentage of its marks (sample SD, n − 1);
- discrimination index: Pearson's correlation × 100 between the item score and the rest of the test (the attempt's
  total minus this item);
- discriminative efficiency: the covariance of the item score with the rest of the test as a percentage of the
  largest covariance those same scores could have, reached by pairing both sorted in the same order;
- for the test: mean, median and SD of the totals (as % of the marks) and the coefficient of internal consistency
  (Cronbach's alpha × 100), over the questions every included attempt had (a random paper rarely has any).
Flags come from rule `study.item_flags`.

Plain Python (`statistics`): numpy is not among the project's dependencies, and a few thousand attempts of fifty
questions take milliseconds this way.
"""

from __future__ import annotations

import statistics as st
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from qinglian.core.rules import rule_value
from qinglian.study.models import AttemptItem
from qinglian.study.vocab import AttemptStatus


@dataclass
class ItemStat:
    question_id: int
    stem: str
    qtype: str
    attempts: int
    max_score: float
    facility: float | None
    sd: float | None
    di: float | None
    de: float | None
    flags: list[tuple[str, str]] = field(default_factory=list)  # (level: danger/warning/info, text)


@dataclass
class TestStat:
    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    cic: float | None


def _corr(x: list[float], y: list[float]) -> float | None:
    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return st.correlation(x, y)


def discriminative_efficiency(x: list[float], rest: list[float]) -> float | None:
    """cov(x, rest) ÷ cov(sorted x, sorted rest) × 100; None when no covariance is possible."""
    if len(x) < 2:
        return None
    best = st.covariance(sorted(x), sorted(rest))
    if best <= 0:
        return None
    return 100.0 * st.covariance(x, rest) / best


def flags_for(stat: ItemStat, limits: dict) -> list[tuple[str, str]]:
    if stat.attempts < limits["min_attempts"]:
        return [
            ("info", _("Not enough attempts to judge ({n} of {m}).").format(n=stat.attempts, m=limits["min_attempts"]))
        ]
    flags = []
    if stat.di is None:
        flags.append(("info", _("Everyone scored the same on it, so it tells nobody apart.")))
    elif stat.di < limits["di_very_likely"]:
        flags.append(("danger", _("Very likely needs checking: it hardly tells stronger from weaker members.")))
    elif stat.di < limits["di_likely"]:
        flags.append(("warning", _("Likely needs checking: it tells stronger from weaker members only a little.")))
    if stat.de is not None and stat.de < limits["de_dubious"]:
        flags.append(("warning", _("Dubious: low discriminative efficiency.")))
    if stat.facility is not None and stat.facility > limits["facility_high"]:
        flags.append(("info", _("Too easy: almost everyone gets it right.")))
    elif stat.facility is not None and stat.facility < limits.get("facility_low", 0):
        flags.append(("warning", _("Too hard: almost nobody gets it right.")))
    return flags


def exam_statistics(exam) -> tuple[TestStat, list[ItemStat]]:
    """The test's and each question's statistics (questions in the order of their first appearance)."""
    rows = (
        AttemptItem.objects.filter(attempt__exam=exam, attempt__number=1, attempt__status=AttemptStatus.FINISHED)
        .order_by("attempt_id", "position")
        .values_list(
            "attempt_id",
            "question_version__question_id",
            "score",
            "max_score",
            "attempt__score",
            "attempt__max_score",
            "question_version__stem",
            "question_version__qtype",
        )
    )
    totals: dict[int, tuple[float, float]] = {}
    per_item: dict[int, dict[int, float]] = defaultdict(dict)
    info: dict[int, tuple[str, str, float]] = {}
    for attempt_id, question_id, score, max_score, total, total_max, stem, qtype in rows:
        totals[attempt_id] = (float(total or 0), float(total_max or 0))
        per_item[question_id][attempt_id] = float(score or 0)
        info.setdefault(question_id, (stem, qtype, float(max_score)))
    limits = rule_value("study.item_flags", org_path=exam.organisation.path)
    items = []
    for question_id, scores in per_item.items():
        stem, qtype, max_score = info[question_id]
        ids = list(scores)
        x = [scores[a] for a in ids]
        rest = [totals[a][0] - scores[a] for a in ids]
        n = len(x)
        stat = ItemStat(
            question_id=question_id,
            stem=stem,
            qtype=qtype,
            attempts=n,
            max_score=max_score,
            facility=100.0 * st.fmean(x) / max_score if n else None,
            sd=100.0 * st.stdev(x) / max_score if n > 1 else None,
            di=None if (c := _corr(x, rest)) is None else 100.0 * c,
            de=discriminative_efficiency(x, rest),
        )
        stat.flags = flags_for(stat, limits)
        items.append(stat)
    return _test(totals, per_item), items


def _test(totals: dict, per_item: dict) -> TestStat:
    n = len(totals)
    if not n:
        return TestStat(0, None, None, None, None)
    percent = [100.0 * t / m if m else 0.0 for t, m in totals.values()]
    common = [q for q, scores in per_item.items() if len(scores) == n]
    cic = None
    if len(common) >= 2 and n >= 2:
        ids = list(totals)
        total_var = st.variance([sum(per_item[q][a] for q in common) for a in ids])
        if total_var > 0:
            k = len(common)
            item_var = sum(st.variance([per_item[q][a] for a in ids]) for q in common)
            cic = 100.0 * k / (k - 1) * (1 - item_var / total_var)
    return TestStat(
        attempts=n,
        mean=st.fmean(percent),
        median=float(st.median(percent)),
        sd=st.stdev(percent) if n > 1 else None,
        cic=cic,
    )
