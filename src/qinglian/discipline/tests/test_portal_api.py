"""The reporting portal's API: no login, the receipt code as the credential, the same checks and limits as the pages."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from qinglian.core.models import Rule
from qinglian.discipline.models import Report, ReportMessage
from qinglian.discipline.services.sealing import open_identity
from qinglian.discipline.tests.factories_portal import TEXT, reply_make, report_make
from qinglian.discipline.vocab import MessageSide, ReportStatus

JSON = "application/json"
BASE = "/api/v1/report"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"
    return client


def payload(cast, **extra) -> dict:
    return {"organisation_id": cast.tree.root.pk, "category": "integrity", "subject_name": "王芳",
            "subject_unit": "政府采购管理处", "text": TEXT, **extra}  # fmt: skip


def test_the_options_name_the_units_categories_and_deadlines(cast, api):
    body = api.get(f"{BASE}/options").json()
    assert [u["name"] for u in body["units"]] == ["机关党委", "第一党总支", "直属党支部"]
    assert {"value": "four_winds", "label": "The four undesirable styles (四风)"} in body["categories"]
    assert (body["ack_days"], body["feedback_months"], body["max_text_chars"]) == (7, 3, 20000)


def test_a_report_filed_over_the_api_gets_its_receipt_once(cast, api):
    response = api.post(f"{BASE}/reports", payload(cast), JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", body["receipt"]) and "Write the receipt code down" in body["notice"]
    assert response["Cache-Control"] == "no-store"
    report = Report.objects.get()
    assert report.is_anonymous and str(report.ack_due) == body["ack_due"] and report.text == TEXT
    assert body["receipt"].replace(" ", "") not in report.receipt_hash


def test_a_real_name_report_over_the_api_is_sealed(cast, api):
    reporter = {"name": "孙建平", "phone": "13907311234"}
    response = api.post(f"{BASE}/reports", payload(cast, reporter=reporter), JSON)
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert not report.is_anonymous and open_identity(report)["phone"] == "13907311234"


def test_bad_reports_are_refused_with_the_field_and_a_reason(cast, api):
    script = api.post(f"{BASE}/reports", payload(cast, text=TEXT + "<script>alert(1)</script>"), JSON)
    assert script.status_code == 422
    (detail,) = script.json()["error"]["details"]
    assert detail["field"] == "text" and "contains web page code (<script>)" in detail["message"]
    branch = api.post(f"{BASE}/reports", payload(cast, organisation_id=cast.tree.branch_a.pk), JSON)
    assert branch.status_code == 422 and branch.json()["error"]["details"][0]["field"] == "organisation"
    nameless = api.post(f"{BASE}/reports", payload(cast, reporter={"phone": "13907311234"}), JSON)
    assert nameless.json()["error"]["details"][0]["field"] == "reporter_name"
    assert api.post(f"{BASE}/reports", payload(cast, category="gossip"), JSON).status_code == 422
    assert not Report.objects.exists()


def test_the_reporter_looks_up_the_report_and_reads_the_reply(cast, api):
    report, code = report_make(cast)
    reply = reply_make(report, cast.inspector, "已收到，正在核实。")
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.ACKNOWLEDGED)
    response = api.post(f"{BASE}/lookup", {"receipt": code[:4] + "-" + code[4:]}, JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "acknowledged" and body["status_label"] == "Acknowledged" and body["text"] == TEXT
    assert body["organisation"] == "机关党委" and body["anonymous"] and body["feedback_due"] == str(report.feedback_due)
    (message,) = body["messages"]
    assert message["sender"] == "Discipline inspection" and message["body"] == "已收到，正在核实。"
    assert cast.inspector.username not in response.content.decode() and "author" not in message
    reply.refresh_from_db()
    assert reply.read_at is not None


def test_the_reporter_adds_information(cast, api):
    report, code = report_make(cast)
    response = api.post(f"{BASE}/messages", {"receipt": code, "body": "补充：宴请在2月2日。"}, JSON)
    assert response.status_code == 201, response.content
    assert response.json()["sender"] == "You"
    message = ReportMessage.objects.get()
    assert (message.report, message.side, message.author) == (report, MessageSide.REPORTER, None)
    refused = api.post(f"{BASE}/messages", {"receipt": code, "body": "javascript:alert(1) 补充说明"}, JSON)
    assert refused.status_code == 422 and ReportMessage.objects.count() == 1


def test_a_wrong_receipt_is_404_counted_and_locked_with_429(cast, api):
    _report, code = report_make(cast)
    wrong = "0000 0000 0000 0001" if code != "0000000000000001" else "0000 0000 0000 0002"
    for _ in range(4):
        response = api.post(f"{BASE}/lookup", {"receipt": wrong}, JSON)
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "receipt_unknown",
            "message": "No report has this receipt code. Check the 16 digits and try again. After 5 wrong codes, "
            "looking up is paused for 30 minutes.",
        }
    assert api.post(f"{BASE}/messages", {"receipt": "12345", "body": "猜测的消息内容"}, JSON).status_code == 429
    locked = api.post(f"{BASE}/lookup", {"receipt": code}, JSON)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "locked"
    assert int(locked["Retry-After"]) > 25 * 60
    assert not ReportMessage.objects.exists()


def test_too_many_api_reports_are_429(cast, api):
    rule = Rule.objects.get(key="discipline.portal")
    rule.value = {**rule.value, "reports_per_hour": 1}
    rule.save()
    assert api.post(f"{BASE}/reports", payload(cast), JSON).status_code == 201
    refused = api.post(f"{BASE}/reports", payload(cast), JSON)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many"
    assert "Retry-After" in refused and Report.objects.count() == 1


def test_no_login_and_no_csrf_token_are_needed(cast, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"{BASE}/reports", payload(cast), JSON).status_code == 201
