"""Writing Word documents (.docx) with python-docx: official letters and forms staff print and sign.

Text is set in the fonts Chinese government documents use (方正小标宋 / 仿宋 where installed,
falling back to SimSun), with the East Asian font named explicitly so that Word does not switch
Chinese characters to a Western face.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def document_new(*, margins_cm: float = 2.5) -> Document:
    """An A4 document with the usual official-document margins."""
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(margins_cm)
        section.top_margin = section.bottom_margin = Cm(margins_cm)
    return doc


def add_title(doc: Document, text: str, *, size: float = 22) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), TITLE_FONT, size, bold=True)


def add_paragraph(
    doc: Document, text: str, *, size: float = 14, align: str = "left", indent: bool = False, bold: bool = False
) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
    }[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    _font(paragraph.add_run(text), BODY_FONT, size, bold=bold)


def _cell_text(cell, value, size: float, *, bold: bool = False) -> None:
    """Fill a table cell: a string is one paragraph; a list gives one paragraph per line, where a
    line may be (text, True) to set it in bold."""
    lines = value if isinstance(value, list) else [value]
    for i, line in enumerate(lines):
        text, strong = line if isinstance(line, tuple) else (line, bold)
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(2)
        _font(paragraph.add_run("" if text is None else str(text)), BODY_FONT, size, bold=strong)


def add_fields(
    doc: Document,
    rows: Iterable[tuple[str, object]],
    *,
    size: float = 12,
    label_cm: float = 4.5,
    width_cm: float = 16,
    row_cm: float | None = None,
    tall: dict[str, float] | None = None,
) -> None:
    """A two-column table of label and value, with borders, as on a printed form.

    A value may be a list of lines (see `_cell_text`) for a long entry such as a meeting's content.
    `row_cm` is the least height of every row, `tall` the least height of named rows (label -> cm),
    so that a printed form leaves room to write.
    """
    rows = list(rows)
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, [label_cm, width_cm - label_cm])
    for (label, value), row in zip(rows, table.rows, strict=True):
        height = (tall or {}).get(label, row_cm)
        if height:
            row.height, row.height_rule = Cm(height), WD_ROW_HEIGHT_RULE.AT_LEAST
        row.cells[0].vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        # A tall entry is written from the top, as on paper; short ones sit in the middle of their row.
        row.cells[1].vertical_alignment = WD_ALIGN_VERTICAL.TOP if label in (tall or {}) else WD_ALIGN_VERTICAL.CENTER
        _cell_text(row.cells[0], str(label), size, bold=True)
        row.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _cell_text(row.cells[1], value, size)


def add_table(
    doc: Document,
    headers: list[str],
    rows: Iterable[Iterable[object]],
    *,
    widths_cm: list[float] | None = None,
    size: float = 11,
) -> None:
    """A bordered table with a bold header row that repeats at the top of each page."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(_on("w:tblHeader"))
    for cell, text in zip(header.cells, headers, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _cell_text(cell, text, size, bold=True)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell_text(cell, value, size)
    if widths_cm:
        _widths(table, widths_cm)


def _widths(table, widths_cm: list[float]) -> None:
    """Fixed column widths, set on the grid (read by LibreOffice) and on every cell (read by Word)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def add_page_break(doc: Document) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def add_page_numbers(
    doc: Document, *, before: str = "", after: str = "", size: float = 10.5, skip_first: bool = False
) -> None:
    """Centred page numbers in every section's footer, e.g. before="第 ", after=" 页"; none on a cover
    page when `skip_first`."""
    for section in doc.sections:
        section.different_first_page_header_footer = skip_first
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if before:
            _font(paragraph.add_run(before), BODY_FONT, size)
        run = paragraph.add_run()
        _font(run, BODY_FONT, size)
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                element = _on("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            run._r.append(element)
        if after:
            _font(paragraph.add_run(after), BODY_FONT, size)


def _on(tag: str):
    element = OxmlElement(tag)
    if tag == "w:tblHeader":
        element.set(qn("w:val"), "true")
    return element


def document_bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def docx_response(doc: Document, filename: str) -> HttpResponse:
    """A document to download; a non-ASCII file name is sent the way browsers read it (RFC 6266)."""
    response = HttpResponse(document_bytes(doc), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
