"""The reports inbox over the API: the list, one report (audited), the answers, registering a report as a clue (and
the repeat question), version conflicts — and 404 for everyone outside discipline inspection."""

from __future__ import annotations

import pytest

from qinglian.core.models import AuditEvent
from qinglian.discipline.models import Clue
from qinglian.discipline.tests.factories import clue_make, day
from qinglian.discipline.tests.factories_intake import REPORTER, report_make, reporter_says
from qinglian.discipline.vocab import ClueStatus, ReportStatus

pytestmark = pytest.mark.usefixtures("in_english")
BASE = "/api/v1/discipline"


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        send = getattr(client, method)
        if method in ("post", "patch"):
            return send(BASE + path, data or {}, content_type="application/json")
        return send(BASE + path, data or {})

    return call


def test_the_inbox_lists_waiting_reports_and_refused_ones(cast, api):
    late = report_make(cast, received_on=day(-10))
    report_make(cast, status=ReportStatus.NOT_ACCEPTED)
    report_make(cast, status=ReportStatus.REGISTERED)
    body = api(cast.inspector, "get", "/reports").json()
    assert body["count"] == 1 and body["items"][0]["id"] == late.pk and body["items"][0]["ack_overdue"] is True
    assert "text" not in body["items"][0] and len(body["items"][0]["excerpt"]) <= 120
    assert api(cast.inspector, "get", "/reports", {"view": "not_accepted"}).json()["count"] == 1


def test_one_report_is_an_audited_read_with_its_thread(cast, api):
    report = report_make(cast, identity=REPORTER, files=1)
    reporter_says(report)
    body = api(cast.inspector, "get", f"/reports/{report.pk}").json()
    assert body["text"] == report.text and body["is_anonymous"] is False
    assert body["attachments"][0]["url"].endswith(f"/reports/attachments/{report.attachments.get().pk}/")
    assert body["messages"][0]["side"] == "reporter" and "孙建平" not in str(body)
    assert AuditEvent.objects.filter(action="sealed.read", object_type="discipline.report").count() == 1


def test_answers_over_the_api(cast, api):
    report = report_make(cast)
    response = api(cast.inspector, "post", f"/reports/{report.pk}/acknowledge", {"version": 1, "body": "已收到。"})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    stale = api(cast.inspector, "post", f"/reports/{report.pk}/feedback", {"version": 1, "body": "x"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    reply = api(cast.inspector, "post", f"/reports/{report.pk}/reply", {"body": "请补充材料。"})
    assert reply.status_code == 201 and reply.json()["side"] == "handler"
    empty = api(cast.inspector, "post", f"/reports/{report.pk}/reply", {"body": " "})
    assert empty.status_code == 422 and empty.json()["error"]["details"][0]["field"] == "body"
    refused = api(
        cast.inspector,
        "post",
        f"/reports/{report.pk}/not-accept",
        {"version": 2, "reason": "不属于受理范围", "message": "请向住建部门反映。"},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "not_accepted"


def test_registering_a_report_over_the_api(cast, api):
    first = clue_make(cast, summary="反映王芳在办公设备采购中向特定供应商透露预算和评分细则，事后接受宴请。")
    report = report_make(cast, identity=REPORTER)
    payload = {
        "version": report.version,
        "subject_member_id": cast.members["b1"].pk,
        "category": "integrity",
        "summary": "反映王芳在办公设备采购中向特定供应商泄露预算和评分细则，并接受供应商宴请。",
    }
    asked = api(cast.inspector, "post", f"/reports/{report.pk}/register", payload)
    assert asked.status_code == 422 and first.number in asked.json()["error"]["details"][0]["message"]
    response = api(cast.inspector, "post", f"/reports/{report.pk}/register", {**payload, "repeat_of_id": first.pk})
    assert response.status_code == 201
    body = response.json()
    clue = Clue.objects.get(pk=body["id"])
    report.refresh_from_db()
    assert clue.status == ClueStatus.REPEATED and clue.repeat_of == first and report.status == ReportStatus.REPEATED
    assert clue.identity_sealed == report.identity_sealed and body["report_id"] == report.pk
    again = api(cast.inspector, "post", f"/reports/{report.pk}/register", {**payload, "register_as_new": True})
    assert again.status_code == 422


def test_the_inbox_is_closed_to_everyone_outside_discipline_inspection(cast, api):
    report = report_make(cast)
    for name in ("admin", "office", "auditor", "secretary", "discipline", "member", "outsider"):
        user = cast.users[name]
        assert api(user, "get", "/reports").status_code == 404, name
        assert api(user, "get", f"/reports/{report.pk}").status_code == 404, name
        assert api(user, "post", f"/reports/{report.pk}/reply", {"body": "x"}).status_code == 404, name
        assert (
            api(
                user,
                "post",
                f"/reports/{report.pk}/register",
                {"version": 1, "category": "integrity", "summary": "x", "subject_name": "某"},
            ).status_code
            == 404
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW and not report.messages.exists() and not Clue.objects.exists()
