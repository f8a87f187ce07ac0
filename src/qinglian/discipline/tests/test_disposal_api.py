"""Disposal over the API: submitting a form, reading it with its opinions (level names in the caller's language),
giving opinions up to approval, refusals with their reasons (422), stale versions (409), withdrawal, the Word form,
talks and letters with their replies, the shelved clues for review, the forms awaiting the caller — and 404 for
everyone who may not open the clue."""

from __future__ import annotations

import io
from datetime import date, timedelta

import docx as python_docx
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.discipline.models import ApprovalForm, Clue
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_disposal import clue_at, letter, plan_approved, shelved, submit
from qinglian.discipline.tests.routes import NO_DISCIPLINE
from qinglian.discipline.vocab import ClueStatus, Method
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign
from qinglian.reports.docx import CONTENT_TYPE

BASE = "/api/v1/discipline"


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        send = getattr(client, method)
        if method == "post":
            return send(BASE + path, data or {}, content_type="application/json")
        return send(BASE + path, data or {})

    return call


@pytest.fixture
def lead(cast):
    return lead_user(cast)


@pytest.fixture
def staff2(cast):
    user = get_user_model().objects.create_user("staff2", "staff2@example.cn", "pw")
    role_assign(
        user=user,
        role=Role.objects.get(code="discipline_staff"),
        organisation=cast.tree.root,
        include_subtree=True,
        actor=None,
    )
    return user


def _messages(response) -> str:
    error = response.json()["error"]
    return " ".join([error["message"], *[d["message"] for d in error.get("details", [])]])


def test_submit_read_and_approve_a_disposal(cast, api, lead):
    clue = clue_make(cast)
    payload = {"kind": "disposal", "version": clue.version, "method": "shelve", "body": "暂不具备核查条件。"}
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/forms", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["level_due"] == "Handling office's opinion"
    assert body["proposal"] == "Shelved pending investigation (暂存待查)" and body["may_give_opinion"]
    form_id = body["id"]

    listed = api(cast.inspector, "get", f"/clues/{clue.pk}/forms").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == form_id
    awaiting = api(lead, "get", "/forms/awaiting").json()
    assert [f["id"] for f in awaiting["items"]] == [form_id]

    one = api(cast.inspector, "post", f"/forms/{form_id}/opinion", {"version": 1, "agree": True, "text": "同意。"})
    assert one.status_code == 200 and one.json()["level_due"] == "Leader in charge's opinion"
    assert not one.json()["may_give_opinion"]
    stale = api(lead, "post", f"/forms/{form_id}/opinion", {"version": 1, "agree": True, "text": "同意"})
    assert stale.status_code == 409
    two = api(lead, "post", f"/forms/{form_id}/opinion", {"version": 2, "agree": True, "text": "同意，暂存。"})
    detail = two.json()
    assert detail["status"] == "approved" and detail["level_due"] == ""
    assert [(o["level_name"], o["agree"], o["by"]) for o in detail["opinions"]] == [
        ("Handling office's opinion", True, "Inspector"),
        ("Leader in charge's opinion", True, "纪委书记"),
    ]
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.SHELVED
    again = api(lead, "post", f"/forms/{form_id}/opinion", {"version": 3, "agree": True, "text": "再次同意"})
    assert again.status_code == 422 and "it takes no more opinions" in _messages(again)

    api(cast.inspector, "get", f"/forms/{form_id}")
    assert AuditEvent.objects.filter(action="sealed.read", reason=f"disposal: opened approval form {form_id}").exists()


def test_refusals_say_why(cast, api, lead):
    closed = clue_make(cast, status=ClueStatus.CLOSED)
    response = api(
        cast.inspector, "post", f"/clues/{closed.pk}/forms", {"kind": "disposal", "method": "verify", "body": "x"}
    )
    assert response.status_code == 422
    assert "A clue that is “Closed” cannot become “Disposal awaiting approval”." in _messages(response)
    clue = clue_make(cast)
    case = {"kind": "disposal", "method": "propose_case", "body": "拟立案"}
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/forms", case)
    assert response.status_code == 422 and "not a disposal path at this unit" in _messages(response)
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/forms", {"kind": "filing", "body": "立案"})
    assert response.status_code == 422
    assert not ApprovalForm.objects.exists()


def test_the_author_may_not_approve_their_own_form(cast, api, lead):
    form = submit(clue_make(cast), by=lead)
    api(cast.inspector, "post", f"/forms/{form.pk}/opinion", {"agree": True, "text": "同意。"})
    response = api(lead, "post", f"/forms/{form.pk}/opinion", {"agree": True, "text": "同意"})
    assert response.status_code == 422 and "must come from someone else" in _messages(response)


def test_withdraw_and_a_disagreeing_opinion(cast, api, lead):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector)
    refused = api(lead, "post", f"/forms/{form.pk}/withdraw", {"version": 1})
    assert refused.status_code == 422
    response = api(cast.inspector, "post", f"/forms/{form.pk}/withdraw", {"version": 1})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    form = submit(Clue.objects.get(pk=clue.pk), by=cast.inspector)
    response = api(cast.inspector, "post", f"/forms/{form.pk}/opinion", {"agree": False, "text": "材料不全。"})
    assert response.json()["status"] == "returned" and Clue.objects.get(pk=clue.pk).status == ClueStatus.REGISTERED


def test_a_verification_report_over_the_api(cast, api, lead):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    payload = {"kind": "verify_report", "measure": "criticism", "body": "经核查，部分属实。", "checkers": ["赵强"]}
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/forms", payload)
    assert response.status_code == 422 and "at least two" in _messages(response)
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/forms", {**payload, "checkers": ["赵强", "钱敏"]})
    assert response.status_code == 201 and response.json()["checkers"] == ["赵强", "钱敏"]
    assert response.json()["body"] == "经核查，部分属实。"


def test_the_word_form(cast, api):
    form = submit(clue_make(cast), by=cast.inspector)
    response = api(cast.inspector, "get", f"/forms/{form.pk}/export")
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    doc = python_docx.Document(io.BytesIO(response.content))
    assert doc.paragraphs[0].text == "线索处置呈批表"
    assert doc.sections[0].header.paragraphs[0].text == "审批中　尚未批准"


def test_talks_letters_and_replies(cast, api, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY, received_on=date(2025, 9, 1))
    payload = {"mode": "letter", "held_on": "2025-09-26", "record": "请书面说明。"}
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/inquiries", payload)
    assert response.status_code == 201 and response.json()["reply_due"] == "2025-10-23"
    assert response.json()["state"] == "overdue"
    inquiry_id = response.json()["id"]
    reply = {"reply_on": "2025-10-20", "reply": "本人已退回购物卡。"}
    response = api(cast.inspector, "post", f"/inquiries/{inquiry_id}/reply", reply)
    assert response.status_code == 200 and response.json()["state"] == "received"
    response = api(cast.inspector, "post", f"/inquiries/{inquiry_id}/reply", reply)
    assert response.status_code == 422 and "already recorded" in _messages(response)
    listed = api(cast.inspector, "get", f"/clues/{clue.pk}/inquiries").json()
    assert listed["count"] == 1 and listed["items"][0]["reply"] == "本人已退回购物卡。"
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/inquiries", {**payload, "held_on": future})
    assert response.status_code == 422 and "in the future" in _messages(response)


def test_shelved_for_review_in_a_constant_number_of_queries(cast, api, lead):
    stale = shelved(cast, idle_days=40)
    shelved(cast, idle_days=2)
    body = api(cast.inspector, "get", "/shelved-for-review").json()
    assert [c["number"] for c in body["items"]] == [stale.number] and body["items"][0]["idle_days"] == 40
    one = count_queries(lambda: api(cast.inspector, "get", "/shelved-for-review"))
    shelved(cast, idle_days=60)
    assert count_queries(lambda: api(cast.inspector, "get", "/shelved-for-review")) == one


def test_everyone_who_may_not_open_the_clue_gets_404(cast, api, lead, staff2):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    inquiry = letter(clue, by=cast.inspector)
    form = submit(clue_make(cast), by=cast.inspector)
    calls = [
        ("get", f"/clues/{clue.pk}/forms", None),
        ("post", f"/clues/{form.clue_id}/forms", {"kind": "disposal", "method": "verify", "body": "x"}),
        ("get", f"/forms/{form.pk}", None),
        ("post", f"/forms/{form.pk}/opinion", {"agree": True, "text": "同意"}),
        ("post", f"/forms/{form.pk}/withdraw", {}),
        ("get", f"/forms/{form.pk}/export", None),
        ("get", f"/clues/{clue.pk}/inquiries", None),
        ("post", f"/clues/{clue.pk}/inquiries", {"mode": "talk", "held_on": "2026-01-01", "record": "x"}),
        ("post", f"/inquiries/{inquiry.pk}/reply", {"reply_on": "2026-01-01", "reply": "x"}),
    ]
    users = [staff2, *[cast.users[n] for n in NO_DISCIPLINE if n != "manager_a"]]
    for user in users:
        for method, path, data in calls:
            response = api(user, method, path, data)
            assert response.status_code == 404, (user.username, path, response.status_code)
    for user in users[1:]:
        for path in ("/forms/awaiting", "/shelved-for-review"):
            assert api(user, "get", path).status_code == 404, (user.username, path)
    assert api(staff2, "get", "/forms/awaiting").json()["count"] == 0
    assert ApprovalForm.objects.get(pk=form.pk).opinions.count() == 0
    assert api(cast.inspector, "get", "/forms/999999").status_code == 404
