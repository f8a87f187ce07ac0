"""Identification rounds' pages: the list, opening a round with what it will copy, a round's page (progress by
unit, points by status, the comparison) for the committee and for a branch, and closing it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglian.core.tests.web import count_queries
from qinglian.risks.models import RiskPoint, RiskRound
from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year
from qinglian.risks.vocab import PointStatus

LAST = this_year() - 1


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


@pytest.fixture
def last_year(cast):
    tree, members = cast.tree, cast.members
    closed = round_make(tree.root, year=LAST, closed=True, title="去年的排查")
    point_make(closed, org=tree.branch_a, title="第一支部去年的点", measures=[("每日对账", members["a1"])])
    point_make(closed, org=tree.branch_b, title="第二支部去年的点", measures=[("需求会签", members["b1"])])
    member_leave(members["b1"])
    return closed


# --- the list ----------------------------------------------------------------------------------------------


def test_the_list_shows_the_rounds_covering_the_scope_with_the_readers_counts(cast, login, english, last_year):
    current = round_make(cast.tree.root, title="今年的排查")
    point_make(current, org=cast.tree.branch_b, title="待审核", status=PointStatus.PROPOSED)
    page = _page(login(cast.secretary_b).get(reverse("risks:round_list")))
    assert "今年的排查" in page and "去年的排查" in page
    assert "In force" in page  # last year's round is the register in force
    assert "Open a round" not in page  # a branch secretary runs no round
    page = _page(login(cast.office).get(reverse("risks:round_list")))
    assert "Open a round" in page


def test_the_list_reads_a_constant_number_of_queries(cast, login):
    client = login(cast.office)
    round_make(cast.tree.root, year=LAST, closed=True)
    url = reverse("risks:round_list")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for year in range(LAST - 5, LAST):
        old = round_make(cast.tree.root, year=year, closed=True)
        point_make(old, org=cast.tree.branch_a)
    assert count_queries(lambda: client.get(url)) == one


# --- opening -----------------------------------------------------------------------------------------------


def test_the_form_shows_what_will_be_copied_and_the_owners_to_replace(cast, login, english, last_year):
    page = _page(login(cast.office).get(reverse("risks:round_create")))
    assert "What will be copied" in page and "去年的排查" in page
    assert "第一党支部" in page and "第二党支部" in page
    assert "需求会签" in page and "王芳" in page  # the departed owner's measure
    assert 'name="copy" id="id_copy" class="form-check-input" checked' in page
    assert f'value="{this_year()}"' in page


def test_opening_copies_last_years_register_and_shows_the_warnings(cast, login, english, last_year):
    client = login(cast.office)
    response = client.post(
        reverse("risks:round_create"),
        {
            "organisation": cast.tree.root.pk,
            "year": this_year(),
            "title": "今年的排查",
            "due_on": day(20).isoformat(),
            "copy": "on",
        },
        follow=True,
    )
    opened = RiskRound.objects.get(year=this_year())
    assert response.redirect_chain[-1][0] == reverse("risks:round_detail", args=[opened.pk])
    page = _page(response)
    assert "2 points were copied" in page and "需求会签" in page
    assert RiskPoint.objects.filter(round=opened, status="draft", copied_from__isnull=False).count() == 2


def test_opening_without_copying_and_bad_input_keep_what_was_typed(cast, login, english, last_year):
    client = login(cast.office)
    response = client.post(
        reverse("risks:round_create"),
        {"organisation": cast.tree.root.pk, "year": this_year(), "title": "缺少截止日期的排查", "copy": ""},
    )
    assert response.status_code == 422
    page = _page(response)
    assert "缺少截止日期的排查" in page and "This field is required." in page
    assert 'name="copy" id="id_copy" class="form-check-input" checked' not in page
    round_make(cast.tree.root, title="今年已有的排查")
    response = client.post(
        reverse("risks:round_create"),
        {"organisation": cast.tree.root.pk, "year": this_year(), "title": "重复的排查", "due_on": day(9).isoformat()},
    )
    assert response.status_code == 422
    assert "already has a round for" in _page(response)
    assert not RiskRound.objects.filter(title="重复的排查").exists()


# --- a round's page ----------------------------------------------------------------------------------------


@pytest.fixture
def current(cast, last_year):
    tree = cast.tree
    opened = round_make(tree.root, previous=last_year, title="今年的排查")
    cashier = post_make(tree.branch_a, "出纳")
    post_make(tree.branch_a, "会计")
    copied = RiskPoint.objects.get(round=last_year, organisation=tree.branch_a)
    point_make(opened, post=cashier, title="第一支部改写的点", copied_from=copied, status=PointStatus.PROPOSED)
    point_make(opened, org=tree.branch_b, title="第二支部新增的点", status=PointStatus.REVIEWED)
    return opened


def test_the_committee_sees_every_units_progress_the_points_and_the_comparison(cast, login, english, current):
    page = _page(login(cast.office).get(reverse("risks:round_detail", args=[current.pk])))
    assert "Progress by unit" in page and "第一党支部" in page and "第二党支部" in page
    assert "1 / 2" in page  # branch_a: one of its two posts has a point
    assert "第一支部改写的点" in page  # the proposed tab, shown first
    assert "Added this round" in page and "第二支部新增的点" in page
    assert "第一支部去年的点" in page  # the old title beside the new
    assert "Left out of this round" in page and "第二支部去年的点" in page
    assert "Close the round" in page and "still await" in page
    page = _page(login(cast.office).get(reverse("risks:round_detail", args=[current.pk]), {"status": "reviewed"}))
    assert "第二支部新增的点" in page.split("Points of the round by status")[1].split("Compared with")[0]


def test_a_branch_sees_only_its_own_units_in_the_round(cast, login, english, current):
    page = _page(login(cast.secretary).get(reverse("risks:round_detail", args=[current.pk])))
    assert "第一支部改写的点" in page and "第一党支部" in page
    assert "第二支部新增的点" not in page and "第二支部去年的点" not in page and "第二党支部" not in page
    assert "Close the round" not in page


def test_the_page_is_in_chinese_by_default(cast, login, current):
    page = _page(login(cast.office).get(reverse("risks:round_detail", args=[current.pk])))
    assert 'lang="zh-hans"' in page and "今年的排查" in page and "单位" in page


def test_the_page_reads_a_constant_number_of_queries(cast, login, current):
    client = login(cast.office)
    url = reverse("risks:round_detail", args=[current.pk])
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for n in range(6):
        unit = cast.tree.branch_b if n % 2 else cast.tree.group_a
        point_make(current, org=unit, title=f"新增{n}", status=PointStatus.PROPOSED, measures=[("措施", None)])
        post_make(unit, f"岗位{n}")
    assert count_queries(lambda: client.get(url)) == one


# --- closing -----------------------------------------------------------------------------------------------


def test_closing_is_refused_with_the_points_awaiting_decisions(cast, login, english, current):
    client = login(cast.office)
    response = client.post(reverse("risks:round_close", args=[current.pk]), {"version": current.version})
    assert response.status_code == 422
    assert "2 risk points still await review or approval" in _page(response)
    current.refresh_from_db()
    assert current.status == "open"


def test_closing_withdraws_drafts_and_a_stale_version_is_refused(cast, login, english, current):
    RiskPoint.objects.filter(round=current, status__in=["proposed", "reviewed"]).update(status="approved")
    draft = point_make(current, org=cast.tree.branch_a, title="无人提出的草稿", status=PointStatus.DRAFT)
    client = login(cast.office)
    response = client.post(reverse("risks:round_close", args=[current.pk]), {"version": current.version + 1})
    assert response.status_code == 409
    response = client.post(reverse("risks:round_close", args=[current.pk]), {"version": current.version}, follow=True)
    assert "its approved points are now the register in force" in _page(response)
    draft.refresh_from_db()
    current.refresh_from_db()
    assert draft.status == "withdrawn" and current.status == "closed"


def test_refused_openings_and_closings_change_nothing(cast, login, current):
    for user in (cast.secretary, cast.secretary_b, cast.auditor, cast.inspector, cast.member):
        client = login(user)
        response = client.post(reverse("risks:round_close", args=[current.pk]), {"version": current.version})
        assert response.status_code == 404
        response = client.post(
            reverse("risks:round_create"),
            {
                "organisation": cast.tree.root.pk,
                "year": this_year() + 1,
                "title": "越权开启",
                "due_on": day(9).isoformat(),
            },
        )
        assert response.status_code == 404
    current.refresh_from_db()
    assert current.status == "open" and current.version == 1
    assert not RiskRound.objects.filter(title="越权开启").exists()
