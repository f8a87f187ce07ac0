"""Removing what a file says about whoever made it, before a reporter's attachment is stored.

A photo's Exif block carries the camera, the time and often the place it was taken; a Word or Excel file names its
author, the last person to save it and their company; a PDF's information dictionary and XMP packet do the same. A
report filed anonymously must not be undone by its attachment, so every format we can rewrite safely is rewritten
here, in pure Python (and pypdf), without decoding the picture or the text:

- JPEG: the APP1 (Exif, XMP), APP13 (IPTC, Photoshop) and comment segments are dropped, and so is every other
  application segment except APP0 (JFIF), APP2 (the colour profile) and APP14 (Adobe's colour transform), which the
  picture needs to look right. The Exif orientation goes too, so a photo taken sideways may show sideways.
- PNG: the text chunks (tEXt, zTXt, iTXt), the eXIf chunk and the modification time (tIME) are dropped.
- .docx and .xlsx: the zip is written anew with docProps/core.xml and docProps/app.xml (and custom.xml) replaced by
  empty, valid ones, and every entry's date set to the zip epoch. Comments' and tracked changes' author names live in
  the document itself and are left alone.
- PDF: written anew with pypdf without the /Info dictionary and without XMP metadata (the catalogue's and pages').
- GIF and WebP are kept as they are and marked "not stripped"; so is a file we could not rewrite (an encrypted PDF,
  a damaged zip), which the handler then sees marked so.

`scrub(data, content_type)` returns (bytes to store, whether metadata was removed).
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qinglian.core.uploads import DOCX_TYPE, XLSX_TYPE

log = logging.getLogger(__name__)

# An office file unpacks to at most this much: beyond it we refuse it rather than inflate a zip bomb in memory.
MAX_UNPACKED = 200 * 1024 * 1024


class ScrubError(ValueError):
    """The file is not what its first bytes claimed: it cannot be rewritten."""


def scrub(data: bytes, content_type: str) -> tuple[bytes, bool]:
    """The file without its metadata and True, or the file unchanged and False where that cannot be done."""
    cleaner = CLEANERS.get(content_type)
    if cleaner is None:
        return data, False
    try:
        return cleaner(data), True
    except ScrubError:
        # Name the format only: a reporter's file name or content never reaches a log.
        log.info("metadata could not be removed from a %s attachment; kept unchanged", content_type)
        return data, False


# --- JPEG -------------------------------------------------------------------------------------------------------

JPEG_KEEP_APP = {0xE0, 0xE2, 0xEE}  # APP0 JFIF, APP2 ICC profile, APP14 Adobe
JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: no length field


def jpeg_clean(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ScrubError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ScrubError("JPEG marker expected")
        marker = data[pos + 1] if pos + 1 < len(data) else None
        if marker is None:
            raise ScrubError("JPEG cut short")
        if marker == 0xFF:  # fill bytes before a marker
            pos += 1
            continue
        if marker == 0xD9:  # EOI without image data
            out += data[pos : pos + 2]
            return bytes(out)
        if marker in JPEG_STANDALONE:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if pos + 4 > len(data):
            raise ScrubError("JPEG cut short")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise ScrubError("JPEG segment overruns the file")
        if marker == 0xDA:  # start of scan: the picture itself follows, to the end of the file
            out += data[pos:]
            return bytes(out)
        drop = marker == 0xFE or (0xE0 <= marker <= 0xEF and marker not in JPEG_KEEP_APP)
        if not drop:
            out += data[pos:end]
        pos = end
    raise ScrubError("JPEG without image data")


# --- PNG --------------------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_DROP = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def png_clean(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise ScrubError("not a PNG")
    out = bytearray(PNG_SIGNATURE)
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ScrubError("PNG chunk overruns the file")
        if kind not in PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise ScrubError("PNG without its end chunk")


# --- .docx / .xlsx ----------------------------------------------------------------------------------------------

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EMPTY_PARTS = {
    "docProps/core.xml": XML_HEAD
    + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
    "docProps/app.xml": XML_HEAD
    + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>',
    "docProps/custom.xml": XML_HEAD
    + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>',
}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def office_clean(data: bytes) -> bytes:
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        entries = source.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ScrubError("not a zip") from exc
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED:
        raise ValidationError(_("The file unpacks to more than {max} MB; it cannot be accepted.").format(
            max=MAX_UNPACKED // (1024 * 1024)
        ))  # fmt: skip
    out = io.BytesIO()
    unpacked = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in entries:
            if entry.is_dir():
                continue
            if entry.filename in EMPTY_PARTS:
                body = EMPTY_PARTS[entry.filename].encode("utf-8")
            else:
                body = _read_capped(source, entry, MAX_UNPACKED - unpacked)
            unpacked += len(body)
            # A fixed date: the entries' times would otherwise tell when, and in which time zone, the file was saved.
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, body)
    return out.getvalue()


def _read_capped(source: zipfile.ZipFile, entry: zipfile.ZipInfo, room: int) -> bytes:
    """An entry's bytes, refusing one that inflates past `room` whatever its header claims."""
    chunks, size = [], 0
    try:
        with source.open(entry) as stream:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > room:
                    raise ValidationError(_("The file unpacks to more than {max} MB; it cannot be accepted.").format(
                        max=MAX_UNPACKED // (1024 * 1024)
                    ))  # fmt: skip
                chunks.append(chunk)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise ScrubError("damaged zip entry") from exc
    return b"".join(chunks)


# --- PDF --------------------------------------------------------------------------------------------------------


def pdf_clean(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ScrubError("encrypted PDF")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # no /Info dictionary in the trailer
        writer.root_object.pop(NameObject("/Metadata"), None)  # the catalogue's XMP packet
        for page in writer.pages:
            page.pop(NameObject("/Metadata"), None)
            page.pop(NameObject("/PieceInfo"), None)  # an editor's private data, often with its name and times
        # The XMP stream, no longer referenced, would still be written out: drop every object nothing refers to.
        writer.compress_identical_objects()
        out = io.BytesIO()
        writer.write(out)
    except ScrubError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ScrubError("unreadable PDF") from exc
    return out.getvalue()


CLEANERS = {
    "image/jpeg": jpeg_clean,
    "image/png": png_clean,
    "application/pdf": pdf_clean,
    DOCX_TYPE: office_clean,
    XLSX_TYPE: office_clean,
}
