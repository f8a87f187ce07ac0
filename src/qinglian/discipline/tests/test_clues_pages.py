"""The clue register in the browser: the register with its filters, paging, overdue badges and export; my clues;
registering a clue (by hand and from a portal report) with the repeat question; a clue's page and its tabs (every
opening audited); changes, handlers, referral and the thread; a reported person's history and the section on their
member page — and who gets 404."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.discipline.models import Clue, ClueHandler
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.tests.factories_intake import REPORTER, report_make, reporter_says
from qinglian.discipline.vocab import Category, ClueStatus, HandlerRole, ReportStatus, Source

FIRST = "反映政府采购管理处王芳在办公设备采购项目中向特定供应商透露预算和评分细节，事后接受宴请。"
AGAIN = "反映政府采购管理处王芳在办公设备采购中向特定供应商泄露预算和评分细则，并接受该供应商宴请。"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


def _reads(clue) -> int:
    return AuditEvent.objects.filter(
        action="sealed.read", object_type="discipline.clue", object_id=str(clue.pk)
    ).count()


# --- the register ------------------------------------------------------------------------------------------


def test_the_register_shows_only_what_the_user_may_open(cast, login, english):
    lead_user(cast)
    mine = clue_make(cast, summary="我经办的线索")
    other = clue_make(cast, handlers=("lead",), summary="纪委书记经办的线索")
    page = _page(login(cast.inspector).get(reverse("discipline:clue_list")))
    assert mine.number in page and other.number not in page and "Clue register" in page
    page = _page(login(cast.users["lead"]).get(reverse("discipline:clue_list")))
    assert mine.number in page and other.number in page
    assert page.count(f">{mine.number}<") == 1  # once, however many handlers it has


def test_filters_and_overdue_badges(cast, login, english):
    overdue = clue_make(cast, summary="逾期未处置的线索", category=Category.FOUR_WINDS)
    Clue.objects.filter(pk=overdue.pk).update(dispose_due=day(-1))
    fresh = clue_make(cast, summary="刚登记的线索", source=Source.PHONE, subject=cast.members["c1"])
    client = login(cast.inspector)
    page = _page(client.get(reverse("discipline:clue_list"), {"overdue": "1"}))
    assert overdue.number in page and fresh.number not in page and "Disposal overdue" in page
    page = _page(client.get(reverse("discipline:clue_list"), {"source": Source.PHONE}))
    assert fresh.number in page and overdue.number not in page
    page = _page(client.get(reverse("discipline:clue_list"), {"category": Category.FOUR_WINDS}))
    assert overdue.number in page and fresh.number not in page
    page = _page(client.get(reverse("discipline:clue_list"), {"unit": cast.tree.branch_c.pk}))
    assert fresh.number in page and overdue.number not in page
    page = _page(client.get(reverse("discipline:clue_list"), {"q": "刚登记"}))
    assert fresh.number in page and overdue.number not in page


def test_the_register_pages_in_a_constant_number_of_queries(cast, login):
    client = login(cast.inspector)
    clue_make(cast)
    url = reverse("discipline:clue_list")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n in range(12):
        clue_make(cast, summary=f"第{n}条线索")
    assert count_queries(lambda: client.get(url)) == few


def test_repeats_are_listed_on_the_first_clue_not_in_the_register(cast, login, english):
    first = clue_make(cast, summary=FIRST)
    repeat = clue_make(cast, summary=AGAIN, status=ClueStatus.REPEATED)
    Clue.objects.filter(pk=repeat.pk).update(repeat_of=first, similarity=0.83)
    client = login(cast.inspector)
    page = _page(client.get(reverse("discipline:clue_list")))
    assert first.number in page and repeat.number not in page
    page = _page(client.get(reverse("discipline:clue_list"), {"status": "repeated"}))
    assert repeat.number in page and f"Repeat of {first.number}" in page
    page = _page(client.get(reverse("discipline:clue_detail", args=[first.pk]), {"tab": "repeats"}))
    assert repeat.number in page and "0.83" in page


def test_the_export_is_the_filtered_register_and_is_audited(cast, login, english):
    clue_make(cast, summary="收受购物卡", category=Category.INTEGRITY)
    clue_make(cast, summary="公车私用", category=Category.FOUR_WINDS)
    response = login(cast.inspector).get(reverse("discipline:clue_export"), {"category": Category.FOUR_WINDS})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Number" and len(rows) == 2 and rows[1][7] == "公车私用"
    event = AuditEvent.objects.get(action="discipline.clues.export")
    assert event.sealed and event.changes["count"] == 1 and event.actor == cast.inspector


def test_my_clues(cast, login, english):
    open_clue = clue_make(cast, summary="我的在办线索")
    closed = clue_make(cast, summary="我的已了结线索", status=ClueStatus.CLOSED)
    lead_user(cast)
    other = clue_make(cast, handlers=("lead",))
    client = login(cast.inspector)
    page = _page(client.get(reverse("discipline:clue_mine")))
    assert open_clue.number in page and closed.number not in page and other.number not in page
    page = _page(client.get(reverse("discipline:clue_mine"), {"show": "all"}))
    assert closed.number in page


# --- registering -------------------------------------------------------------------------------------------


def _form(cast, **fields) -> dict:
    data = {
        "unit": cast.tree.root.pk,
        "source": Source.LETTER,
        "received_on": day(-2).isoformat(),
        "subject_member": cast.members["b1"].pk,
        "subject_name": "",
        "subject_unit": "",
        "subject_post": "",
        "category": Category.INTEGRITY,
        "summary": FIRST,
        "owner": cast.inspector.pk,
    }
    data.update(fields)
    return data


def test_registering_a_real_name_letter(cast, login, english):
    client = login(cast.inspector)
    assert "Register a clue" in _page(client.get(reverse("discipline:clue_create")))
    data = _form(cast, reporter_name=REPORTER["name"], reporter_phone=REPORTER["phone"])
    response = client.post(reverse("discipline:clue_create"), data)
    clue = Clue.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("discipline:clue_detail", args=[clue.pk])
    assert clue.source == Source.LETTER and not clue.is_anonymous and clue.subject_member == cast.members["b1"]
    page = _page(client.get(response["Location"], {"tab": "reporter"}))
    assert "Real name" in page and REPORTER["name"] not in page


def test_a_refused_registration_keeps_what_was_typed(cast, login, english):
    client = login(cast.inspector)
    data = _form(cast, subject_member="", subject_name="", reporter_phone="13907311234", summary="一段摘要")
    response = client.post(reverse("discipline:clue_create"), data)
    page = _page(response)
    assert response.status_code == 422 and not Clue.objects.exists()
    assert "Name the person reported" in page and "一段摘要" in page and "13907311234" in page
    response = client.post(reverse("discipline:clue_create"), _form(cast, source=Source.AUDIT, reporter_name="孙建平"))
    assert response.status_code == 422 and "Only a letter, a visit or a telephone call" in _page(response)


def test_searching_the_member_register(cast, login, english):
    client = login(cast.inspector)
    response = client.get(reverse("discipline:clue_member_search"), {"unit": cast.tree.root.pk, "member_q": "王"})
    assert "王芳" in _page(response) and "第二党支部" in _page(response)
    # Without scripts the search button posts the form back with the results, nothing saved.
    response = client.post(
        reverse("discipline:clue_create"), _form(cast, search="1", member_q="刘", summary="打了一半")
    )
    page = _page(response)
    assert response.status_code == 200 and "刘洋" in page and "打了一半" in page and not Clue.objects.exists()


def test_a_look_alike_is_asked_about_before_anything_is_saved(cast, login, english):
    first = clue_make(cast, summary=FIRST)
    client = login(cast.inspector)
    response = client.post(reverse("discipline:clue_create"), _form(cast, summary=AGAIN))
    page = _page(response)
    assert response.status_code == 200 and Clue.objects.count() == 1
    assert "Is it a repeat?" in page and first.number in page and "same person" in page
    assert f'value="{first.pk}" checked' in page  # suggested: the same person and close wording
    response = client.post(
        reverse("discipline:clue_create"), _form(cast, summary=AGAIN, decided="1", repeat_of=str(first.pk))
    )
    repeat = Clue.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and repeat.status == ClueStatus.REPEATED and repeat.repeat_of == first


def test_a_look_alike_may_be_registered_as_new(cast, login):
    first = clue_make(cast, summary=FIRST)
    client = login(cast.inspector)
    client.post(reverse("discipline:clue_create"), _form(cast, summary=AGAIN, decided="1", repeat_of=""))
    new = Clue.objects.exclude(pk=first.pk).get()
    assert new.status == ClueStatus.REGISTERED and new.repeat_of is None


def test_a_look_alike_the_user_may_not_open_shows_only_its_number(cast, login, english):
    lead_user(cast)
    hidden = clue_make(cast, summary=FIRST, handlers=("lead",))
    page = _page(login(cast.inspector).post(reverse("discipline:clue_create"), _form(cast, summary=AGAIN)))
    assert hidden.number in page and "you may not open it" in page and FIRST not in page


def test_registering_a_portal_report(cast, login, english):
    report = report_make(cast, identity=REPORTER, text=FIRST)
    client = login(cast.inspector)
    page = _page(client.get(reverse("discipline:clue_create"), {"report": report.pk}))
    assert FIRST in page and "Real name, sealed" in page and 'name="source"' not in page
    data = _form(cast, report=report.pk, report_version=report.version)
    for name in ("source", "received_on"):
        data.pop(name)
    response = client.post(reverse("discipline:clue_create"), data)
    clue = Clue.objects.get()
    report.refresh_from_db()
    assert response.status_code == 302 and clue.report == report and report.status == ReportStatus.REGISTERED
    assert clue.source == Source.PORTAL and clue.received_on == report.received_at.date()
    assert clue.identity_sealed == report.identity_sealed
    again = client.get(reverse("discipline:clue_create"), {"report": report.pk})
    assert again.status_code == 302  # registered once


# --- a clue's page -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["summary", "reporter", "history", "thread", "repeats", "handlers"])
def test_every_tab_of_a_clue_opens_and_is_audited(tab, cast, login, english):
    report = report_make(cast, status=ReportStatus.REGISTERED)
    clue = clue_make(cast, source=Source.PORTAL, summary="经办人可见的摘要")
    Clue.objects.filter(pk=clue.pk).update(report=report)
    reporter_says(report, "补充说明：宴请在周五晚上。")
    response = login(cast.inspector).get(reverse("discipline:clue_detail", args=[clue.pk]), {"tab": tab})
    assert response.status_code == 200
    page = _page(response)
    assert clue.number in page
    expected = {
        "summary": "经办人可见的摘要",
        "reporter": "Anonymous",
        "history": "Nothing recorded yet.",
        "thread": "补充说明：宴请在周五晚上。",
        "repeats": "No repeated report is linked",
        "handlers": "Inspector",
    }[tab]
    assert expected in page
    event = AuditEvent.objects.get(action="sealed.read", object_id=str(clue.pk), object_type="discipline.clue")
    assert event.actor == cast.inspector and tab in event.reason


def test_a_discipline_staff_member_who_does_not_handle_the_clue_gets_404_and_the_head_sees_it(cast, login):
    lead = lead_user(cast)
    clue = clue_make(cast, handlers=("lead",), summary="只有纪委书记经办")
    response = login(cast.inspector).get(reverse("discipline:clue_detail", args=[clue.pk]))
    assert response.status_code == 404 and "只有纪委书记经办" not in _page(response)
    assert _reads(clue) == 0
    assert login(lead).get(reverse("discipline:clue_detail", args=[clue.pk])).status_code == 200
    assert _reads(clue) == 1
    for name in ("admin", "office", "secretary", "discipline", "member", "secretary_b"):
        assert login(cast.users[name]).get(reverse("discipline:clue_detail", args=[clue.pk])).status_code == 404
    assert login(cast.inspector).get(reverse("discipline:clue_detail", args=[99999])).status_code == 404


def test_the_identity_link_goes_to_the_sealed_areas_request_page(cast, login):
    clue = clue_make(cast, reporter=REPORTER)
    page = _page(login(cast.inspector).get(reverse("discipline:clue_detail", args=[clue.pk]), {"tab": "reporter"}))
    try:
        url = reverse("discipline:reveal_request_new", kwargs={"pk": clue.pk})
    except Exception:  # the sealed area is not installed: the page says so instead
        url = None
    assert (url in page) if url else ("not available" in page or "未" in page)
    assert REPORTER["name"] not in page and REPORTER["phone"] not in page


def test_changing_a_clue_refuses_a_stale_version(cast, login, english):
    clue = clue_make(cast)
    client = login(cast.inspector)
    url = reverse("discipline:clue_edit", args=[clue.pk])
    data = {"category": Category.WORK, "summary": "改写后的摘要", "owner": cast.inspector.pk, "version": clue.version}
    assert client.post(url, data).status_code == 302
    clue.refresh_from_db()
    assert clue.summary == "改写后的摘要" and clue.category == Category.WORK
    response = client.post(url, {**data, "summary": "又一次改写", "version": 1})
    assert response.status_code == 409 and "Someone else changed this clue" in _page(response)
    assert "又一次改写" in _page(response)


def test_the_head_assigns_and_removes_handlers(cast, login, english):
    lead = lead_user(cast)
    clue = clue_make(cast)
    add = reverse("discipline:clue_handler_add", args=[clue.pk])
    data = {"user": lead.pk, "role": HandlerRole.LEADER, "version": clue.version}
    assert login(cast.inspector).post(add, data).status_code == 404
    page = _page(login(lead).get(reverse("discipline:clue_detail", args=[clue.pk]), {"tab": "handlers"}))
    assert "Assign someone" in page
    assert login(lead).post(add, data).status_code == 302
    assert ClueHandler.objects.get(clue=clue, user=lead).role == HandlerRole.LEADER
    clue.refresh_from_db()
    remove = reverse("discipline:clue_handler_remove", args=[clue.pk])
    response = login(lead).post(remove, {"user": cast.inspector.pk, "version": clue.version})
    assert response.status_code == 422 and "owns the clue" in _page(response)
    assert login(lead).post(remove, {"user": lead.pk, "version": clue.version}).status_code == 302
    assert not ClueHandler.objects.filter(clue=clue, user=lead).exists()


def test_referral_from_the_clue_page(cast, login, english):
    clue = clue_make(cast, received_on=day(-10))
    client = login(cast.inspector)
    url = reverse("discipline:clue_refer", args=[clue.pk])
    response = client.post(url, {"to": "", "direction": "up", "version": clue.version})
    assert response.status_code == 422 and "Name the body the clue goes to." in _page(response)
    client.post(url, {"to": "市纪委监委", "direction": "up", "version": clue.version})
    clue.refresh_from_db()
    page = _page(client.get(reverse("discipline:clue_detail", args=[clue.pk])))
    assert "Referral overdue" not in page and "To a higher body" in page and "The referral to" in page
    page = _page(client.get(reverse("discipline:clue_list")))
    assert "Referral overdue" in page
    client.post(url, {"to": "市纪委监委", "direction": "up", "referred_on": day().isoformat(), "version": clue.version})
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REFERRED
    again = client.post(url, {"to": "市纪委监委", "direction": "up", "version": clue.version})
    assert again.status_code == 422 and "cannot become" in _page(again)


def test_linking_a_registered_clue_as_a_repeat_from_its_page(cast, login, english):
    first = clue_make(cast, summary=FIRST)
    later = clue_make(cast, summary=AGAIN)
    client = login(cast.inspector)
    page = _page(client.get(reverse("discipline:clue_detail", args=[later.pk]), {"tab": "repeats"}))
    assert "Link as a repeat" in page and first.number in page
    response = client.post(
        reverse("discipline:clue_repeat", args=[later.pk]), {"original": first.pk, "version": later.version}
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.status == ClueStatus.REPEATED and later.repeat_of == first


def test_the_thread_with_the_portal_reporter(cast, login, english):
    report = report_make(cast, status=ReportStatus.REGISTERED)
    clue = clue_make(cast, source=Source.PORTAL)
    Clue.objects.filter(pk=clue.pk).update(report=report)
    client = login(cast.inspector)
    client.post(reverse("discipline:clue_reply", args=[clue.pk]), {"body": "请提供宴请的发票照片。"})
    client.post(
        reverse("discipline:clue_feedback", args=[clue.pk]), {"body": "已核实处理。", "version": report.version}
    )
    report.refresh_from_db()
    assert list(report.messages.values_list("body", flat=True)) == ["请提供宴请的发票照片。", "已核实处理。"]
    assert report.feedback_at is not None
    page = _page(client.get(reverse("discipline:clue_detail", args=[clue.pk]), {"tab": "thread"}))
    assert "请提供宴请的发票照片。" in page and "Feedback to the reporter" not in page
    plain = clue_make(cast)
    assert client.post(reverse("discipline:clue_reply", args=[plain.pk]), {"body": "x"}).status_code == 404


# --- the reported person ------------------------------------------------------------------------------------


def test_the_history_of_a_reported_person_shows_only_what_the_viewer_may_open(cast, login, english):
    lead_user(cast)
    mine = clue_make(cast, summary="我经办的", category=Category.FOUR_WINDS)
    hidden = clue_make(cast, handlers=("lead",), summary="纪委书记经办的")
    url = reverse("discipline:subject_history", args=[cast.members["b1"].pk])
    page = _page(login(cast.inspector).get(url))
    assert mine.number in page and hidden.number not in page and "more" not in page
    assert AuditEvent.objects.filter(action="sealed.read", object_type="orgs.member").exists()
    page = _page(login(cast.users["lead"]).get(url))
    assert mine.number in page and hidden.number in page
    assert login(cast.secretary_b).get(url).status_code == 404
    clue_page = _page(login(cast.inspector).get(reverse("discipline:clue_detail", args=[mine.pk])))
    assert url in clue_page  # one click away


def test_the_member_page_has_a_section_for_discipline_inspection_only(cast, login, english):
    clue_make(cast)
    url = reverse("orgs:member_detail", args=[cast.members["b1"].pk])
    page = _page(login(cast.inspector).get(url))
    assert "1 clue about this member that you may open." in page
    assert reverse("discipline:subject_history", args=[cast.members["b1"].pk]) in page
    page = _page(login(cast.secretary_b).get(url))
    assert "clue about this member" not in page and "subject_history" not in page
