"""Probation reminders and to-dos: the full-membership steps the branch must not miss.

Steps, by the probation rules: the member's application is due (lead days before the end),
probation has ended (the branch general meeting decides), the higher committee's approval is
overdue (three months after the end). Reminders go to the secretaries and organisation
commissioners whose roles cover the member's organisation, once per member, step and end date.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem, registry
from qinglian.orgs.access import grants
from qinglian.orgs.models import Member, RoleAssignment
from qinglian.orgs.services.probation import RuleBook, probation_dates

RECIPIENT_ROLES = ("branch_secretary", "org_commissioner")
# How far ahead the to-do list looks for an application falling due.
TODO_HORIZON_DAYS = 14


def _candidates(queryset, today: date, horizon: int):
    """Probationary members on the register whose first step may fall due by today + horizon: a coarse,
    indexed pre-filter (admitted ten months ago or more, or extended to an end soon enough)."""
    admitted_by = today + timedelta(days=horizon + 62) - timedelta(days=366)
    extended_to_by = today + timedelta(days=horizon + 62)
    return (
        queryset.probationary()
        .on_register()
        .filter(
            Q(probation_extended_to__isnull=True, joined_on__lte=admitted_by)
            | Q(probation_extended_to__lte=extended_to_by)
        )
    )


def _due(members, today: date, horizon: int = 0):
    book = RuleBook()
    for member in members:
        dates = probation_dates(member, book)
        if dates is None:
            continue
        step = dates.step(today + timedelta(days=horizon))
        if step:
            yield member, dates, dates.step(today) or step


def _title(step: str, member: Member, dates) -> str:
    if step == "apply":
        return _("{name}'s application for full membership is due by {day}").format(
            name=member.name, day=dates.application_due
        )
    if step == "ended":
        return _("{name}'s probation ended on {day}: the branch general meeting should decide").format(
            name=member.name, day=dates.ends_on
        )
    return _("Approval of {name}'s full membership by the higher committee is overdue since {day}").format(
        name=member.name, day=dates.approval_deadline
    )


def probation_reminders(today: date) -> int:
    """Notify branch secretaries and organisation commissioners of the probation steps now due."""
    members = _candidates(Member.objects.select_related("organisation"), today, 0)
    holders = list(
        RoleAssignment.objects.active(today)
        .filter(role__code__in=RECIPIENT_ROLES, organisation__is_active=True, user__is_active=True)
        .select_related("organisation", "user")
    )
    sent = 0
    for member, dates, step in _due(members, today):
        path = member.organisation.path
        users = {
            a.user
            for a in holders
            if path == a.organisation.path or (a.include_subtree and path.startswith(a.organisation.path))
        }
        if not users:
            continue
        with override(settings.LANGUAGE_CODE):
            title = _title(step, member, dates)
        sent += len(
            notification_send(
                users=sorted(users, key=lambda u: u.pk),
                title=title,
                url=reverse("orgs:member_detail", args=[member.pk]),
                kind="orgs.probation",
                dedupe_key=f"orgs.probation.{step}:{member.pk}:{dates.ends_on.isoformat()}",
            )
        )
    return sent


def probation_todos(user) -> list[TodoItem]:
    """The probation steps due within two weeks among the members the user manages."""
    if not any("member.manage" in g.permissions for g in grants(user)):
        return []
    today = timezone.localdate()
    visible = Member.objects.visible_to(user, "member.manage")
    members = _candidates(visible.select_related("organisation"), today, TODO_HORIZON_DAYS)
    items = []
    for member, dates, step in _due(members[:500], today, TODO_HORIZON_DAYS):
        due = {"apply": dates.application_due, "ended": dates.ends_on}.get(step, dates.approval_deadline)
        items.append(
            TodoItem(
                title=_title(step, member, dates),
                url=reverse("orgs:member_detail", args=[member.pk]),
                due=due,
                kind=_("Probation"),
                overdue=step == "overdue" or due < today,
            )
        )
    return items


def register() -> None:
    registry.add_reminders(probation_reminders)
    registry.add_todos(probation_todos)
