"""The sealed compartment's menu entries, to-dos and daily work: identity requests (the approvals waiting for a
leader, an approved reading open for its requester), stale requests expiring, and once a month a word to those who
delete records whose retention has ended."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem, registry
from qinglian.discipline.permissions import HANDLE, RETENTION
from qinglian.discipline.services import retention, sealed
from qinglian.discipline.vocab import RevealStatus
from qinglian.orgs.models import Role, RoleAssignment

TODO_MAX = 20


def reveal_todos(user) -> list[TodoItem]:
    """For a leader: others' identity requests awaiting a decision; for a requester: approved readings still open."""
    items: list[TodoItem] = []
    waiting = sealed.requests_to_approve(user).select_related("clue", "clue__organisation").order_by("created_at")
    for req in waiting[:TODO_MAX]:
        days = int(sealed.reveal_rule(req.clue)["pending_days"])
        items.append(
            TodoItem(
                title=_("Identity request to decide: clue {number}").format(number=req.clue.number),
                url=sealed.request_url(req),
                due=(req.created_at + timedelta(days=days)).date(),
                kind=_("Supervision and discipline"),
            )
        )
    now = timezone.now()
    approved = sealed.requests_visible(user).filter(
        requested_by=user, status=RevealStatus.APPROVED, valid_until__gt=now
    )
    for req in approved.select_related("clue")[:TODO_MAX]:
        items.append(
            TodoItem(
                title=_("Approved: you may read the reporter's identity of clue {number}").format(
                    number=req.clue.number
                ),
                url=sealed.request_url(req),
                due=timezone.localtime(req.valid_until).date(),
                kind=_("Supervision and discipline"),
            )
        )
    return items


def retention_reminders(today: date) -> int:
    """On the first of each month, tell each holder of discipline.retention how many records are due at their
    units (nothing about what they are)."""
    if today.day != 1:
        return 0
    roles = [role.pk for role in Role.objects.all() if RETENTION in role.permissions]
    holders = get_user_model().objects.filter(
        is_active=True, pk__in=RoleAssignment.objects.active(today).filter(role__in=roles).values("user_id")
    )
    sent = 0
    for user in holders:
        due = retention.clues_due(user, today=today).count() + retention.reports_due(user, today=today).count()
        if not due:
            continue
        with override(settings.LANGUAGE_CODE):
            title = _("{n} discipline records have reached the end of their retention").format(n=due)
            body = _("Look at them and delete those that may go; a record under an open case is never deleted.")
        sent += len(
            notification_send(
                users=[user], title=title, body=body, url=reverse("discipline:retention_list"),
                kind="discipline.retention", dedupe_key=f"discipline-retention-{today:%Y-%m}",
            )
        )  # fmt: skip
    return sent


def register(nav) -> None:
    nav("discipline_reveal", gettext_lazy("Identity requests"), "discipline:reveal_list", "person-lock", HANDLE, 96)
    nav("discipline_retention", gettext_lazy("Retention"), "discipline:retention_list", "trash3", RETENTION, 98)
    registry.add_todos(reveal_todos)
    registry.add_reminders(sealed.reveal_daily)
    registry.add_reminders(retention_reminders)
