"""Scheduling meetings, recording who came, and keeping each meeting's counts and compliance flags."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orglife.models import Attendee, Meeting, Minutes
from qinglian.orglife.rules import kind_rule
from qinglian.orglife.vocab import ATTENDING, MeetingKind, MeetingStatus, MinutesStatus, Presence
from qinglian.orgs.models import CommitteePost, Member, Organisation
from qinglian.orgs.services import Conflict

__all__ = [
    "Conflict",
    "attendance_record",
    "expected_members",
    "meeting_lock_version",
    "meeting_recount",
    "meeting_schedule",
]


def expected_members(org: Organisation, kind: str, *, on=None):
    """The members expected at a meeting of `kind` held by `org`: the default invitees and the quorum base.

    The rule says whom: the unit's register (its subordinate groups included), or its current committee.
    """
    day = on or timezone.localdate()
    rule = kind_rule(kind, org, on=day)
    if rule is not None and rule.attendees == "committee":
        ids = (
            CommitteePost.objects.holding()
            .filter(term__organisation=org, term__closed_on__isnull=True)
            .values("member_id")
        )
        return Member.objects.on_register().filter(pk__in=ids).order_by("name_pinyin", "pk")
    return Member.objects.on_register().in_subtree(org).order_by("name_pinyin", "pk")


def _within(member: Member | None, org: Organisation, label: str) -> None:
    if member is not None and not member.organisation.path.startswith(org.path):
        raise ValidationError(
            _("The {role} must be a member of {org} or its subordinate units.").format(role=label, org=org.name)
        )


def new_checkin_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@transaction.atomic
def meeting_schedule(
    *,
    org: Organisation,
    kind: str,
    title: str,
    starts_at: datetime,
    actor,
    ends_at: datetime | None = None,
    place: str = "",
    topic: str = "",
    agenda: Iterable[str] = (),
    host: Member | None = None,
    recorder: Member | None = None,
    lecturer: Member | None = None,
    lecturer_name: str = "",
    invitees: Iterable[Member] | None = None,
    guests: Iterable[tuple[str, str]] = (),
) -> Meeting:
    """Put a meeting on the unit's calendar, inviting the expected members (or those given) and guests."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    if kind not in MeetingKind.values:
        raise ValidationError(_("Unknown kind of meeting: {kind}.").format(kind=kind))
    if not title.strip():
        raise ValidationError(_("Give the meeting a title."))
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError(_("A meeting cannot end before it starts."))
    if kind == MeetingKind.PARTY_LECTURE and lecturer is None and not lecturer_name.strip():
        raise ValidationError(_("A Party lecture needs a lecturer."))
    _within(host, org, _("host"))
    _within(recorder, org, _("recorder"))
    meeting = Meeting(
        organisation=org,
        kind=kind,
        title=title.strip(),
        topic=topic.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        agenda=[line.strip() for line in agenda if line and line.strip()],
        host=host,
        recorder=recorder,
        lecturer=lecturer,
        lecturer_name=lecturer_name.strip(),
        checkin_code=new_checkin_code(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    meeting.full_clean()
    meeting.save()
    people = list(expected_members(org, kind, on=meeting.starts_on) if invitees is None else invitees)
    for person in people:
        _within(person, org, _("invitee"))
    Attendee.objects.bulk_create([Attendee(meeting=meeting, member=person) for person in people])
    guest_rows = [(name.strip(), unit.strip()) for name, unit in guests if name and name.strip()]
    Attendee.objects.bulk_create([Attendee(meeting=meeting, guest_name=n, guest_unit=u) for n, u in guest_rows])
    meeting_recount(meeting=meeting)
    audit_record(
        actor=actor,
        action="orglife.meeting_schedule",
        obj=meeting,
        changes={"kind": kind, "starts_at": starts_at, "invitees": len(people), "guests": len(guest_rows)},
    )
    return meeting


def meeting_lock_version(meeting: Meeting, version: int | None) -> Meeting:
    """Lock the meeting row; refuse when `version` (if given) is not the one saved."""
    fresh = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this meeting while you were editing, so your changes were not saved. "
                "Reload the page to see their changes, then make yours again."
            )
        )
    return fresh


def meeting_recount(*, meeting: Meeting) -> Meeting:
    """Recompute the meeting's counts, quorum and whether it counts towards the requirements.

    A meeting counts only when it was held, its minutes are approved and attendance is recorded.
    Called by every service that changes attendees, attendance, minutes or status.
    """
    members = Attendee.objects.filter(meeting=meeting, member__isnull=False)
    invited = members.count()
    present = members.filter(presence__in=ATTENDING).count()
    recorded = members.exclude(presence=Presence.UNKNOWN).exists()
    rule = kind_rule(meeting.kind, meeting.organisation, on=meeting.starts_on)
    quorum = rule.quorum_met(present, invited) if (rule is not None and recorded) else None
    approved = Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED).exists()
    counted = meeting.status == MeetingStatus.HELD and approved and present > 0
    Meeting.objects.filter(pk=meeting.pk).update(
        invitee_count=invited, present_count=present, quorum_met=quorum, counted=counted
    )
    meeting.invitee_count, meeting.present_count, meeting.quorum_met, meeting.counted = (
        invited,
        present,
        quorum,
        counted,
    )
    return meeting


def attendance_editable(meeting: Meeting) -> bool:
    """Attendance is part of the record: fixed once minutes are approved, open again during a correction."""
    minutes = Minutes.objects.filter(meeting=meeting)
    return (
        not minutes.filter(status=MinutesStatus.APPROVED).exists()
        or minutes.exclude(status=MinutesStatus.APPROVED).exists()
    )


@transaction.atomic
def attendance_record(
    *,
    meeting: Meeting,
    presences: Mapping[int, str],
    actor,
    reasons: Mapping[int, str] | None = None,
    version: int | None = None,
) -> Meeting:
    """Record presence for attendees (by attendee id): the recorder's register of who came.

    Refused for a meeting that has not started, a cancelled one, an attendee of another meeting, or
    once the minutes are approved (a correction reopens it). Marks the meeting held.
    """
    meeting = meeting_lock_version(meeting, version)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if not meeting.has_happened:
        raise ValidationError(_("This meeting has not happened yet: attendance is recorded once it starts."))
    if not attendance_editable(meeting):
        raise ValidationError(_("The minutes are approved and locked; start a correction to change the attendance."))
    rows = {a.pk: a for a in Attendee.objects.filter(meeting=meeting, pk__in=list(presences))}
    strangers = [str(pk) for pk in presences if pk not in rows]
    if strangers:
        raise ValidationError(
            _("Not invited to this meeting: {ids}. Add them as invitees or guests first.").format(
                ids=", ".join(strangers)
            )
        )
    reasons = reasons or {}
    now = timezone.now()
    changed = {}
    for pk, presence in presences.items():
        if presence not in Presence.values:
            raise ValidationError(_("Unknown presence: {value}.").format(value=presence))
        row = rows[pk]
        reason = (reasons.get(pk) or "").strip()
        if row.presence == presence and row.absence_reason == reason:
            continue
        changed[row.name] = [row.presence, presence]
        row.presence = presence
        row.absence_reason = reason if presence in (Presence.ABSENT, Presence.ON_LEAVE) else ""
        if presence in ATTENDING and row.checked_in_at is None:
            row.checked_in_at, row.checkin_method = now, "recorder"
        if presence not in ATTENDING:
            row.checked_in_at, row.checkin_method = None, ""
        row.save(update_fields=["presence", "absence_reason", "checked_in_at", "checkin_method"])
    meeting.status = MeetingStatus.HELD
    meeting.version += 1
    meeting.save(update_fields=["status", "version", "updated_at"])
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.attendance_record", obj=meeting, changes=changed)
    return meeting
