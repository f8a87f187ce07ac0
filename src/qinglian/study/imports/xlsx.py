"""The question bank's spreadsheet: the canonical template (anchors-learning.md §3.5), reading it with every
problem named by row and column, and writing questions back in the same layout (an export imports again)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from qinglian.reports.imports import CellError, Column, RowError, parse_workbook, template_sheet
from qinglian.reports.xlsx import Sheet, XlsxError, package_check, workbook_bytes
from qinglian.study.imports.common import (
    DIFFICULTY_TEXT,
    MAX_QUESTIONS,
    RULE_TEXT,
    RULE_WORDS,
    STATUS_TEXT,
    STATUS_WORDS,
    TOPIC_TEXT,
    TOPIC_WORDS,
    TYPE_TEXT,
    Parsed,
    QuestionData,
    answer_text,
    category_path,
    check_key,
    fold,
    parse_answer,
    parse_difficulty,
    parse_score,
    parse_tags,
    parse_type,
)
from qinglian.study.marking import LETTERS
from qinglian.study.vocab import MultipleRule, QuestionType

OPTION_KEYS = [f"option_{letter.lower()}" for letter in LETTERS]


def _choice(words: dict, message):
    def parse(value: Any) -> str:
        found = words.get(fold(value).lower()) or words.get(fold(value))
        if found is None:
            raise CellError(str(message))
        return found

    return parse


def _text(max_length: int):
    def parse(value: Any) -> str:
        text = str(value).strip()
        if len(text) > max_length:
            raise CellError(_("Longer than {n} characters.").format(n=max_length))
        return text

    return parse


def _rule(value: Any) -> tuple[str, str]:
    text = fold(value)
    if text.lower() in RULE_WORDS:
        return RULE_WORDS[text.lower()], "0.50"
    # "漏选得分 0.3" or just "0.3": part marks with that share.
    number = re.sub(r"^漏选得分[:：]?\s*", "", text)
    try:
        share = Decimal(number)
    except ArithmeticError:
        share = Decimal(-1)
    if not Decimal(0) < share < Decimal(1):
        raise CellError(
            _("Write 全对 (all or nothing), 漏选得分 (half marks for a correct subset) or a share such as 0.3.")
        )
    return MultipleRule.PARTIAL, str(share.quantize(Decimal("0.01")))


def _fill_options(value: Any) -> tuple[bool, bool]:
    text = fold(value).lower()
    any_order = any(word in text for word in ("无顺序", "不分顺序", "乱序", "any order"))
    case_sensitive = any(word in text for word in ("大小写敏感", "区分大小写", "case sensitive")) and not any(
        word in text for word in ("不敏感", "不区分", "insensitive")
    )
    if not any_order and not case_sensitive and not any(w in text for w in ("不敏感", "不区分", "insensitive", "顺序")):
        raise CellError(_("Write 答案无顺序 and/or 大小写不敏感 (or 大小写敏感)."))
    return any_order, not case_sensitive


COLUMNS = [
    Column(
        "qtype",
        pgettext_lazy("question import", "Type"),
        required=True,
        parse=parse_type,
        aliases=("题型", "题目类型", "类型"),
        help=gettext_lazy("单选, 多选, 判断, 填空 or 简答 (also 单项选择题, 多项选择题, 问答…)."),
        width=10,
    ),
    Column(
        "stem",
        pgettext_lazy("question import", "Question"),
        required=True,
        parse=_text(4000),
        aliases=("题干", "题目", "试题", "题目内容"),
        help=gettext_lazy("Mark blanks with （  ） or ____."),
        width=50,
    ),
    *[
        Column(
            key,
            format_lazy(pgettext_lazy("question import", "Option {letter}"), letter=letter),
            parse=_text(1000),
            aliases=(f"选项{letter}",),
            width=18,
            help=gettext_lazy("Choice questions: at least two options, from A without gaps."),
        )
        for key, letter in zip(OPTION_KEYS, LETTERS, strict=True)
    ],
    Column(
        "answer",
        pgettext_lazy("question import", "Answer"),
        required=True,
        aliases=("答案", "正确答案", "正确选项"),
        width=14,
        help=gettext_lazy(
            "单选 B; 多选 ABD or A,B,D; 判断 对/错 (正确/错误, √/×, T/F); 填空 blanks separated by |, "
            "alternatives by /; 简答 the reference answer."
        ),
    ),
    Column(
        "explanation",
        pgettext_lazy("question import", "Explanation"),
        parse=_text(4000),
        aliases=("解析", "答案解析"),
        width=30,
    ),
    Column("score", pgettext_lazy("question import", "Marks"), parse=parse_score, aliases=("分值", "分数"), width=8),
    Column(
        "difficulty",
        pgettext_lazy("question import", "Difficulty"),
        parse=parse_difficulty,
        aliases=("难度", "难易程度"),
        width=8,
        help=gettext_lazy("1 to 5, or 易, 较易, 中, 较难, 难."),
    ),
    Column(
        "category",
        pgettext_lazy("question import", "Bank/category"),
        required=True,
        parse=category_path,
        aliases=("题库/分类", "分类", "题库", "知识类", "试题分类", "题目分类"),
        width=24,
        help=gettext_lazy("A path such as 党章党规/纪律处分条例; missing categories are created."),
    ),
    Column(
        "topic",
        pgettext_lazy("question import", "Knowledge point"),
        parse=_text(40),
        aliases=("知识点",),
        width=14,
        help=gettext_lazy("学党章党规, 学系列讲话, 党性教育 or 警示教育 set the topic; anything else becomes a tag."),
    ),
    Column(
        "tags",
        pgettext_lazy("question import", "Tags"),
        parse=parse_tags,
        aliases=("标签",),
        width=16,
        help=gettext_lazy("Separated by commas."),
    ),
    Column(
        "source",
        pgettext_lazy("question import", "Source"),
        parse=_text(200),
        aliases=("出处",),
        width=24,
        help=gettext_lazy("Document and article, e.g. 《中国共产党章程》第三条."),
    ),
    Column(
        "rule",
        pgettext_lazy("question import", "Multiple-choice marking"),
        parse=_rule,
        aliases=("多选计分",),
        width=12,
        help=gettext_lazy(
            "全对 (all or nothing) or 漏选得分 (half marks for a correct subset; or a share such as 0.3)."
        ),
    ),
    Column(
        "fill",
        pgettext_lazy("question import", "Blank options"),
        parse=_fill_options,
        aliases=("填空选项",),
        width=14,
        help=gettext_lazy("答案无顺序 (blanks in any order), 大小写不敏感 (the default) or 大小写敏感."),
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        parse=_choice(STATUS_WORDS, gettext_lazy("Write 草稿, 发布 or 停用.")),
        aliases=("状态",),
        width=8,
    ),
    Column(
        "external_code",
        pgettext_lazy("question import", "External code"),
        parse=_text(60),
        aliases=("外部编号",),
        width=14,
        help=gettext_lazy("A stable code: importing a row with the same code again updates that question."),
    ),
]
LABELS = {column.key: column for column in COLUMNS}


def _label(key: str) -> str:
    return str(LABELS[key].header)


def merged_ranges(data: bytes, *, max_rows: int = MAX_QUESTIONS) -> list[str]:
    """The merged ranges of the first sheet that reach below the header row (calamine cannot see merges).

    Read by the shared package check, which streams the sheet's XML (`<mergeCell ref="A2:A3"/>`) once it has
    refused a zip bomb; raises XlsxError as that check does.
    """
    ranges = []
    for ref in package_check(data, max_rows=max_rows).merged:
        if int(re.findall(r"\d+", ref)[-1]) >= 2:
            ranges.append(ref)
    return ranges


def _row_check(number: int, record: dict) -> list[tuple[str, str]]:
    qtype = record["qtype"]
    problems = []
    options = [record[key] or "" for key in OPTION_KEYS]
    while options and not options[-1]:
        options.pop()
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        gap = next((i for i, text in enumerate(options) if not text), None)
        if gap is not None:
            problems.append((OPTION_KEYS[gap], _("Options run from A without gaps: this one is empty.")))
    elif options:
        problems.append((OPTION_KEYS[0], _("Only choice questions have options.")))
    raw = record["answer"]
    answer: list = []
    if raw is None or raw == "":
        if qtype != QuestionType.SHORT:
            problems.append(("answer", _("The question has no correct option.")))
    else:
        try:
            answer = parse_answer(qtype, raw)
        except CellError as exc:
            problems.append(("answer", str(exc)))
    if problems:
        return problems
    rule, fraction = record["rule"] or (MultipleRule.PARTIAL, "0.50")
    any_order, ignore_case = record["fill"] or (False, True)
    topic_text = record["topic"] or ""
    topic = TOPIC_WORDS.get(topic_text)
    tags = list(record["tags"] or [])
    if topic_text and topic is None and topic_text not in tags:
        tags.append(topic_text[:40])
    item = QuestionData(
        qtype=qtype,
        stem=record["stem"],
        options=options,
        answer=answer,
        explanation=record["explanation"] or "",
        source=record["source"] or "",
        difficulty=record["difficulty"] or 3,
        score=record["score"] or "1",
        multiple_rule=rule,
        partial_fraction=fraction,
        fill_any_order=any_order,
        fill_ignore_case=ignore_case,
        category=record["category"],
        topic=topic or "other",
        tags=tags,
        status=record["status"] or "published",
        external_code=record["external_code"] or "",
        row=number,
    )
    message = check_key(item)
    if message:
        key = "answer"
        if item.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE) and (
            len(item.options) < 2 or any(not text.strip() for text in item.options)
        ):
            key = OPTION_KEYS[0]
        return [(key, message)]
    record["_item"] = item
    return []


def _short_answers_without_key(parsed) -> list[RowError]:
    """The answer column is required in the header, but a short answer may leave its cell empty (marked by hand)."""
    answer = _label("answer")
    required = _("This column is required.")
    by_row: dict[int, list[RowError]] = {}
    for error in parsed.errors:
        by_row.setdefault(error.row, []).append(error)
    errors = []
    for number, record in parsed.rows:
        found = by_row.get(number, [])
        if (
            found
            and record.get("qtype") == QuestionType.SHORT
            and all(e.column == answer and e.message == required for e in found)
        ):
            found = [RowError(number, _label(key), "", message) for key, message in _row_check(number, record)]
        elif record.get("qtype") in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            found = [
                RowError(e.row, e.column, e.value, _("The question has no correct option."))
                if e.column == answer and e.message == required
                else e
                for e in found
            ]
        errors.extend(found)
    return errors


def read_workbook(data: bytes, *, max_rows: int = MAX_QUESTIONS) -> Parsed:
    """Every question of the first sheet, or the problems found; XlsxError for a file that cannot be taken at all."""
    merged = merged_ranges(data, max_rows=max_rows)
    if merged:
        raise XlsxError(
            _(
                "The sheet has merged cells ({ranges}). Unmerge them and write the value in every row: "
                "each row must stand on its own."
            ).format(ranges=", ".join(merged[:10]) + ("…" if len(merged) > 10 else ""))
        )
    parsed = parse_workbook(COLUMNS, data, max_rows=max_rows, row_check=_row_check)
    errors = _short_answers_without_key(parsed)
    items = [record["_item"] for _number, record in parsed.rows if "_item" in record]
    seen: dict[str, int] = {}
    for item in items:
        code = item.external_code
        if code:
            if code in seen:
                errors.append(
                    RowError(
                        item.row,
                        _label("external_code"),
                        code,
                        _("The same external code is on row {row}.").format(row=seen[code]),
                    )
                )
            else:
                seen[code] = item.row
    errors.sort(key=lambda e: e.row or 0)
    return Parsed(items=items, errors=errors)


def question_row(version, tags: list[str] = (), category: str = "", topic: str = "", status: str = "", code: str = ""):
    """A question's row in the template's layout."""
    options = list(version.options) + [""] * (len(LETTERS) - len(version.options))
    rule = RULE_TEXT.get(version.multiple_rule, "")
    if version.multiple_rule == MultipleRule.PARTIAL and Decimal(version.partial_fraction) != Decimal("0.5"):
        rule = f"漏选得分 {Decimal(version.partial_fraction).normalize()}"
    fill = ""
    if version.qtype == QuestionType.FILL:
        fill = "、".join(
            ["答案无顺序"] * bool(version.fill_any_order)
            + ["大小写不敏感" if version.fill_ignore_case else "大小写敏感"]
        )
    return [
        TYPE_TEXT[version.qtype],
        version.stem,
        *options,
        answer_text(version.qtype, version.answer),
        version.explanation,
        float(version.score),
        DIFFICULTY_TEXT.get(version.difficulty, version.difficulty),
        category,
        TOPIC_TEXT.get(topic, ""),
        "，".join(tags),
        version.source,
        rule if version.qtype == QuestionType.MULTIPLE else "",
        fill,
        STATUS_TEXT.get(status, ""),
        code,
    ]


def _example(**kwargs):
    from types import SimpleNamespace

    base = dict(
        options=[],
        explanation="",
        source="",
        difficulty=2,
        score=Decimal(1),
        multiple_rule=MultipleRule.PARTIAL,
        partial_fraction=Decimal("0.5"),
        fill_any_order=False,
        fill_ignore_case=True,
    )
    return SimpleNamespace(**{**base, **kwargs})


def template_bytes() -> bytes:
    examples = [
        question_row(
            _example(
                qtype=QuestionType.SINGLE,
                stem="党的最高理想和最终目标是（  ）。",
                options=["实现共产主义", "全面建成小康社会", "实现现代化"],
                answer=["A"],
                explanation="见党章总纲。",
                source="《中国共产党章程》总纲",
            ),
            category="党章党规/党章",
            topic="charter",
            status="published",
            code="DZ-001",
        ),
        question_row(
            _example(
                qtype=QuestionType.MULTIPLE,
                stem="党的纪律包括（  ）。",
                options=["政治纪律", "组织纪律", "廉洁纪律", "娱乐纪律"],
                answer=["A", "B", "C"],
                score=Decimal(2),
            ),
            category="党章党规/纪律处分条例",
            topic="charter",
            tags=["两学一做"],
            status="published",
            code="DZ-002",
        ),
        question_row(
            _example(qtype=QuestionType.JUDGE, stem="预备党员的预备期为一年。", answer=[True]),
            category="党章党规/党章",
            topic="charter",
            status="published",
            code="DZ-003",
        ),
        question_row(
            _example(
                qtype=QuestionType.FILL,
                stem="党的基本路线的核心内容是“一个中心、____”。",
                answer=[["两个基本点", "两个基本点。"]],
            ),
            category="党章党规/党章",
            topic="charter",
            status="published",
            code="DZ-004",
        ),
        question_row(
            _example(
                qtype=QuestionType.SHORT,
                stem="简述党支部的基本任务。",
                answer=["参见《支部工作条例》第十条。"],
                difficulty=4,
                score=Decimal(5),
            ),
            category="党章党规/支部工作条例",
            topic="charter",
            status="draft",
            code="DZ-005",
        ),
    ]
    sheet = template_sheet(_("Questions"), COLUMNS, examples)
    sheet.notes = [*sheet.notes, "", _("At most {n} rows per file.").format(n=MAX_QUESTIONS)]
    return workbook_bytes([sheet])


def export_sheet(rows) -> Sheet:
    return Sheet(
        title=_("Questions"),
        headers=[("* " if c.required else "") + str(c.header) for c in COLUMNS],
        rows=rows,
        widths=[c.width for c in COLUMNS],
    )
