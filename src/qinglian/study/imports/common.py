"""What the bank's importers share: a question as read from a file, the words people use for types, answers and
difficulty, and the check of a question's key before anything is saved.

Every importer returns `Parsed(items, errors)`: the questions read and the problems found, each problem naming its
row (a spreadsheet row or a text file's line) and column. Saving is the bank service's business, all-or-nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qinglian.reports.imports import CellError, RowError
from qinglian.study.marking import LETTERS, key_check
from qinglian.study.vocab import MultipleRule, QuestionStatus, QuestionType, TopicKind

MAX_QUESTIONS = 20_000

TYPE_WORDS = {
    QuestionType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single", "single choice"),
    QuestionType.MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "不定项选择题", "multiple", "multiple choice"),
    QuestionType.JUDGE: ("判断", "判断题", "是非题", "judge", "true/false", "true or false"),
    QuestionType.FILL: ("填空", "填空题", "fill", "fill in the blanks"),
    QuestionType.SHORT: ("简答", "简答题", "问答", "问答题", "论述题", "分析题", "short", "short answer", "essay"),
}
TYPES = {word.lower(): qtype for qtype, words in TYPE_WORDS.items() for word in words}
# The word each type is written with in the template and in exports.
TYPE_TEXT = {qtype: words[0] for qtype, words in TYPE_WORDS.items()}

TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "t", "true", "是", "y", "yes"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "x", "f", "false", "否", "n", "no"}
JUDGE_TEXT = {True: "对", False: "错"}

DIFFICULTY_WORDS = {"易": 1, "容易": 1, "较易": 2, "中": 3, "中等": 3, "较难": 4, "难": 5, "困难": 5}
DIFFICULTY_TEXT = {1: "易", 2: "较易", 3: "中", 4: "较难", 5: "难"}

RULE_WORDS = {
    "全对": MultipleRule.ALL_OR_NOTHING,
    "全对得分": MultipleRule.ALL_OR_NOTHING,
    "all": MultipleRule.ALL_OR_NOTHING,
    "漏选得分": MultipleRule.PARTIAL,
    "漏选得部分分": MultipleRule.PARTIAL,
    "partial": MultipleRule.PARTIAL,
}
RULE_TEXT = {MultipleRule.ALL_OR_NOTHING: "全对", MultipleRule.PARTIAL: "漏选得分"}

STATUS_WORDS = {
    "草稿": QuestionStatus.DRAFT,
    "draft": QuestionStatus.DRAFT,
    "发布": QuestionStatus.PUBLISHED,
    "已发布": QuestionStatus.PUBLISHED,
    "published": QuestionStatus.PUBLISHED,
    "停用": QuestionStatus.RETIRED,
    "retired": QuestionStatus.RETIRED,
}
STATUS_TEXT = {QuestionStatus.DRAFT: "草稿", QuestionStatus.PUBLISHED: "发布", QuestionStatus.RETIRED: "停用"}

TOPIC_WORDS = {
    "学党章党规": TopicKind.CHARTER,
    "党章党规": TopicKind.CHARTER,
    "学系列讲话": TopicKind.SPEECHES,
    "系列讲话": TopicKind.SPEECHES,
    "党性教育": TopicKind.PARTY_SPIRIT,
    "警示教育": TopicKind.WARNING,
    "其他": TopicKind.OTHER,
    **{value: value for value in TopicKind.values},
}
TOPIC_TEXT = {
    TopicKind.CHARTER: "学党章党规",
    TopicKind.SPEECHES: "学系列讲话",
    TopicKind.PARTY_SPIRIT: "党性教育",
    TopicKind.WARNING: "警示教育",
    TopicKind.OTHER: "其他",
}

LIST_SPLIT = re.compile(r"[,，、;；\s]+")
BLANK_SPLIT = "|"
ALTERNATIVE_SPLIT = "/"
DEFAULT_CATEGORY = "未分类"


@dataclass
class QuestionData:
    """One question read from a file, in the bank's own terms."""

    qtype: str
    stem: str
    options: list[str] = field(default_factory=list)
    answer: list = field(default_factory=list)
    explanation: str = ""
    source: str = ""
    difficulty: int = 3
    score: str = "1"
    multiple_rule: str = MultipleRule.PARTIAL
    partial_fraction: str = "0.50"
    fill_any_order: bool = False
    fill_ignore_case: bool = True
    category: str = DEFAULT_CATEGORY
    topic: str = TopicKind.OTHER
    tags: list[str] = field(default_factory=list)
    status: str = QuestionStatus.PUBLISHED
    external_code: str = ""
    row: int = 0

    def as_dict(self) -> dict:
        # Not dataclasses.asdict, which deep-copies every list: an import of 20,000 questions spent seconds in it.
        return dict(self.__dict__)


@dataclass
class Parsed:
    items: list[QuestionData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def fold(text) -> str:
    """Full-width letters, digits and punctuation as their half-width forms, trimmed."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def parse_type(value) -> str:
    qtype = TYPES.get(fold(value).lower())
    if qtype is None:
        raise CellError(_("Not a question type: write 单选, 多选, 判断, 填空 or 简答."))
    return qtype


def parse_difficulty(value) -> int:
    text = fold(value)
    if text in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[text]
    try:
        number = int(Decimal(text))
    except (InvalidOperation, ValueError, OverflowError):
        number = 0
    if not 1 <= number <= 5:
        raise CellError(_("Difficulty is 1 to 5, or 易, 较易, 中, 较难, 难."))
    return number


def parse_score(value) -> str:
    try:
        score = Decimal(fold(value))
    except (InvalidOperation, ValueError):
        score = Decimal(0)
    if not score.is_finite() or score <= 0 or score >= 10000:
        raise CellError(_("Marks are a number above zero, such as 2 or 1.5."))
    return str(score.quantize(Decimal("0.1")))


def parse_judge(value) -> bool:
    text = fold(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("A true-or-false answer is 对 or 错 (also 正确/错误, √/×, T/F)."))


def parse_letters(value) -> list[str]:
    """`ABD`, `A,B,D`, `a、b` → ["A", "B", "D"]; anything that is not a letter is refused."""
    text = LIST_SPLIT.sub("", fold(value)).upper()
    if not text:
        return []
    if not text.isascii() or not text.isalpha():
        raise CellError(_("The answer names options by their letters, such as B or ABD."))
    return list(text)


def parse_blanks(value) -> list[list[str]]:
    """`党章|党规/党内法规` → [["党章"], ["党规", "党内法规"]]."""
    blanks = []
    for part in str(value).split(BLANK_SPLIT):
        blanks.append([alt.strip() for alt in part.split(ALTERNATIVE_SPLIT) if alt.strip()])
    return blanks


def parse_answer(qtype: str, value) -> list:
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return parse_letters(value)
    if qtype == QuestionType.JUDGE:
        return [parse_judge(value)]
    if qtype == QuestionType.FILL:
        return parse_blanks(value)
    return [str(value).strip()] if str(value).strip() else []


def parse_tags(value) -> list[str]:
    seen = []
    for tag in LIST_SPLIT.split(str(value or "")):
        if tag and tag not in seen:
            seen.append(tag[:40])
    return seen


def category_path(value) -> str:
    parts = [part.strip() for part in re.split(r"[/／>＞\\]", str(value)) if part.strip()]
    return "/".join(part[:60] for part in parts)


def answer_text(qtype: str, answer: list) -> str:
    """A key as the template writes it (the inverse of `parse_answer`)."""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(answer)
    if qtype == QuestionType.JUDGE:
        return JUDGE_TEXT[bool(answer[0])] if answer else ""
    if qtype == QuestionType.FILL:
        return BLANK_SPLIT.join(ALTERNATIVE_SPLIT.join(blank) for blank in answer)
    return answer[0] if answer else ""


def check_key(item: QuestionData) -> str:
    """The reason the key cannot be marked, or ''."""
    try:
        key_check(qtype=item.qtype, options=item.options, answer=item.answer)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def letters_valid(count: int) -> str:
    return LETTERS[:count]
