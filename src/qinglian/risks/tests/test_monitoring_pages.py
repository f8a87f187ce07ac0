"""Monitoring's pages: the warnings (each kind a card with its rows) and the heat map with the matrix, in both
languages, kept to the units the reader may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglian.core.tests.web import count_queries
from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def register(cast):
    """The register in force with something of each warning in branch_a and branch_b, and this year's round."""
    tree, members = cast.tree, cast.members
    in_force = round_make(tree.root, year=this_year() - 1, closed=True)
    round_make(tree.root)
    point_make(in_force, org=tree.branch_a, title="第一支部逾期复查", next_review_on=day(-4), level=1)
    point_make(in_force, org=tree.branch_b, title="第二支部逾期复查", next_review_on=day(-2), process="procurement")
    point_make(in_force, org=tree.branch_a, title="第一支部将到期", next_review_on=day(10), level=3)
    point_make(in_force, org=tree.branch_b, title="第二支部无责任人", measures=[("会签审核", members["b1"])])
    point_make(
        in_force, org=tree.group_a, title="第一小组待复核", needs_review=True, needs_review_reason="关联审计发现"
    )
    post_make(tree.branch_a, "未识别岗位")
    post_make(tree.branch_b, "第二支部未识别岗位")
    member_leave(members["b1"])


def _page(response) -> str:
    return response.content.decode()


def test_the_warnings_page_shows_each_kind_with_its_rows(cast, login, english, register):
    page = _page(login(cast.office).get(reverse("risks:warnings")))
    for title in ("Reviews overdue", "Reviews due within 30 days", "Measures without an owner",
                  "Posts without any identified risk", "Points raised for review"):  # fmt: skip
        assert title in page
    assert "第一支部逾期复查" in page and "4 days overdue" in page
    assert "第一支部将到期" in page
    assert "会签审核" in page and "Transferred out" in page
    assert "未识别岗位" in page and "Record a risk point" in page
    assert "第一小组待复核" in page and "关联审计发现" in page
    page = _page(login(cast.auditor).get(reverse("risks:warnings")))
    assert "未识别岗位" in page and "Record a risk point" not in page  # the auditor only reads


def test_a_branch_sees_its_own_warnings_only_and_may_record_for_its_posts(cast, login, english, register):
    page = _page(login(cast.secretary_b).get(reverse("risks:warnings")))
    assert "第二支部逾期复查" in page and "第二支部未识别岗位" in page
    assert "第一支部逾期复查" not in page and "未识别岗位</a>" not in page.replace("第二支部未识别岗位</a>", "")
    assert "Record a risk point" in page


def test_the_warnings_page_reads_a_constant_number_of_queries(cast, login, register):
    client = login(cast.office)
    url = reverse("risks:warnings")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    in_force = round_make(cast.tree.root, year=this_year() - 2, closed=True)  # an older round: not counted
    point_make(in_force, org=cast.tree.branch_a, next_review_on=day(-9))
    current = cast.tree.root.risk_rounds.get(year=this_year() - 1)
    for n in range(5):
        point_make(current, org=cast.tree.branch_b, title=f"逾期{n}", next_review_on=day(-n - 1), needs_review=True)
        post_make(cast.tree.branch_c, f"岗位{n}")
    assert count_queries(lambda: client.get(url)) == one


def test_the_heat_map_shows_units_by_process_and_the_matrix(cast, login, english, register):
    page = _page(login(cast.office).get(reverse("risks:heat_map")))
    assert "Units × business processes" in page and "Likelihood × impact" in page
    assert "第一党支部" in page and "第二党支部" in page
    assert "第一党小组" not in page  # counted at its branch
    assert "Procurement and bidding" in page and "Almost certain" in page
    assert "ql-l1" in page  # branch_a's level-1 point colours its cells
    page = _page(login(cast.secretary_b).get(reverse("risks:heat_map")))
    assert "第二党支部" in page and "第一党支部" not in page


def test_monitoring_pages_speak_chinese_by_default(cast, login, register):
    client = login(cast.office)
    for name in ("risks:warnings", "risks:heat_map"):
        page = _page(client.get(reverse(name)))
        assert 'lang="zh-hans"' in page and "单位" in page
    assert "很少" in _page(client.get(reverse("risks:heat_map")))  # the matrix's scale in Chinese
