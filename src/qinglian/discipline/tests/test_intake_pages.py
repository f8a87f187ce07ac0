"""The reports inbox in the browser: waiting reports with their deadlines, a report's page (text, files, thread —
an audited read), acknowledging, replying, refusing, feedback, the way on to register it, and its file served only to
those who may read it — in Chinese and in English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglian.core.models import AuditEvent
from qinglian.discipline.models import Clue, ReportMessage
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.tests.factories_intake import REPORTER, report_make, reporter_says
from qinglian.discipline.vocab import MessageSide, ReportStatus


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


def test_the_inbox_lists_waiting_reports_with_their_deadlines(cast, login, english):
    late = report_make(cast, received_on=day(-10), text="十天前收到、尚未确认收到的举报。")
    soon = report_make(cast, received_on=day(-6), text="六天前收到的举报。")
    report_make(cast, status=ReportStatus.NOT_ACCEPTED, text="不予受理的举报。")
    report_make(cast, status=ReportStatus.REGISTERED, text="已登记为线索的举报。")
    reporter_says(soon)
    page = _page(login(cast.inspector).get(reverse("discipline:report_list")))
    assert "十天前收到" in page and "六天前收到" in page
    assert "不予受理的举报" not in page and "已登记为线索" not in page
    assert "Reports inbox" in page and "Acknowledgement overdue" in page and "1 new message" in page
    assert page.index("十天前收到") < page.index("六天前收到")  # the oldest deadline first
    assert late.ack_due < day()
    refused = _page(english.get(reverse("discipline:report_list"), {"view": "not_accepted"}))
    assert "不予受理的举报" in refused and "十天前收到" not in refused


def test_opening_a_report_is_audited_and_reads_the_reporters_messages(cast, login, english):
    report = report_make(cast, identity=REPORTER, files=1)
    message = reporter_says(report)
    page = _page(login(cast.inspector).get(reverse("discipline:report_detail", args=[report.pk])))
    assert report.text in page and "采购评分表1.jpg" in page and message.body in page
    assert "Real name, sealed" in page and "孙建平" not in page
    assert "Register as a clue" in page and "Acknowledge receipt" in page
    event = AuditEvent.objects.get(action="sealed.read", object_id=str(report.pk), object_type="discipline.report")
    assert event.actor == cast.inspector and event.sealed
    message.refresh_from_db()
    assert message.read_at is not None


def test_acknowledging_tells_the_reporter(cast, login, english):
    report = report_make(cast)
    client = login(cast.inspector)
    url = reverse("discipline:report_acknowledge", args=[report.pk])
    response = client.post(url, {"version": report.version, "body": "  "})
    assert response.status_code == 422 and "Write the message to the reporter." in _page(response)
    response = client.post(url, {"version": report.version, "body": "您的举报已收到。"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.acknowledged_at is not None
    assert ReportMessage.objects.get(report=report, side=MessageSide.HANDLER).body == "您的举报已收到。"
    stale = client.post(url, {"version": 1, "body": "再次确认"})
    assert stale.status_code == 409 and "Someone else changed this report" in _page(stale)


def test_refusing_keeps_what_was_typed_and_then_closes_the_report(cast, login, english):
    report = report_make(cast)
    client = login(cast.inspector)
    url = reverse("discipline:report_not_accept", args=[report.pk])
    response = client.post(url, {"version": report.version, "reason": "", "message": "请向住建部门反映。"})
    assert response.status_code == 422
    page = _page(response)
    assert "Say why the report is not accepted." in page and "请向住建部门反映。" in page
    client.post(url, {"version": report.version, "reason": "不属于受理范围", "message": "请向住建部门反映。"})
    report.refresh_from_db()
    assert report.status == ReportStatus.NOT_ACCEPTED and report.not_accepted_reason == "不属于受理范围"
    page = _page(client.get(reverse("discipline:report_detail", args=[report.pk])))
    assert "Register as a clue" not in page and "不属于受理范围" in page


def test_feedback_and_replies(cast, login, english):
    report = report_make(cast, status=ReportStatus.ACKNOWLEDGED)
    client = login(cast.inspector)
    client.post(reverse("discipline:report_reply", args=[report.pk]), {"body": "请补充宴请的具体时间。"})
    client.post(
        reverse("discipline:report_feedback", args=[report.pk]), {"version": report.version, "body": "已处理。"}
    )
    report.refresh_from_db()
    assert report.feedback_at is not None
    assert list(report.messages.values_list("body", flat=True)) == ["请补充宴请的具体时间。", "已处理。"]
    again = client.post(
        reverse("discipline:report_feedback", args=[report.pk]), {"version": report.version, "body": "x"}
    )
    assert again.status_code == 422 and "Feedback was already given" in _page(again)


def test_a_file_is_sent_as_an_attachment_under_its_checked_name(cast, login):
    report = report_make(cast, files=1)
    row = report.attachments.get()
    response = login(cast.inspector).get(reverse("discipline:report_attachment", args=[row.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "filename*=utf-8''" in response["Content-Disposition"]
    )
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")
    assert AuditEvent.objects.filter(
        action="sealed.read", object_id=str(report.pk), reason__contains="attachment"
    ).exists()


def test_once_registered_the_report_and_its_file_belong_to_the_clue(cast, login):
    lead = lead_user(cast)
    report = report_make(cast, files=1, status=ReportStatus.REGISTERED)
    clue = clue_make(cast, handlers=("lead",), source="portal")
    Clue.objects.filter(pk=clue.pk).update(report=report)
    row = report.attachments.get()
    inspector = login(cast.inspector)
    assert inspector.get(reverse("discipline:report_detail", args=[report.pk])).status_code == 404
    assert inspector.get(reverse("discipline:report_attachment", args=[row.pk])).status_code == 404
    client = login(lead)
    response = client.get(reverse("discipline:report_detail", args=[report.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/clues/{clue.pk}/?tab=thread")
    assert client.get(reverse("discipline:report_attachment", args=[row.pk])).status_code == 200


def test_nobody_outside_discipline_inspection_sees_the_inbox(cast, login):
    report = report_make(cast, files=1)
    for name in ("admin", "office", "secretary", "discipline", "member", "auditor"):
        client = login(cast.users[name])
        assert client.get(reverse("discipline:report_list")).status_code == 404, name
        assert client.get(reverse("discipline:report_detail", args=[report.pk])).status_code == 404, name
    assert not AuditEvent.objects.filter(action="sealed.read").exists()


def test_the_inbox_and_a_report_in_chinese(cast, login):
    """The site's language: the pages render with the shared Chinese labels of the shell."""
    report = report_make(cast, received_on=day(-10))
    client = login(cast.inspector)
    page = _page(client.get(reverse("discipline:report_list")))
    assert 'lang="zh-hans"' in page and day(-10).isoformat() in page
    page = _page(client.get(reverse("discipline:report_detail", args=[report.pk])))
    assert 'lang="zh-hans"' in page and report.text in page


def test_the_inbox_pages_in_a_constant_number_of_queries(cast, login):
    from qinglian.core.tests.web import count_queries

    client = login(cast.inspector)
    reporter_says(report_make(cast))
    url = reverse("discipline:report_list")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n in range(10):
        reporter_says(report_make(cast, text=f"第{n}份举报"))
    assert count_queries(lambda: client.get(url)) == few
