"""Moodle's Aiken format: a question line, options `A.` or `A)` one per line, then `ANSWER: B`.

    党的最高理想和最终目标是什么？
    A. 实现共产主义
    B) 全面建成小康社会
    ANSWER: A

Questions are separated by their ANSWER line (blank lines between them are allowed). Several letters after ANSWER
(`ANSWER: AC`) make a multiple-choice question. Problems are reported by line number; the parser never raises.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from qinglian.reports.imports import CellError, RowError
from qinglian.study.imports.common import MAX_QUESTIONS, Parsed, QuestionData, check_key, parse_letters
from qinglian.study.vocab import QuestionType

OPTION = re.compile(r"^\s*([A-Ha-h])\s*[.)．、）]\s*(.*)$")
ANSWER = re.compile(r"^\s*ANSWER\s*[:：]\s*(.*)$", re.IGNORECASE)


def read_aiken(text: str, *, category: str = "", max_questions: int = MAX_QUESTIONS) -> Parsed:
    parsed = Parsed()
    stem: list[str] = []
    options: list[str] = []
    start = 0

    def error(line: int, message: str, value: str = "") -> None:
        parsed.errors.append(RowError(line, "", value[:200], message))

    def reset():
        nonlocal stem, options, start
        stem, options, start = [], [], 0

    for number, raw in enumerate(str(text).splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = ANSWER.match(line)
        option = OPTION.match(line)
        if answer:
            if not stem:
                error(number, _("An ANSWER line without a question before it."), line)
                reset()
                continue
            try:
                key = parse_letters(answer.group(1))
            except CellError as exc:
                error(number, str(exc), line)
                reset()
                continue
            item = QuestionData(
                qtype=QuestionType.MULTIPLE if len(key) > 1 else QuestionType.SINGLE,
                stem="\n".join(stem)[:4000],
                options=options,
                answer=key,
                row=start,
            )
            if category:
                item.category = category
            message = check_key(item)
            if message:
                error(number, message, line)
            elif len(parsed.items) >= max_questions:
                error(number, _("At most {n} questions can be imported at once.").format(n=max_questions))
                return parsed
            else:
                parsed.items.append(item)
            reset()
        elif option and stem:
            letter = option.group(1).upper()
            expected = chr(ord("A") + len(options))
            if letter != expected:
                error(
                    number,
                    _("Option {letter} is out of order: {expected} was expected.").format(
                        letter=letter, expected=expected
                    ),
                    line,
                )
            options.append(option.group(2).strip()[:1000])
        elif options:
            error(
                number,
                _("A line after the options that is neither an option nor ANSWER: is the ANSWER line missing?"),
                line,
            )
            reset()
            stem, start = [line], number
        else:
            if not stem:
                start = number
            stem.append(line)
    if stem:
        error(start, _("The question has no ANSWER line."), stem[0])
    return parsed
