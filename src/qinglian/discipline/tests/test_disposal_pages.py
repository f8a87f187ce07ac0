"""Disposal in the browser: a clue's disposal page and panel, a new form of each kind keeping what was typed when
refused, a form with its opinion chain in the reader's language and the opinion form for whoever's level is due,
withdrawal, a stale version, the Word 呈批表, the lists (awaiting my opinion, talks and letters, shelved for review)
with their query counts, and 404 for everyone who may not open the clue."""

from __future__ import annotations

import html
import io
from datetime import timedelta

import docx as python_docx
import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.discipline.models import ApprovalForm, Clue, Inquiry
from qinglian.discipline.services import disposal as services
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_disposal import (
    approve,
    clue_at,
    letter,
    plan_approved,
    propose_case_on,
    shelved,
    submit,
)
from qinglian.discipline.tests.routes import NO_DISCIPLINE
from qinglian.discipline.vocab import ClueStatus, FormKind, FormStatus, Method
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign
from qinglian.reports.docx import CONTENT_TYPE


def _page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


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


def _create_url(clue, kind=""):
    url = reverse("discipline:form_create", args=[clue.pk])
    return f"{url}?kind={kind}" if kind else url


# --- the clue's disposal ------------------------------------------------------------------------------------


def test_a_registered_clue_offers_a_disposal_form(cast, english, lead):
    clue = clue_make(cast)
    english.force_login(cast.inspector)
    page = _page(english.get(reverse("discipline:disposal_clue", args=[clue.pk])))
    assert clue.number in page and "王芳" in page and "No approval form yet." in page
    assert _create_url(clue, "disposal") in page
    assert AuditEvent.objects.filter(action="sealed.read", object_id=str(clue.pk), sealed=True).exists()


def test_the_panel_shows_a_pending_form_and_the_level_due(cast, lead, rf, in_english):
    from qinglian.discipline.views.disposal import clue_panel

    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector, method=Method.SHELVE)
    request = rf.get("/")
    request.user = cast.inspector
    title, panel = clue_panel(request, Clue.objects.get(pk=clue.pk))
    panel = html.unescape(panel)
    assert title == "Disposal" and "the Handling office's opinion is due" in panel
    assert reverse("discipline:form_detail", args=[form.pk]) in panel
    assert _create_url(clue, "disposal") not in panel  # one pending form at a time


def test_the_clues_page_carries_the_disposal_panel(cast, english, lead):
    try:
        reverse("discipline:clue_detail", args=[1])
    except NoReverseMatch:
        pytest.skip("the clues area's page is not installed")
    clue = clue_make(cast)
    english.force_login(cast.inspector)
    page = _page(english.get(reverse("discipline:clue_detail", args=[clue.pk])))
    assert "Approval forms" in page and _create_url(clue, "disposal") in page


# --- a new form ---------------------------------------------------------------------------------------------


def test_a_disposal_form_is_submitted_and_the_clue_awaits_approval(cast, english, lead):
    clue = clue_make(cast)
    english.force_login(cast.inspector)
    page = _page(english.get(_create_url(clue)))
    assert "Talk or written inquiry (谈话函询)" in page and "Proposed for a case" not in page
    data = {"kind": "disposal", "version": clue.version, "method": "talk_inquiry", "body": "情节轻微，拟谈话函询。"}
    response = english.post(_create_url(clue), data)
    form = ApprovalForm.objects.get(clue=clue)
    assert response.status_code == 302 and response["Location"] == reverse("discipline:form_detail", args=[form.pk])
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.PROPOSED and form.created_by == cast.inspector


def test_a_refused_form_keeps_what_was_typed(cast, english, lead):
    clue = clue_make(cast)
    english.force_login(cast.inspector)
    response = english.post(_create_url(clue), {"kind": "disposal", "version": clue.version, "body": "我写的理由很长"})
    assert response.status_code == 422
    page = _page(response)
    assert "Choose the disposal method to propose." in page and "我写的理由很长" in page
    assert not ApprovalForm.objects.exists()


def test_propose_case_is_offered_only_where_the_rule_adds_it(cast, english, lead):
    clue = clue_make(cast)
    english.force_login(cast.inspector)
    data = {"kind": "disposal", "version": clue.version, "method": "propose_case", "body": "拟立案"}
    response = english.post(_create_url(clue), data)
    assert response.status_code == 422 and "Choose one of the methods listed." in _page(response)
    propose_case_on(cast)
    assert "Proposed for a case" in _page(english.get(_create_url(clue)))
    assert english.post(_create_url(clue), data).status_code == 302


def test_a_closed_clue_is_refused_with_the_reason(cast, english):
    clue = clue_make(cast, status=ClueStatus.CLOSED)
    english.force_login(cast.inspector)
    page = _page(english.get(_create_url(clue, "disposal")))
    assert "A clue that is “Closed” cannot become “Disposal awaiting approval”." in page
    response = english.post(
        _create_url(clue), {"kind": "disposal", "version": clue.version, "method": "verify", "body": "再处置"}
    )
    assert response.status_code == 422 and "cannot become" in _page(response)
    assert not ApprovalForm.objects.exists()


def test_a_verification_report_page_asks_for_the_outcome_and_the_checkers(cast, english, lead):
    clue = clue_at(cast, Method.VERIFY)
    plan_approved(cast, clue)
    clue = Clue.objects.get(pk=clue.pk)
    english.force_login(cast.inspector)
    page = _page(english.get(_create_url(clue, FormKind.VERIFY_REPORT)))
    assert "Close the clue with an outcome" in page and "Reminder talk (谈话提醒)" in page
    assert "Checkers who sign the report" in page and "Preliminary verification" not in page.split("Proposal")[1][:400]
    data = {"kind": "verify_report", "version": clue.version, "proposal": "reminder", "body": "经核查属实。"}
    response = english.post(_create_url(clue), {**data, "checkers": "赵强"})
    assert response.status_code == 422 and "at least two" in _page(response) and "经核查属实。" in _page(response)
    response = english.post(_create_url(clue), {**data, "checkers": "赵强，钱敏"})
    assert response.status_code == 302
    form = ApprovalForm.objects.get(clue=clue, kind=FormKind.VERIFY_REPORT)
    assert form.measure == "reminder" and services.checkers_of(form) == ["赵强", "钱敏"]


def test_a_stale_clue_version_is_a_conflict(cast, english):
    clue = clue_make(cast)
    english.force_login(cast.inspector)
    Clue.objects.filter(pk=clue.pk).update(version=clue.version + 1)
    data = {"kind": "disposal", "version": clue.version, "method": "verify", "body": "理由"}
    response = english.post(_create_url(clue), data)
    assert response.status_code == 409 and "Someone else changed this clue" in _page(response)


# --- a form and its opinions --------------------------------------------------------------------------------


def test_the_opinion_chain_in_english_and_chinese(cast, client, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="拟同意，请领导审批。")
    client.force_login(lead)
    url = reverse("discipline:form_detail", args=[form.pk])
    page = _page(client.get(url))
    assert "承办部门意见" in page and "分管领导意见" in page and "拟同意，请领导审批。" in page
    client.cookies["django_language"] = "en"
    page = _page(client.get(url))
    assert "Handling office's opinion" in page and "Give the Leader in charge's opinion" in page
    assert "承办部门意见" not in page


def test_opinions_go_up_the_levels_and_approve(cast, english, lead):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector, method=Method.VERIFY)
    url = reverse("discipline:form_opinion", args=[form.pk])
    english.force_login(cast.inspector)
    response = english.post(url, {"version": form.version, "agree": "yes", "text": "同意。"})
    assert response.status_code == 302
    page = _page(english.get(response["Location"]))
    assert "Your opinion is recorded" in page and "Record my opinion" not in page
    assert "is given by someone whose roles at 机关党委 include it; yours do not." in page
    english.force_login(lead)
    response = english.post(url, {"version": form.version + 1, "agree": "yes", "text": "同意，请按程序办理。"})
    page = _page(english.get(response["Location"]))
    assert "The form is approved and applied to the clue." in page and "The clue is now “Under preliminary" in page
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.VERIFYING
    again = english.post(url, {"version": form.version + 2, "agree": "yes", "text": "再次同意"})
    assert again.status_code == 422 and "it takes no more opinions" in _page(again)


def test_an_opinion_needs_its_words_and_keeps_them_on_error(cast, english):
    form = submit(clue_make(cast), by=cast.inspector)
    english.force_login(cast.inspector)
    url = reverse("discipline:form_opinion", args=[form.pk])
    response = english.post(url, {"version": form.version, "text": "理由写好了"})
    assert response.status_code == 422 and "Say whether you agree." in _page(response)
    assert "理由写好了" in _page(response)


def test_a_disagreeing_opinion_returns_the_form(cast, english, lead):
    clue = clue_make(cast)
    form = submit(clue, by=cast.inspector)
    english.force_login(cast.inspector)
    url = reverse("discipline:form_opinion", args=[form.pk])
    english.post(url, {"version": form.version, "agree": "no", "text": "请补充材料。"})
    page = _page(english.get(reverse("discipline:form_detail", args=[form.pk])))
    assert "Returned on" in page and "请补充材料。" in page
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.REGISTERED


def test_the_author_is_not_offered_the_last_opinion(cast, english, lead):
    form = submit(clue_make(cast), by=lead)
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    english.force_login(lead)
    page = _page(english.get(reverse("discipline:form_detail", args=[form.pk])))
    assert "You wrote this form, so its last opinion" in page and "Record my opinion" not in page
    response = english.post(
        reverse("discipline:form_opinion", args=[form.pk]),
        {"version": form.version + 1, "agree": "yes", "text": "同意"},
    )
    assert response.status_code == 422 and ApprovalForm.objects.get(pk=form.pk).status == FormStatus.PENDING


def test_a_stale_form_version_is_a_conflict(cast, english, lead):
    form = submit(clue_make(cast), by=cast.inspector)
    services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    english.force_login(lead)
    url = reverse("discipline:form_opinion", args=[form.pk])
    response = english.post(url, {"version": form.version, "agree": "yes", "text": "同意"})
    assert response.status_code == 409 and "Someone else acted on this form" in _page(response)
    assert "同意" in _page(response)


def test_the_author_withdraws_the_form(cast, english, lead):
    clue = clue_at(cast, Method.SHELVE)
    form = submit(clue, by=cast.inspector, method=Method.VERIFY)
    english.force_login(cast.inspector)
    page = _page(english.get(reverse("discipline:form_detail", args=[form.pk])))
    assert "Withdraw the form" in page
    response = english.post(reverse("discipline:form_withdraw", args=[form.pk]), {"version": form.version})
    assert response.status_code == 302
    assert ApprovalForm.objects.get(pk=form.pk).status == FormStatus.WITHDRAWN
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.SHELVED
    english.force_login(lead)
    assert "Withdraw the form" not in _page(english.get(reverse("discipline:form_detail", args=[form.pk])))


def test_the_word_form_opens_and_its_export_is_a_sealed_read(cast, english, lead):
    form = approve(cast, submit(clue_make(cast), by=cast.inspector))
    english.force_login(cast.inspector)
    response = english.get(reverse("discipline:form_export", args=[form.pk]))
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    doc = python_docx.Document(io.BytesIO(response.content))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "线索处置呈批表" in text and form.clue.number in text and "初步核实" in text and "分管领导意见" in text
    assert AuditEvent.objects.filter(
        action="sealed.read", object_id=str(form.clue_id), reason__contains=f"approval form {form.pk} (.docx)"
    ).exists()


# --- talks and letters --------------------------------------------------------------------------------------


def test_a_letter_is_recorded_with_its_reply_due_and_the_reply_after(cast, english, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    english.force_login(cast.inspector)
    url = reverse("discipline:inquiry_create", args=[clue.pk])
    assert "15 working days after it is sent" in _page(english.get(url))
    today = timezone.localdate()
    response = english.post(url, {"version": clue.version, "mode": "letter", "held_on": "", "record": "请说明。"})
    assert response.status_code == 422 and "请说明。" in _page(response)
    response = english.post(
        url, {"version": clue.version, "mode": "letter", "held_on": today.isoformat(), "record": "请说明。"}
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get(clue=clue)
    page = _page(english.get(reverse("discipline:disposal_clue", args=[clue.pk])))
    assert f"Reply due by {inquiry.reply_due:%Y-%m-%d}" in page
    reply_url = reverse("discipline:inquiry_reply", args=[inquiry.pk])
    response = english.post(
        reply_url, {"version": Clue.objects.get(pk=clue.pk).version, "reply_on": today.isoformat(), "reply": "已说明"}
    )
    assert response.status_code == 302 and Inquiry.objects.get(pk=inquiry.pk).reply == "已说明"


def test_talks_are_not_recorded_on_a_clue_under_another_method(cast, english, lead):
    clue = clue_at(cast, Method.VERIFY)
    english.force_login(cast.inspector)
    page = _page(english.get(reverse("discipline:inquiry_create", args=[clue.pk])))
    assert "while the clue is under talk or inquiry; this one is “Under preliminary verification”" in page


# --- the lists ----------------------------------------------------------------------------------------------


def test_awaiting_my_opinion_in_a_constant_number_of_queries(cast, english, lead, staff2):
    submit(clue_make(cast), by=cast.inspector)
    english.force_login(cast.inspector)
    url = reverse("discipline:disposal_awaiting")
    english.get(url)  # the first request of a session reads what later ones keep
    one = count_queries(lambda: english.get(url))
    for _n in range(4):
        submit(clue_make(cast), by=cast.inspector)
    assert count_queries(lambda: english.get(url)) == one
    page = _page(english.get(url))
    assert page.count("Handling office's opinion") >= 5
    english.force_login(staff2)
    assert "No approval form awaits your opinion." in _page(english.get(url))


def test_talks_and_letters_flag_overdue_replies(cast, english, lead):
    clue = clue_at(cast, Method.TALK_INQUIRY, received_on=timezone.localdate() - timedelta(days=90))
    letter(clue, by=cast.inspector, sent=timezone.localdate() - timedelta(days=60))
    english.force_login(cast.inspector)
    url = reverse("discipline:disposal_inquiries")
    english.get(url)  # the first request of a session reads what later ones keep
    one = count_queries(lambda: english.get(url))
    for _n in range(3):
        letter(Clue.objects.get(pk=clue.pk), by=cast.inspector)
    assert count_queries(lambda: english.get(url)) == one
    page = _page(english.get(url, {"state": "overdue"}))
    assert "1 letter's written reply is overdue." in page and "Reply overdue" in page
    assert page.count("Reply due by") == 0
    assert _page(english.get(url, {"state": "awaiting"})).count("Reply due by") == 3


def test_shelved_clues_for_review(cast, english, lead):
    stale = shelved(cast, idle_days=40)
    fresh = shelved(cast, idle_days=5)
    english.force_login(cast.inspector)
    url = reverse("discipline:disposal_shelved")
    page = _page(english.get(url))
    assert stale.number in page and fresh.number not in page and "40 days" in page
    assert _create_url(stale, "disposal") in page
    english.get(url)  # the first request of a session reads what later ones keep
    one = count_queries(lambda: english.get(url))
    shelved(cast, idle_days=50)
    assert count_queries(lambda: english.get(url)) == one


# --- who may not --------------------------------------------------------------------------------------------


def _urls(cast):
    clue = clue_at(cast, Method.TALK_INQUIRY)
    inquiry = letter(clue, by=cast.inspector)
    form = submit(clue_make(cast), by=cast.inspector)
    return [
        ("get", reverse("discipline:disposal_clue", args=[clue.pk]), {}),
        ("get", _create_url(clue), {}),
        ("post", _create_url(clue), {"kind": "disposal", "method": "verify", "body": "x", "version": 9}),
        ("get", reverse("discipline:inquiry_create", args=[clue.pk]), {}),
        ("get", reverse("discipline:inquiry_reply", args=[inquiry.pk]), {}),
        ("get", reverse("discipline:form_detail", args=[form.pk]), {}),
        ("post", reverse("discipline:form_opinion", args=[form.pk]), {"version": 1, "agree": "yes", "text": "同意"}),
        ("post", reverse("discipline:form_withdraw", args=[form.pk]), {"version": 1}),
        ("get", reverse("discipline:form_export", args=[form.pk]), {}),
    ]


def test_a_discipline_staff_member_who_does_not_handle_the_clue_gets_404(cast, client, lead, staff2):
    client.force_login(staff2)
    for method, url, data in _urls(cast):
        assert getattr(client, method)(url, data).status_code == 404, url
    (pending,) = ApprovalForm.objects.filter(status=FormStatus.PENDING)
    assert pending.opinions.count() == 0 and pending.version == 1


def test_everyone_outside_discipline_gets_404_everywhere(cast, client, lead):
    urls = _urls(cast)
    lists = [reverse(f"discipline:disposal_{name}") for name in ("awaiting", "inquiries", "shelved")]
    for name in NO_DISCIPLINE:
        if name == "manager_a":
            continue  # a user of the route table's world
        client.force_login(cast.users[name])
        for method, url, data in [*urls, *[("get", u, {}) for u in lists]]:
            assert getattr(client, method)(url, data).status_code == 404, (name, url)


def test_a_form_that_does_not_exist_is_404(cast, client):
    client.force_login(cast.inspector)
    assert client.get(reverse("discipline:form_detail", args=[999999])).status_code == 404
    assert client.get(reverse("discipline:disposal_clue", args=[999999])).status_code == 404
    assert client.get(reverse("discipline:inquiry_reply", args=[999999])).status_code == 404
