"""Re-election (换届) reminders and to-dos: committees whose term ends within the notice window.

The notice window is the rule "orgs.reelection_notice_days". Each term gets one notification when
it enters the window and one more once it is overdue (dedupe keys make the daily run idempotent).
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
from qinglian.orgs import access
from qinglian.orgs.access import has_permission
from qinglian.orgs.models import CommitteeTerm

# Who is told that a committee's term is ending: the branch's secretary and the committee office
# over it, which organises the re-election.
RECIPIENT_ROLES = ("branch_secretary", "committee_office")


def notice_days(on: date) -> int:
    return int(rule_value("orgs.reelection_notice_days", on=on))


def recipients(org, *, on: date):
    """Active holders of the recipient roles whose assignment covers `org`."""
    return access.holders(org, roles=RECIPIENT_ROLES, on=on)


def _message(term: CommitteeTerm, overdue: bool) -> tuple[str, str]:
    org = term.organisation
    if overdue:
        title = _("Re-election overdue: {org}").format(org=org.display_name)
        body = _("Term {n} of the committee of {org} ended on {day}. Hold the re-election without delay.")
    else:
        title = _("Re-election due: {org}").format(org=org.display_name)
        body = _("Term {n} of the committee of {org} ends on {day}. Prepare the re-election.")
    return title, body.format(n=term.number, org=org.name, day=term.ends_on.isoformat())


def reelection_reminders(today: date) -> int:
    """Send the re-election notices due today; returns how many notifications were sent."""
    terms = CommitteeTerm.objects.ending_by(today + timedelta(days=notice_days(today))).select_related("organisation")
    sent = 0
    for term in terms:
        overdue = term.ends_on < today
        # Notifications are stored as written: write them in the site's language.
        with override(settings.LANGUAGE_CODE):
            title, body = _message(term, overdue)
        sent += len(
            notification_send(
                users=recipients(term.organisation, on=today),
                title=title,
                body=body,
                url=reverse("orgs:org_detail", args=[term.organisation_id]),
                kind="orgs.reelection",
                dedupe_key=f"orgs.reelection:{term.pk}:{'overdue' if overdue else 'due'}",
            )
        )
    return sent


def reelection_todos(user) -> list[TodoItem]:
    """Terms ending soon (or overdue) in the units where the user may manage organisations."""
    if not has_permission(user, "org.manage"):
        return []
    today = timezone.localdate()
    terms = (
        CommitteeTerm.objects.visible_to(user, "org.manage")
        .ending_by(today + timedelta(days=notice_days(today)))
        .select_related("organisation")
        .order_by("ends_on")[:20]
    )
    return [
        TodoItem(
            title=_("Re-election of {org}").format(org=term.organisation.display_name),
            url=reverse("orgs:org_detail", args=[term.organisation_id]),
            due=term.ends_on,
            kind=_("Committee term ends"),
            overdue=term.ends_on < today,
        )
        for term in terms
    ]
