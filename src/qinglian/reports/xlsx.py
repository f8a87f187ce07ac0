"""Reading and writing .xlsx: python-calamine to read (fast), openpyxl write-only to write.

Every value written goes through `safe_cell`, so that a name like "=HYPERLINK(...)" typed into a
register is never run as a formula by the spreadsheet that opens the export.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 1_048_575
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A workbook is a zip: refuse one that would unpack to more than this (a "zip bomb" or a sheet far
# beyond what an import takes) before the reader tries to hold it in memory.
MAX_UNPACKED = 600 * 1024 * 1024
LISTS_SHEET = "_lists"


class XlsxError(Exception):
    """The file cannot be read as a spreadsheet; the message says why, for the person who sent it."""


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would take for a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Styled:
    """A value written with a background colour (hex RGB, e.g. "C8E6C9") and optionally in bold."""

    value: Any
    fill: str = ""
    bold: bool = False


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
    long_lists: list[list[str]] = []
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
            # Excel limits an inline list to 255 characters; longer lists live on a hidden sheet.
            formula = '"' + ",".join(allowed) + '"'
            if len(formula) > 255:
                long_lists.append(allowed)
                letter = _column_letter(len(long_lists) - 1)
                formula = f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(allowed)}"
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.add(f"{_column_letter(col)}2:{_column_letter(col)}{MAX_ROWS}")
            ws.data_validations.append(validation)
        ws.append(header_cells)
        for row in spec.rows:
            ws.append([_styled(ws, v) if type(v) is Styled else safe_cell(_plain(v)) for v in row])
            written += 1
            if progress and written % 1000 == 0:
                progress(written)
        if spec.notes:
            notes = book.create_sheet(title=_("Notes")[:31])
            notes.column_dimensions["A"].width = 100
            for line in spec.notes:
                notes.append([line])
    if long_lists:
        lists = book.create_sheet(title=LISTS_SHEET)
        lists.sheet_state = "hidden"
        for i in range(max(len(values) for values in long_lists)):
            lists.append([safe_cell(values[i]) if i < len(values) else None for values in long_lists])
    book.save(out)
    return written


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A workbook to download; a non-ASCII file name is sent the way browsers read it (RFC 6266)."""
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def _styled(ws, value: Styled) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=safe_cell(_plain(value.value)))
    if value.fill:
        cell.fill = PatternFill("solid", fgColor=value.fill)
    if value.bold:
        cell.font = Font(bold=True)
    return cell


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


def read_rows(
    source: IO[bytes] | bytes, *, max_rows: int, max_unpacked: int = MAX_UNPACKED
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Headers of the first sheet and its data rows as (row number in the sheet, values).

    Blank rows are skipped; text is stripped and whole numbers come back as int. Raises XlsxError
    for a file that is not a readable .xlsx, an empty sheet, or too many rows.
    """
    data = source if isinstance(source, bytes) else source.read()
    if not data.startswith(b"PK"):
        raise XlsxError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."))
    try:
        unpacked = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise XlsxError(_("The workbook cannot be read ({error}). Is it damaged?").format(error=exc)) from None
    if unpacked > max_unpacked:
        raise XlsxError(
            _("The workbook unpacks to {n} MB, more than an import can take ({max} MB). Split the file.").format(
                n=unpacked // (1024 * 1024), max=max_unpacked // (1024 * 1024)
            )
        )
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
            # The common cells (text, dates, empty) are handled inline: this loop runs for every
            # cell of a 100,000-row sheet.
            cells = [
                v.strip() if type(v) is str else (v if type(v) is not float and type(v) is not datetime else _cell(v))
                for v in values
            ]
            if any(v is not None and v != "" for v in cells):
                yield number, cells

    return headers, rows()


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value
