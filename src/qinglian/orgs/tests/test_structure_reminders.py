"""Re-election reminders and to-dos, from the rule on notice days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from qinglian.core.models import Notification
from qinglian.core.registry import registry
from qinglian.orgs.committee_reminders import reelection_reminders, reelection_todos
from qinglian.orgs.models import CommitteeTerm
from qinglian.orgs.services import term_start


def today():
    """The day the test runs (a run can cross midnight after collection)."""
    return timezone.localdate()


@pytest.fixture
def due(cast):
    """branch_a's term ends in 60 days (inside the 90-day window), branch_b's in two years."""
    a = term_start(
        org=cast.tree.branch_a, elected_on=today() + timedelta(days=60) - timedelta(days=365 * 3 + 1), actor=None
    )
    b = term_start(org=cast.tree.branch_b, elected_on=today() - timedelta(days=365), actor=None)
    assert (a.ends_on - today()).days == 60 and (b.ends_on - today()).days > 90
    return a


def _recipients():
    return sorted(Notification.objects.values_list("user__username", flat=True))


def test_reminders_are_registered():
    assert reelection_reminders in registry.reminders
    assert reelection_todos in registry.todos


def test_a_term_in_the_window_reaches_its_secretary_and_the_committee_office_once(due, cast):
    assert reelection_reminders(today()) == 2
    assert _recipients() == ["office", "secretary"]  # not secretary_b, not the commissioners
    note = Notification.objects.first()
    assert note.url == f"/orgs/{cast.tree.branch_a.pk}/" and note.kind == "orgs.reelection"
    assert reelection_reminders(today()) == 0
    assert reelection_reminders(today() + timedelta(days=1)) == 0
    assert Notification.objects.count() == 2


def test_an_overdue_term_is_reminded_once_more(due, cast):
    reelection_reminders(today())
    assert reelection_reminders(due.ends_on + timedelta(days=1)) == 2
    assert reelection_reminders(due.ends_on + timedelta(days=2)) == 0
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"orgs.reelection:{due.pk}:due", f"orgs.reelection:{due.pk}:overdue"}


def test_nothing_is_sent_outside_the_window_or_for_closed_terms(cast):
    term_start(org=cast.tree.branch_b, elected_on=today() - timedelta(days=365), actor=None)
    assert reelection_reminders(today()) == 0
    old = term_start(org=cast.tree.branch_c, elected_on=date(2020, 1, 1), actor=None)
    CommitteeTerm.objects.filter(pk=old.pk).update(closed_on=date(2023, 1, 1))
    assert reelection_reminders(today()) == 0


def test_todos_list_terms_ending_soon_for_managers_in_scope(cast):
    day = today()
    term_start(org=cast.tree.branch_a, elected_on=day - timedelta(days=365 * 3 - 10), actor=None)
    items = reelection_todos(cast.office)
    assert len(items) == 1 and items[0].url == f"/orgs/{cast.tree.branch_a.pk}/" and not items[0].overdue
    assert reelection_todos(cast.secretary) == []  # no org.manage
    assert reelection_todos(cast.outsider) == []
