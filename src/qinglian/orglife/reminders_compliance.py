"""Reminders and to-dos from compliance: periods about to end without a meeting that counts.

A unit is reminded once per kind and period (the dedupe key), when the period enters the last
`orglife.reminder_days` before its due day and the unit has fewer counted meetings than the rule asks
(`Status.DUE_SOON` in `orglife.compliance`). The notice goes to those who may manage the unit's
meetings (orglife.manage held on it or above it with the subtree).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem
from qinglian.orglife.compliance.table import Period, Status, compliance_table
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs import access
from qinglian.orgs.models import Organisation

MANAGE = "orglife.manage"
# The home page lists at most this many lines, of which at most MISSED_LIMIT past misses; a last
# line links to the table for the rest.
TODO_LIMIT = 10
MISSED_LIMIT = 3


def plan_url(org_id: int, period: Period) -> str:
    return f"{reverse('orglife:plan', args=[org_id])}?year={period.start.year}&kind={period.kind}"


def _due_soon(table):
    for row in table.units.values():
        for cell in row.cells.values():
            for period in cell.periods:
                if period.status == Status.DUE_SOON:
                    yield row.org, period


def compliance_reminders(today: date) -> int:
    """Tell each unit's managers of periods ending soon without enough counted meetings; returns how many."""
    sent = 0
    units = Organisation.objects.active()
    for root in Organisation.objects.roots().active():
        table = compliance_table(scope=root, year=today.year, units=units, on=today)
        due = list(_due_soon(table))
        recipients = access.nearest_holders_many({org for org, _period in due}, action=MANAGE, on=today)
        for org, period in due:
            if not recipients.get(org.pk):
                continue
            kind = MeetingKind(period.kind).label
            # Notifications are stored as written: write them in the site's language.
            with override(settings.LANGUAGE_CODE):
                title = _("Meeting due: {kind}, {org}").format(kind=kind, org=org.display_name)
                body = _(
                    "{org} has no {kind} that counts for {period} yet; it is due on {day}. A meeting counts once "
                    "it is held, attendance is recorded and the minutes are approved."
                ).format(org=org.name, kind=kind, period=period.label, day=period.due.isoformat())
            sent += len(
                notification_send(
                    users=recipients[org.pk],
                    title=title,
                    body=body,
                    url=plan_url(org.pk, period),
                    kind="orglife.compliance",
                    dedupe_key=f"orglife.compliance:{org.pk}:{period.kind}:{period.start.isoformat()}",
                )
            )
    return sent


def _managed_tops(user) -> list[Organisation]:
    paths = sorted({g.path for g in access.grants(user) if MANAGE in g.permissions})
    tops: list[str] = []
    for path in paths:
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    return list(Organisation.objects.filter(path__in=tops, is_active=True).order_by("path"))


def compliance_todos(user) -> list[TodoItem]:
    """Periods due soon, and this year's missed ones, in the units the user is nearest to managing (at most
    TODO_LIMIT)."""
    if not access.has_permission(user, MANAGE):
        return []
    today = timezone.localdate()
    # Like the reminders: a unit's own managers are asked, the committee above only where there are none.
    units = Organisation.objects.filter(access.nearest_q(user, MANAGE, model=Organisation)).active()
    soon: list[tuple[Organisation, Period]] = []
    missed: list[tuple[Organisation, Period]] = []
    for top in _managed_tops(user):
        table = compliance_table(scope=top, year=today.year, units=units, on=today)
        for row in table.units.values():
            for cell in row.cells.values():
                soon.extend((row.org, p) for p in cell.periods if p.status == Status.DUE_SOON)
                missed.extend((row.org, p) for p in cell.periods if p.status == Status.MISSED)
    # What can still be done comes first, then the few most recent misses; the table has the rest.
    soon.sort(key=lambda pair: pair[1].due)
    missed.sort(key=lambda pair: pair[1].due, reverse=True)
    shown = soon[: TODO_LIMIT - 1] + missed[: min(MISSED_LIMIT, max(TODO_LIMIT - 1 - len(soon), 0))]
    items = [_todo(org, period, today) for org, period in shown]
    rest = len(soon) + len(missed) - len(shown)
    if rest:
        items.append(
            TodoItem(
                title=ngettext(
                    "{n} more period needs attention: see the compliance table",
                    "{n} more periods need attention: see the compliance table",
                    rest,
                ).format(n=rest),
                url=reverse("orglife:compliance"),
                kind=_("Compliance"),
            )
        )
    return items


def _todo(org: Organisation, period: Period, today: date) -> TodoItem:
    missed = period.status == Status.MISSED
    kind = MeetingKind(period.kind).label
    title = _("{kind} missed for {period}: {org}") if missed else _("{kind} due for {period}: {org}")
    return TodoItem(
        title=title.format(kind=kind, period=period.label, org=org.display_name),
        url=plan_url(org.pk, period),
        due=period.due,
        kind=_("Meeting missed") if missed else _("Meeting due"),
        overdue=missed or period.due < today,
    )
