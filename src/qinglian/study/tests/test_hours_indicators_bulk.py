"""The hours indicators for many units at once: the same answers as one unit at a time, in a constant number of
queries whatever the number of units."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qinglian.core.rules import rule_get, rule_revise
from qinglian.orglife.tests.factories import committee_make
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.services import member_create, org_create
from qinglian.study.services import hours as services

YEAR = 2025
ON = date(2025, 9, 30)


def _tighten(org, key: str, **change):
    base = rule_get(key, org_path=org.path, on=ON)
    return rule_revise(
        rule=base, value={**base.value, **change}, effective_from=date(2020, 1, 1), source="test", actor=None,
        reason="test", org_path=org.path,
    )  # fmt: skip


@pytest.fixture
def world(cast):
    """The cast's tree with hours of every kind: committee members, self-study over the cap, records after ON,
    a member off the register, a unit with no members, and branch_b under tightened rules (self-study cap 4,
    norms 40 / 60)."""
    tree, m = cast.tree, cast.members
    empty = org_create(name="空党支部", kind="branch", parent=tree.root, actor=None)
    extra = {
        "a3": member_create(organisation=tree.branch_a, name="陈静", gender="F", actor=None),
        "b2": member_create(organisation=tree.branch_b, name="赵磊", gender="M", actor=None),
        "gone": member_create(organisation=tree.branch_a, name="孙丽", gender="F", actor=None),
    }
    committee_make(tree.branch_a, members=[m["a2"]])
    committee_make(tree.branch_b, members=[extra["b2"]])

    def session(org, day, hours, members):
        services.session_create(org=org, title="学习", held_on=day, hours=hours, members=members, actor=None)

    session(tree.branch_a, date(2025, 3, 1), 20, [m["a1"], m["a2"], extra["a3"], extra["gone"]])
    session(tree.branch_a, date(2025, 10, 20), 16, [m["a1"], m["a2"]])  # after ON
    session(tree.branch_b, date(2025, 4, 1), 36, [m["b1"], extra["b2"]])
    session(tree.branch_c, date(2024, 5, 1), 40, [m["c1"]])  # another year
    for member, hours in ((m["a1"], 5), (m["a1"], 9), (m["a2"], 7), (m["b1"], 6), (extra["b2"], 3)):
        services.record_self_study(member=member, title="自学", studied_on=date(2025, 6, 1), hours=hours, actor=None)
    services.record_self_study(member=extra["a3"], title="自学", studied_on=date(2025, 11, 1), hours=12, actor=None)
    services.record_external(
        member=m["a2"], title="党校", studied_on=date(2025, 5, 5), hours=24, note="证书", actor=cast.secretary
    )
    Member.objects.filter(pk=extra["gone"].pk).update(status="出党")  # after the hours were earned
    _tighten(tree.branch_b, "study.hour_conversion", self_study_cap=4)
    _tighten(tree.branch_b, "study.hours_norm", member=40, committee=60)
    return [tree.root, tree.gb, tree.branch_a, tree.group_a, tree.branch_b, tree.branch_c, empty]


def _one_at_a_time(orgs, on):
    out = {}
    for org in orgs:
        s = services._subtree_summary(org, YEAR, on)
        out[org.pk] = (
            round((s["total"] or 0) / s["n"], 1) if s["n"] else None,
            (s["met_count"] or 0) / s["n"] if s["n"] else None,
        )
    return out


@pytest.mark.parametrize("on", [ON, None])
def test_bulk_answers_equal_one_unit_at_a_time(world, on):
    avg = services.hours_per_member(orgs=world, year=YEAR, on=on)
    rate = services.hours_norm_met_rate(orgs=world, year=YEAR, on=on)
    assert {pk: (avg[pk], rate[pk]) for pk in avg} == _one_at_a_time(world, on)
    assert set(avg) == set(rate) == {org.pk for org in world}


def test_bulk_answers_by_hand(cast, world):
    tree = cast.tree
    avg = services.hours_per_member(orgs=world, year=YEAR, on=ON)
    rate = services.hours_norm_met_rate(orgs=world, year=YEAR, on=ON)
    # branch_a by ON: 张伟 20 + 12 of 14 self = 32 (norm 32, met); 李娜 (committee) 20 + 7 + 24 = 51 of 56;
    # 陈静 20 (her self-study is after ON); 孙丽 is off the register.
    assert avg[tree.branch_a.pk] == round(103 / 3, 1) and rate[tree.branch_a.pk] == pytest.approx(1 / 3)
    assert avg[tree.group_a.pk] == 51.0 and rate[tree.group_a.pk] == 0
    # branch_b under its own rules: 王芳 36 + 4 of 6 = 40 (norm 40, met); 赵磊 (committee) 36 + 3 = 39 of 60
    assert avg[tree.branch_b.pk] == 39.5 and rate[tree.branch_b.pk] == 0.5
    # gb reads the rules in force at gb (cap 12, norms 32/56) for everyone below it, branch_b included:
    # 王芳 36 + 6 = 42 (met), 赵磊 39 of 56: 32 + 51 + 20 + 42 + 39 = 184 over 5, two of them met
    assert avg[tree.gb.pk] == round(184 / 5, 1) and rate[tree.gb.pk] == pytest.approx(2 / 5)
    assert avg[tree.branch_c.pk] == 0.0 and rate[tree.branch_c.pk] == 0  # hours of 2024 only
    assert avg[world[-1].pk] is None and rate[world[-1].pk] is None  # nobody to measure
    assert services.hours_per_member(orgs=[], year=YEAR) == {}


def test_query_count_is_constant_in_the_number_of_units(cast, world):
    def queries(orgs):
        with CaptureQueriesContext(connection) as captured:
            services.hours_per_member(orgs=orgs, year=YEAR, on=ON)
        return len(captured)

    few = queries(world[:2])  # root and gb: the default rules only
    parent = cast.tree.branch_c
    many = [org_create(name=f"党小组{i}", kind="group", parent=parent, actor=None) for i in range(12)]
    for i, org in enumerate(many):
        member_create(organisation=org, name=f"党员{i}", gender="M", actor=None)
    everything = list(Organisation.objects.all())
    assert len(everything) == len(world) + 12
    # the rule versions in force, then per set of versions (the default ones, branch_b's) its two rules, and per
    # set of rule values one grouped query of the members' hours
    assert queries(everything) <= 1 + 2 * 2 + 2
    assert queries(everything) == queries([*world, *many[:1]])
    assert few <= 1 + 3
