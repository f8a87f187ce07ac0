"""A monthly reminder of study hours: each unit whose members are behind their norm tells the people nearest to
it who record study (study.manage on the unit, else on the nearest unit above it).

Behind means fewer hours counted than the norm × the share of the year gone (see services.hours). One notice per
unit and month (the dedupe key); none in January, when nobody can be far behind yet.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from qinglian.core.notify import notification_send
from qinglian.orgs import access
from qinglian.orgs.models import Member, Organisation
from qinglian.study.services.hours import MANAGE, members_with_hours


def hours_reminders(today: date) -> int:
    """Tell each unit's study managers how many of its members are behind; returns the notifications sent."""
    if today.month == 1:
        return 0
    sent = 0
    for root in Organisation.objects.roots().active():
        members = members_with_hours(
            Member.objects.on_register().in_subtree(root), year=today.year, scope=root, on=today
        )
        rows = (
            members.filter(behind=True, organisation__is_active=True)
            .order_by()
            .values("organisation")
            .annotate(n=Count("pk"))
        )
        counts = {row["organisation"]: row["n"] for row in rows}
        units = list(Organisation.objects.filter(pk__in=counts))
        recipients = access.nearest_holders_many(units, action=MANAGE, on=today)
        for org in units:
            users = recipients.get(org.pk)
            if not users:
                continue
            n = counts[org.pk]
            with override(settings.LANGUAGE_CODE):
                title = _("Study hours: {org}").format(org=org.display_name)
                body = ngettext(
                    "{n} member of {org} is behind the study hours expected by now.",
                    "{n} members of {org} are behind the study hours expected by now.",
                    n,
                ).format(n=n, org=org.name)
            url = f"{reverse('study:hours_table')}?org={org.pk}&year={today.year}&behind=1"
            sent += len(
                notification_send(
                    users=users,
                    title=title,
                    body=body,
                    url=url,
                    kind="study.hours",
                    dedupe_key=f"study.hours:{org.pk}:{today:%Y-%m}",
                )
            )
    return sent
