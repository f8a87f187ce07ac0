"""The register's indicators for evaluation: their values per unit subtree over the register in force."""

from __future__ import annotations

from datetime import date

import pytest

from qinglian.core.registry import registry
from qinglian.risks import indicators
from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year

LAST = this_year() - 1


@pytest.fixture
def register(cast):
    """branch_a: two points in force (level 1 overdue for review, level 2 not), three measures of which one has
    a departed owner, two active posts of which one has a point; group_a: one more post without points.
    branch_b: only this year's open round. An older closed round and a withdrawn point do not count."""
    tree, members = cast.tree, cast.members
    older = round_make(tree.root, year=LAST - 1, closed=True)
    point_make(older, org=tree.branch_b, level=1)
    in_force = round_make(tree.root, year=LAST, closed=True)
    cashier = post_make(tree.branch_a, "出纳")
    post_make(tree.branch_a, "会计")
    post_make(tree.group_a, "组长")
    post_make(tree.branch_a, "停用岗位", is_active=False)
    point_make(
        in_force,
        post=cashier,
        level=1,
        next_review_on=day(-1),
        measures=[("对账", members["a1"]), ("盘点", members["b1"])],
    )
    point_make(in_force, org=tree.branch_a, level=2, next_review_on=day(20), measures=[("公示", members["a2"])])
    point_make(in_force, org=tree.branch_a, level=1, status="withdrawn")
    point_make(round_make(tree.root), org=tree.branch_b, level=1)
    member_leave(members["b1"])


def test_the_indicators_are_registered():
    for code in ("reviews_on_time_rate", "posts_covered_rate", "measures_owned_rate", "level1_points"):
        assert f"risks.{code}" in registry.indicators


def test_values_per_unit_subtree(cast, register):
    tree = cast.tree
    orgs = [tree.root, tree.branch_a, tree.branch_b]
    year = this_year()
    on_time = indicators.reviews_on_time_rate(orgs=orgs, year=year)
    assert on_time == {tree.root.pk: 0.5, tree.branch_a.pk: 0.5, tree.branch_b.pk: None}
    covered = indicators.posts_covered_rate(orgs=orgs, year=year)
    assert covered[tree.root.pk] == pytest.approx(1 / 3) and covered[tree.branch_a.pk] == pytest.approx(1 / 3)
    assert covered[tree.branch_b.pk] is None  # no posts
    owned = indicators.measures_owned_rate(orgs=orgs, year=year)
    assert owned[tree.root.pk] == pytest.approx(2 / 3) and owned[tree.branch_b.pk] is None
    level1 = indicators.level1_points(orgs=orgs, year=year)
    assert level1 == {tree.root.pk: 1.0, tree.branch_a.pk: 1.0, tree.branch_b.pk: None}


def test_an_earlier_year_reads_the_register_then_in_force(cast, register):
    tree = cast.tree
    # In the year before last, only the older round had closed: one level-1 point at branch_b.
    level1 = indicators.level1_points(orgs=[tree.root, tree.branch_b], year=LAST - 1)
    assert level1 == {tree.root.pk: 1.0, tree.branch_b.pk: 1.0}
    # A review date that had not passed by the end of that year counts as on time.
    on_time = indicators.reviews_on_time_rate(orgs=[tree.root], year=LAST - 1, on=date(LAST - 1, 12, 31))
    assert on_time == {tree.root.pk: 1.0}
