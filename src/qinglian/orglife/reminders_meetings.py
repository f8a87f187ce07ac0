"""Meeting reminders and to-dos.

- The day before a meeting, each invitee with a login is reminded (once per meeting and person);
  those whose leave is approved are not.
- To-dos: a member's invitations awaiting their reply; leave requests awaiting a decision, for
  the nearest holders of orglife.approve at the meeting's unit (`access.nearest_q`), until the
  meeting's attendance is recorded.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.services.meetings import notice_text
from qinglian.orglife.vocab import LeaveStatus, MeetingStatus, Rsvp
from qinglian.orgs.access import has_permission, nearest_q

REMINDER_KIND = "orglife.meeting_reminder"
TODO_LIMIT = 20


def meeting_reminders(today: date) -> int:
    """Remind tomorrow's invitees; returns how many notifications were sent."""
    meetings = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, starts_on=today + timedelta(days=1))
    sent = 0
    for meeting in meetings.select_related("organisation"):
        users = get_user_model().objects.filter(
            is_active=True,
            pk__in=Attendee.objects.filter(meeting=meeting, member__user__isnull=False)
            .exclude(leave_status=LeaveStatus.APPROVED)
            .values("member__user_id"),
        )
        with override(settings.LANGUAGE_CODE):  # stored as written: in the site's language
            _title, body = notice_text(meeting)
            title = _("Tomorrow: {title}").format(title=meeting.title)
        sent += len(
            notification_send(
                users=users,
                title=title,
                body=body,
                url=reverse("orglife:meeting_detail", args=[meeting.pk]),
                kind=REMINDER_KIND,
                dedupe_key=f"{REMINDER_KIND}:{meeting.pk}",
            )
        )
    return sent


def reply_todos(user) -> list[TodoItem]:
    """Meetings the user is invited to and has not answered yet."""
    rows = (
        Attendee.objects.filter(
            member__user=user,
            rsvp=Rsvp.PENDING,
            leave_status=LeaveStatus.NONE,
            meeting__status=MeetingStatus.SCHEDULED,
            meeting__starts_at__gt=timezone.now(),
        )
        .select_related("meeting")
        .order_by("meeting__starts_at")[:TODO_LIMIT]
    )
    return [
        TodoItem(
            title=_("Reply to the invitation: {title}").format(title=row.meeting.title),
            url=reverse("orglife:meeting_detail", args=[row.meeting_id]),
            due=row.meeting.starts_on,
            kind=_("Meeting"),
        )
        for row in rows
    ]


def leave_todos(user) -> list[TodoItem]:
    """Leave requests waiting for a decision at the units where the user approves leave."""
    if not has_permission(user, "orglife.approve"):
        return []
    # Those nearest to the meeting's unit decide: the committee office above is not asked about every branch.
    # Once attendance is recorded the register says who was on leave: an undecided request is moot.
    meetings = Meeting.objects.filter(nearest_q(user, "orglife.approve", model=Meeting)).filter(
        status=MeetingStatus.SCHEDULED
    )
    rows = (
        Attendee.objects.filter(leave_status=LeaveStatus.REQUESTED, meeting__in=meetings.values("pk"))
        .select_related("meeting", "member")
        .order_by("meeting__starts_at", "pk")[:TODO_LIMIT]
    )
    today = timezone.localdate()
    return [
        TodoItem(
            title=_("Leave request from {name}: {title}").format(name=row.name, title=row.meeting.title),
            url=reverse("orglife:meeting_detail", args=[row.meeting_id]),
            due=row.meeting.starts_on,
            kind=_("Leave request"),
            overdue=row.meeting.starts_on < today,
        )
        for row in rows
    ]
