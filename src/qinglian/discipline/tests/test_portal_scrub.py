"""Metadata stripping: real files that name their maker come out without it, and still open."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from qinglian.core.uploads import DOCX_TYPE, XLSX_TYPE
from qinglian.discipline.services import scrub
from qinglian.discipline.tests.factories_portal import (
    GPS,
    JPEG_BODY,
    SECRET,
    docx_with_author,
    jpeg_segments,
    jpeg_with_exif,
    pdf_with_author,
    png_read,
    png_with_text,
    xlsx_with_author,
)

SECRETS = (SECRET.encode("utf-8"), SECRET.encode("utf-16-be"), b"ZZ-Secret", GPS)


def assert_clean(data: bytes) -> None:
    for secret in SECRETS:
        assert secret not in data


def test_a_jpeg_loses_exif_xmp_iptc_and_comments_and_keeps_its_picture():
    original = jpeg_with_exif()
    assert SECRET.encode() in original and GPS in original
    clean, stripped = scrub.scrub(original, "image/jpeg")
    assert stripped
    assert_clean(clean)
    assert b"Exif" not in clean and b"ns.adobe.com" not in clean and b"Photoshop" not in clean
    assert jpeg_segments(clean) == [0xE0, 0xDB, 0xC9, 0xCC, 0xDA]  # JFIF, tables, frame, scan: all kept
    assert clean == b"\xff\xd8" + JPEG_BODY


def test_a_jpeg_keeps_its_colour_profile():
    profile = b"\xff\xe2\x00\x10ICC_PROFILE\x00\x01\x01"
    original = b"\xff\xd8" + JPEG_BODY[:18] + profile + JPEG_BODY[18:]
    clean, _ = scrub.scrub(original, "image/jpeg")
    assert profile in clean


def test_a_png_loses_its_text_and_time_chunks_and_keeps_its_pixels():
    original = png_with_text()
    kinds, pixels = png_read(original)
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"} <= set(kinds)
    clean, stripped = scrub.scrub(original, "image/png")
    assert stripped
    assert_clean(clean)
    clean_kinds, clean_pixels = png_read(clean)
    assert clean_kinds == [b"IHDR", b"IDAT", b"IEND"] and clean_pixels == pixels


def test_a_docx_loses_its_author_and_still_opens():
    from docx import Document

    original = docx_with_author()
    assert Document(io.BytesIO(original)).core_properties.author == SECRET
    clean, stripped = scrub.scrub(original, DOCX_TYPE)
    assert stripped
    document = Document(io.BytesIO(clean))
    props = document.core_properties
    assert (props.author, props.last_modified_by, props.title, props.comments) == ("", "", "", "")
    assert props.modified is None and props.created is None
    assert document.paragraphs[0].text == "供应商宴请的时间和地点见下。"
    with zipfile.ZipFile(io.BytesIO(clean)) as packed:
        assert packed.testzip() is None
        for entry in packed.infolist():
            assert entry.date_time == (1980, 1, 1, 0, 0, 0)
            assert_clean(packed.read(entry))


def test_an_xlsx_loses_its_author_and_still_opens():
    from openpyxl import load_workbook

    original = xlsx_with_author()
    assert load_workbook(io.BytesIO(original)).properties.creator == SECRET
    clean, stripped = scrub.scrub(original, XLSX_TYPE)
    assert stripped
    workbook = load_workbook(io.BytesIO(clean))
    # openpyxl names itself as the creator of a file that names nobody.
    assert workbook.properties.creator in (None, "openpyxl") and workbook.properties.lastModifiedBy is None
    assert workbook.active["A1"].value == "报销单号"
    with zipfile.ZipFile(io.BytesIO(clean)) as packed:
        for entry in packed.infolist():
            assert_clean(packed.read(entry))


def test_a_pdf_loses_its_information_dictionary_and_xmp_and_still_opens():
    from pypdf import PdfReader

    original = pdf_with_author()
    reader = PdfReader(io.BytesIO(original))
    assert reader.metadata.author == SECRET and "/Metadata" in reader.trailer["/Root"]
    clean, stripped = scrub.scrub(original, "application/pdf")
    assert stripped
    assert_clean(clean)
    reader = PdfReader(io.BytesIO(clean))
    assert reader.metadata is None and "/Info" not in reader.trailer
    assert "/Metadata" not in reader.trailer["/Root"] and len(reader.pages) == 1


@pytest.mark.parametrize("content_type", ["image/gif", "image/webp"])
def test_gif_and_webp_are_kept_and_marked_not_stripped(content_type):
    data = b"GIF89a\x01\x00\x01\x00" if content_type == "image/gif" else b"RIFF\x00\x00\x00\x00WEBPVP8 "
    assert scrub.scrub(data, content_type) == (data, False)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("image/jpeg", b"\xff\xd8\xff\xe1\x7f\xffExif"),
        ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"),
        ("application/pdf", b"%PDF-1.4\nnot really a pdf"),
        (DOCX_TYPE, b"PK\x03\x04broken"),
    ],
    ids=["jpeg", "png", "pdf", "docx"],
)
def test_a_damaged_file_is_kept_as_it_came_and_marked_not_stripped(content_type, data):
    assert scrub.scrub(data, content_type) == (data, False)


def test_an_office_file_that_unpacks_to_a_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(scrub, "MAX_UNPACKED", 1000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.writestr("[Content_Types].xml", "<Types/>")
        packed.writestr("word/document.xml", "0" * 5000)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        scrub.scrub(out.getvalue(), DOCX_TYPE)
    assert "unpacks to more than" in refused.value.messages[0]
