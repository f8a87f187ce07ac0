"""The 呈批表 as a Word document, read back with python-docx: its title by kind, the clue's number, the person
reported, the proposal, the content, the checkers' signatures, each level's opinion with the name and date of whoever
gave it (and room to write for levels still to come), a mark on forms not approved; every export is a sealed read."""

from __future__ import annotations

import io

import docx as python_docx
import pytest
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.discipline.services import disposal as services
from qinglian.discipline.services.forms_docx import form_document, form_export, form_filename
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_disposal import approve, clue_at, plan_approved, submit
from qinglian.discipline.vocab import FormKind, Method
from qinglian.reports.docx import document_bytes


def _read(doc) -> tuple[str, dict[str, str]]:
    """The paragraphs' text, and the form's rows as label -> value."""
    doc = python_docx.Document(io.BytesIO(document_bytes(doc)))
    rows = {row.cells[0].text: row.cells[1].text for table in doc.tables for row in table.rows}
    header = doc.sections[0].header.paragraphs[0].text
    return "\n".join([header, *[p.text for p in doc.paragraphs]]), rows


@pytest.fixture
def lead(cast):
    return lead_user(cast)


def test_an_approved_disposal_form(cast, lead):
    clue = clue_make(cast)
    form = approve(cast, submit(clue, by=cast.inspector, method=Method.TALK_INQUIRY))
    text, rows = _read(form_document(form))
    day = timezone.localdate()
    zh_day = f"{day.year}年{day.month}月{day.day}日"
    assert "线索处置呈批表" in text and "审批中" not in text and f"审批完成：{zh_day}" in text
    assert rows["线索编号"] == clue.number
    assert rows["被反映人"].startswith("王芳") and "第二党支部" in rows["被反映人"]
    assert rows["线索来源"] == "来信" and rows["问题类别"] == "违反廉洁纪律"
    assert rows["反映的主要问题"] == clue.summary
    assert rows["拟采取的处置方式"] == "谈话函询"
    assert rows["处置理由"] == form.body
    assert rows["承办人"] == f"Inspector　　{zh_day}"
    assert rows["承办部门意见"].splitlines() == ["同意。", "同意", f"签名：Inspector　　{zh_day}"]
    assert rows["分管领导意见"].splitlines()[-1] == f"签名：纪委书记　　{zh_day}"
    assert form_filename(form) == f"{clue.number}线索处置呈批表.docx"


def test_a_pending_form_leaves_room_for_the_opinions_to_come(cast, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="拟同意。")
    text, rows = _read(form_document(form))
    assert text.startswith("审批中　尚未批准")
    assert rows["承办部门意见"].startswith("拟同意。")
    assert rows["分管领导意见"].splitlines()[-1].startswith("签名：") and "年　　月　　日" in rows["分管领导意见"]


def test_a_returned_form_says_so(cast, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    form = services.form_opinion(form=form, actor=cast.inspector, agree=False, text="请补充材料。")
    text, rows = _read(form_document(form))
    assert text.startswith("已退回") and "不同意，退回" in rows["承办部门意见"]


def test_a_verification_report_carries_its_checkers_and_its_outcome(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    form = submit(clue, FormKind.VERIFY_REPORT, by=cast.inspector, measure="admonishment")
    text, rows = _read(form_document(form))
    assert "初步核实情况报告呈批表" in text
    assert rows["处理建议"] == "诫勉" and "核查组成员" not in rows["初步核实情况"]
    assert "赵强（签名）" in rows["核查组成员签名"] and "钱敏（签名）" in rows["核查组成员签名"]


def test_a_work_plan_has_no_proposal_row(cast, lead):
    clue = clue_at(cast, Method.VERIFY)
    form = submit(clue, FormKind.VERIFY_PLAN, by=cast.inspector)
    text, rows = _read(form_document(form))
    assert "初步核实工作方案呈批表" in text and rows["工作方案"] == form.body
    assert "处理建议" not in rows and "拟采取的处置方式" not in rows


def test_the_export_is_a_sealed_read_of_the_clue(cast, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    form_export(form=form, actor=cast.inspector)
    event = AuditEvent.objects.get(action="sealed.read", object_id=str(form.clue_id))
    assert event.sealed and event.reason == f"disposal: exported approval form {form.pk} (.docx)"
