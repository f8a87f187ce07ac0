"""The member's own page and API: only their own meetings, replies, appraisal steps and talks."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import AppraisalEntry, AppraisalRound
from qinglian.orglife.tests.factories import attend_all, meeting_make, talk_make
from qinglian.rectification.services.items import item_create


def _setup(cast):
    a1, a2 = cast.members["a1"], cast.members["a2"]
    coming = meeting_make(cast.tree.branch_a, days=5, title="下周的支部党员大会")
    held = attend_all(meeting_make(cast.tree.branch_a, days=-20, title="上月的支部党员大会"))
    other = meeting_make(cast.tree.branch_b, days=5, title="第二支部的会")
    talk_make(cast.tree.branch_a, a1, a2, summary="谈心")
    round = AppraisalRound.objects.create(organisation=cast.tree.branch_a, year=coming.starts_on.year)
    AppraisalEntry.objects.create(round=round, member=a1)
    return coming, held, other, round


def test_the_member_sees_their_meetings_talks_and_appraisal_step(cast, login):
    *_others, round = _setup(cast)
    page = login(cast.member).get(reverse("orglife:me")).content.decode()
    assert "下周的支部党员大会" in page and "上月的支部党员大会" in page
    assert "第二支部的会" not in page
    assert reverse("orglife:appraisal_self", args=[round.pk]) in page
    assert "李娜" in page  # the talk with a2


def test_a_login_without_a_member_is_told_so(cast, login):
    client = login(cast.outsider)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("orglife:me")).content.decode()
    assert "not linked to a member" in page


def test_the_api_returns_the_same(cast, login):
    *_others, round = _setup(cast)
    data = login(cast.member).get("/api/v1/orglife/me").json()
    assert data["linked"] is True
    assert [m["title"] for m in data["upcoming"]] == ["下周的支部党员大会"]
    assert [m["presence"] for m in data["past"]] == ["present"]
    assert data["attended"] == 1 and data["recorded"] == 1
    assert data["appraisals"][0]["round_id"] == round.pk and data["appraisals"][0]["grade"] is None
    assert data["talks"][0]["with_name"] == "李娜"
    assert login(cast.outsider).get("/api/v1/orglife/me").json() == {
        "linked": False, "year": None, "upcoming": [], "past": [], "attended": 0, "recorded": 0,
        "appraisals": [], "talks": [],
    }  # fmt: skip


def test_the_page_costs_the_same_with_more_meetings(cast, login):
    client = login(cast.member)
    _setup(cast)
    client.get(reverse("orglife:me"))
    before = count_queries(lambda: client.get(reverse("orglife:me")))
    for days in (3, 4, -30, -40):
        meeting = meeting_make(cast.tree.branch_a, days=days)
        if days < 0:
            attend_all(meeting)
    assert count_queries(lambda: client.get(reverse("orglife:me"))) == before


def test_on_a_phone_the_steps_to_take_come_before_the_years_meetings(cast, login):
    """The page is one column on a phone, in the order of the markup: what asks for action first."""
    _setup(cast)
    problem = item_create(
        org=cast.tree.branch_a,
        source="life_meeting",
        problem="学习记录不全",
        owner=cast.members["a1"],
        due_on=timezone.localdate() + timedelta(days=10),
        actor=None,
    )
    page = login(cast.member).get(reverse("orglife:me")).content.decode()
    coming, ballot, past = (page.index(s) for s in ("下周的支部党员大会", 'id="appraisal-head"', "上月的支部党员大会"))
    assert coming < ballot < past
    assert reverse("orglife:calendar_mine") in page
    assert reverse("rectification:item_detail", args=[problem.pk]) in page  # the owner opens their own item
