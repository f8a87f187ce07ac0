"""Scheduling meetings, recording who came, and keeping each meeting's counts and compliance flags."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.audit import audit_record
from qinglian.core.lib import ics
from qinglian.core.models import Notification
from qinglian.core.notify import notification_send
from qinglian.orglife.models import Attendee, Meeting, Minutes
from qinglian.orglife.people import committee_posts
from qinglian.orglife.rules import kind_rule
from qinglian.orglife.vocab import ATTENDING, MeetingKind, MeetingStatus, MinutesStatus, Presence
from qinglian.orgs.access import can
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER

__all__ = [
    "Conflict",
    "attendance_record",
    "expected_members",
    "guest_add",
    "invitee_add",
    "invitee_remove",
    "meeting_cancel",
    "meeting_lock_version",
    "meeting_notify",
    "meeting_recount",
    "meeting_schedule",
    "meeting_update",
]

# Fields that say when and where a meeting happens: fixed once it has been held.
SCHEDULE_FIELDS = ("kind", "starts_at", "ends_at", "place")
# Fields meeting_update may change.
EDITABLE_FIELDS = (
    "kind", "title", "topic", "starts_at", "ends_at", "place", "agenda",
    "host", "recorder", "lecturer", "lecturer_name",
)  # fmt: skip


def expected_members(org: Organisation, kind: str, *, on=None):
    """The members expected at a meeting of `kind` held by `org`: the default invitees and the quorum base.

    The rule says whom: the unit's register (its subordinate groups included), or its current committee.
    """
    day = on or timezone.localdate()
    rule = kind_rule(kind, org, on=day)
    if rule is not None and rule.attendees == "committee":
        ids = committee_posts(org).values("member_id")
        # A holder who has since moved to another unit is not expected there.
        members = Member.objects.on_register().in_subtree(org).filter(pk__in=ids)
    else:
        members = Member.objects.on_register().in_subtree(org)
    return members.select_related("organisation").order_by("name_pinyin", "pk")


def _within(member: Member | None, org: Organisation, label: str, field: str | None = None) -> None:
    if member is not None and not member.organisation.is_within(org):
        message = _("The {role} must be a member of {org} or its subordinate units.").format(role=label, org=org.name)
        raise ValidationError({field: message} if field else message)


def _invitable(members: Iterable[Member], org: Organisation) -> list[Member]:
    """The members as given, refused when one is outside the unit's subtree or off the register."""
    people = list(members)
    for person in people:
        _within(person, org, _("invitee"), "invitees")
        if person.status not in ON_REGISTER:
            raise ValidationError(
                {"invitees": _("{name} is no longer on the register and cannot be invited.").format(name=person.name)}
            )
    return people


def _check_fields(meeting: Meeting) -> None:
    """The rules every scheduled or edited meeting keeps, each error beside its field."""
    org = meeting.organisation
    if meeting.kind not in MeetingKind.values:
        raise ValidationError({"kind": _("Unknown kind of meeting: {kind}.").format(kind=meeting.kind)})
    if not meeting.title:
        raise ValidationError({"title": _("Give the meeting a title.")})
    if meeting.ends_at is not None and meeting.ends_at <= meeting.starts_at:
        raise ValidationError({"ends_at": _("A meeting cannot end before it starts.")})
    if meeting.kind == MeetingKind.PARTY_LECTURE and meeting.lecturer_id is None and not meeting.lecturer_name:
        raise ValidationError(
            {"lecturer": _("A Party lecture needs a lecturer: choose a member or give an outside lecturer's name.")}
        )
    _within(meeting.host, org, _("host"), "host")
    _within(meeting.recorder, org, _("recorder"), "recorder")
    _within(meeting.lecturer, org, _("lecturer"), "lecturer")


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
    _check_fields(meeting)
    meeting.starts_on = timezone.localtime(starts_at).date()
    people = _invitable(expected_members(org, kind, on=meeting.starts_on) if invitees is None else invitees, org)
    guest_rows = [(name.strip(), unit.strip()) for name, unit in guests if name and name.strip()]
    meeting.full_clean()
    meeting.save()
    Attendee.objects.bulk_create([Attendee(meeting=meeting, member=person) for person in people])
    Attendee.objects.bulk_create([Attendee(meeting=meeting, guest_name=n, guest_unit=u) for n, u in guest_rows])
    meeting_recount(meeting=meeting)
    audit_record(
        actor=actor,
        action="orglife.meeting_schedule",
        obj=meeting,
        changes={"kind": kind, "starts_at": starts_at, "invitees": len(people), "guests": len(guest_rows)},
    )
    return meeting


def check_version(row, version: int | None, message: str) -> None:
    """Refuse (Conflict, with `message`) a write by someone who read another `version` of the row than the one
    saved; None asks for no check. The caller has locked the row."""
    if version is not None and row.version != version:
        raise Conflict(message)


def meeting_lock_version(meeting: Meeting, version: int | None) -> Meeting:
    """Lock the meeting row; refuse when `version` (if given) is not the one saved."""
    fresh = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    check_version(
        fresh,
        version,
        _(
            "Someone else changed this meeting while you were editing, so your changes were not saved. "
            "Reload the page to see their changes, then make yours again."
        ),
    )
    return fresh


def meeting_recount(*, meeting: Meeting) -> Meeting:
    """Recompute the meeting's counts, quorum and whether it counts towards the requirements.

    A meeting counts only when it was held, its minutes are approved and attendance is recorded.
    Called by every service that changes attendees, attendance, minutes or status.
    """
    counts = (
        Attendee.objects.members()
        .filter(meeting=meeting)
        .aggregate(
            invited=Count("pk"),
            present=Count("pk", filter=Q(presence__in=ATTENDING)),
            recorded=Count("pk", filter=~Q(presence=Presence.UNKNOWN)),
        )
    )
    invited, present, recorded = counts["invited"], counts["present"], counts["recorded"] > 0
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
    rows = {a.pk: a for a in Attendee.objects.filter(meeting=meeting, pk__in=list(presences)).select_related("member")}
    strangers = [str(pk) for pk in presences if pk not in rows]
    if strangers:
        raise ValidationError(
            _("Not invited to this meeting: {ids}. Add them as invitees or guests first.").format(
                ids=", ".join(strangers)
            )
        )
    reasons = reasons or {}
    now = timezone.now()
    changed, dirty = {}, []
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
        dirty.append(row)
    # One UPDATE per distinct set of values (a handful), not one per row nor a CASE per field.
    groups: dict[tuple, list[int]] = {}
    for row in dirty:
        groups.setdefault((row.presence, row.absence_reason, row.checked_in_at, row.checkin_method), []).append(row.pk)
    for (presence, reason, checked_in_at, method), pks in groups.items():
        Attendee.objects.filter(pk__in=pks).update(
            presence=presence, absence_reason=reason, checked_in_at=checked_in_at, checkin_method=method
        )
    meeting.status = MeetingStatus.HELD
    meeting.version += 1
    meeting.save(update_fields=["status", "version", "updated_at"])
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.attendance_record", obj=meeting, changes=changed)
    return meeting


# --- who may do what to a meeting ------------------------------------------------------------------------


def may_manage(user, meeting: Meeting) -> bool:
    """Schedule, edit, notify, cancel and change the invitation list: orglife.manage at the unit."""
    return can(user, "orglife.manage", meeting)


def may_record(user, meeting: Meeting) -> bool:
    """Record attendance: the meeting's recorder, or anyone who manages the unit's meetings."""
    recorder = meeting.recorder
    return may_manage(user, meeting) or (
        recorder is not None and recorder.user_id is not None and recorder.user_id == getattr(user, "pk", None)
    )


def may_approve(user, meeting: Meeting) -> bool:
    """Decide leave requests: orglife.approve at the unit."""
    return can(user, "orglife.approve", meeting)


# --- notices ---------------------------------------------------------------------------------------------

NOTICE_KIND = "orglife.meeting_notice"
CANCEL_KIND = "orglife.meeting_cancel"


def when_text(meeting: Meeting) -> str:
    """The meeting's time as people read it: 2026-03-15 14:30–16:00 (local time)."""
    start = timezone.localtime(meeting.starts_at)
    text = f"{start:%Y-%m-%d %H:%M}"
    if meeting.ends_at:
        end = timezone.localtime(meeting.ends_at)
        text += f"–{end:%H:%M}" if end.date() == start.date() else f" – {end:%Y-%m-%d %H:%M}"
    return text


def notice_text(meeting: Meeting, *, change: bool = False) -> tuple[str, str]:
    """Title and body of the notice to invitees (in the active language)."""
    kind = MeetingKind(meeting.kind).label
    if change:
        title = _("Meeting changed: {title}").format(title=meeting.title)
    else:
        title = _("Meeting notice: {title}").format(title=meeting.title)
    lines = []
    if change:
        lines.append(_("The meeting below has changed since you were told of it. Please read it again."))
    lines += [
        _("{org} · {kind}").format(org=meeting.organisation.name, kind=kind),
        _("Time: {when}").format(when=when_text(meeting)),
    ]
    if meeting.place:
        lines.append(_("Place: {place}").format(place=meeting.place))
    if meeting.topic:
        lines.append(_("Theme: {topic}").format(topic=meeting.topic))
    if meeting.agenda:
        lines.append(_("Agenda:"))
        lines += [f"{n}. {item}" for n, item in enumerate(meeting.agenda, 1)]
    lines.append(_("Reply on the meeting's page: say whether you will attend, or ask for leave with a reason."))
    return title, "\n".join(lines)


def _invitee_users(meeting: Meeting):
    from django.contrib.auth import get_user_model

    ids = Attendee.objects.filter(meeting=meeting, member__user__isnull=False).values("member__user_id")
    return get_user_model().objects.filter(is_active=True, pk__in=ids)


@transaction.atomic
def meeting_notify(*, meeting: Meeting, actor) -> int:
    """Send the meeting notice to every invitee who has a login; returns how many were sent.

    Each invitee gets each version of the meeting once: sending again without a change reaches only
    those invited since; after a change, those told before get it marked as a change.
    """
    meeting = meeting_lock_version(meeting, None)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if meeting.has_happened:
        raise ValidationError(_("This meeting has already started; notices go out before a meeting."))
    users = list(_invitee_users(meeting))
    told_before = set(
        Notification.objects.filter(
            kind=NOTICE_KIND, user__in=users, dedupe_key__startswith=f"{NOTICE_KIND}:{meeting.pk}:"
        ).values_list("user_id", flat=True)
    )
    key = f"{NOTICE_KIND}:{meeting.pk}:v{meeting.version}"
    url = reverse("orglife:meeting_detail", args=[meeting.pk])
    sent = 0
    with override(settings.LANGUAGE_CODE):  # stored as written: in the site's language
        for change in (False, True):
            group = [u for u in users if (u.pk in told_before) == change]
            if group:
                title, body = notice_text(meeting, change=change)
                sent += len(notification_send(users=group, title=title, body=body, url=url, kind=NOTICE_KIND,
                                              dedupe_key=key))  # fmt: skip
    meeting.notified_at = timezone.now()
    meeting.save(update_fields=["notified_at", "updated_at"])
    audit_record(actor=actor, action="orglife.meeting_notify", obj=meeting, changes={"sent": sent})
    return sent


# --- editing and cancelling ------------------------------------------------------------------------------


def _editable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled; it can no longer be changed."))
    if not attendance_editable(meeting):
        raise ValidationError(_("The minutes are approved and locked; start a correction to change the meeting."))


def _invitation_open(meeting: Meeting) -> None:
    _editable(meeting)
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError(
            {
                "invitees": _(
                    "Attendance has been recorded for this meeting: the invitation list is part of the record "
                    "and can no longer change."
                )
            }
        )


def _bump(meeting: Meeting) -> None:
    meeting.version += 1
    meeting.save(update_fields=["version", "updated_at"])


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    actor,
    version: int | None,
    invitees: Iterable[Member] | None = None,
    guests: Iterable[tuple[str, str]] | None = None,
    **changes,
) -> Meeting:
    """Change a meeting's details (any of EDITABLE_FIELDS), and optionally its invitees and guests.

    `version` is the one the editor read: a stale one raises Conflict. A cancelled meeting cannot
    change; once held, its kind, time and place are the record, and only the title, theme, agenda,
    host, recorder and lecturer can be corrected. The invitation list is fixed once attendance is in.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update() cannot change {sorted(unknown)}")
    meeting = meeting_lock_version(meeting, version)
    _editable(meeting)
    if "agenda" in changes:
        changes["agenda"] = [line.strip() for line in changes["agenda"] if line and line.strip()]
    for name in ("title", "topic", "place", "lecturer_name"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
    changed = {name: value for name, value in changes.items() if getattr(meeting, name) != value}
    if meeting.status == MeetingStatus.HELD:
        fixed = [name for name in SCHEDULE_FIELDS if name in changed]
        if fixed:
            message = _(
                "This meeting has been held: its kind, time and place are part of the record. You can still "
                "correct the title, theme, agenda, host, recorder and lecturer."
            )
            raise ValidationError({name: message for name in fixed})
    record = {name: [str(getattr(meeting, name) or ""), str(value or "")] for name, value in changed.items()}
    for name, value in changed.items():
        setattr(meeting, name, value)
    _check_fields(meeting)
    meeting.full_clean()
    meeting.version += 1
    meeting.save()
    if invitees is not None:
        record.update(_set_invitees(meeting, _invitable(invitees, meeting.organisation)))
    if guests is not None:
        record.update(_set_guests(meeting, guests))
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.meeting_update", obj=meeting, changes=record)
    return meeting


def _set_invitees(meeting: Meeting, people: list[Member]) -> dict:
    current = dict(Attendee.objects.members().filter(meeting=meeting).values_list("member_id", "pk"))
    wanted = {person.pk: person for person in people}
    added = [wanted[pk] for pk in wanted if pk not in current]
    removed = [pk for pk in current if pk not in wanted]
    if not added and not removed:
        return {}
    _invitation_open(meeting)
    Attendee.objects.filter(pk__in=[current[pk] for pk in removed]).delete()
    Attendee.objects.bulk_create([Attendee(meeting=meeting, member=person) for person in added])
    return {"invitees_added": [p.name for p in added], "invitees_removed": len(removed)}


def _set_guests(meeting: Meeting, guests: Iterable[tuple[str, str]]) -> dict:
    wanted = [(name.strip(), unit.strip()) for name, unit in guests if name and name.strip()]
    rows = list(Attendee.objects.filter(meeting=meeting, member__isnull=True))
    keep, gone = [], []
    remaining = list(wanted)
    for row in rows:
        pair = (row.guest_name, row.guest_unit)
        if pair in remaining:
            remaining.remove(pair)
            keep.append(row)
        else:
            gone.append(row)
    if not remaining and not gone:
        return {}
    recorded = [row.guest_name for row in gone if row.presence != Presence.UNKNOWN]
    if recorded:
        raise ValidationError(
            {
                "guest_name": _("{names}: attendance is recorded for them, so they stay on the record.").format(
                    names=", ".join(recorded)
                )
            }
        )
    Attendee.objects.filter(pk__in=[row.pk for row in gone]).delete()
    Attendee.objects.bulk_create([Attendee(meeting=meeting, guest_name=n, guest_unit=u) for n, u in remaining])
    return {"guests_added": [n for n, _u in remaining], "guests_removed": [row.guest_name for row in gone]}


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, actor, version: int | None = None) -> Meeting:
    """Call off a meeting that has not been held, with the reason; invitees with a login are told."""
    meeting = meeting_lock_version(meeting, version)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was already cancelled."))
    if meeting.status == MeetingStatus.HELD:
        raise ValidationError(_("This meeting has been held and its attendance recorded; it cannot be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the meeting is cancelled: the invitees will read it.")})
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = reason
    meeting.version += 1
    meeting.save(update_fields=["status", "cancel_reason", "version", "updated_at"])
    meeting_recount(meeting=meeting)
    with override(settings.LANGUAGE_CODE):
        title = _("Meeting cancelled: {title}").format(title=meeting.title)
        body = _("The meeting of {org} on {when} is cancelled.\nReason: {reason}").format(
            org=meeting.organisation.name, when=when_text(meeting), reason=reason
        )
    sent = notification_send(
        users=_invitee_users(meeting),
        title=title,
        body=body,
        url=reverse("orglife:meeting_detail", args=[meeting.pk]),
        kind=CANCEL_KIND,
        dedupe_key=f"{CANCEL_KIND}:{meeting.pk}",
    )
    audit_record(actor=actor, action="orglife.meeting_cancel", obj=meeting, reason=reason, changes={"told": len(sent)})
    return meeting


# --- the invitation list ---------------------------------------------------------------------------------


@transaction.atomic
def invitee_add(*, meeting: Meeting, members: Iterable[Member], actor) -> list[Attendee]:
    """Invite more members of the unit (its subtree); those already invited are left as they are."""
    meeting = meeting_lock_version(meeting, None)
    _invitation_open(meeting)
    people = _invitable(members, meeting.organisation)
    invited = set(Attendee.objects.filter(meeting=meeting, member__in=people).values_list("member_id", flat=True))
    new = [Attendee(meeting=meeting, member=p) for p in {p.pk: p for p in people}.values() if p.pk not in invited]
    Attendee.objects.bulk_create(new)
    if new:
        _bump(meeting)
        meeting_recount(meeting=meeting)
        audit_record(actor=actor, action="orglife.invitee_add", obj=meeting, changes={"added": [a.name for a in new]})
    return new


@transaction.atomic
def invitee_remove(*, meeting: Meeting, attendee: Attendee, actor) -> None:
    """Take a member or guest off the invitation list, before attendance is recorded."""
    meeting = meeting_lock_version(meeting, None)
    if attendee.meeting_id != meeting.pk:
        raise ValidationError(_("That person is not on this meeting's invitation list."))
    _invitation_open(meeting)
    name = attendee.name
    attendee.delete()
    _bump(meeting)
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.invitee_remove", obj=meeting, changes={"removed": name})


@transaction.atomic
def guest_add(*, meeting: Meeting, name: str, unit: str = "", actor) -> Attendee:
    """Add a guest (not on the unit's register): a leader attending, a speaker, someone from another unit."""
    meeting = meeting_lock_version(meeting, None)
    _editable(meeting)
    name, unit = (name or "").strip(), (unit or "").strip()
    if not name:
        raise ValidationError({"guest_name": _("Give the guest's name.")})
    if len(name) > 60 or len(unit) > 120:
        raise ValidationError({"guest_name": _("The name (60) or unit (120 characters) is too long.")})
    guest = Attendee.objects.create(meeting=meeting, guest_name=name, guest_unit=unit)
    _bump(meeting)
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.guest_add", obj=meeting, changes={"guest": name, "unit": unit})
    return guest


# --- reads -----------------------------------------------------------------------------------------------

# Attendees as lists show them: members by pinyin, then guests in the order they were added.
ATTENDEE_ORDER = (F("member__name_pinyin").asc(nulls_last=True), "pk")


def meeting_or_404(user, pk, action: str = "orglife.view") -> Meeting:
    """The meeting if the user holds `action` at its unit -- or, only to read it, is invited to it."""
    meeting = Meeting.objects.select_related("organisation", "host", "recorder", "lecturer").filter(pk=pk).first()
    if meeting is not None:
        if can(user, action, meeting):
            return meeting
        if action == "orglife.view" and Attendee.objects.for_user(user).filter(meeting=meeting).exists():
            return meeting
    raise Http404(_("No such record, or it is not within your organisations."))


def my_meetings(user):
    """Meetings the user is invited to through their member record, with their reply and leave."""
    mine = Attendee.objects.for_user(user).filter(meeting=OuterRef("pk"))
    return (
        Meeting.objects.filter(pk__in=Attendee.objects.for_user(user).values("meeting_id"))
        .annotate(my_rsvp=Subquery(mine.values("rsvp")[:1]), my_leave=Subquery(mine.values("leave_status")[:1]))
        .select_related("organisation")
    )


def unit_year_meetings(user, org: Organisation, year: int):
    """The meetings of `org` and the units below it in `year` that the user may see, in order."""
    return (
        Meeting.objects.visible_to(user)
        .in_subtree(org)
        .between(date(year, 1, 1), date(year + 1, 1, 1))
        .select_related("organisation")
        .order_by("starts_at", "pk")
    )


def meeting_uid(meeting: Meeting) -> str:
    """The meeting's iCalendar UID: the same in every export, so calendars update rather than duplicate it."""
    return f"orglife-meeting-{meeting.pk}@qinglian"


def meetings_ics(meetings: Iterable[Meeting], *, name: str, base_url: str = "") -> str:
    """The meetings as an iCalendar file (organisation preloaded); times in UTC, cancelled ones marked."""
    events = []
    for meeting in meetings:
        lines = [MeetingKind(meeting.kind).label + " · " + meeting.organisation.name]
        if meeting.topic:
            lines.append(_("Theme: {topic}").format(topic=meeting.topic))
        if meeting.agenda:
            lines.append(_("Agenda:"))
            lines += [f"{n}. {item}" for n, item in enumerate(meeting.agenda, 1)]
        if meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason:
            lines.append(_("Cancelled: {reason}").format(reason=meeting.cancel_reason))
        url = base_url + reverse("orglife:meeting_detail", args=[meeting.pk]) if base_url else ""
        events.append(
            ics.Event(
                uid=meeting_uid(meeting),
                start=meeting.starts_at,
                end=meeting.ends_at,
                summary=meeting.title,
                location=meeting.place,
                description="\n".join(str(line) for line in lines),
                status="CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED",
                sequence=meeting.version,
                url=url,
            )
        )
    return ics.calendar_text(events, prodid="-//Qinglian//Organisational life//ZH", name=name)
