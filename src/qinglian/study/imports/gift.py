"""Moodle's GIFT format, the part a question bank of this kind uses, read and written.

    // a comment
    $CATEGORY: 党章党规/党章
    ::Q1:: 党的最高理想是 {=实现共产主义 ~全面建成小康社会 #见党章总纲}
    党的纪律包括 {~%50%政治纪律 ~%50%组织纪律 ~%-100%娱乐纪律}
    预备期为一年。{T}
    党的根本宗旨是全心全意为 {=人民服务 =人民群众服务} 。
    简述党支部的基本任务。{}

Choices with `=` (or a positive `%weight%`) are the key; only `=` answers make a blank with alternatives; `{T}`,
`{F}`, `{TRUE}`, `{FALSE}` true or false; `{}` a short answer. Feedback after `#` (or general feedback after
`####`) becomes the explanation. Escapes `\\= \\~ \\{ \\} \\# \\:`. Problems come back by line; it never raises.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from qinglian.reports.imports import RowError
from qinglian.study.imports.common import MAX_QUESTIONS, Parsed, QuestionData, category_path, check_key
from qinglian.study.marking import LETTERS
from qinglian.study.vocab import QuestionType

SPECIAL = "=~{}#:"
PLACEHOLDERS = {ch: chr(0xE000 + i) for i, ch in enumerate(SPECIAL)}
RESTORE = {v: k for k, v in PLACEHOLDERS.items()}
FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
BLANK = "____"


def _hide_escapes(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in SPECIAL:
            out.append(PLACEHOLDERS[text[i + 1]])
            i += 2
        elif text[i] == "\\" and i + 1 < len(text) and text[i + 1] == "n":
            out.append("\n")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return "".join(RESTORE.get(ch, ch) for ch in text).strip()


def _blocks(text: str):
    """(first line number, lines) of each question, split at blank lines; comments dropped."""
    block: list[str] = []
    start = 0
    for number, raw in enumerate(str(text).splitlines(), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if block:
                yield start, block
                block = []
            continue
        if not block:
            start = number
        block.append(line)
    if block:
        yield start, block


def _split_answers(body: str) -> list[tuple[str, str]]:
    """`=a ~b ~%50%c` → [("=", "a"), ("~", "b"), ("~", "%50%c")]."""
    parts: list[tuple[str, str]] = []
    current_mark, current = "", []
    for ch in body:
        if ch in "=~":
            if current_mark or "".join(current).strip():
                parts.append((current_mark, "".join(current)))
            current_mark, current = ch, []
        else:
            current.append(ch)
    if current_mark or "".join(current).strip():
        parts.append((current_mark, "".join(current)))
    return parts


def _question(text: str, category: str, line: int) -> QuestionData | str:
    """The question in one block's text (escapes hidden), or the reason it cannot be read."""
    text = text.strip()
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            return _("The title is not closed with ::.")
        text = text[end + 2 :].strip()
    text = FORMAT.sub("", text).strip()
    opening = text.find("{")
    if opening < 0:
        return _("No answers: a GIFT question has its answers in { }.")
    closing = text.find("}", opening)
    if closing < 0:
        return _("The answers are not closed with }.")
    if "{" in text[closing + 1 :]:
        return _("Only one set of answers { } per question can be imported.")
    before, body, after = text[:opening].strip(), text[opening + 1 : closing], text[closing + 1 :].strip()
    stem = f"{before} {BLANK} {after}".strip() if after else before
    stem = FORMAT.sub("", stem).strip()
    if not _restore(stem):
        return _("The question has no text.")
    explanation = ""
    if "####" in body:
        body, explanation = body.split("####", 1)
    body = body.strip()
    item = QuestionData(qtype=QuestionType.SHORT, stem=_restore(stem)[:4000], row=line)
    if category:
        item.category = category
    if "->" in body:
        return _("Matching questions cannot be imported.")
    if body.startswith("#"):
        return _("Numerical questions cannot be imported.")
    judge = body.split("#", 1)
    word = judge[0].strip().upper()
    if word in ("T", "TRUE", "F", "FALSE"):
        item.qtype = QuestionType.JUDGE
        item.answer = [word.startswith("T")]
        feedback = [f for f in judge[1:] if f.strip()]
        explanation = explanation or (_restore(feedback[0]) if feedback else "")
    elif not body:
        item.qtype = QuestionType.SHORT
    else:
        answers = _split_answers(body)
        if any(not mark for mark, _text in answers):
            return _("Each answer starts with = (right) or ~ (wrong).")
        options, key, feedback = [], [], ""
        for mark, raw in answers:
            raw, _sep, note = raw.partition("#")
            weight = WEIGHT.match(raw.strip())
            value = raw.strip()
            positive = mark == "="
            if weight:
                value = value[weight.end() :].strip()
                positive = float(weight.group(1)) > 0
            if positive and not feedback and note.strip():
                feedback = _restore(note)
            options.append(_restore(value))
            if positive:
                key.append(len(options) - 1)
        if all(mark == "=" for mark, _text in answers):
            item.qtype = QuestionType.FILL
            item.answer = [[option for option in options if option]]
            item.options = []
        else:
            if len(options) > len(LETTERS):
                return _("A question has at most {n} options.").format(n=len(LETTERS))
            item.options = options
            item.answer = [LETTERS[i] for i in key]
            item.qtype = QuestionType.MULTIPLE if len(key) > 1 else QuestionType.SINGLE
        explanation = explanation or feedback
    item.explanation = _restore(explanation)[:4000]
    return item


def read_gift(text: str, *, category: str = "", max_questions: int = MAX_QUESTIONS) -> Parsed:
    parsed = Parsed()
    current = category_path(category) if category else ""
    for start, lines in _blocks(text):
        hidden = _hide_escapes("\n".join(lines))
        if hidden.lstrip().startswith("$CATEGORY:"):
            first, _sep, rest = hidden.lstrip().partition("\n")
            name = first.split(":", 1)[1].strip()
            name = re.sub(r"^\$(course|system|module|cat\d*)\$/", "", name)
            name = re.sub(r"^top/", "", name)
            current = category_path(_restore(name))
            hidden = rest
            start += 1
            if not hidden.strip():
                continue
        try:
            result = _question(hidden, current, start)
        except (ValueError, IndexError) as exc:  # a defensive net: report, never crash
            result = str(exc)
        if isinstance(result, str):
            parsed.errors.append(RowError(start, "", _restore(hidden)[:200], result))
            continue
        message = check_key(result)
        if message:
            parsed.errors.append(RowError(start, "", result.stem[:200], message))
            continue
        if len(parsed.items) >= max_questions:
            parsed.errors.append(
                RowError(start, "", "", _("At most {n} questions can be imported at once.").format(n=max_questions))
            )
            break
        parsed.items.append(result)
    return parsed


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in str(text)).replace("\n", "\\n")


def gift_text(rows) -> str:
    """Questions as GIFT text; `rows` are (version, category path, title)."""
    out = []
    category = None
    for version, path, title in rows:
        if path and path != category:
            out.append(f"$CATEGORY: {path}\n")
            category = path
        head = f"::{_escape(title)}:: " if title else ""
        feedback = f" ####{_escape(version.explanation)}" if version.explanation else ""
        qtype, answer = version.qtype, version.answer
        if qtype == QuestionType.JUDGE:
            body = "{" + ("TRUE" if answer and answer[0] else "FALSE") + feedback + "}"
        elif qtype == QuestionType.SHORT:
            body = "{" + feedback + "}"
        elif qtype == QuestionType.FILL:
            # GIFT has one blank per question: several blanks are written as their first one's alternatives.
            blanks = answer or [[]]
            body = "{" + " ".join("=" + _escape(alt) for alt in blanks[0]) + feedback + "}"
        elif qtype == QuestionType.SINGLE:
            marks = ["=" if LETTERS[i] in answer else "~" for i in range(len(version.options))]
            body = "{" + " ".join(m + _escape(o) for m, o in zip(marks, version.options, strict=True)) + feedback + "}"
        else:
            share = round(100 / max(len(answer), 1), 5)
            wrong = -100
            parts = [
                (f"~%{share:g}%" if LETTERS[i] in answer else f"~%{wrong}%") + _escape(option)
                for i, option in enumerate(version.options)
            ]
            body = "{" + " ".join(parts) + feedback + "}"
        out.append(f"{head}{_escape(version.stem)} {body}\n")
    return "\n".join(out)
