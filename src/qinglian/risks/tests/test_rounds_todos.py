"""Rounds and monitoring on the home page and in the inbox: each role's to-dos, the weekly reminders of overdue
reviews and the reminder that a round's proposals fall due, each sent once per period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from qinglian.core.models import Notification
from qinglian.orgs.models import Member
from qinglian.risks import reminders, todos
from qinglian.risks.tests.factories_rounds import day, point_make, post_make, round_make, this_year
from qinglian.risks.vocab import PointStatus

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def current(cast):
    return round_make(cast.tree.root, title="今年的排查", due_on=day(10))


@pytest.fixture
def cashier(cast):
    """张伟 (a1, the `member` login) is the cashier (出纳) of branch_a."""
    Member.objects.filter(pk=cast.members["a1"].pk).update(post="出纳")
    return post_make(cast.tree.branch_a, "出纳")


def _titles(items) -> list[str]:
    return [item.title for item in items]


def test_a_post_holder_is_asked_to_propose_then_to_confirm_last_years_points(cast, current, cashier):
    (todo,) = todos.holder_todos(cast.member)
    assert todo.title == "Propose the risk points of your post “出纳” for “今年的排查”"
    assert todo.url == reverse("risks:point_create") + f"?unit={cast.tree.branch_a.pk}&post={cashier.pk}"
    assert todo.due == day(10) and not todo.overdue
    old = round_make(cast.tree.root, year=this_year() - 1, closed=True)
    copied_from = point_make(old, post=cashier, title="现金收付无人复核")
    point_make(current, post=cashier, title="现金收付无人复核", status=PointStatus.DRAFT, copied_from=copied_from)
    assert _titles(todos.holder_todos(cast.member)) == ["Confirm or change last year's risk point: 现金收付无人复核"]
    current.points.update(status=PointStatus.PROPOSED)
    assert todos.holder_todos(cast.member) == []
    assert todos.holder_todos(cast.secretary) == [] and todos.holder_todos(cast.outsider) == []


def test_a_post_of_the_same_name_held_at_two_units_names_each_unit(cast, current, cashier):
    post_make(cast.tree.root, "出纳")
    branch, root = cast.tree.branch_a.display_name, cast.tree.root.display_name
    assert sorted(_titles(todos.holder_todos(cast.member))) == sorted(
        [
            f"Propose the risk points of your post “出纳 · {branch}” for “今年的排查”",
            f"Propose the risk points of your post “出纳 · {root}” for “今年的排查”",
        ]
    )


def test_no_round_open_asks_nothing_of_post_holders(cast, cashier):
    round_make(cast.tree.root, year=this_year() - 1, closed=True)
    assert todos.holder_todos(cast.member) == []


def test_the_branch_reviews_proposed_points_of_its_own_units_but_not_its_own(cast, current):
    point_make(current, org=cast.tree.group_a, title="第一支部待审", status=PointStatus.PROPOSED)
    point_make(
        current, org=cast.tree.branch_a, title="书记自己提出", status=PointStatus.PROPOSED, proposed_by=cast.secretary
    )
    point_make(current, org=cast.tree.branch_b, title="第二支部待审", status=PointStatus.PROPOSED)
    point_make(current, org=cast.tree.branch_a, title="草稿不算", status=PointStatus.DRAFT)
    assert _titles(todos.reviewer_todos(cast.secretary)) == [
        "Review the proposed risk point: 第一支部待审 (第一党小组)"
    ]
    assert _titles(todos.reviewer_todos(cast.secretary_b)) == [
        "Review the proposed risk point: 第二支部待审 (第二党支部)"
    ]
    assert todos.reviewer_todos(cast.office) == [] and todos.reviewer_todos(cast.member) == []


def test_discipline_gives_opinions_and_the_committee_approves(cast, current):
    point_make(current, org=cast.tree.branch_a, title="待纪检意见", status=PointStatus.REVIEWED)
    point_make(
        current, org=cast.tree.branch_b, title="待党委审批", status=PointStatus.REVIEWED, discipline_opinion="同意"
    )
    point_make(current, org=cast.tree.branch_b, title="仍待支部审核", status=PointStatus.PROPOSED)
    assert _titles(todos.consult_todos(cast.inspector)) == [
        "Give discipline inspection's opinion: 待纪检意见 (第一党支部)"
    ]
    assert _titles(todos.approver_todos(cast.office)) == ["Approve the risk point: 待党委审批 (第二党支部)"]
    assert todos.consult_todos(cast.discipline) == []  # a branch's discipline commissioner gives no opinion
    assert todos.approver_todos(cast.secretary_b) == [] and todos.consult_todos(cast.office) == []


def test_the_units_reviewers_hear_of_overdue_periodic_reviews(cast, current):
    in_force = round_make(cast.tree.root, year=this_year() - 1, closed=True)
    point_make(in_force, org=cast.tree.branch_a, title="第一支部复查逾期", next_review_on=day(-3))
    point_make(in_force, org=cast.tree.branch_b, title="第二支部复查逾期", next_review_on=day(-1))
    point_make(in_force, org=cast.tree.branch_a, title="尚未到期", next_review_on=day(3))
    point_make(current, org=cast.tree.branch_a, title="本轮的点", next_review_on=day(-9))
    (todo,) = todos.review_overdue_todos(cast.secretary)
    assert todo.title == "Periodic review overdue: 第一支部复查逾期 (第一党支部)" and todo.overdue
    assert _titles(todos.review_overdue_todos(cast.secretary_b)) == [
        "Periodic review overdue: 第二支部复查逾期 (第二党支部)"
    ]
    assert todos.review_overdue_todos(cast.auditor) == []


def test_the_todos_reach_the_home_page(cast, login, current, cashier):
    client = login(cast.member)
    client.cookies["django_language"] = "en"
    assert "Propose the risk points of your post" in client.get(reverse("core:home")).content.decode()


def test_overdue_reviews_are_reminded_once_a_week(cast):
    in_force = round_make(cast.tree.root, year=this_year() - 1, closed=True)
    point_make(in_force, org=cast.tree.branch_a, title="第一支部复查逾期", next_review_on=day(-3))
    point_make(in_force, org=cast.tree.branch_c, title="直属支部复查逾期", next_review_on=day(-3))
    point_make(in_force, org=cast.tree.branch_b, title="未到期", next_review_on=day(30))
    today = day(0)
    sent = reminders.review_overdue_reminders(today)
    notes = Notification.objects.filter(kind="risks.review_overdue")
    assert sorted(notes.values_list("user__username", flat=True)) == ["office", "secretary"]  # branch_c has no reviewer
    assert sent == 2
    assert reminders.review_overdue_reminders(today) == 0
    assert reminders.review_overdue_reminders(today + timedelta(days=7)) == 2


def test_a_round_falling_due_is_reminded_once_to_holders_without_points_and_their_reviewers(cast, cashier):
    risk_round = round_make(cast.tree.root, due_on=day(3))
    covered = post_make(cast.tree.branch_b, "采购员")
    point_make(risk_round, post=covered, status=PointStatus.PROPOSED)
    assert reminders.round_due_reminders(day(-1)) == 0  # four days ahead: not yet
    sent = reminders.round_due_reminders(day(0))
    notes = Notification.objects.filter(kind="risks.round_due")
    assert sorted(notes.values_list("user__username", flat=True)) == ["member", "secretary"]
    assert sent == 2
    # Notifications are written in the site's language (Chinese).
    assert notes.get(user=cast.member).title == f"请于 {day(3).isoformat()} 前申报您所在岗位“出纳”的廉政风险点"
    assert "出纳" in notes.get(user=cast.secretary).body
    assert reminders.round_due_reminders(day(1)) == 0  # once per round
