"""What an integrity-file section holds: its shape for a unit, the check of what the cadre sends (every row and
field, identity numbers stored encrypted with a blind index and a masked copy), and the forms it is shown in
(masked for pages, plain for the forms and the checks that read it back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core import crypto
from qinglian.core.lib import idcard
from qinglian.risks.models import FileSection
from qinglian.risks.sections import (
    CHOICE,
    DATE,
    FLAG,
    ID_NUMBER,
    LONG_TEXT,
    MONEY,
    NUMBER,
    SECTIONS,
    Field,
    section_fields,
)
from qinglian.risks.vocab import SectionKind

TEXT_MAX, LONG_TEXT_MAX = 200, 4000


@dataclass(frozen=True)
class Shape:
    """A section's single fields and row lists, as they apply to one unit."""

    kind: str
    fields: tuple
    lists: tuple

    @property
    def label(self) -> str:
        return str(SectionKind(self.kind).label)


def section_shape(kind: str, org_path: str = "") -> Shape:
    return Shape(kind, section_fields(kind, org_path), SECTIONS[kind].lists)


def shape_of(section: FileSection) -> Shape:
    return section_shape(section.kind, section.file.member.organisation.path)


ID_WHY = {
    "shape": gettext_lazy("it must have 18 characters, the last a digit or X"),
    "date": gettext_lazy("the date of birth in it is impossible"),
    "checksum": gettext_lazy("its check digit is wrong"),
}
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


def _blank(value) -> bool:
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def _clean_value(field: Field, value, where: str, old_row: dict | None, old_rows: list, index: int, errors: dict,
                 error_key: str):  # fmt: skip
    """The stored form of one value (for an identity number: a dict of its three stored keys), or None after adding
    an error."""
    label = str(field.label)

    def fail(message: str) -> None:
        errors.setdefault(error_key, []).append(message)

    if isinstance(value, (dict, list)):
        fail(_("{where}: “{field}” must be a single value.").format(where=where, field=label))
        return None
    if field.kind == FLAG:
        if isinstance(value, bool) or value is None:
            return bool(value)
        text = str(value).strip().lower()
        if text in ("", "0", "false", "no", "off"):
            return False
        if text in ("1", "true", "yes", "on"):
            return True
        fail(_("{where}: “{field}” must be yes or no.").format(where=where, field=label))
        return None
    if isinstance(value, bool):
        fail(_("{where}: “{field}” is not a yes-or-no field.").format(where=where, field=label))
        return None
    text = "" if value is None else (value.isoformat() if isinstance(value, date) else str(value)).strip()
    if field.kind == ID_NUMBER:
        return _clean_id(field, text, where, old_row, old_rows, index, fail)
    if not text:
        if field.required:
            fail(_("{where}: fill in “{field}”.").format(where=where, field=label))
            return None
        return ""
    if field.kind == DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            fail(_("{where}: “{field}” must be a date (YYYY-MM-DD), not “{value}”.").format(
                where=where, field=label, value=text[:40]))  # fmt: skip
            return None
    if field.kind in (MONEY, NUMBER):
        amount = None
        if _PLAIN.match(text.replace(",", "")):
            try:
                amount = Decimal(text.replace(",", ""))
            except InvalidOperation:
                amount = None
        if amount is None or amount < 0 or (field.kind == MONEY and amount != amount.quantize(Decimal("0.01"))):
            if field.kind == MONEY:
                message = _("{where}: “{field}” must be an amount in yuan such as 1200.50, not “{value}”.")
            else:
                message = _("{where}: “{field}” must be a number that is not negative, not “{value}”.")
            fail(message.format(where=where, field=label, value=text[:40]))
            return None
        if field.kind == MONEY:
            return str(amount.quantize(Decimal("0.01")))
        return format(amount.normalize(), "f") if amount else "0"
    if field.kind == CHOICE:
        if text not in {key for key, _label in field.choices}:
            fail(_("{where}: “{value}” is not one of the choices for “{field}”.").format(
                where=where, field=label, value=text[:40]))  # fmt: skip
            return None
        return text
    limit = LONG_TEXT_MAX if field.kind == LONG_TEXT else TEXT_MAX
    if len(text) > limit:
        fail(_("{where}: “{field}” is longer than {n} characters.").format(where=where, field=label, n=limit))
        return None
    return text


def _clean_id(field: Field, text: str, where: str, old_row, old_rows: list, index: int, fail) -> dict | None:
    key, label = field.key, str(field.label)
    if not text:
        if field.required:
            fail(_("{where}: fill in “{field}”.").format(where=where, field=label))
            return None
        return {f"{key}_cipher": "", f"{key}_index": "", f"{key}_masked": ""}
    if "*" in text:
        # The number as shown (masked) and left as it was: keep the stored one it stands for, preferring the row
        # in the same place.
        same = [row for row in old_rows if row.get(f"{key}_masked") == text.upper()]
        if old_row is not None and old_row in same:
            same = [old_row]
        if not same:
            fail(_("{where}: enter the full “{field}” again (the masked number matches none on file).").format(
                where=where, field=label))  # fmt: skip
            return None
        return {name: same[0][name] for name in (f"{key}_cipher", f"{key}_index", f"{key}_masked")}
    try:
        number = idcard.validate(text)
    except idcard.IdNumberError as exc:
        fail(_("{where}: “{field}” is not a valid identity number: {why}.").format(
            where=where, field=label, why=ID_WHY[exc.code]))  # fmt: skip
        return None
    return {
        f"{key}_cipher": crypto.encrypt(number),
        f"{key}_index": crypto.blind_index(idcard.normalise(number)),
        f"{key}_masked": idcard.mask(number),
    }


def _store(cleaned: dict, field: Field, value) -> None:
    if field.kind == ID_NUMBER:
        cleaned.update(value)
    else:
        cleaned[field.key] = value


def section_clean(shape: Shape, data, old: dict | None = None) -> dict:
    """The data as it is stored, checked against the section's shape: required fields in every row, dates, money,
    numbers, choices, identity numbers (stored encrypted with a blind index and a masked copy; a masked number sent
    back unchanged keeps the stored one); rows left wholly blank are dropped; unknown keys are refused.

    Raises ValidationError keyed by field (`post`) or by list, row and field (`members.2.name`, rows counted from
    1), each message naming the row and the field.
    """
    old = old or {}
    if not isinstance(data, dict):
        raise ValidationError(_("The section's content must be a set of fields and lists."))
    errors: dict[str, list[str]] = {}
    known = {f.key for f in shape.fields} | {rows.key for rows in shape.lists}
    for key in data:
        if key not in known:
            errors.setdefault(key, []).append(
                _("“{key}” is not part of the section “{section}”.").format(key=key, section=shape.label)
            )
    cleaned: dict = {}
    for field in shape.fields:
        value = _clean_value(field, data.get(field.key), shape.label, old, [old], 0, errors, field.key)
        if value is not None:
            _store(cleaned, field, value)
    for rows in shape.lists:
        given = data.get(rows.key) or []
        if not isinstance(given, list):
            errors.setdefault(rows.key, []).append(
                _("“{list}” must be a list of rows.").format(list=capfirst(str(rows.label)))
            )
            continue
        old_rows = [row for row in old.get(rows.key) or [] if isinstance(row, dict)]
        field_keys = {f.key for f in rows.fields}
        kept = []
        for row in given:
            if not isinstance(row, dict):
                errors.setdefault(rows.key, []).append(
                    _("Each row of “{list}” must be a set of fields.").format(list=str(rows.label))
                )
                continue
            if all(_blank(value) for value in row.values()):
                continue
            n = len(kept) + 1
            where = _("{list}, row {n}").format(list=capfirst(str(rows.label)), n=n)
            old_row = old_rows[n - 1] if n - 1 < len(old_rows) else None
            out: dict = {}
            for key in row:
                if key not in field_keys:
                    errors.setdefault(f"{rows.key}.{n}.{key}", []).append(
                        _("{where}: “{key}” is not a field of this list.").format(where=where, key=key)
                    )
            for field in rows.fields:
                error_key = f"{rows.key}.{n}.{field.key}"
                value = _clean_value(field, row.get(field.key), where, old_row, old_rows, n - 1, errors, error_key)
                if value is not None:
                    _store(out, field, value)
            start, end = out.get("start"), out.get("end")
            if start and end and end < start:
                errors.setdefault(f"{rows.key}.{n}.end", []).append(
                    _("{where}: “to” cannot be before “from”.").format(where=where)
                )
            kept.append(out)
        cleaned[rows.key] = kept
    if errors:
        raise ValidationError(errors)
    return cleaned


def section_display(section: FileSection, shape: Shape | None = None) -> dict:
    """A section's content as pages and the API show it: single fields and rows with labels, choices by their
    label, identity numbers masked (never the stored cipher or index)."""
    shape = shape or shape_of(section)
    data = section.data or {}

    def shown(field: Field, source: dict):
        if field.kind == ID_NUMBER:
            return source.get(f"{field.key}_masked", "")
        value = source.get(field.key, "")
        if field.kind == CHOICE:
            return str(dict(field.choices).get(value, value))
        if field.kind == FLAG:
            return bool(value)
        return value

    return {
        "fields": [(field, shown(field, data)) for field in shape.fields],
        "lists": [
            (rows, [[(field, shown(field, row)) for field in rows.fields] for row in data.get(rows.key) or []])
            for rows in shape.lists
        ],
    }


def section_plain(section: FileSection, shape: Shape | None = None) -> dict:
    """A section's content in the shape section_save takes (identity numbers masked): what the API returns and
    what a client sends back changed."""
    shape = shape or shape_of(section)
    data = section.data or {}

    def value(field: Field, source: dict):
        if field.kind == ID_NUMBER:
            return source.get(f"{field.key}_masked", "")
        return source.get(field.key, False if field.kind == FLAG else "")

    out = {field.key: value(field, data) for field in shape.fields}
    for rows in shape.lists:
        out[rows.key] = [{field.key: value(field, row) for field in rows.fields} for row in data.get(rows.key) or []]
    return out
