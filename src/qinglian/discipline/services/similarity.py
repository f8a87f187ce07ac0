"""Spotting repeated reports: Chinese text similarity computed here, without any external service.

A clue's summary is cut into character bigrams (Chinese has no spaces to split words on, and two-character words
are the bulk of its vocabulary; a bigram also matches across a paraphrase that changes one character of a word);
a short text adds its single characters, which carry more of its meaning. Latin words and numbers count as one
token each. A few function characters (的, 了, 在…) are dropped before pairing, so that "收受了供应商" and
"收受供应商" share their bigrams, and the words every report uses ("反映", "问题", "举报"…) are left out as tokens.

Tokens are weighted by TF-IDF over the texts compared (the candidates and the new text), with a sublinear term
frequency; the score is the cosine of the two vectors, from 0 (nothing shared) to 1 (the same words).

The reported person then weighs in: the same person (the same member of the register, or the same name where
neither is linked to the register) raises the score by `subject_boost` of what is left to 1. Two texts about the
same person that share half their words are then likely the same matter; two texts about different people need
the text alone to be close.

Nothing is ever linked automatically: a candidate at or above `warn` is shown when the clue is registered, and the
person registering decides whether it is a repeat. One at or above `suggest` about the same person is offered as
the default choice (rule `discipline.similarity`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from qinglian.core.rules import RuleMissing, rule_value
from qinglian.discipline.models import Clue
from qinglian.discipline.vocab import OPEN_CLUE_STATUSES, ClueStatus

# Characters that join words without carrying the matter: dropped before the bigrams are formed.
FUNCTION_CHARS = set("的了着过在是和与及其等之对把被将向从于也都还就又而且并或啊吧呢吗")
# Words nearly every report uses: they say nothing about which matter a report is about.
STOP_BIGRAMS = {
    "反映", "举报", "问题", "线索", "情况", "存在", "涉嫌", "有关", "相关", "一名", "同志", "干部", "单位",
    "工作", "进行", "希望", "组织", "请求", "调查", "查处", "处理", "依规", "纪委", "我们", "他们", "其中",
    "今年", "去年", "期间", "时候", "一些", "这个", "那个", "一家", "一个", "多次", "人员",
}  # fmt: skip
SHORT_TEXT = 20  # a text with fewer Chinese characters than this also counts its single characters
UNIGRAM_WEIGHT = 1.0

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True)
class Settings:
    """The rule `discipline.similarity`, read once per comparison."""

    warn: float = 0.4
    suggest: float = 0.7
    subject_boost: float = 0.3
    recent_days: int = 365
    max_candidates: int = 5

    @classmethod
    def from_rule(cls, value: dict | None) -> Settings:
        value = value or {}
        known = {name: value[name] for name in cls.__dataclass_fields__ if name in value}
        return cls(**known)


def tokens(text: str) -> Counter:
    """The weighted tokens of a text: character bigrams of its Chinese runs (and single characters for a short
    text), whole Latin words and numbers."""
    plain = unicodedata.normalize("NFKC", text or "").lower()
    runs = _RUN.findall(plain)
    found: Counter = Counter()
    chinese = [run for run in runs if _IS_CJK.match(run)]
    short = sum(len(run) for run in chinese) < SHORT_TEXT
    for run in runs:
        if not _IS_CJK.match(run):
            found[run] += 1
            continue
        kept = "".join(ch for ch in run if ch not in FUNCTION_CHARS)
        for i in range(len(kept) - 1):
            pair = kept[i : i + 2]
            if pair not in STOP_BIGRAMS:
                found[pair] += 1
        if short or len(kept) == 1:
            for ch in kept:
                found[ch] += UNIGRAM_WEIGHT
    return found


def _weights(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    return {tok: (1 + math.log(n)) * idf[tok] if n >= 1 else n * idf[tok] for tok, n in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b[tok] for tok, w in a.items() if tok in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def text_scores(text: str, others: Iterable[str]) -> list[float]:
    """The cosine similarity of `text` with each of `others`, TF-IDF weighted over all of them together."""
    docs = [tokens(text), *(tokens(other) for other in others)]
    n = len(docs)
    frequency: Counter = Counter()
    for doc in docs:
        frequency.update(doc.keys())
    idf = {tok: math.log((n + 1) / (df + 1)) + 1 for tok, df in frequency.items()}
    vectors = [_weights(doc, idf) for doc in docs]
    return [round(_cosine(vectors[0], other), 4) for other in vectors[1:]]


def with_subject(score: float, same_subject: bool, boost: float) -> float:
    """The text score raised by `boost` of what is left to 1 when both are about the same person."""
    if not same_subject:
        return score
    return round(score + boost * (1 - score), 4)


def text_similarity(a: str, b: str) -> float:
    """The similarity of two texts on their own (no corpus but the two)."""
    return text_scores(a, [b])[0]


# --- against the register ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An earlier clue the new text may repeat: its score (with the subject), the text's own score, whether it is
    about the same person, and whether it is offered as the default choice."""

    clue: object
    score: float
    text_score: float
    same_subject: bool
    suggested: bool


def settings_for(org_path: str) -> Settings:
    try:
        return Settings.from_rule(rule_value("discipline.similarity", org_path=org_path))
    except RuleMissing:
        return Settings()


def comparable(organisation, *, today=None, settings: Settings | None = None):
    """The clues a new one is compared with: the organisation's open clues and those registered recently, never a
    repeat (a repeat links to the first report, so the first is what a new one repeats)."""
    settings = settings or settings_for(organisation.path)
    today = today or timezone.localdate()
    since = today - timedelta(days=settings.recent_days)
    return (
        Clue.objects.filter(organisation=organisation)
        .exclude(status=ClueStatus.REPEATED)
        .filter(Q(status__in=OPEN_CLUE_STATUSES) | Q(received_on__gte=since))
    )


def same_subject(clue, *, subject_member=None, subject_name: str = "") -> bool:
    """The same member of the register; or, where neither is linked to it, the same name."""
    if subject_member is not None and clue.subject_member_id:
        return clue.subject_member_id == subject_member.pk
    name = (subject_member.name if subject_member is not None else subject_name or "").strip()
    return bool(name) and name == (clue.subject_name or "").strip()


def scored(
    *, organisation, summary: str, subject_member=None, subject_name: str = "", exclude=None, also=()
) -> list[Candidate]:
    """Every comparable clue (and those in `also`) with its score, highest first; `exclude`: a clue left out."""
    settings = settings_for(organisation.path)
    clues = list(comparable(organisation, settings=settings).select_related("organisation", "subject_unit"))
    known = {c.pk for c in clues}
    clues += [c for c in also if c.pk not in known]
    if exclude is not None:
        clues = [c for c in clues if c.pk != exclude.pk]
    if not clues:
        return []
    found = []
    for clue, text_score in zip(clues, text_scores(summary, [c.summary for c in clues]), strict=True):
        same = same_subject(clue, subject_member=subject_member, subject_name=subject_name)
        score = with_subject(text_score, same, settings.subject_boost)
        found.append(Candidate(clue, score, text_score, same, same and score >= settings.suggest))
    found.sort(key=lambda c: (-c.score, -c.clue.pk))
    return found


def similar_clues(
    *, organisation, summary: str, subject_member=None, subject_name: str = "", exclude=None
) -> list[Candidate]:
    """The clues of the organisation a new summary may repeat: those at or above the rule's `warn`, best first, at
    most `max_candidates` of them."""
    settings = settings_for(organisation.path)
    found = scored(
        organisation=organisation,
        summary=summary,
        subject_member=subject_member,
        subject_name=subject_name,
        exclude=exclude,
    )
    return [c for c in found if c.score >= settings.warn][: settings.max_candidates]
