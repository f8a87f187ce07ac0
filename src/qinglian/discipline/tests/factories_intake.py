"""Helpers for the tests of intake and the clue register: portal reports made straight in the database (the portal
files them through its own service), with attachments in storage and messages from the reporter.

Reports go to the root committee, whose discipline inspection is `inspector` (discipline_staff, with intake) and
the head of discipline inspection `lead` (lead_user).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from qinglian.discipline.models import Report, ReportAttachment, ReportMessage
from qinglian.discipline.services.sealing import seal_identity
from qinglian.discipline.tests.factories import day
from qinglian.discipline.vocab import Category, MessageSide, ReportStatus

REPORT_TEXT = "反映政府采购管理处王芳在办公设备采购中向特定供应商透露预算和评分细则，事后接受该供应商宴请。"
REPORTER = {"name": "孙建平", "phone": "13907311234", "unit": "江州市宏达建设工程有限公司"}
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


def moment(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(10)))


def report_make(
    cast,
    *,
    status: str = ReportStatus.NEW,
    received_on: date | None = None,
    text: str = REPORT_TEXT,
    identity: dict | None = None,
    files: int = 0,
    organisation=None,
    subject_name: str = "王芳",
    category: str = Category.INTEGRITY,
    ack_days: int = 7,
    feedback_days: int = 90,
) -> Report:
    """A portal report (new, to the root committee by default) with `files` JPEG attachments in storage."""
    received = received_on or day(-1)
    report = Report(
        organisation=organisation or cast.tree.root,
        receipt_hash=secrets.token_hex(32),
        status=status,
        category=category,
        subject_name=subject_name,
        subject_unit="政府采购管理处",
        subject_post="科长",
        text=text,
        received_at=moment(received),
        ack_due=received + timedelta(days=ack_days),
        feedback_due=received + timedelta(days=feedback_days),
    )
    if status != ReportStatus.NEW:
        report.acknowledged_at = moment(received + timedelta(days=1))
    seal_identity(report, identity)
    report.save()
    for n in range(files):
        row = ReportAttachment(report=report, name=f"采购评分表{n + 1}.jpg", content_type="image/jpeg", size=len(JPEG))
        row.file.save(f"evidence-{n}.jpg", ContentFile(JPEG), save=False)
        row.save()
    return report


def reporter_says(report: Report, body: str = "补充：宴请地点在单位附近的私房菜馆。") -> ReportMessage:
    """A further message from the reporter (as the portal would store it)."""
    return ReportMessage.objects.create(report=report, side=MessageSide.REPORTER, body=body)
