"""Files for the importers' tests, written byte by byte: workbooks holding what a spreadsheet program would never
write, and a workbook that unpacks to gigabytes. Shared by the ordinary tests and the scale tests; no Django here."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

# -- a workbook written by hand --------------------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
    ' Target="styles.xml"/></Relationships>'
)
# Style 1 shows a number as a date (number format 14), as Excel stores dates.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_xml(ref: str, cell) -> str:
    """One cell: ("s", text) inline text, ("n", number text), ("date", serial) a number shown as a date, ("b", 0/1),
    ("e", error), ("iso", text) an ISO date cell, ("f", formula) a formula with a cached value, ("raw", text) text
    written unescaped (may be XML the reader cannot parse)."""
    kind, value = cell
    if kind == "s":
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    if kind == "n":
        return f'<c r="{ref}"><v>{escape(value)}</v></c>'
    if kind == "date":
        return f'<c r="{ref}" s="1"><v>{escape(value)}</v></c>'
    if kind == "b":
        return f'<c r="{ref}" t="b"><v>{escape(value)}</v></c>'
    if kind == "e":
        return f'<c r="{ref}" t="e"><v>{escape(value)}</v></c>'
    if kind == "iso":
        return f'<c r="{ref}" t="d"><v>{escape(value)}</v></c>'
    if kind == "f":
        return f'<c r="{ref}" t="str"><f>{escape(value)}</f><v>{escape(value[:20])}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def raw_xlsx(rows: list[list], merges: list[str] = (), *, sheet_xml: str | None = None) -> bytes:
    """A workbook with one sheet holding `rows` (lists of cells as `cell_xml` takes them; None leaves a gap)."""
    if sheet_xml is None:
        lines = []
        for r, cells in enumerate(rows, start=1):
            inner = "".join(cell_xml(f"{column_letter(c)}{r}", cell) for c, cell in enumerate(cells) if cell)
            lines.append(f'<row r="{r}">{inner}</row>')
        merged = ""
        if merges:
            merged = f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
            merged += "</mergeCells>"
        sheet_xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{''.join(lines)}</sheetData>{merged}</worksheet>"
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml.encode("utf-8", "surrogatepass"))
    return out.getvalue()


# One cell holding gigabytes of one letter: the most deflate can pack (about 1,000 to 1).
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
)
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"
MB = 1024 * 1024


def _times(mat: list[int], vec: int) -> int:
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _square(mat: list[int]) -> list[int]:
    return [_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from those of A and B (zlib's crc32_combine), so that gigabytes need not be read."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _square(odd)
    odd = _square(even)
    while True:
        even = _square(odd)
        if len2 & 1:
            crc1 = _times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _square(even)
        if len2 & 1:
            crc1 = _times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc_repeated(block: bytes, times: int) -> int:
    result, result_len = 0, 0
    power, power_len = zlib.crc32(block), len(block)
    while times:
        if times & 1:
            result = crc32_combine(result, power, power_len) if result_len else power
            result_len += power_len
        times >>= 1
        if times:
            power = crc32_combine(power, power, power_len)
            power_len *= 2
    return result


def _deflate_repeated(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + block * times + tail, with its CRC-32 and size, made without compressing the
    repetitions one by one: after a full flush a deflate block refers to nothing before it, so the compressed block
    can itself be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = crc32_combine(zlib.crc32(head), _crc_repeated(block, times), len(block) * times)
    crc = crc32_combine(crc, zlib.crc32(tail), len(tail))
    return first + middle * times + last, crc & 0xFFFFFFFF, len(head) + len(block) * times + len(tail)


def _zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of already deflated entries: (name, data, crc, uncompressed size, method)."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size, method in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size, len(encoded),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += encoded
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


def _deflated(text: str) -> tuple[bytes, int, int]:
    raw = text.encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(), zlib.crc32(raw) & 0xFFFFFFFF, len(raw)


def xlsx_bomb(unpacked_mb: int = 2048, *, honest: bool = True) -> bytes:
    """A valid workbook whose sheet unpacks to `unpacked_mb` MB of rows, from about a thousandth of that.

    With honest=False the zip's directory understates the sheet's size (1 MB), as a crafted file may."""
    block = b"A" * MB
    sheet, crc, size = _deflate_repeated(SHEET_HEAD, block, unpacked_mb, SHEET_TAIL)
    parts = [
        ("[Content_Types].xml", *_deflated(CONTENT_TYPES)),
        ("_rels/.rels", *_deflated(ROOT_RELS)),
        ("xl/workbook.xml", *_deflated(WORKBOOK)),
        ("xl/_rels/workbook.xml.rels", *_deflated(WORKBOOK_RELS)),
        ("xl/styles.xml", *_deflated(STYLES)),
        ("xl/worksheets/sheet1.xml", sheet, crc, size if honest else 1024 * 1024),
    ]
    return _zip([(name, data, crc, size, 8) for name, data, crc, size in parts])
