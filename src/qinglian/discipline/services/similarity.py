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
