"""Rectification on the home page and in the inbox: owners' deadlines, verifiers' waiting items, weekly
reminders of overdue items, and the menu."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from qinglian.core.models import Notification
from qinglian.rectification import reminders
from qinglian.rectification.tests.factories import day, item_make, item_submitted

pytestmark = pytest.mark.usefixtures("in_english")


def test_an_owner_sees_items_due_within_the_rules_days_and_overdue_ones(cast):
    item_make(cast, problem="七日内到期", days=7)
    item_make(cast, problem="还早", days=8)
    item_make(cast, problem="已经逾期", days=-1, found_on=day(-10))
    item_submitted(cast, problem="已报告整改", days=2)
    todos = reminders.owner_todos(cast.member)
    assert [t.title for t in todos] == ["Rectify: 已经逾期", "Rectify: 七日内到期"]
    assert [t.overdue for t in todos] == [True, False]
    assert reminders.owner_todos(cast.outsider) == []


def test_a_verifier_sees_the_items_awaiting_them_at_the_nearest_unit(cast):
    item_submitted(cast, problem="第一支部待核验")
    item_submitted(cast, problem="第二支部待核验", org=cast.tree.branch_b, owner=cast.members["b1"])
    # branch_a has its own verifiers (secretary, discipline): the committee office above hears of branch_b's only.
    assert [t.title for t in reminders.verifier_todos(cast.discipline)] == ["Verify: 第一支部待核验 (第一党支部)"]
    assert [t.title for t in reminders.verifier_todos(cast.office)] == []
    assert [t.title for t in reminders.verifier_todos(cast.secretary_b)] == ["Verify: 第二支部待核验 (第二党支部)"]
    assert reminders.verifier_todos(cast.member) == []


def test_todos_reach_the_home_page(cast, login):
    item_make(cast, problem="首页可见的整改", days=3)
    client = login(cast.member)
    client.cookies["django_language"] = "en"
    assert "首页可见的整改" in client.get(reverse("core:home")).content.decode()


def test_overdue_reminders_reach_the_owner_and_the_managers_once_a_week(cast):
    item_make(cast, problem="逾期未整改", days=-2, found_on=day(-10))
    item_make(cast, problem="未到期", days=30)
    today = day(0)
    sent = reminders.overdue_reminders(today)
    users = set(Notification.objects.filter(kind="rectification.item_overdue").values_list("user__username", flat=True))
    assert "member" in users and "secretary" in users and "office" not in users
    assert sent == len(users)
    assert reminders.overdue_reminders(today) == 0  # the same week: not again
    assert reminders.overdue_reminders(today + timedelta(days=7)) == sent
    note = Notification.objects.filter(user=cast.member).first()
    assert note.url == reverse("rectification:item_detail", args=[note.url.rstrip("/").split("/")[-1]])


def test_the_menu_offers_my_rectification_to_everyone_and_the_list_to_those_who_may_read_it(cast, login):
    page = login(cast.member).get(reverse("core:home")).content.decode()

    def link(name):
        return f'href="{reverse(name)}"'

    assert link("rectification:my_items") in page and link("rectification:item_list") not in page
    page = login(cast.secretary).get(reverse("core:home")).content.decode()
    assert link("rectification:item_list") in page and link("rectification:ledger") in page
