"""Writing Word documents (.docx) with python-docx: official letters and forms staff print and sign.

Text is set in the fonts Chinese government documents use (方正小标宋 / 仿宋 where installed,
falling back to SimSun), with the East Asian font named explicitly so that Word does not switch
Chinese characters to a Western face.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
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


def add_paragraph(doc: Document, text: str, *, size: float = 14, align: str = "left", indent: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
    }[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    _font(paragraph.add_run(text), BODY_FONT, size)


def add_fields(doc: Document, rows: Iterable[tuple[str, str]], *, size: float = 12) -> None:
    """A two-column table of label and value, with borders, as on a printed form."""
    rows = list(rows)
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for (label, value), row in zip(rows, table.rows, strict=True):
        row.cells[0].width, row.cells[1].width = Cm(4.5), Cm(11.5)
        _font(row.cells[0].paragraphs[0].add_run(str(label)), BODY_FONT, size, bold=True)
        _font(row.cells[1].paragraphs[0].add_run(str(value)), BODY_FONT, size)


def document_bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
