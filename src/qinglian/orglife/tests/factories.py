"""Making meetings and the rest for tests, through the services where they exist."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from qinglian.orglife.services import attendance_record, meeting_schedule
from qinglian.orglife.vocab import MeetingKind, Presence


def at(day, hour: int = 14) -> datetime:
    """An aware datetime on `day` at `hour` o'clock, local time."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def meeting_make(org, *, kind=MeetingKind.GENERAL_MEETING, days=-7, title=None, actor=None, **fields):
    """A meeting of `org` `days` from today (negative: in the past), inviting the expected members."""
    day = timezone.localdate() + timedelta(days=days)
    if kind == MeetingKind.PARTY_LECTURE:
        fields.setdefault("lecturer_name", "市委党校 王教授")
    return meeting_schedule(
        org=org,
        kind=kind,
        title=title or f"{org.name}{MeetingKind(kind).label}",
        starts_at=fields.pop("starts_at", at(day)),
        actor=actor,
        **fields,
    )


def attend_all(meeting, *, actor=None, presence=Presence.PRESENT):
    """Mark every invited member present (or `presence`)."""
    ids = list(meeting.attendees.filter(member__isnull=False).values_list("pk", flat=True))
    return attendance_record(meeting=meeting, presences=dict.fromkeys(ids, presence), actor=actor)


def meeting_counted(org, kind, day, *, absent: int = 0, actor=None, **fields):
    """A meeting of `org` on `day` that counts: held, attendance recorded, minutes approved.

    `absent` invitees are marked absent (to miss a quorum); the rest present.
    """
    from qinglian.orglife.models import Minutes
    from qinglian.orglife.services import meeting_recount

    meeting = meeting_make(org, kind=kind, starts_at=at(day), actor=actor, **fields)
    ids = list(meeting.attendees.filter(member__isnull=False).values_list("pk", flat=True))
    presences = {pk: (Presence.ABSENT if i < absent else Presence.PRESENT) for i, pk in enumerate(ids)}
    meeting = attendance_record(meeting=meeting, presences=presences, actor=actor)
    Minutes.objects.create(meeting=meeting, status="approved", summary="会议纪要。")
    return meeting_recount(meeting=meeting)
