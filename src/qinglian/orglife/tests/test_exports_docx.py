"""The official exports: one meeting's record and the yearly ledger as Word, the ledger as Excel.

Each file is opened again (python-docx, python-calamine) and must hold the Chinese text intact.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from docx import Document
from python_calamine import CalamineWorkbook

from qinglian.core.models import AuditEvent, Job
from qinglian.orglife.exports import ledger_document, ledger_meetings, minutes_document, zh_number
from qinglian.orglife.services import attendance_record
from qinglian.orglife.services.minutes import minutes_correct, minutes_save, minutes_submit
from qinglian.orglife.tests.factories import at, attend_all, meeting_make, minutes_make
from qinglian.orglife.vocab import MeetingKind, Presence
from qinglian.reports import docx

ITEMS = [
    {"title": "传达学习《中国共产党支部工作条例》", "discussion": "张伟领学，大家交流体会。",
     "decision": "每月集中学习一次。"},
    {"title": "讨论确定发展对象", "discussion": "李娜介绍考察情况。", "decision": "同意列为发展对象。",
     "votes": {"for": 1, "against": 0, "abstain": 0}},
]  # fmt: skip


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def meeting(cast):
    """Branch_a's general meeting: 张伟 present, 李娜 on leave; a guest; minutes approved by the secretary."""
    meeting = meeting_make(
        cast.tree.branch_a,
        title="第一季度支部党员大会",
        place="三楼会议室",
        agenda=["学习支部工作条例", "讨论发展对象"],
        host=cast.members["a1"],
        recorder=cast.members["a2"],
        guests=[("王主任", "机关党委")],
    )
    a1, a2 = (meeting.attendees.get(member=cast.members[k]).pk for k in ("a1", "a2"))
    meeting = attendance_record(
        meeting=meeting,
        presences={a1: Presence.PRESENT, a2: Presence.ON_LEAVE},
        reasons={a2: "出差"},
        actor=cast.secretary,
    )
    minutes_make(meeting, actor=cast.secretary, summary="会议由张伟主持，应到2人，实到1人。", items=ITEMS,
                 approve_by=cast.secretary)  # fmt: skip
    return meeting


def test_zh_numbers():
    assert [zh_number(n) for n in (1, 9, 10, 11, 20, 23, 60)] == ["一", "九", "十", "十一", "二十", "二十三", "六十"]


def test_the_minutes_document_reopens_with_the_chinese_text_intact(cast, meeting, login):
    response = login(cast.member).get(reverse("orglife:minutes_docx", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"] == docx.CONTENT_TYPE
    assert "filename*=utf-8''" in response["Content-Disposition"]
    text = _text(response.content)
    for expected in (
        "第一党支部会议记录",
        "第一季度支部党员大会",
        "支部党员大会",
        "三楼会议室",
        "主 持 人",
        "张伟",
        "李娜（出差）",
        "王主任（机关党委）",
        "1. 学习支部工作条例",
        "会议由张伟主持，应到2人，实到1人。",
        "一、传达学习《中国共产党支部工作条例》",
        "讨论情况：张伟领学，大家交流体会。",
        "形成决议：同意列为发展对象。",
        "表决结果：赞成1票，反对0票，弃权0票",
        "审定人：",
        "第1版",
    ):
        assert expected in text, expected
    assert "未审定" not in text
    footer = Document(io.BytesIO(response.content)).sections[0].footer._element.xml
    assert "PAGE" in footer


def test_a_draft_is_marked_as_not_approved_and_a_reader_cannot_fetch_it(cast, login):
    meeting = attend_all(meeting_make(cast.tree.branch_a, title="草稿会议"))
    minutes_save(meeting=meeting, summary="尚在起草", items=[], actor=cast.secretary)
    assert login(cast.member).get(reverse("orglife:minutes_docx", args=[meeting.pk])).status_code == 404
    text = _text(login(cast.secretary).get(reverse("orglife:minutes_docx", args=[meeting.pk])).content)
    assert "（未审定稿）" in text and "未审定（草稿）" in text and "尚在起草" in text


def test_a_corrected_record_prints_its_reason(cast, meeting):
    record = meeting.minutes.get()
    draft = minutes_correct(meeting=meeting, reason="表决结果记录有误", actor=cast.secretary, version=record.version)
    text = _text(docx.document_bytes(minutes_document(meeting, draft)))
    assert "第2版（更正）。更正原因：表决结果记录有误" in text


def _year_of_meetings(cast):
    year = timezone.localdate().year - 1
    org = cast.tree.branch_a
    first = attend_all(meeting_make(org, starts_at=at(date(year, 3, 5)), title="三月党员大会"))
    minutes_make(first, actor=cast.secretary, summary="三月会议纪要", items=ITEMS[:1], approve_by=cast.secretary)
    second = attend_all(meeting_make(org, kind=MeetingKind.COMMITTEE_MEETING, starts_at=at(date(year, 4, 9)),
                                     title="四月支委会"))  # fmt: skip
    minutes_save(meeting=second, summary="四月会议纪要（草稿）", items=[], actor=cast.secretary)
    meeting_make(org, starts_at=at(date(year, 5, 10)), title="五月未登记的会议")  # not held: no attendance
    meeting_make(cast.tree.branch_b, starts_at=at(date(year, 3, 6)), title="第二支部的会议")
    return org, year


def test_the_ledger_document_has_a_cover_contents_and_each_held_meeting(cast):
    org, year = _year_of_meetings(cast)
    data = docx.document_bytes(ledger_document(org, year, ledger_meetings(org, year)))
    doc = Document(io.BytesIO(data))
    text = _text(data)
    assert "会议记录本" in text and f"（{year}年度）" in text and "第一党支部" in text and "共2次会议" in text
    contents = doc.tables[0]
    assert [c.text for c in contents.rows[0].cells] == ["序号", "日期", "会议类型", "会议名称", "记录状态"]
    assert [c.text for c in contents.rows[1].cells] == ["1", f"{year}-03-05", "支部党员大会", "三月党员大会", "已审定"]
    assert [c.text for c in contents.rows[2].cells] == ["2", f"{year}-04-09", "支部委员会会议", "四月支委会", "草稿"]
    assert len(contents.rows) == 3
    assert "三月会议纪要" in text and "四月会议纪要（草稿）" in text
    assert "五月未登记的会议" not in text and "第二支部的会议" not in text
    assert len(doc.tables) == 3  # the contents and one record form per meeting


def test_the_ledger_exports_run_as_jobs_and_the_workbook_has_one_row_per_meeting(
    cast, login, django_capture_on_commit_callbacks
):
    org, year = _year_of_meetings(cast)
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orglife:ledger_export"), {"org": org.pk, "year": year, "format": "xlsx"})
    job = Job.objects.get(kind="orglife.ledger_export")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.params["lang"] == "en"
    data = (settings.EXPORT_DIR / job.result_file).read_bytes()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["Date", "Kind", "Title"] and rows[0][-2:] == ["Minutes", "Counts towards the requirements"]
    body = [r[2:] for r in rows[1:]]
    assert [r[0] for r in body] == ["三月党员大会", "四月支委会", "五月未登记的会议"]
    assert body[0][-2:] == ["Approved", "Yes"] and body[1][-2:] == ["Draft", "No"]
    assert body[2][-2:] == ["No minutes", "No"]
    assert rows[1][6:9] == [2, 2, 100]  # expected, present, attendance %
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orglife:ledger_export"), {"org": org.pk, "year": year, "format": "docx"})
    job = Job.objects.filter(kind="orglife.ledger_export").order_by("-created_at").first()
    assert job.status == Job.Status.DONE and job.message == "2 meetings written."
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert "三月党员大会" in _text(b"".join(download.streaming_content))
    assert AuditEvent.objects.filter(action="orglife.ledger_export").count() == 2
    # Another branch's secretary cannot start one for branch_a.
    other = login(cast.secretary_b)
    assert (
        other.post(reverse("orglife:ledger_export"), {"org": org.pk, "year": year, "format": "xlsx"}).status_code == 404
    )


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed")
def test_libreoffice_converts_the_minutes_to_pdf(cast, meeting, tmp_path):
    source = tmp_path / "minutes.docx"
    source.write_bytes(docx.document_bytes(minutes_document(meeting, meeting.minutes.get())))
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{tmp_path}/profile",  # its own profile: runs may overlap
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    pdf = (tmp_path / "minutes.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "minutes.pdf"), "-"], capture_output=True, check=True).stdout
        assert "第一季度支部党员大会" in text.decode() and "同意列为发展对象" in text.decode()


def test_the_submitted_version_prints_as_waiting(cast):
    meeting = attend_all(meeting_make(cast.tree.branch_a))
    minutes = minutes_submit(minutes=minutes_make(meeting, actor=cast.secretary), actor=cast.secretary)
    assert "未审定（待审定）" in _text(docx.document_bytes(minutes_document(meeting, minutes)))
