"""Rectification on people's home pages and in their inboxes.

- to-dos of an owner: their items being rectified whose deadline is within the rule's days
  (`rectification.reminders`, due_soon_days), and the overdue ones;
- to-dos of a verifier: items reported rectified at units where they are the nearest holder of
  rectification.verify (their own items left out: someone else verifies those);
- once a week, each overdue item is brought to its owner (if they have a login) and the unit's nearest
  managers.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem
from qinglian.core.rules import rule_value
from qinglian.orgs.access import has_permission, nearest_holders_many, nearest_q
from qinglian.rectification.models import Item
from qinglian.rectification.services.items import MANAGE, VERIFY, member_of
from qinglian.rectification.vocab import ItemStatus

TODO_MAX = 20


def due_soon_days(on: date | None = None) -> int:
    return int(rule_value("rectification.reminders", on=on)["due_soon_days"])


def items_due_for(member, *, today: date | None = None):
    """The member's items being rectified that fall due within the rule's days, or are overdue; soonest first."""
    today = today or timezone.localdate()
    return (
        Item.objects.filter(owner=member, status=ItemStatus.OPEN)
        .filter(due_on__lte=today + timedelta(days=due_soon_days(today)))
        .order_by("due_on", "pk")
    )


def owner_todos(user) -> list[TodoItem]:
    me = member_of(user)
    if me is None:
        return []
    today = timezone.localdate()
    return [
        TodoItem(
            title=_("Rectify: {problem}").format(problem=item.problem[:60]),
            url=reverse("rectification:item_detail", args=[item.pk]),
            due=item.due_on,
            kind=_("Rectification"),
            overdue=item.due_on < today,
        )
        for item in items_due_for(me, today=today)[:TODO_MAX]
    ]


def verifier_todos(user) -> list[TodoItem]:
    if not has_permission(user, VERIFY):
        return []
    waiting = (
        Item.objects.filter(status=ItemStatus.SUBMITTED)
        .filter(nearest_q(user, VERIFY, model=Item))
        .exclude(owner__user=user)
        .select_related("organisation")
        .order_by("submitted_on", "pk")[:TODO_MAX]
    )
    return [
        TodoItem(
            title=_("Verify: {problem} ({org})").format(problem=item.problem[:50], org=item.organisation.display_name),
            url=reverse("rectification:item_detail", args=[item.pk]),
            due=item.submitted_on,
            kind=_("Rectification to verify"),
        )
        for item in waiting
    ]


def overdue_reminders(today: date) -> int:
    """Tell the owner and the unit's nearest managers of each overdue item, once a week."""
    overdue = list(Item.objects.overdue(today).select_related("organisation", "owner__user").order_by("organisation"))
    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    managers = nearest_holders_many({item.organisation for item in overdue}, action=MANAGE, on=today)
    sent = 0
    for item in overdue:
        org = item.organisation
        users = {u.pk: u for u in managers.get(org.pk, [])}
        owner_user = item.owner.user
        if owner_user is not None and owner_user.is_active:
            users[owner_user.pk] = owner_user
        # Notifications are stored as written: write them in the site's language.
        with override(settings.LANGUAGE_CODE):
            title = _("Rectification overdue: {problem}").format(problem=item.problem[:60])
            body = _("{org}: the deadline was {day}; the person responsible is {owner}.").format(
                org=org.name, day=item.due_on.isoformat(), owner=item.owner.name
            )
        sent += len(
            notification_send(
                users=users.values(),
                title=title,
                body=body,
                url=reverse("rectification:item_detail", args=[item.pk]),
                kind="rectification.item_overdue",
                dedupe_key=f"rectification.item_overdue:{item.pk}:{week}",
            )
        )
    return sent
