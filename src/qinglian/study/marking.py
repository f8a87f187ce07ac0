"""Checking a question's key and marking an answer against it: one place for the bank, exams and practice.

A response is, by type: the letters of the chosen options in the original order (`["A", "C"]`), `[true]` or
`[false]`, one string per blank, or the text of a short answer. Marking returns the share of the marks earned
(0 to 1); a short answer returns None, for a person to mark.
"""

from __future__ import annotations

import string
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qinglian.study.vocab import MultipleRule, QuestionType

LETTERS = string.ascii_uppercase[:8]  # options A to H
MAX_OPTIONS = len(LETTERS)
ZERO, ONE = Decimal("0"), Decimal("1")


def letters(count: int) -> list[str]:
    return list(LETTERS[:count])


def key_check(*, qtype: str, options: list[str], answer: list) -> None:
    """Refuse a key that cannot be marked: no right option, a letter beyond the options, an empty blank…"""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if len(options) < 2 or any(not str(o).strip() for o in options):
            raise ValidationError(_("A choice question needs at least two options, none of them empty."))
        if len(options) > MAX_OPTIONS:
            raise ValidationError(_("A question has at most %(n)d options.") % {"n": MAX_OPTIONS})
        if not answer:
            raise ValidationError(_("The question has no correct option."))
        valid = letters(len(options))
        wrong = [a for a in answer if a not in valid]
        if wrong:
            raise ValidationError(
                _("The answer %(letters)s is not among the options (%(first)s to %(last)s).")
                % {"letters": ", ".join(map(str, wrong)), "first": valid[0], "last": valid[-1]}
            )
        if len(set(answer)) != len(answer):
            raise ValidationError(_("The answer names an option twice."))
        if qtype == QuestionType.SINGLE and len(answer) != 1:
            raise ValidationError(_("A single-choice question has exactly one correct option."))
    elif qtype == QuestionType.JUDGE:
        if answer not in ([True], [False]):
            raise ValidationError(_("A true-or-false question needs its answer: true or false."))
    elif qtype == QuestionType.FILL:
        if not answer or any(not blank or any(not str(a).strip() for a in blank) for blank in answer):
            raise ValidationError(_("Each blank needs at least one accepted answer."))
    elif qtype == QuestionType.SHORT:
        if options:
            raise ValidationError(_("A short-answer question has no options."))
    else:
        raise ValidationError(_("Unknown question type."))


def _norm(text: str, ignore_case: bool) -> str:
    # Full-width letters and digits count as their half-width forms; spaces around an answer do not count.
    text = unicodedata.normalize("NFKC", str(text)).strip()
    return text.casefold() if ignore_case else text


def mark(version, response) -> Decimal | None:
    """The share of the marks (0–1) that `response` earns on `version`; None for a short answer (marked by hand)."""
    qtype = version.qtype
    if qtype == QuestionType.SHORT:
        return None
    if not response:
        return ZERO
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        # Letters typed through an API may come full-width or in lower case: Ａ, a and A are the same option.
        response = [_norm(r, False).upper() if isinstance(r, str) else r for r in response]
    if qtype == QuestionType.SINGLE:
        return ONE if list(response) == list(version.answer) else ZERO
    if qtype == QuestionType.JUDGE:
        return ONE if list(response) == list(version.answer) else ZERO
    if qtype == QuestionType.MULTIPLE:
        chosen, right = set(response), set(version.answer)
        if chosen == right:
            return ONE
        if version.multiple_rule == MultipleRule.PARTIAL and chosen and chosen < right:
            return Decimal(version.partial_fraction)
        return ZERO
    if qtype == QuestionType.FILL:
        return _mark_fill(version, list(response))
    return ZERO


def _mark_fill(version, response: list) -> Decimal:
    """Each blank earns an equal share; with `fill_any_order` an answer may fill any blank it fits, once."""
    blanks = [{_norm(a, version.fill_ignore_case) for a in accepted} for accepted in version.answer]
    given = [_norm(r, version.fill_ignore_case) for r in response[: len(blanks)]]
    if version.fill_any_order:
        free = list(range(len(blanks)))
        right = 0
        for answer in given:
            match = next((i for i in free if answer and answer in blanks[i]), None)
            if match is not None:
                free.remove(match)
                right += 1
    else:
        right = sum(1 for answer, accepted in zip(given, blanks, strict=False) if answer in accepted)
    return (Decimal(right) / Decimal(len(blanks))).quantize(Decimal("0.0001"))


def is_correct(fraction: Decimal | None) -> bool:
    return fraction is not None and fraction >= ONE


def shown_letter(letter: str, option_order: list[int] | None) -> str:
    """The letter under which a member saw the option the bank calls `letter`."""
    if not option_order:
        return letter
    return LETTERS[option_order.index(LETTERS.index(letter))]


def answer_display(version, answer, option_order: list[int] | None = None) -> str:
    """An answer or key as a person reads it: the letters as the member saw them, 正确/错误, the blanks in turn
    (with their alternatives), or the text; '' for no answer."""
    if answer in (None, "", []):
        return ""
    qtype = version.qtype
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(sorted(shown_letter(letter, option_order) for letter in answer))
    if qtype == QuestionType.JUDGE:
        return _("True") if answer[0] is True else _("False")
    if qtype == QuestionType.FILL:
        return "；".join(" / ".join(map(str, blank)) if isinstance(blank, list) else str(blank) for blank in answer)
    return answer if isinstance(answer, str) else " ".join(map(str, answer))
