"""How transfers plug into the shell: the home page's to-dos and the daily reminders."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.notify import notification_send
from qinglian.core.registry import MemberSection, TodoItem
from qinglian.orgs.access import can
from qinglian.orgs.models import Transfer
from qinglian.orgs.services.transfers import PERMISSION, deciding_org, holders, sending_org, transfer_notify
from qinglian.orgs.vocab import ON_REGISTER

WARN_DAYS = 3  # warn this many days before a letter runs out
RECENT_DAYS = 7  # decisions the daily run still tells the sender about


def transfer_todos(user) -> list[TodoItem]:
    """Letters awaiting the user's side, with the day each runs out."""
    items = []
    pending = Transfer.objects.decidable_by(user).select_related("member").order_by("requested_on")[:20]
    for transfer in pending:
        expires = transfer.expires_on
        items.append(
            TodoItem(
                title=_("Transfer letter {no}: {name}").format(no=transfer.letter_no, name=transfer.person_name),
                url=reverse("orgs:transfer_detail", args=[transfer.pk]),
                due=expires,
                kind=_("Transfer"),
                overdue=expires < timezone.localdate(),
            )
        )
    return items


def transfer_reminders(today: date) -> int:
    """Send what the services' own notices may have missed, and warn of letters about to run out."""
    sent = 0
    related = ("member", "from_org", "to_org")
    for transfer in Transfer.objects.pending().select_related(*related):
        sent += transfer_notify(transfer=transfer)
        expires = transfer.expires_on
        if today <= expires <= today + timedelta(days=WARN_DAYS):
            users = {u.pk: u for u in holders(deciding_org(transfer)) + holders(sending_org(transfer))}
            sent += len(
                notification_send(
                    users=users.values(),
                    title=_("Transfer letter {no} for {name} runs out on {day}").format(
                        no=transfer.letter_no, name=transfer.person_name, day=expires
                    ),
                    url=reverse("orgs:transfer_detail", args=[transfer.pk]),
                    kind="transfer",
                    dedupe_key=f"transfer:{transfer.pk}:expiring",
                )
            )
    recent = Transfer.objects.filter(decided_at__date__gte=today - timedelta(days=RECENT_DAYS))
    for transfer in recent.exclude(status="pending").select_related(*related):
        sent += transfer_notify(transfer=transfer)
    return sent


def transfer_member_section(member, user) -> MemberSection | None:
    """On a member's page, for those who may transfer them: the open letter, or a button to issue one."""
    if not can(user, PERMISSION, member):
        return None
    open_letter = Transfer.objects.pending().filter(member=member).first()
    context = {"open_letter": open_letter, "on_register": member.status in ON_REGISTER}
    return MemberSection(_("Transfer"), "orgs/partials/transfer_member_section.html", context)
