"""Helpers for the reporting portal's tests: reports filed through the service, and real files carrying metadata
(a JPEG with an Exif segment written by hand, a PNG with text chunks, a .docx, an .xlsx and a PDF naming their
author) to show that it is gone after the portal stores them.
"""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from qinglian.discipline.models import ReportMessage
from qinglian.discipline.services.portal import report_file
from qinglian.discipline.vocab import Category, MessageSide

TEXT = "2024年春节前，政府采购管理处副处长在单位附近的私房菜馆接受供应商宴请，由供应商结账。"
SECRET = "ZZ-Secret-Author 孙秘书"  # what the files below carry about their maker
GPS = b"GPS 39.9042N 116.4074E"


def report_make(cast, *, text: str = TEXT, identity=None, files=(), organisation=None, **fields):
    """A report filed to the root committee (returns the report and its receipt code)."""
    values = {"category": Category.FOUR_WINDS, "subject_name": "王芳", "subject_unit": "政府采购管理处", **fields}
    return report_file(organisation=organisation or cast.tree.root, text=text, identity=identity, files=files, **values)


def reply_make(report, user, body: str = "您反映的情况已收到，我们正在了解核实。") -> ReportMessage:
    """A handler's reply, made straight in the database (answering is the intake area's service)."""
    return ReportMessage.objects.create(report=report, side=MessageSide.HANDLER, author=user, body=body)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- JPEG -------------------------------------------------------------------------------------------------------

# A complete 1x1 grey JPEG (arithmetic coding: the smallest valid one): JFIF, a quantisation table,
# the frame, the conditioning table, the scan and its data.
JPEG_BODY = bytes.fromhex(
    "ffe000104a46494600010101004800480000"
    "ffdb00430003020202020203020202030303030406040404040408060605060908"
    "0a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010"
    "ffc9000b080001000101011100"
    "ffcc000600101005"
    "ffda0008010100003f00d2cf20"
    "ffd9"
)


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_exif() -> bytes:
    """The JPEG above with an Exif APP1 (camera, author, GPS), an XMP APP1, an IPTC APP13 and a comment."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x00" + SECRET.encode("utf-8") + b"\x00Canon EOS ZZ\x00" + GPS
    exif = _segment(0xE1, b"Exif\x00\x00" + tiff)
    xmp = _segment(
        0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:creator>" + SECRET.encode() + b"</dc:creator>"
    )
    iptc = _segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04" + SECRET.encode("utf-8"))
    comment = _segment(0xFE, b"taken by " + SECRET.encode("utf-8"))
    return b"\xff\xd8" + JPEG_BODY[:18] + exif + xmp + iptc + comment + JPEG_BODY[18:]


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG up to its scan, read the way a decoder reads them (raises on a broken file)."""
    assert data[:2] == b"\xff\xd8", "no start of image"
    markers, pos = [], 2
    while True:
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker == 0xDA:
            assert data.endswith(b"\xff\xd9"), "no end of image"
            return markers
        pos += 2 + length


# --- PNG --------------------------------------------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with_text() -> bytes:
    """A 2x1 RGB PNG with tEXt (author), zTXt, iTXt, eXIf and tIME chunks."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
    pixels = _chunk(b"IDAT", zlib.compress(b"\x00\xb7\x1c\x1c\xff\xff\xff"))
    return (
        b"\x89PNG\r\n\x1a\n"
        + header
        + _chunk(b"tEXt", b"Author\x00" + SECRET.encode("utf-8"))
        + _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(GPS))
        + _chunk(b"iTXt", b"Source\x00\x00\x00\x00\x00Phone ZZ")
        + _chunk(b"eXIf", b"MM\x00\x2a" + GPS)
        + _chunk(b"tIME", struct.pack(">HBBBBB", 2024, 2, 8, 12, 30, 0))
        + pixels
        + _chunk(b"IEND", b"")
    )


def png_read(data: bytes) -> tuple[list[bytes], bytes]:
    """(chunk types, decompressed pixel rows) of a PNG, checking every CRC (raises on a broken file)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, idat, pos = [], b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        kinds.append(kind)
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    return kinds, zlib.decompress(idat)


# --- office files and PDF ---------------------------------------------------------------------------------------


def docx_with_author() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("供应商宴请的时间和地点见下。")
    props = document.core_properties
    props.author = SECRET
    props.last_modified_by = SECRET
    props.comments = "GPS 39.9042N"
    props.title = "给纪委的材料"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_with_author() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "报销单号"
    workbook.properties.creator = SECRET
    workbook.properties.lastModifiedBy = SECRET
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_with_author() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": SECRET, "/Creator": "WPS ZZ", "/Title": "材料"})
    xmp = DecodedStreamObject()
    xmp.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{SECRET}</dc:creator></x:xmpmeta>'.encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode"
)
