"""Integrity opinion replies in the browser: the list and its filters, compiling from the cadre search, a reply's
page with the facts as a checklist (in Chinese and English), editing, signing, a version clash, deleting, the
letter, and the refusals of everyone but discipline inspection."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from qinglian.core.models import AuditEvent
from qinglian.core.registry import FACT_SANCTIONS
from qinglian.core.tests.web import count_queries
from qinglian.reports.docx import CONTENT_TYPE
from qinglian.risks.models import OpinionReply
from qinglian.risks.services import opinion as services
from qinglian.risks.tests.factories_opinion import (
    cadre,
    conflict_confirmed,
    file_make,
    person_facts,
    reply_make,
    this_year,
)
from qinglian.risks.vocab import ReplyStatus

YEAR = timezone.localdate().year


def _page(response) -> str:
    return response.content.decode()


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def b1(cast):
    return cadre(cast.members["b1"])


def test_the_list_filters_by_status_purpose_and_cadre_in_a_constant_number_of_queries(cast, login, b1, english):
    a1 = cadre(cast.members["a1"])
    reply_make(b1, cast.inspector, requested_by="人事处")
    signed = reply_make(a1, cast.inspector, purpose="commendation", requested_by="工会")
    services.reply_sign(
        reply=signed, signer_title="机关纪委", number="廉复〔2026〕8号", actor=cast.inspector, version=1
    )
    client = login(cast.inspector)
    url = reverse("risks:opinion_list")
    page = _page(client.get(url))
    assert "王芳" in page and "张伟" in page and "廉复〔2026〕8号" in page and "Drafts to sign" in page
    page = _page(client.get(url, {"status": "signed"}))
    assert "张伟" in page and "人事处" not in page
    page = _page(client.get(url, {"purpose": "promotion"}))
    assert "王芳" in page and "工会" not in page
    page = _page(client.get(url, {"q": "wang"}))  # pinyin
    assert "王芳" in page and "工会" not in page
    one = count_queries(lambda: client.get(url))
    for _n in range(6):
        reply_make(b1, cast.inspector)
    assert count_queries(lambda: client.get(url)) == one


def test_the_list_speaks_chinese_by_default(cast, login, b1):
    reply_make(b1, cast.inspector)
    page = _page(login(cast.inspector).get(reverse("risks:opinion_list")))
    assert '<html lang="zh-hans">' in page and "王芳" in page


def test_a_reply_is_compiled_from_the_cadre_search(cast, login, b1, english):
    cadre(cast.members["c1"])
    client = login(cast.inspector)
    url = reverse("risks:opinion_compile")
    page = _page(client.get(url))
    assert "王芳" in page and "刘洋" in page and "张伟" not in page  # a1 is no cadre
    partial = _page(client.get(url, {"q": "liu"}, headers={"HX-Request": "true"}))
    assert "刘洋" in partial and "王芳" not in partial and "<html" not in partial
    response = client.post(url, {"member": b1.pk, "purpose": "promotion", "requested_by": "机关党委组织部", "years": 3})
    reply = OpinionReply.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("risks:opinion_detail", args=[reply.pk])
    assert reply.member == b1 and reply.created_by == cast.inspector


def test_a_bad_compile_keeps_what_was_typed(cast, login, b1, english):
    client = login(cast.inspector)
    response = client.post(
        reverse("risks:opinion_compile"), {"member": "", "purpose": "promotion", "requested_by": "人事处", "years": 11}
    )
    page = _page(response)
    assert response.status_code == 422
    assert "Choose the cadre the opinion is about." in page and 'value="人事处"' in page
    assert "less than or equal to 10" in page
    outsider = cadre(cast.members["a1"])  # a cadre, but not offered: picked by id from outside the list
    outsider.organisation = cast.tree.branch_a
    response = client.post(
        reverse("risks:opinion_compile"),
        {"member": 99999, "purpose": "promotion", "requested_by": "人事处", "years": 3},
    )
    assert response.status_code == 422 and "Choose one of the cadres listed." in _page(response)
    assert not OpinionReply.objects.exists()


def test_the_reply_page_lists_the_facts_in_english_and_records_the_opening(
    cast, login, b1, english, without_discipline
):
    file_make(b1, YEAR)
    conflict_confirmed(b1, by=cast.inspector)
    with person_facts({b1.pk: [(FACT_SANCTIONS, this_year(), "党内警告处分", "")]}, topics=(FACT_SANCTIONS,)):
        reply = reply_make(b1, cast.inspector)
    page = _page(login(cast.inspector).get(reverse("risks:opinion_detail", args=[reply.pk])))
    assert "Integrity opinion on 王芳" in page and "Facts gathered" in page
    assert "a sanction" in page and "a confirmed conflict of interest" in page
    assert "党内警告处分" in page and "青莲建材有限公司" in page and "购物卡" in page
    assert "Weddings and funerals held" in page and "Submitted" in page
    assert "not recorded in this system" in page  # nobody keeps clues here
    assert "Sign the reply" in page and "廉复〔" in page  # a number suggested
    assert AuditEvent.objects.filter(action="risks.opinion.view", object_id=str(reply.pk)).count() == 1


def test_the_reply_page_in_chinese(cast, login, b1):
    file_make(b1, YEAR)
    with translation.override("zh-hans"):  # the draft is written in the language of whoever compiles it
        reply = reply_make(b1, cast.inspector)
    page = _page(login(cast.inspector).get(reverse("risks:opinion_detail", args=[reply.pk])))
    assert '<html lang="zh-hans">' in page and "你单位关于征求王芳同志党风廉政意见的函收悉" in page


def test_edit_sign_and_a_signed_reply_no_longer_offers_forms(cast, login, b1, english):
    reply = reply_make(b1, cast.inspector)
    client = login(cast.inspector)
    response = client.post(
        reverse("risks:opinion_update", args=[reply.pk]),
        {"version": 1, "requested_by": "人事处", "number": "", "body": "经审核，同意。"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("risks:opinion_sign", args=[reply.pk]), {"version": 2, "number": "", "signer_title": "机关纪委"}
    )
    assert response.status_code == 422 and "Give the reply its number" in _page(response)
    response = client.post(
        reverse("risks:opinion_sign", args=[reply.pk]),
        {"version": 2, "number": "纪检组廉复〔2026〕5号", "signer_title": "机关纪委"},
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.SIGNED and reply.body == "经审核，同意。"
    page = _page(client.get(reverse("risks:opinion_detail", args=[reply.pk])))
    assert "the reply no longer changes" in page and "Sign the reply" not in page and "Save the draft" not in page
    assert "no section of an integrity file was handed in" in page  # b1 has no file
    response = client.post(
        reverse("risks:opinion_update", args=[reply.pk]),
        {"version": reply.version, "requested_by": "人事处", "number": "", "body": "偷改"},
    )
    assert response.status_code == 422 and "a signed reply no longer changes" in _page(response)
    reply.refresh_from_db()
    assert reply.body == "经审核，同意。"


def test_a_stale_version_is_refused_with_the_typing_kept(cast, login, b1, english):
    reply = reply_make(b1, cast.inspector)
    services.reply_update(
        reply=reply, body="别人先改了", number="", requested_by="人事处", actor=cast.inspector, version=1
    )
    response = login(cast.inspector).post(
        reverse("risks:opinion_update", args=[reply.pk]),
        {"version": 1, "requested_by": "人事处", "number": "", "body": "我的修改"},
    )
    page = _page(response)
    assert response.status_code == 409 and "Someone else changed this reply" in page and "我的修改" in page
    reply.refresh_from_db()
    assert reply.body == "别人先改了"


def test_a_draft_is_deleted_and_the_letter_downloads(cast, login, b1, english):
    reply = reply_make(b1, cast.inspector)
    client = login(cast.inspector)
    response = client.get(reverse("risks:opinion_export", args=[reply.pk]))
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="risks.opinion.export", object_id=str(reply.pk)).exists()
    response = client.post(reverse("risks:opinion_delete", args=[reply.pk]), {"version": 1})
    assert response.status_code == 302 and not OpinionReply.objects.exists()


@pytest.mark.parametrize("name", ["secretary_b", "secretary", "discipline", "office", "admin", "auditor", "member"])
def test_b1s_reply_is_discipline_inspections_alone(cast, login, b1, name):
    reply = reply_make(b1, cast.inspector, requested_by="第二支部考察组")
    client = login(cast.users[name])
    for url in (
        reverse("risks:opinion_list"),
        reverse("risks:opinion_detail", args=[reply.pk]),
        reverse("risks:opinion_export", args=[reply.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404 and "第二支部考察组" not in _page(response), url
    response = client.post(reverse("risks:opinion_delete", args=[reply.pk]), {"version": 1})
    assert response.status_code == 404 and OpinionReply.objects.filter(pk=reply.pk).exists()
