"""The minutes pages as people use them: writing, submitting, approving, correcting, and the ledger."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from qinglian.core.tests.web import count_queries, foreign_urls
from qinglian.orglife.models import Minutes
from qinglian.orglife.services import attendance_record
from qinglian.orglife.services.minutes import minutes_open, minutes_record
from qinglian.orglife.tests.factories import at, attend_all, meeting_make, minutes_make
from qinglian.orglife.vocab import MinutesStatus, Presence


@pytest.fixture
def held(cast):
    meeting = meeting_make(cast.tree.branch_a, title="第一支部党员大会", agenda=["学习党章", "讨论发展对象"])
    return attend_all(meeting)


def _en(client):
    client.cookies["django_language"] = "en"
    return client


def _edit(client, meeting, data, **extra):
    return client.post(reverse("orglife:minutes_edit", args=[meeting.pk]), data, **extra)


def test_the_form_starts_from_the_agenda(cast, held, login):
    page = login(cast.secretary).get(reverse("orglife:minutes_edit", args=[held.pk])).content.decode()
    assert 'name="item-0-title"' in page and 'value="学习党章"' in page
    assert 'name="item-1-title"' in page and 'value="讨论发展对象"' in page
    assert 'id="minutes-item-template"' in page and "orglife/minutes_items.js" in page
    assert foreign_urls(page) == []


def test_items_are_saved_in_page_order_and_empty_rows_dropped(cast, held, login):
    client = login(cast.secretary)
    response = _edit(
        client,
        held,
        {
            "version": 0,
            "summary": "会议由书记主持。",
            "item-7-title": "讨论发展对象",
            "item-7-decision": "同意。",
            "item-7-for": "2",
            "item-7-against": "0",
            "item-7-abstain": "",
            "item-0-title": "学习党章",
            "item-0-discussion": "逐条学习。",
            "item-3-title": "",
            "item-3-discussion": "",
            "save": "1",
        },
    )
    assert response.status_code == 302
    minutes = minutes_open(held)
    assert [i["title"] for i in minutes.items] == ["学习党章", "讨论发展对象"]
    assert minutes.items[0]["votes"] is None
    assert minutes.items[1]["votes"] == {"for": 2, "against": 0, "abstain": 0}


def test_votes_above_attendance_are_refused_and_the_form_keeps_what_was_typed(cast, login):
    meeting = meeting_make(cast.tree.branch_a)
    ids = list(meeting.attendees.values_list("pk", flat=True))
    attendance_record(meeting=meeting, presences={ids[0]: Presence.PRESENT, ids[1]: Presence.ABSENT}, actor=None)
    client = _en(login(cast.secretary))
    response = _edit(
        client,
        meeting,
        {
            "version": 0,
            "summary": "我写的纪要",
            "item-0-title": "选举",
            "item-0-discussion": "讨论很热烈",
            "item-0-for": "5",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Item 1 “选举”: 5 votes were counted, but only 1 member was present." in page
    assert "我写的纪要" in page and "讨论很热烈" in page and 'value="5"' in page
    assert not Minutes.objects.filter(meeting=meeting).exists()


def test_without_script_a_row_is_added_by_the_server(cast, held, login):
    response = _edit(login(cast.secretary), held, {"version": 0, "item-0-title": "甲", "add_item": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="item-1-title"' in page and not Minutes.objects.exists()


def test_minutes_for_a_meeting_that_has_not_happened(cast, login):
    meeting = meeting_make(cast.tree.branch_a, days=5)
    client = _en(login(cast.secretary))
    page = client.get(reverse("orglife:minutes_edit", args=[meeting.pk])).content.decode()
    assert "This meeting has not happened yet" in page and 'name="summary"' not in page
    response = _edit(client, meeting, {"version": 0, "summary": "提前写的", "save": "1"})
    assert response.status_code == 422
    assert "This meeting has not happened yet" in response.content.decode()
    assert not Minutes.objects.exists()


def test_save_submit_approve_through_the_pages(cast, held, login):
    client = login(cast.organiser)
    _edit(client, held, {"version": 0, "summary": "组织委员记录", "item-0-title": "学习党章", "submit": "1"})
    minutes = Minutes.objects.get()
    assert minutes.status == MinutesStatus.SUBMITTED
    # The organiser manages meetings but may not approve: the approval is not there for them.
    approve = reverse("orglife:minutes_approve", args=[minutes.pk])
    assert client.post(approve, {"version": minutes.version}).status_code == 404
    detail = client.get(reverse("orglife:minutes_detail", args=[held.pk])).content.decode()
    assert approve not in detail
    secretary = login(cast.secretary)
    assert approve in secretary.get(reverse("orglife:minutes_detail", args=[held.pk])).content.decode()
    assert secretary.post(approve, {"version": minutes.version}).status_code == 302
    minutes.refresh_from_db()
    held.refresh_from_db()
    assert minutes.status == MinutesStatus.APPROVED and held.counted


def test_editing_approved_minutes_is_refused(cast, held, login):
    minutes_make(held, actor=cast.secretary, summary="已审定的纪要", approve_by=cast.secretary)
    client = _en(login(cast.secretary))
    response = client.get(reverse("orglife:minutes_edit", args=[held.pk]), follow=True)
    assert "approved and locked; start a correction" in response.content.decode()
    response = _edit(client, held, {"version": 0, "summary": "改写", "save": "1"})
    assert response.status_code == 302
    assert minutes_record(held).summary == "已审定的纪要" and Minutes.objects.count() == 1


def test_a_stale_form_is_refused_with_a_clear_message(cast, held, login):
    minutes = minutes_make(held, actor=cast.secretary, summary="第一稿")
    client = _en(login(cast.organiser))
    _edit(client, held, {"version": minutes.version, "summary": "组织委员改的", "save": "1"})
    response = _edit(_en(login(cast.secretary)), held, {"version": minutes.version, "summary": "书记改的", "save": "1"})
    assert response.status_code == 422
    assert "Someone else changed these minutes" in response.content.decode()
    assert minutes_open(held).summary == "组织委员改的"


def test_return_needs_a_note(cast, held, login):
    minutes = minutes_make(held, actor=cast.organiser)
    client = login(cast.organiser)
    client.post(reverse("orglife:minutes_submit", args=[minutes.pk]), {"version": minutes.version})
    minutes.refresh_from_db()
    secretary = _en(login(cast.secretary))
    url = reverse("orglife:minutes_return", args=[minutes.pk])
    response = secretary.post(url, {"version": minutes.version, "note": ""})
    assert response.status_code == 422 and "<details open>" in response.content.decode()
    assert secretary.post(url, {"version": minutes.version, "note": "请补充讨论情况"}).status_code == 302
    page = _en(login(cast.organiser)).get(reverse("orglife:minutes_detail", args=[held.pk])).content.decode()
    assert "Returned for changes" in page and "请补充讨论情况" in page


def test_a_correction_through_the_pages(cast, held, login):
    items = [{"title": "讨论发展对象", "decision": "同意。", "votes": {"for": 2, "against": 0, "abstain": 0}}]
    record = minutes_make(held, actor=cast.secretary, summary="原来的纪要", items=items, approve_by=cast.secretary)
    client = _en(login(cast.secretary))
    url = reverse("orglife:minutes_correct", args=[held.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"version": record.version, "reason": ""}).status_code == 422
    response = client.post(url, {"version": record.version, "reason": "表决票数记错"})
    assert response["Location"] == reverse("orglife:minutes_edit", args=[held.pk])
    draft = minutes_open(held)
    _edit(
        client,
        held,
        {"version": draft.version, "summary": "更正后的纪要", "item-0-title": "讨论发展对象",
         "item-0-decision": "同意。", "item-0-for": "1", "item-0-against": "1", "item-0-abstain": "0", "save": "1"},
    )  # fmt: skip
    page = client.get(reverse("orglife:minutes_detail", args=[held.pk])).content.decode()
    assert "Version 2 corrects the record" in page
    assert "<del" in page and "<ins" in page and "更正后" in page and "表决票数记错" in page
    old = client.get(reverse("orglife:minutes_detail", args=[held.pk]), {"v": 1}).content.decode()
    assert "原来的纪要" in old
    # A reader sees only the record until the correction is approved.
    reader = login(cast.member).get(reverse("orglife:minutes_detail", args=[held.pk])).content.decode()
    assert "原来的纪要" in reader and "更正后的纪要" not in reader


def test_a_member_sees_approved_minutes_only(cast, held, login):
    minutes_make(held, actor=cast.secretary, summary="草稿中的内容")
    page = login(cast.member).get(reverse("orglife:minutes_detail", args=[held.pk])).content.decode()
    assert "草稿中的内容" not in page
    assert login(cast.member).get(reverse("orglife:minutes_edit", args=[held.pk])).status_code == 404


def test_the_meeting_page_shows_the_minutes_panel(cast, held, login):
    try:
        url = reverse("orglife:meeting_detail", args=[held.pk])
    except NoReverseMatch:
        pytest.skip("the meeting page is not there")
    minutes = minutes_make(held, actor=cast.organiser, summary="面板里的纪要")
    page = login(cast.secretary).get(url).content.decode()
    assert 'id="minutes"' in page and "面板里的纪要" in page
    assert reverse("orglife:minutes_submit", args=[minutes.pk]) in page


def test_the_ledger_lists_the_years_meetings_in_constant_queries(cast, login):
    client = _en(login(cast.secretary))
    year = timezone.localdate().year - 1
    first = attend_all(meeting_make(cast.tree.branch_a, starts_at=at(date(year, 1, 12)), title="一月大会"))
    minutes_make(first, actor=cast.secretary, approve_by=cast.secretary)
    url = reverse("orglife:ledger")
    params = {"org": cast.tree.branch_a.pk, "year": year}
    client.get(url, params)  # the session and the menu settle on the first visit
    one = count_queries(lambda: client.get(url, params))
    for month in range(2, 6):
        meeting = attend_all(
            meeting_make(cast.tree.branch_a, starts_at=at(date(year, month, 8)), title=f"{month}月会议")
        )
        minutes_make(meeting, actor=cast.secretary)
    meeting_make(cast.tree.branch_a, starts_at=at(date(year + 1, 2, 1)), title="明年的会议")
    assert count_queries(lambda: client.get(url, params)) == one
    page = client.get(url, params).content.decode()
    assert "一月大会" in page and "5月会议" in page and "明年的会议" not in page
    assert "Meeting ledger" in page and "Draft" in page and "Approved" in page
    # Other units' ledgers are not there for this secretary.
    assert client.get(url, {"org": cast.tree.branch_b.pk}).status_code == 404
    assert "一月大会" not in client.get(url, {"org": cast.tree.branch_a.pk, "year": year - 1}).content.decode()
