"""Monitoring: each kind of warning with a case that must appear and one that must not, the heat map by unit
and process, and the likelihood × impact matrix."""

from __future__ import annotations

import pytest

from qinglian.risks.services import monitoring
from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year
from qinglian.risks.vocab import PointStatus

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def rounds(cast):
    """Last year's closed round (the register in force) and this year's open round of the root committee."""
    root = cast.tree.root
    return round_make(root, year=this_year() - 1, closed=True), round_make(root)


def _titles(queryset) -> set[str]:
    return {p.title for p in queryset}


def test_reviews_overdue_are_the_points_in_force_past_their_review_date(cast, rounds):
    in_force, current = rounds
    point_make(in_force, org=cast.tree.branch_a, title="复查逾期", next_review_on=day(-1))
    point_make(in_force, org=cast.tree.branch_a, title="今天复查", next_review_on=day(0))
    point_make(current, org=cast.tree.branch_a, title="本轮的点逾期也不算", next_review_on=day(-5))
    point_make(in_force, org=cast.tree.branch_b, title="已撤回的逾期", status="withdrawn", next_review_on=day(-5))
    root = cast.tree.root
    assert _titles(monitoring.reviews_overdue(root, today=day(0))) == {"复查逾期"}
    assert _titles(monitoring.reviews_overdue(cast.tree.branch_b, today=day(0))) == set()


def test_reviews_due_within_thirty_days(cast, rounds):
    in_force, _current = rounds
    point_make(in_force, org=cast.tree.branch_a, title="今天复查", next_review_on=day(0))
    point_make(in_force, org=cast.tree.branch_a, title="三十天后复查", next_review_on=day(30))
    point_make(in_force, org=cast.tree.branch_a, title="三十一天后", next_review_on=day(31))
    point_make(in_force, org=cast.tree.branch_a, title="已经逾期", next_review_on=day(-1))
    assert _titles(monitoring.reviews_due(cast.tree.root, today=day(0))) == {"今天复查", "三十天后复查"}


def test_measures_without_an_owner_on_the_register(cast, rounds):
    in_force, current = rounds
    a1, b1, c1 = cast.members["a1"], cast.members["b1"], cast.members["c1"]
    point_make(in_force, org=cast.tree.branch_b, title="责任人已转出", measures=[("会签", b1), ("公示", a1)])
    point_make(current, org=cast.tree.branch_a, title="本轮无责任人", status="draft", measures=[("待定", None)])
    point_make(current, org=cast.tree.branch_c, title="本轮撤回", status="withdrawn", measures=[("撤回的", None)])
    point_make(in_force, org=cast.tree.branch_c, title="责任人在册", measures=[("在册", c1)])
    member_leave(b1)
    found = monitoring.measures_unowned(cast.tree.root)
    assert {(m.point.title, m.text) for m in found} == {("责任人已转出", "会签"), ("本轮无责任人", "待定")}


def test_posts_without_any_identified_risk(cast, rounds):
    in_force, current = rounds
    tree = cast.tree
    post_make(tree.branch_a, "空白岗位")
    registered = post_make(tree.branch_a, "在册岗位")
    proposed = post_make(tree.branch_b, "本轮已提出")
    withdrawn = post_make(tree.branch_b, "本轮撤回")
    post_make(tree.branch_c, "停用岗位", is_active=False)
    point_make(in_force, post=registered)
    point_make(current, post=proposed, status=PointStatus.PROPOSED)
    point_make(current, post=withdrawn, status=PointStatus.WITHDRAWN)
    point_make(current, org=tree.branch_c, process="funds")  # a point by process alone covers no post
    assert {p.name for p in monitoring.posts_uncovered(tree.root)} == {"空白岗位", "本轮撤回"}
    assert {p.name for p in monitoring.posts_uncovered(tree.branch_b)} == {"本轮撤回"}


def test_points_raised_for_review(cast, rounds):
    in_force, current = rounds
    reason = "关联问题线索：某科长收受回扣"
    point_make(in_force, org=cast.tree.branch_a, title="等级待复核", needs_review=True, needs_review_reason=reason)
    point_make(current, org=cast.tree.branch_a, title="本轮待复核", status="draft", needs_review=True)
    point_make(in_force, org=cast.tree.branch_a, title="无需复核")
    old = round_make(cast.tree.root, year=this_year() - 3, closed=True)
    point_make(old, org=cast.tree.branch_a, title="旧轮次的点", needs_review=True)
    found = monitoring.points_raised(cast.tree.root)
    assert _titles(found) == {"等级待复核", "本轮待复核"}
    assert found.get(title="等级待复核").needs_review_reason == reason


def test_the_warnings_page_data_counts_each_kind_and_keeps_to_the_users_units(cast, rounds):
    in_force, _current = rounds
    point_make(in_force, org=cast.tree.branch_a, title="第一支部逾期", next_review_on=day(-3))
    point_make(in_force, org=cast.tree.branch_b, title="第二支部逾期", next_review_on=day(-3))
    cards = {c.key: c for c in monitoring.warnings(cast.tree.root, today=day(0))}
    assert list(cards) == list(monitoring.WARNING_KINDS)
    assert cards["reviews_overdue"].count == 2
    mine = {c.key: c for c in monitoring.warnings(cast.tree.root, today=day(0), user=cast.secretary_b)}
    assert [p.title for p in mine["reviews_overdue"].rows] == ["第二支部逾期"]
    few = {c.key: c for c in monitoring.warnings(cast.tree.root, today=day(0), limit=1)}
    assert few["reviews_overdue"].count == 2 and few["reviews_overdue"].more == 1


def test_the_heat_map_counts_points_in_force_by_unit_process_and_level(cast, rounds):
    in_force, current = rounds
    tree = cast.tree
    point_make(in_force, org=tree.branch_a, process="funds", level=2)
    point_make(in_force, org=tree.group_a, process="funds", level=1)  # counted at its branch
    point_make(in_force, org=tree.branch_a, process="procurement", level=3)
    point_make(in_force, org=tree.branch_b, process="funds", level=3)
    point_make(in_force, org=tree.branch_b, post=post_make(tree.branch_b), process="", level=2)
    point_make(in_force, org=tree.branch_c, process="funds", status="withdrawn", level=1)
    point_make(current, org=tree.branch_c, process="funds", level=1)  # not yet in force
    heat = monitoring.heat_map(tree.root)
    columns = [value for value, _label in heat.columns]
    assert columns[-1] == "" and "funds" in columns and "procurement" in columns
    rows = {row.organisation.name: row for row in heat.rows}
    assert list(rows) == ["第一党支部", "第二党支部"]
    funds, procurement, none = columns.index("funds"), columns.index("procurement"), columns.index("")
    a = rows["第一党支部"]
    assert a.cells[funds].counts == {1: 1, 2: 1, 3: 0} and a.cells[funds].highest == 1
    assert a.cells[procurement].total == 1 and a.cells[procurement].highest == 3
    assert a.total.total == 3 and a.total.highest == 1
    b = rows["第二党支部"]
    assert b.cells[none].total == 1 and b.cells[funds].highest == 3
    assert heat.column_totals[funds].total == 3 and heat.total.total == 5
    assert heat.total.counts == {1: 1, 2: 2, 3: 2}
    # Within group_a's scope the group is its own row.
    assert [row.organisation.name for row in monitoring.heat_map(tree.group_a).rows] == ["第一党小组"]


def test_the_matrix_counts_points_by_likelihood_and_impact_coloured_by_the_rule(cast, rounds):
    in_force, _current = rounds
    point_make(in_force, org=cast.tree.branch_a, likelihood=5, impact=5)
    point_make(in_force, org=cast.tree.branch_a, likelihood=5, impact=5)
    point_make(in_force, org=cast.tree.branch_b, likelihood=1, impact=1)
    point_make(in_force, org=cast.tree.branch_b, likelihood=9, impact=1)  # outside the 5 × 5 matrix
    view = monitoring.risk_matrix(cast.tree.root)
    top_row, top_label, top_cells = view.rows[0]
    assert top_row == 5 and top_label == "Almost certain"
    assert top_cells[4].count == 2 and top_cells[4].rating.key == "extreme"
    bottom_cells = view.rows[-1][2]
    assert bottom_cells[0].count == 1 and bottom_cells[0].rating.colour == "#2e7d32"
    assert view.total == 4 and view.outside == 1
    assert [key for key, _label, _colour in view.ratings] == ["low", "medium", "high", "extreme"]
