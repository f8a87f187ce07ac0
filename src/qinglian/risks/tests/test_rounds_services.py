"""Identification rounds: opening one copied from last year's register, one round a year, closing it, progress
by unit, the comparison with the round before, and which register is in force."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.models import AuditEvent
from qinglian.orgs.services import Conflict
from qinglian.risks.models import PointEvent, RiskMeasure, RiskPoint, RiskRound
from qinglian.risks.services import register
from qinglian.risks.services import rounds as services
from qinglian.risks.tests.factories_rounds import day, member_leave, point_make, post_make, round_make, this_year
from qinglian.risks.vocab import PointStatus

pytestmark = pytest.mark.usefixtures("in_english")
LAST = this_year() - 1


@pytest.fixture
def last_year(cast):
    """Last year's closed round of the root committee: two approved points (one with a measure whose owner has
    since left), one withdrawn point, at branch_a and branch_b."""
    tree, members = cast.tree, cast.members
    closed = round_make(tree.root, year=LAST, closed=True)
    cashier = post_make(tree.branch_a, "出纳")
    leaving = members["b1"]
    kept = point_make(
        closed,
        post=cashier,
        title="现金收付无人复核",
        level=1,
        measures=[("每日对账", members["a1"]), ("每月盘点", members["a2"])],
        next_review_on=day(40),
    )
    flagged = point_make(
        closed,
        org=tree.branch_b,
        process="procurement",
        title="采购需求量身定制",
        measures=[("需求论证会签", leaving)],
    )
    point_make(closed, org=tree.branch_b, title="已撤回的风险点", status=PointStatus.WITHDRAWN)
    member_leave(leaving)
    return closed, kept, flagged


def _open(cast, **kwargs):
    values = {
        "organisation": cast.tree.root,
        "year": this_year(),
        "title": "本年度廉政风险排查",
        "due_on": day(30),
        "actor": cast.office,
    }
    values.update(kwargs)
    return services.round_open(**values)


# --- opening -----------------------------------------------------------------------------------------------


def test_a_new_round_copies_last_years_approved_points_as_drafts_with_their_measures(cast, last_year):
    closed, kept, flagged = last_year
    opened = _open(cast)
    assert opened.previous == closed and opened.copied == 2
    copies = {p.copied_from_id: p for p in RiskPoint.objects.filter(round=opened)}
    assert set(copies) == {kept.pk, flagged.pk}  # the withdrawn point is not copied
    copy = copies[kept.pk]
    assert copy.status == PointStatus.DRAFT and copy.title == kept.title and copy.level == 1
    assert copy.organisation == kept.organisation and copy.post == kept.post
    assert copy.next_review_on == kept.next_review_on
    assert [(m.text, m.owner) for m in copy.measures.order_by("order")] == [
        ("每日对账", cast.members["a1"]),
        ("每月盘点", cast.members["a2"]),
    ]
    events = PointEvent.objects.filter(point=copy)
    assert [e.kind for e in events] == ["copied"] and events[0].actor == cast.office
    # The originals stay as they were: last year's register is not rewritten.
    kept.refresh_from_db()
    assert kept.status == PointStatus.APPROVED and kept.round == closed
    assert AuditEvent.objects.filter(action="risks.round_open", object_id=str(opened.pk)).exists()


def test_a_departed_owners_measure_is_copied_without_owner_and_flagged(cast, last_year):
    _closed, _kept, flagged = last_year
    opened = _open(cast)
    copy = RiskPoint.objects.get(round=opened, copied_from=flagged)
    measure = RiskMeasure.objects.get(point=copy)
    assert measure.text == "需求论证会签" and measure.owner is None
    assert len(opened.copy_warnings) == 1
    assert "需求论证会签" in opened.copy_warnings[0] and "王芳" in opened.copy_warnings[0]
    assert "王芳" in PointEvent.objects.get(point=copy).comment


def test_copying_can_be_declined_and_the_plan_shows_what_would_be_copied(cast, last_year):
    closed, _kept, _flagged = last_year
    plan = services.copy_plan(closed)
    assert len(plan.points) == 2 and plan.measures == 3 and len(plan.warnings) == 1
    assert [(org.name, n) for org, n in plan.by_unit] == [("第一党支部", 1), ("第二党支部", 1)]
    opened = _open(cast, copy=False)
    assert opened.previous is None and not RiskPoint.objects.filter(round=opened).exists()


def test_only_one_round_a_year_and_none_while_another_is_open(cast, last_year):
    opened = _open(cast)
    with pytest.raises(ValidationError) as caught:
        _open(cast, title="又一次排查")
    assert "already has a round for" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        _open(cast, year=this_year() + 1)
    assert "is still open" in str(caught.value)
    assert RiskRound.objects.filter(organisation=cast.tree.root).count() == 2
    assert register.open_round(cast.tree.group_a) == opened


def test_a_round_is_refused_to_non_committees_other_units_managers_and_bad_input(cast):
    with pytest.raises(ValidationError) as caught:
        _open(cast, organisation=cast.tree.branch_a, actor=None)
    assert "run by a Party committee" in str(caught.value)
    with pytest.raises(PermissionDenied):
        _open(cast, actor=cast.secretary)
    with pytest.raises(ValidationError) as caught:
        _open(cast, title="  ")
    assert "title" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _open(cast, due_on=day(-1))
    assert "due_on" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _open(cast, year=1990)
    assert "year" in caught.value.message_dict
    later = round_make(cast.tree.root, year=this_year() + 1, closed=True)  # not an earlier round
    with pytest.raises(ValidationError) as caught:
        _open(cast, copy_from=later)
    assert "copy_from" in caught.value.message_dict
    assert list(RiskRound.objects.all()) == [later]


# --- closing -----------------------------------------------------------------------------------------------


def test_closing_is_refused_while_points_await_decisions_and_lists_them(cast, last_year):
    opened = _open(cast)
    point_make(opened, org=cast.tree.branch_a, title="待支部审核的点", status=PointStatus.PROPOSED)
    point_make(opened, org=cast.tree.branch_b, title="待党委审批的点", status=PointStatus.REVIEWED)
    with pytest.raises(ValidationError) as caught:
        services.round_close(round=opened, actor=cast.office, version=opened.version)
    message = str(caught.value)
    assert "2 risk points still await review or approval" in message
    assert "待支部审核的点" in message and "待党委审批的点" in message
    opened.refresh_from_db()
    assert opened.status == "open" and opened.closed_on is None


def test_closing_withdraws_untouched_drafts_and_returned_points(cast, last_year):
    opened = _open(cast)
    returned = point_make(opened, org=cast.tree.branch_a, title="被退回的点", status=PointStatus.RETURNED)
    approved = point_make(opened, org=cast.tree.branch_a, title="已审批的点")
    with pytest.raises(Conflict):
        services.round_close(round=opened, actor=cast.office, version=opened.version + 1)
    with pytest.raises(PermissionDenied):
        services.round_close(round=opened, actor=cast.secretary, version=opened.version)
    closed = services.round_close(round=opened, actor=cast.office, version=opened.version)
    assert closed.status == "closed" and closed.closed_on == day(0)
    statuses = dict(RiskPoint.objects.filter(round=opened).values_list("title", "status"))
    assert statuses == {
        "现金收付无人复核": "withdrawn",  # a copy nobody confirmed
        "采购需求量身定制": "withdrawn",
        "被退回的点": "withdrawn",
        "已审批的点": "approved",
    }
    assert PointEvent.objects.filter(point=returned, kind="withdrawn").exists()
    assert not PointEvent.objects.filter(point=approved, kind="withdrawn").exists()
    assert AuditEvent.objects.filter(action="risks.round_close", object_id=str(opened.pk)).exists()
    with pytest.raises(ValidationError):
        services.round_close(round=closed, actor=cast.office, version=closed.version)
    # The closed round's approved points are now the register in force.
    assert list(services.register_in_force(cast.tree.root)) == [approved]


# --- what is in force --------------------------------------------------------------------------------------


def test_the_register_in_force_is_the_latest_closed_rounds_approved_points(cast, last_year):
    closed, kept, flagged = last_year
    opened = _open(cast)
    point_make(opened, org=cast.tree.branch_a, title="本轮新增")
    assert set(services.register_in_force(cast.tree.root)) == {kept, flagged}
    assert set(services.register_in_force(cast.tree.branch_b)) == {flagged}
    assert services.round_in_force(cast.tree.group_a) == closed
    assert register.open_round(cast.tree.root) == opened
    assert register.open_round(cast.tree.branch_b) == opened
    assert services.round_in_force(cast.tree.root, year=LAST - 1) is None


# --- progress ----------------------------------------------------------------------------------------------


def test_progress_counts_each_units_posts_and_points_by_status(cast, django_assert_max_num_queries):
    tree = cast.tree
    opened = round_make(tree.root)
    cashier, accountant, buyer = (
        post_make(tree.branch_a, "出纳"),
        post_make(tree.branch_a, "会计"),
        post_make(tree.branch_b, "采购员"),
    )
    post_make(tree.branch_b, "已撤销岗位", is_active=False)
    point_make(opened, post=cashier, status=PointStatus.APPROVED)
    point_make(opened, post=cashier, status=PointStatus.PROPOSED, title="第二个点")
    point_make(opened, post=accountant, status=PointStatus.WITHDRAWN)
    point_make(opened, post=buyer, status=PointStatus.DRAFT)
    point_make(opened, org=tree.branch_b, status=PointStatus.RETURNED)
    point_make(opened, org=tree.group_a, status=PointStatus.REVIEWED)
    with django_assert_max_num_queries(3):
        rows, total = services.round_progress(opened)
    by_unit = {row.organisation.name: row for row in rows}
    assert list(by_unit) == ["第一党支部", "第一党小组", "第二党支部"]
    a, group, b = by_unit["第一党支部"], by_unit["第一党小组"], by_unit["第二党支部"]
    assert (a.posts, a.posts_covered, a.approved, a.proposed, a.withdrawn, a.points) == (2, 1, 1, 1, 1, 2)
    assert a.completion == 0.5 and a.completion_percent == 50
    assert (b.posts, b.posts_covered, b.draft, b.returned, b.completion) == (1, 1, 1, 1, 0)
    assert (group.posts, group.reviewed, group.points) == (0, 1, 1)
    assert (total.posts, total.posts_covered, total.points, total.approved) == (3, 2, 5, 1)


# --- the comparison ----------------------------------------------------------------------------------------


def test_the_diff_lists_points_added_changed_and_left_out(cast):
    tree, a1, a2 = cast.tree, cast.members["a1"], cast.members["a2"]
    closed = round_make(tree.root, year=LAST, closed=True)
    same = point_make(closed, org=tree.branch_a, title="不变的点", measures=[("制度上墙", a1)])
    reworded = point_make(
        closed, org=tree.branch_a, title="旧的说法", description="同一描述", level=2, measures=[("旧措施", a1)]
    )
    dropped = point_make(closed, org=tree.branch_b, title="今年没有复制")
    abandoned = point_make(closed, org=tree.branch_b, title="复制后撤回")
    point_make(closed, org=tree.branch_b, title="去年已撤回", status=PointStatus.WITHDRAWN)
    opened = round_make(tree.root, previous=closed)
    point_make(
        opened, org=tree.branch_a, title="不变的点", measures=[("制度上墙", a1)], copied_from=same, status="draft"
    )
    point_make(
        opened,
        org=tree.branch_a,
        title="新的说法",
        description="同一描述",
        level=1,
        measures=[("旧措施", a2), ("新措施", a1)],
        copied_from=reworded,
        status=PointStatus.PROPOSED,
    )
    point_make(opened, org=tree.branch_b, title="复制后撤回", copied_from=abandoned, status=PointStatus.WITHDRAWN)
    added = point_make(opened, org=tree.branch_a, title="新发现的风险", status=PointStatus.DRAFT)
    diff = services.round_diff(opened)
    assert diff.previous == closed
    assert diff.added == [added]
    assert diff.unchanged == 1
    (change,) = diff.changed
    assert change.old == reworded
    fields = {f.name: (f.old, f.new) for f in change.fields}
    assert set(fields) == {"title", "level", "measures"}
    assert fields["title"] == ("旧的说法", "新的说法")
    assert fields["level"][1].startswith("Level 1")
    assert "李娜" in fields["measures"][1] and "张伟" in fields["measures"][0]
    assert diff.left_out == [dropped, abandoned]
    narrowed = diff.only(lambda p: p.organisation_id == tree.branch_a.pk)
    assert narrowed.left_out == [] and narrowed.added == [added] and narrowed.unchanged == 1
    assert diff.only(lambda p: p.organisation_id == tree.branch_b.pk).unchanged == 0


def test_rounds_are_seen_by_those_with_a_unit_under_them(cast):
    opened = round_make(cast.tree.root)
    other = round_make(cast.tree.root, year=LAST, closed=True)
    assert set(services.rounds_seen_by(cast.secretary_b)) == {opened, other}
    assert set(services.rounds_seen_by(cast.office)) == {opened, other}
    assert list(services.rounds_seen_by(cast.member)) == []
    assert list(services.rounds_seen_by(cast.outsider)) == []
