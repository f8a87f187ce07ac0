"""Reading and writing .xlsx: python-calamine to read (fast), openpyxl write-only to write.

Every value written goes through `safe_cell`, so that a name like "=HYPERLINK(...)" typed into a
register is never run as a formula by the spreadsheet that opens the export.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings
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
MAX_UNPACKED = 600 * 1024 * 1024  # the default of the XLSX_MAX_UNPACKED setting
MAX_PARTS = 1000
MAX_RATIO = 200  # real sheets compress 5-30 times; deflate's limit is about 1,000
MAX_COLUMNS = 60  # the widest template has 22
MAX_CELLS = 20_000_000
SCAN_CHUNK = 4 * 1024 * 1024
# Parts of a package that are never a sheet (their names end so).
METADATA_PARTS = (".rels", "[Content_Types].xml", "workbook.xml", "styles.xml", "sharedStrings.xml", ".bin", ".png",
                  ".jpeg", ".jpg", ".emf")  # fmt: skip
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


def _numbers_above(limit: int) -> str:
    """A regular expression matching the decimal numbers (without leading zeros) greater than `limit`."""
    digits = str(limit)
    parts = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            low = int(ch) + 1 if i else max(int(ch) + 1, 1)
            parts.append(f"{digits[:i]}[{low}-9][0-9]{{{len(digits) - i - 1}}}")
    return "|".join(parts)


def _columns_above(limit: int) -> str:
    """A regular expression matching the column letters (A, ..., Z, AA, ...) of columns after the `limit`th."""
    parts = ["[A-Z]{3,}"]
    if limit < 26:
        parts.append(f"[{chr(65 + limit)}-Z]")
    for first in range(1, 27):
        low = limit - first * 26 + 1  # the least second letter (1 = A) that passes the limit
        if low <= 1:
            parts.append(f"{chr(64 + first)}[A-Z]")
        elif low <= 26:
            parts.append(f"{chr(64 + first)}[{chr(64 + low)}-Z]")
    return "|".join(parts)


def first_sheet(book: zipfile.ZipFile) -> str | None:
    """The path in the package of the workbook's first sheet (the one imports read), or None."""
    try:
        if max(book.getinfo(n).file_size for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")) > 16 * 1024 * 1024:
            return None  # not read whole: the parts are then scanned as sheets
        workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError):
        return None
    first = re.search(r"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=[\"']([^\"']+)[\"']", workbook)
    if not first:
        return None
    wanted = re.compile(r"\bId=[\"']" + re.escape(first.group(1)) + r"[\"']")
    for rel in re.finditer(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if wanted.search(tag):
            found = re.search(r"\bTarget=[\"']([^\"']+)[\"']", tag)
            if found:
                target = found.group(1)
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


@dataclass
class Package:
    """What `package_check` learned of a workbook without unpacking it into memory."""

    first_sheet: str | None
    merged: list[str] = field(default_factory=list)  # the first sheet's merged ranges ("A2:A3")


def _unreadable(exc) -> XlsxError:
    return XlsxError(_("The workbook cannot be read ({error}). Is it damaged?").format(error=exc))


def package_check(data: bytes, *, max_rows: int, max_unpacked: int | None = None) -> Package:
    """Refuse, cheaply, a workbook that would cost the reader more than an import is worth; raises XlsxError.

    A .xlsx is a zip. Its central directory gives every part's size before anything is unpacked, so a "zip bomb"
    (a few MB that unpack to GBs), a part compressed beyond any real sheet's ratio and a package of thousands of
    parts are refused having read only that directory. The first sheet is then streamed through, a few MB at a
    time and never held whole, looking for a cell placed beyond the rows or columns an import takes: the reader
    builds a dense table from the first to the last cell, so one cell at XFD1048576 would ask for 17 billion.
    """
    limit = settings.XLSX_MAX_UNPACKED if max_unpacked is None else max_unpacked
    if not data.startswith(b"PK"):
        raise XlsxError(_("The file is not an Excel workbook (.xlsx). Save it as .xlsx and try again."))
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        entries = book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise _unreadable(exc) from None
    unpacked = sum(entry.file_size for entry in entries)
    too_big = _(
        "The workbook unpacks to more than {max} MB, more than an import can take. Split it into smaller files."
    ).format(max=limit // (1024 * 1024))
    if unpacked > limit:
        raise XlsxError(too_big)
    if len(entries) > MAX_PARTS:
        raise XlsxError(
            _("The workbook holds {n} parts; a spreadsheet has a few dozen. Is it damaged?").format(n=len(entries))
        )
    for entry in entries:
        if entry.file_size > MAX_RATIO * max(entry.compress_size, 1) and entry.file_size > 1024 * 1024:
            raise XlsxError(too_big)
    path = first_sheet(book)
    # Where the first sheet cannot be told (an unusual package), every part that may be a sheet is scanned.
    parts = [path] if path else [e.filename for e in entries if not e.filename.endswith(METADATA_PARTS)]
    merged: list[bytes] = []
    for part in parts:
        try:
            merged += _scan_sheet(book, part, max_rows=max_rows, limit=limit, too_big=too_big)
        except KeyError:
            continue
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, ValueError) as exc:
            raise _unreadable(exc) from None
    return Package(first_sheet=path, merged=sorted({m.decode() for m in merged}))


def _scan_sheet(book: zipfile.ZipFile, part: str, *, max_rows: int, limit: int, too_big: str) -> list[bytes]:
    """Stream one sheet's XML, refusing a cell beyond the rows and columns an import takes; its merged ranges."""
    far = re.compile(
        rb'\sr="(?:(?:%s)[0-9]+|[A-Z]{0,3}(?:%s))"'
        % (_columns_above(MAX_COLUMNS).encode(), _numbers_above(max_rows + 1).encode())
    )
    merge = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
    merged: list[bytes] = []
    tail = b""
    cells = refs = rows = read = 0
    with book.open(part) as sheet:
        while chunk := sheet.read(SCAN_CHUNK):
            read += len(chunk)
            if read > limit:  # the directory understated the size
                raise XlsxError(too_big)
            window = tail + chunk
            found = far.search(window)
            if found:
                raise XlsxError(
                    _(
                        "The first sheet has a cell beyond row {rows} or column {columns} ({cell}): an import "
                        "takes at most {n} rows of {columns} columns. Delete what lies beyond, or split the file."
                    ).format(
                        rows=max_rows + 1,
                        columns=_column_letter(MAX_COLUMNS - 1),
                        n=max_rows,
                        cell=found.group(0)[4:-1].decode("ascii", "replace"),
                    )
                )
            merged += merge.findall(window)
            cells += chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/>")
            refs += chunk.count(b' r="')
            rows += chunk.count(b"<row ") + chunk.count(b"<row>")
            tail = chunk[-64:]
    # Cells written without a reference take the next column: a row of them widens the whole table.
    implied = max(cells - (refs - rows), 0)
    if rows > max_rows + 1 or (implied and (max_rows + 1) * (MAX_COLUMNS + implied) > MAX_CELLS):
        raise XlsxError(
            _("The sheet has more than {max} rows, or cells without their position. Save it again from Excel.").format(
                max=max_rows
            )
        )
    return merged


def read_rows(
    source: IO[bytes] | bytes, *, max_rows: int, max_unpacked: int | None = None
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """Headers of the first sheet and its data rows as (row number in the sheet, values).

    Blank rows are skipped; text is stripped and whole numbers come back as int. Raises XlsxError
    for a file that is not a readable .xlsx (see `package_check`), an empty sheet, or too many rows.
    """
    data = source if isinstance(source, bytes) else source.read()
    package_check(data, max_rows=max_rows, max_unpacked=max_unpacked)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        table = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError, OverflowError) as exc:
        raise _unreadable(exc) from None
    except BaseException as exc:
        # The reader's Rust code panics on some values (a date millions of years away); pyo3 raises that as
        # PanicException, which derives from BaseException and cannot be imported by name.
        if type(exc).__name__ != "PanicException":
            raise
        raise _unreadable(exc) from None
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
