"""Reading and writing .xlsx: python-calamine to read (fast), openpyxl write-only to write.

Every value written goes through `safe_cell`, so that a name like "=HYPERLINK(...)" typed into a
register is never run as a formula by the spreadsheet that opens the export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 1_048_575


class XlsxError(Exception):
    """The file cannot be read as a spreadsheet; the message says why, for the person who sent it."""


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would take for a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: Iterable[Iterable[Any]]
    widths: list[int] = field(default_factory=list)
    # column index -> allowed values, offered as a drop-down in templates
    choices: dict[int, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def write_workbook(out: IO[bytes], sheets: list[Sheet], *, progress=None) -> int:
    """Write the sheets to `out`; returns the number of data rows written."""
    book = Workbook(write_only=True)
    written = 0
    for spec in sheets:
        ws = book.create_sheet(title=spec.title[:31])
        for i, width in enumerate(spec.widths or [16] * len(spec.headers)):
            ws.column_dimensions[_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        header_cells = []
        for text in spec.headers:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="B71C1C")
            cell.alignment = Alignment(vertical="center")
            header_cells.append(cell)
        for col, allowed in spec.choices.items():
            # Excel limits an inline list to 255 characters; longer lists are explained in notes.
            formula = '"' + ",".join(allowed) + '"'
            if len(formula) <= 255:
                validation = DataValidation(type="list", formula1=formula, allow_blank=True)
                validation.add(f"{_column_letter(col)}2:{_column_letter(col)}{MAX_ROWS}")
                ws.data_validations.append(validation)
        ws.append(header_cells)
        for row in spec.rows:
            ws.append([safe_cell(_plain(v)) for v in row])
            written += 1
            if progress and written % 1000 == 0:
                progress(written)
        if spec.notes:
            notes = book.create_sheet(title=_("Notes")[:31])
            notes.column_dimensions["A"].width = 100
            for line in spec.notes:
                notes.append([line])
    book.save(out)
    return written


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_rows(source: IO[bytes] | bytes, *, max_rows: int) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Headers of the first sheet and its data rows as (row number in the sheet, values).

    Raises XlsxError for a file that is not a readable .xlsx, an empty sheet, or too many rows.
    """
    data = source if isinstance(source, bytes) else source.read()
    if not data.startswith(b"PK"):
        raise XlsxError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."))
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        table = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise XlsxError(_("The workbook cannot be read ({error}). Is it damaged?").format(error=exc)) from None
    if not table or not any(str(v).strip() for v in table[0]):
        raise XlsxError(_("The first sheet is empty: the first row must hold the column headers."))
    if len(table) - 1 > max_rows:
        raise XlsxError(
            _("The sheet has {n} rows; at most {max} can be imported at once. Split the file.").format(
                n=len(table) - 1, max=max_rows
            )
        )
    headers = [str(h).strip() for h in table[0]]

    def rows():
        for number, values in enumerate(table[1:], start=2):
            if any(_blank(v) is False for v in values):
                yield number, [_cell(v) for v in values]

    return headers, rows()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    return value
