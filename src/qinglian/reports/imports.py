"""The shared machinery of spreadsheet imports: columns, templates, parsing with errors by cell.

An app describes its import as a list of `Column`s; `parse_workbook` maps the sheet's headers
(accepted in Chinese or English), converts every cell, and returns the rows together with every
error found, each naming its row and column. Saving is the app's business, all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from qinglian.reports.xlsx import Sheet, XlsxError, read_rows


class CellError(ValueError):
    """A cell's value is not acceptable; the message is shown to the person importing."""


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazily translated label
    required: bool = False
    parse: Callable[[Any], Any] = lambda value: value
    choices: tuple[str, ...] = ()
    help: Any = ""
    width: int = 16

    def accepted_headers(self) -> set[str]:
        names = {self.key.lower()}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(str(self.header).strip().lower())
        return names


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ParsedFile:
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_workbook(
    columns: list[Column],
    source: IO[bytes] | bytes,
    *,
    max_rows: int,
    row_check: Callable[[int, dict], list[tuple[str, str]]] | None = None,
) -> ParsedFile:
    """Read and convert every row; XlsxError for a file or header problem that stops everything."""
    headers, rows = read_rows(source, max_rows=max_rows)
    by_header = {}
    for column in columns:
        for name in column.accepted_headers():
            by_header[name] = column
    positions: dict[str, int] = {}
    unknown = []
    for index, header in enumerate(headers):
        column = by_header.get(header.lower())
        if column is None:
            if header:
                unknown.append(header)
        elif column.key in positions:
            raise XlsxError(_("The column “{header}” appears twice.").format(header=header))
        else:
            positions[column.key] = index
    missing = [str(c.header) for c in columns if c.required and c.key not in positions]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: {names}").format(names="、".join(missing)))
        if unknown:
            parts.append(_("unknown columns: {names}").format(names="、".join(unknown)))
        raise XlsxError(
            _(
                "The headers do not match the template ({problems}). Download the template and keep its first row."
            ).format(problems="; ".join(parts))
        )
    result = ParsedFile()
    labels = {c.key: str(c.header) for c in columns}
    for number, values in rows:
        record: dict[str, Any] = {}
        row_errors = 0
        for column in columns:
            index = positions.get(column.key)
            raw = values[index] if index is not None and index < len(values) else None
            if raw is None or raw == "":
                if column.required:
                    result.errors.append(RowError(number, labels[column.key], "", _("This column is required.")))
                    row_errors += 1
                record[column.key] = None
                continue
            if column.choices and str(raw) not in column.choices:
                result.errors.append(
                    RowError(
                        number,
                        labels[column.key],
                        _text(raw),
                        _("Not one of the allowed values: {values}.").format(values="、".join(column.choices)),
                    )
                )
                row_errors += 1
                continue
            try:
                record[column.key] = column.parse(raw)
            except CellError as exc:
                result.errors.append(RowError(number, labels[column.key], _text(raw), str(exc)))
                row_errors += 1
        if not row_errors and row_check:
            for key, message in row_check(number, record):
                result.errors.append(RowError(number, labels.get(key, key), _text(record.get(key)), message))
        result.rows.append((number, record))
    return result


def template_sheet(title: str, columns: list[Column], examples: list[list[Any]]) -> Sheet:
    """The downloadable template: headers, drop-downs for fixed vocabularies, and a notes sheet."""
    notes = [_("One row per record; keep the first row as it is. Columns marked * are required.")]
    for column in columns:
        line = "{mark}{header}: {help}".format(
            mark="* " if column.required else "", header=column.header, help=column.help or ""
        )
        if column.choices:
            line += " " + _("Allowed: {values}").format(values="、".join(column.choices))
        notes.append(line)
    return Sheet(
        title=title,
        headers=[("* " if c.required else "") + str(c.header) for c in columns],
        rows=examples,
        widths=[c.width for c in columns],
        choices={i: list(c.choices) for i, c in enumerate(columns) if c.choices},
        notes=notes,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# Cell converters shared by imports.


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-")
    text = text.rstrip("日").rstrip("-")
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 3:
            return date(parts[0], parts[1], parts[2])
        if len(parts) == 2:
            return date(parts[0], parts[1], 1)
    except ValueError:
        pass
    raise CellError(_("Not a date: write it as 2024-03-01."))


def parse_text(max_length: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value).strip()
        if len(text) > max_length:
            raise CellError(_("Longer than {n} characters.").format(n=max_length))
        return text

    return parse
