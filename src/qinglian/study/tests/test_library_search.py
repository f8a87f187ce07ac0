"""The library's search: Chinese by character pairs, title matches first, documents indexed from their text,
HTML kept safe, uploads checked by their bytes."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from qinglian.study.models import Material, MaterialTerm
from qinglian.study.services import library as services
from qinglian.study.vocab import MaterialKind, PublishStatus

pytestmark = pytest.mark.usefixtures("in_english")


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF showing `text` (Latin letters) in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def article(org, title, body="<p>正文</p>", actor=None, **fields):
    material = services.material_create(org=org, kind=MaterialKind.ARTICLE, title=title, body=body, actor=actor,
                                        **fields)  # fmt: skip
    return services.material_transition(material=material, version=None, status=PublishStatus.PUBLISHED, actor=None)


def test_terms_are_character_pairs_and_latin_words():
    assert services.query_terms("纪律处分条例") == sorted(["纪律", "律处", "处分", "分条", "条例"])
    assert services.query_terms("PDF 2026年") == sorted(["pdf", "2026"])
    assert services.query_terms("党") == []


def test_chinese_search_finds_a_documents_body_and_ranks_title_matches_first(cast):
    org = cast.tree.branch_a
    upload = SimpleUploadedFile("规定.docx", docx_bytes("第一章 总则", "违反《中国共产党纪律处分条例》的，依规处理。"))
    document = services.material_create(
        org=org, kind=MaterialKind.DOCUMENT, title="学习资料汇编", file=upload, category="党章党规/纪律", actor=None
    )
    titled = article(org, "中国共产党纪律处分条例解读", body="<p>关于党纪的说明。</p>")
    article(org, "党章学习", body="<p>党的纪律是党的生命。</p>")
    found = list(services.material_search(Material.objects.all(), "纪律处分条例"))
    assert found == [titled, document]
    assert list(services.material_search(Material.objects.all(), "处分 总则")) == [document]
    # One character is too short for the pairs: titles and texts containing it.
    assert set(services.material_search(Material.objects.all(), "纪")) == {titled, document, Material.objects.get(
        title="党章学习")}  # fmt: skip
    assert "纪律处分条例" in document.search_text
    assert "<mark>纪律处分条例</mark>" in services.snippet(document.search_text, "纪律处分条例")


def test_a_pdf_upload_is_indexed(cast):
    upload = SimpleUploadedFile("rules.pdf", pdf_bytes("Integrity Regulations 2026"))
    material = services.material_create(
        org=cast.tree.branch_a, kind=MaterialKind.DOCUMENT, title="文件", file=upload, actor=None
    )
    assert material.content_type == "application/pdf"
    assert MaterialTerm.objects.filter(material=material, term="integrity").exists()
    assert list(services.material_search(Material.objects.all(), "integrity regulations")) == [material]


def test_a_file_named_pdf_that_is_not_one_is_refused(cast):
    fake = SimpleUploadedFile("条例.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError, match="is not a PDF or Word"):
        services.material_create(org=cast.tree.branch_a, kind=MaterialKind.DOCUMENT, title="假", file=fake, actor=None)
    video_as_doc = SimpleUploadedFile("a.pdf", b"\x1a\x45\xdf\xa3" + b"\0" * 40)
    with pytest.raises(ValidationError):
        services.material_create(
            org=cast.tree.branch_a, kind=MaterialKind.DOCUMENT, title="假", file=video_as_doc, actor=None
        )
    assert not Material.objects.exists()


def test_an_upload_over_the_limit_is_refused(cast, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 100)
    big = SimpleUploadedFile("big.pdf", pdf_bytes("x" * 200))
    with pytest.raises(ValidationError, match="at most 0 MB"):
        services.material_create(org=cast.tree.branch_a, kind=MaterialKind.DOCUMENT, title="大", file=big, actor=None)


def test_article_html_is_sanitised(cast):
    body = (
        '<h2>标题</h2><p onclick="x()">段落<script>alert(1)</script></p><img src=x onerror="alert(1)">'
        '<a href="javascript:alert(1)">链接</a><style>p{}</style><table><tr><td>格</td></tr></table>'
        "<blockquote>引文</blockquote>"
    )
    material = services.material_create(
        org=cast.tree.branch_a, kind=MaterialKind.ARTICLE, title="文章", body=body, actor=None
    )
    assert "<script" not in material.body and "alert" not in material.body
    assert "onerror" not in material.body and "onclick" not in material.body and "<style" not in material.body
    assert "<h2>标题</h2>" in material.body and "<td>格</td>" in material.body and "<blockquote>" in material.body
    assert "段落" in material.search_text and "<" not in material.search_text


def test_a_link_must_be_internal(cast):
    with pytest.raises(ValidationError, match="address on this site"):
        services.material_create(
            org=cast.tree.branch_a, kind=MaterialKind.LINK, title="外链", url="https://example.com/", actor=None
        )
    link = services.material_create(
        org=cast.tree.branch_a, kind=MaterialKind.LINK, title="内链", url="/orglife/", actor=None
    )
    assert link.url == "/orglife/"


def test_categories_are_made_from_a_path(cast):
    material = services.material_create(
        org=cast.tree.branch_a, kind=MaterialKind.ARTICLE, title="文章", body="<p>正文</p>",
        category="党章党规/纪律处分条例", tags="两学一做, 2026", actor=None,
    )  # fmt: skip
    assert material.category.full_name == "党章党规/纪律处分条例"
    assert material.category.parent.full_name == "党章党规"
    assert sorted(t.name for t in material.tags.all()) == ["2026", "两学一做"]


def test_a_stale_version_is_refused(cast):
    from qinglian.orgs.services import Conflict

    material = services.material_create(
        org=cast.tree.branch_a, kind=MaterialKind.ARTICLE, title="文章", body="<p>正文</p>", actor=None
    )
    fields = {"kind": MaterialKind.ARTICLE, "title": "改", "body": "<p>新</p>", "actor": None}
    services.material_update(material=material, version=1, **fields)
    with pytest.raises(Conflict):
        services.material_update(material=material, version=1, **fields)
