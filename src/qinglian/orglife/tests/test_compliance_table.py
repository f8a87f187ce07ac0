"""Compliance computed for a past year against a hand count, tightened rules, founding mid-year, roll-up."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglian.core.rules import rule_get, rule_revise
from qinglian.orglife.compliance.plan import schedule_day, unit_plan
from qinglian.orglife.compliance.table import Light, Status, compliance_table
from qinglian.orglife.models import Meeting
from qinglian.orglife.services.frequency import frequency_tighten
from qinglian.orglife.tests.factories import at, attend_all, meeting_counted, meeting_make
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import org_create, post_assign, term_start

K = MeetingKind
YEAR = timezone.localdate().year - 1


def cells(table, org, *, total=False):
    row = next(r for r in table.rows if r.org.pk == org.pk and r.is_total == total)
    return {kind: (c.held, c.required, c.light) for kind, c in row.cells.items()}


def committee_of_two(cast, org):
    term = term_start(org=org, elected_on=date(YEAR - 1, 3, 1), actor=None)
    post_assign(term=term, member=cast.members["a1"], post="书记", actor=None)
    post_assign(term=term, member=cast.members["a2"], post="委员", actor=None)


@pytest.fixture
def counted_year(cast):
    """Branch_a's hand-counted year; group_a holds half its meetings; branch_b and branch_c hold none."""
    tree = cast.tree
    committee_of_two(cast, tree.branch_a)
    for month in (2, 5, 8):  # three general meetings of four
        meeting_counted(tree.branch_a, K.GENERAL_MEETING, date(YEAR, month, 20))
    # The fourth quarter's general meeting was held but its minutes never approved: it does not count.
    attend_all(meeting_make(tree.branch_a, kind=K.GENERAL_MEETING, starts_at=at(date(YEAR, 11, 20))))
    for month in range(1, 11):  # ten committee meetings of twelve; June's without quorum (1 of 2 present)
        meeting_counted(tree.branch_a, K.COMMITTEE_MEETING, date(YEAR, month, 8), absent=1 if month == 6 else 0)
    for month in range(1, 13):  # every thematic Party day, and a second one in March
        meeting_counted(tree.branch_a, K.THEME_DAY, date(YEAR, month, 15))
    meeting_counted(tree.branch_a, K.THEME_DAY, date(YEAR, 3, 28))
    meeting_counted(tree.branch_a, K.PARTY_LECTURE, date(YEAR, 4, 10))
    for month in range(1, 7):
        meeting_counted(tree.group_a, K.GROUP_MEETING, date(YEAR, month, 5))
    return tree


def test_a_past_year_matches_the_hand_count(counted_year, cast):
    tree = counted_year
    table = compliance_table(scope=tree.root, year=YEAR, units=Organisation.objects.all())
    a = cells(table, tree.branch_a)
    assert a == {
        K.GENERAL_MEETING: (3, 4, Light.RED),
        K.COMMITTEE_MEETING: (10, 12, Light.RED),
        K.THEME_DAY: (12, 12, Light.GREEN),
        K.PARTY_LECTURE: (1, 1, Light.GREEN),
        K.LIFE_MEETING: (0, 1, Light.RED),
    }
    committee = table.units[tree.branch_a.pk].cells[K.COMMITTEE_MEETING]
    assert committee.quorum_met == 9
    assert dict(committee.statuses) == {Status.MET: 9, Status.QUORUM_SHORT: 1, Status.MISSED: 2}
    assert table.units[tree.branch_a.pk].cells[K.THEME_DAY].counted == 13
    assert cells(table, tree.group_a) == {K.GROUP_MEETING: (6, 12, Light.RED)}
    assert cells(table, tree.branch_b)[K.GENERAL_MEETING] == (0, 4, Light.RED)
    # The general branch and the committee owe nothing of these kinds themselves.
    assert cells(table, tree.gb) == {}
    assert cells(table, tree.root) == {K.DEMOCRATIC_LIFE: (0, 1, Light.RED)}


def test_committees_see_each_branch_and_their_own_total(counted_year):
    tree = counted_year
    table = compliance_table(scope=tree.root, year=YEAR, units=Organisation.objects.all())
    order = [(r.org.name, r.is_total) for r in table.rows]
    assert order == [
        ("机关党委", False),
        ("第一党总支", False),
        ("第一党支部", False),
        ("第一党小组", False),
        ("第二党支部", False),
        ("第一党总支", True),
        ("直属党支部", False),
    ]
    gb = cells(table, tree.gb, total=True)
    assert gb[K.GENERAL_MEETING] == (3, 8, Light.RED)
    assert gb[K.THEME_DAY] == (12, 24, Light.RED)
    assert gb[K.GROUP_MEETING] == (6, 12, Light.RED)
    total = {kind: (c.held, c.required) for kind, c in table.total.cells.items()}
    assert total[K.GENERAL_MEETING] == (3, 12)
    assert total[K.COMMITTEE_MEETING] == (10, 36)
    assert total[K.DEMOCRATIC_LIFE] == (0, 1)
    assert table.kinds == [k for k in K.values]


def test_a_branch_sees_only_what_it_may(counted_year, cast):
    tree = counted_year
    units = Organisation.objects.visible_to(cast.secretary, "orglife.view")
    table = compliance_table(scope=tree.branch_a, year=YEAR, units=units)
    assert [r.org.name for r in table.rows] == ["第一党支部", "第一党小组"]
    assert table.total.cells[K.GROUP_MEETING].required == 12


def test_a_green_year_and_quorum_short_is_amber(cast):
    tree = cast.tree
    committee_of_two(cast, tree.branch_a)
    for quarter_month in (1, 4, 7, 10):
        meeting_counted(tree.branch_a, K.GENERAL_MEETING, date(YEAR, quarter_month, 3))
    for month in range(1, 13):
        meeting_counted(tree.branch_a, K.COMMITTEE_MEETING, date(YEAR, month, 3), absent=1 if month == 12 else 0)
    table = compliance_table(scope=tree.branch_a, year=YEAR, units=Organisation.objects.all())
    a = cells(table, tree.branch_a)
    assert a[K.GENERAL_MEETING] == (4, 4, Light.GREEN)
    assert a[K.COMMITTEE_MEETING] == (12, 12, Light.AMBER)


def test_a_tightened_rule_changes_counts_only_in_its_subtree(counted_year, cast):
    tree = counted_year
    base = rule_get("orglife.frequency.party_lecture")
    rule_revise(
        rule=base,
        value={**base.value, "per": "quarter"},
        effective_from=date(YEAR, 1, 1),
        source="第一党总支规定：每季度讲一次党课",
        actor=cast.office,
        reason="收紧",
        org_path=tree.gb.path,
    )
    table = compliance_table(scope=tree.root, year=YEAR, units=Organisation.objects.all())
    assert cells(table, tree.branch_a)[K.PARTY_LECTURE] == (1, 4, Light.RED)
    assert cells(table, tree.branch_b)[K.PARTY_LECTURE] == (0, 4, Light.RED)
    assert cells(table, tree.branch_c)[K.PARTY_LECTURE] == (0, 1, Light.RED)
    plan = unit_plan(org=tree.branch_a, year=YEAR)
    lecture = next(k for k in plan.kinds if k.kind == K.PARTY_LECTURE)
    assert lecture.tightened_by == tree.gb
    assert [p.status for p in lecture.cell.periods] == [Status.MISSED, Status.MET, Status.MISSED, Status.MISSED]


def test_a_rule_tightened_from_april_owes_three_quarters(cast):
    tree = cast.tree
    base = rule_get("orglife.frequency.party_lecture")
    rule_revise(
        rule=base,
        value={**base.value, "per": "quarter"},
        effective_from=date(YEAR, 4, 1),
        source="每季度一次",
        actor=cast.office,
        reason="收紧",
        org_path=tree.branch_a.path,
    )
    table = compliance_table(scope=tree.branch_a, year=YEAR, units=Organisation.objects.all())
    periods = table.units[tree.branch_a.pk].cells[K.PARTY_LECTURE].periods
    assert [(p.start.month, p.end.month) for p in periods] == [(4, 7), (7, 10), (10, 1)]


def test_a_unit_founded_mid_year_owes_only_from_then(cast):
    tree = cast.tree
    new = org_create(name="新成立党支部", kind="branch", parent=tree.root, actor=None)
    Organisation.objects.filter(pk=new.pk).update(founded_on=date(YEAR, 5, 10))
    later = org_create(name="年后成立党支部", kind="branch", parent=tree.root, actor=None)
    Organisation.objects.filter(pk=later.pk).update(founded_on=date(YEAR + 1, 2, 1))
    table = compliance_table(scope=tree.root, year=YEAR, units=Organisation.objects.all())
    got = {kind: c.required for kind, c in table.units[new.pk].cells.items()}
    # June to December: seven months; the second quarter (only June) is not owed, the year is.
    assert got == {
        K.GENERAL_MEETING: 2,
        K.COMMITTEE_MEETING: 7,
        K.THEME_DAY: 7,
        K.PARTY_LECTURE: 1,
        K.LIFE_MEETING: 1,
    }
    assert later.pk not in table.units


def test_the_current_year_leaves_open_periods_open(cast):
    tree = cast.tree
    year = YEAR + 1
    on = date(year, 6, 25)
    meeting_counted(tree.branch_a, K.THEME_DAY, date(year, 6, 5))
    table = compliance_table(scope=tree.branch_a, year=year, units=Organisation.objects.all(), on=on)
    general = table.units[tree.branch_a.pk].cells[K.GENERAL_MEETING]
    assert [p.status for p in general.periods] == [Status.MISSED, Status.DUE_SOON, Status.UPCOMING, Status.UPCOMING]
    assert (general.required, general.light) == (2, Light.RED)
    theme = table.units[tree.branch_a.pk].cells[K.THEME_DAY]
    assert theme.periods[5].status == Status.MET and theme.required == 6
    life = table.units[tree.branch_a.pk].cells[K.LIFE_MEETING]
    assert [p.status for p in life.periods] == [Status.DUE] and life.light == Light.GREEN
    early = compliance_table(scope=tree.branch_a, year=year, units=Organisation.objects.all(), on=date(year, 6, 1))
    assert early.units[tree.branch_a.pk].cells[K.GENERAL_MEETING].periods[1].status == Status.DUE


def test_the_table_costs_the_same_queries_for_ten_or_three_hundred_units(cast):
    root = cast.tree.root
    rule_path = cast.tree.gb.path
    base = rule_get("orglife.frequency.party_lecture")
    rule_revise(
        rule=base,
        value={**base.value, "per": "quarter"},
        effective_from=date(YEAR, 1, 1),
        source="每季度一次",
        actor=None,
        reason="收紧",
        org_path=rule_path,
    )

    def grow(n):
        parents = [cast.tree.gb, cast.tree.root]
        made = []
        for i in range(n):
            made.append(org_create(name=f"支部{len(made)}-{n}", kind="branch", parent=parents[i % 2], actor=None))
        Meeting.objects.bulk_create(
            Meeting(
                organisation=org,
                kind=K.THEME_DAY,
                title="主题党日",
                starts_at=at(date(YEAR, month, 10)),
                starts_on=date(YEAR, month, 10),
                status="held",
                counted=True,
                quorum_met=True,
            )
            for org in made
            for month in range(1, 13)
        )

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            table = compliance_table(scope=root, year=YEAR, units=Organisation.objects.all())
        return len(ctx.captured_queries), table

    grow(10)
    few, small = measure()
    grow(290)
    many, large = measure()
    assert few == many <= 4
    assert len(large.units) == len(small.units) + 290
    held = large.total.cells[K.THEME_DAY].held
    assert held == 300 * 12


def test_a_fixed_theme_day_is_the_due_day(cast):
    tree = cast.tree
    frequency_tighten(
        org=tree.branch_a,
        kind=K.THEME_DAY,
        per="month",
        times=1,
        quorum=(4, 5),
        strict=False,
        day=15,
        effective_from=date(YEAR, 1, 1),
        source="第一党支部：每月15日为主题党日",
        reason="固定日期",
        actor=cast.secretary,
    )
    plan = unit_plan(org=tree.branch_a, year=YEAR, on=date(YEAR, 5, 16))
    theme = next(k for k in plan.kinds if k.kind == K.THEME_DAY)
    assert [p.due.day for p in theme.cell.periods] == [15] * 12
    # The day has passed without a meeting: the month is not lost yet, but it needs attention.
    assert theme.cell.periods[4].status == Status.DUE_SOON
    assert theme.cell.periods[5].status == Status.UPCOMING
    assert schedule_day(theme.cell.periods[5], date(YEAR, 5, 16)) == date(YEAR, 6, 15)
    assert "15" in theme.text and theme.tightened_by == tree.branch_a
    plain = unit_plan(org=tree.branch_b, year=YEAR, on=date(YEAR, 5, 16))
    assert next(k for k in plain.kinds if k.kind == K.THEME_DAY).cell.periods[4].status == Status.DUE


def test_a_looser_rule_cannot_be_made_for_a_subtree(cast):
    tree = cast.tree
    common = dict(org=tree.branch_a, source="本支部规定", reason="试", actor=None, effective_from=date(YEAR, 1, 1))
    with pytest.raises(ValidationError, match="longer"):
        frequency_tighten(kind=K.GENERAL_MEETING, per="year", times=4, quorum=(1, 2), strict=True, day=None, **common)
    with pytest.raises(ValidationError, match="lower"):
        frequency_tighten(kind=K.THEME_DAY, per="month", times=1, quorum=(1, 2), strict=True, day=None, **common)
    with pytest.raises(ValidationError, match="monthly"):
        frequency_tighten(kind=K.GENERAL_MEETING, per="quarter", times=1, quorum=(1, 2), strict=True, day=3, **common)
    lectures = frequency_tighten(
        kind=K.PARTY_LECTURE, per="quarter", times=1, quorum=(2, 3), strict=False, day=None, **common
    )
    assert lectures.org_path == tree.branch_a.path and lectures.value["quorum"] == [2, 3]
    # Below a tightened unit the floor is the tightened rule: a group cannot go back to once a year.
    with pytest.raises(ValidationError, match="longer"):
        frequency_tighten(**{**common, "org": tree.group_a}, kind=K.PARTY_LECTURE, per="year", times=4,
                          quorum=(2, 3), strict=False, day=None)  # fmt: skip


def test_a_large_subtree_lists_its_upper_levels_and_still_counts_everything(cast, monkeypatch):
    from qinglian.orglife.compliance import table as compliance

    tree = cast.tree
    monkeypatch.setattr(compliance, "MAX_LISTED", 3)
    meeting_counted(tree.group_a, K.GROUP_MEETING, date(YEAR, 1, 5))
    table = compliance_table(scope=tree.root, year=YEAR, units=Organisation.objects.all())
    assert table.levels == 2
    assert [(r.org.name, r.is_total, r.hidden_below) for r in table.rows] == [
        ("机关党委", False, False),
        ("第一党总支", False, True),
        ("第一党总支", True, False),
        ("直属党支部", False, False),
    ]
    assert table.total.cells[K.GROUP_MEETING].held == 1
