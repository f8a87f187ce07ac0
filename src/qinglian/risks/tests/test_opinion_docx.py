"""The integrity opinion reply as a Word letter: read back with python-docx, it holds the cadre's name, the
number, the addressee, the opinion, the facts year by year and the signature; a draft says it is one; every
export is audited."""

from __future__ import annotations

import io

import docx as python_docx
import pytest
from django.utils import timezone, translation

from qinglian.core.models import AuditEvent
from qinglian.core.registry import FACT_TALKS
from qinglian.reports.docx import document_bytes
from qinglian.risks.exports_opinion import DRAFT_MARK, reply_export, reply_filename
from qinglian.risks.services import opinion as services
from qinglian.risks.tests.factories_opinion import (
    cadre,
    conflict_confirmed,
    file_make,
    person_facts,
    reply_make,
    this_year,
)

YEAR = timezone.localdate().year


def _text(doc_bytes: bytes) -> str:
    doc = python_docx.Document(io.BytesIO(doc_bytes))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in doc.sections for p in section.header.paragraphs]
    return "\n".join(parts)


@pytest.fixture
def signed(cast):
    b1 = cadre(cast.members["b1"])
    file_make(b1, YEAR)
    conflict_confirmed(b1, by=cast.inspector)
    talk = [(FACT_TALKS, this_year(), "廉政谈话", "")]
    with person_facts({b1.pk: talk}, topics=(FACT_TALKS,)), translation.override("zh-hans"):
        reply = reply_make(b1, cast.inspector)
    return services.reply_sign(
        reply=reply,
        signer_title="中共机关纪律检查委员会",
        number="纪检组廉复〔2026〕3号",
        actor=cast.inspector,
        version=1,
    )


def test_the_signed_letter_opens_with_the_right_facts(cast, signed):
    text = _text(document_bytes(reply_export(reply=signed, actor=cast.inspector)))
    assert "关于王芳同志党风廉政情况的意见回复" in text
    assert "纪检组廉复〔2026〕3号" in text
    assert "机关党委组织部：" in text
    assert "你单位关于征求王芳同志党风廉政意见的函收悉" in text
    for fact in ("操办婚礼", "上交购物卡", "青莲建材有限公司", "廉政谈话", f"{YEAR}年", "已填报7/7项"):
        assert fact in text, fact
    assert "中共机关纪律检查委员会" in text and signed.signed_at.strftime("%Y年") in text
    assert DRAFT_MARK not in text
    assert reply_filename(signed) == "王芳同志党风廉政意见回复纪检组廉复〔2026〕3号.docx"
    assert AuditEvent.objects.filter(action="risks.opinion.export", object_id=str(signed.pk)).count() == 1


def test_a_draft_letter_says_it_is_a_draft(cast, without_discipline):
    b1 = cadre(cast.members["b1"])
    reply = reply_make(b1, cast.inspector)
    text = _text(document_bytes(reply_export(reply=reply, actor=cast.inspector)))
    assert DRAFT_MARK in text and "（署名单位）" in text
    assert "未建档" in text  # no file in any of the three years
    assert "问题线索：系统未掌握" in text
    assert reply_filename(reply) == "王芳同志党风廉政意见回复（草稿）.docx"
