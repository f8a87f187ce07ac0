"""What the sealed compartment puts on people's home pages, menus and inboxes: identity requests waiting for a
leader's decision, an approved reading open for its requester, and once a month the count of records whose retention
has ended — never a name or a clue's content."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from qinglian.core.lib.dates import add_months, add_years
from qinglian.core.models import Notification
from qinglian.discipline.hooks.sealed import retention_reminders, reveal_todos
from qinglian.discipline.tests.factories import lead_user
from qinglian.discipline.tests.factories_sealed import REPORTER, ended_clue, reveal_approved, reveal_asked


def test_a_leader_is_asked_to_decide_and_the_requester_to_read(cast, in_english):
    lead = lead_user(cast)
    pending = reveal_asked(cast)
    (todo,) = reveal_todos(lead)
    assert pending.clue.number in todo.title and todo.url == reverse("discipline:reveal_detail", args=[pending.pk])
    assert todo.due == (pending.created_at + timedelta(days=7)).date()
    assert reveal_todos(cast.inspector) == []  # one's own request waits on someone else
    approved = reveal_approved(cast)
    titles = [t.title for t in reveal_todos(cast.inspector)]
    assert titles == [f"Approved: you may read the reporter's identity of clue {approved.clue.number}"]
    for todo in reveal_todos(lead) + reveal_todos(cast.inspector):
        assert REPORTER["name"] not in todo.title
    for name in ("admin", "secretary", "discipline", "member"):
        assert reveal_todos(cast.users[name]) == []


def test_once_a_month_retention_holders_hear_how_many_records_are_due(cast):
    lead = lead_user(cast)
    ended_clue(cast, ended_on=add_years(timezone.localdate(), -6))
    first = add_months(timezone.localdate().replace(day=1), 1)  # the next first of a month: the role is held then
    assert retention_reminders(first + timedelta(days=1)) == 0
    assert retention_reminders(first) == 1
    assert retention_reminders(first) == 0  # once a month
    note = Notification.objects.get(user=lead)
    assert note.url == reverse("discipline:retention_list") and "王芳" not in note.title + note.body
    assert not Notification.objects.filter(user=cast.inspector).exists()


def test_the_menu_offers_each_role_its_own_entries(cast, client):
    lead = lead_user(cast)
    client.force_login(cast.inspector)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("discipline:reveal_list") in page and reverse("discipline:stats_table") in page
    assert reverse("discipline:retention_list") not in page
    client.force_login(lead)
    assert reverse("discipline:retention_list") in client.get(reverse("core:home")).content.decode()
    client.force_login(cast.secretary)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("discipline:reveal_list") not in page and reverse("discipline:stats_table") not in page
