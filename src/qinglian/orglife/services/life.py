"""The record of life meetings: criticism and self-criticism, and the problems found with their rectification.

Criticism is kept to those allowed (the member it is about and the holders of `orglife.critique_view`
at the unit); `critiques_readable` is the one place that decides it. The problems found are rectification
items (rectification's one model for every source), each referring back to the meeting.

The services check the actor's roles themselves (PermissionDenied); an actor of None is the system
(demo data, imports), whose writes are not checked against roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orglife.models import Attendee, Critique, Meeting
from qinglian.orglife.people import member_of
from qinglian.orglife.records import MEETING
from qinglian.orglife.services.meetings import attendance_editable
from qinglian.orglife.vocab import LIFE_KINDS, CritiqueKind, MeetingStatus
from qinglian.orgs.access import can
from qinglian.orgs.models import Member
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.rectification.models import Item
from qinglian.rectification.services.items import item_create
from qinglian.rectification.vocab import Source

# --- criticism -----------------------------------------------------------------------------------------------


def critiques_readable(user, meeting: Meeting):
    """The criticism of `meeting` the user may read: all of it with `orglife.critique_view` at the unit,
    otherwise only what is about the user's own member record."""
    qs = Critique.objects.filter(meeting=meeting)
    if can(user, "orglife.critique_view", meeting):
        return qs
    me = member_of(user)
    return qs.filter(subject=me) if me is not None else qs.none()


def critique_may_add(user, meeting: Meeting) -> bool:
    """Whether the page offers the user a form to record criticism at this meeting."""
    if can(user, "orglife.manage", meeting):
        return True
    me = member_of(user)
    return me is not None and _attends_or_belongs(me, meeting)


def critique_may_remove(user, critique: Critique) -> bool:
    return can(user, "orglife.manage", critique) or (
        critique.created_by_id is not None and critique.created_by_id == getattr(user, "pk", None)
    )


def _attends_or_belongs(member: Member, meeting: Meeting) -> bool:
    if Attendee.objects.filter(meeting=meeting, member=member).exists():
        return True
    return member.status in ON_REGISTER and member.organisation.is_within(meeting.organisation)


def _record_open(meeting: Meeting) -> None:
    """Criticism is part of the meeting's record: refused before it is held and once the minutes are locked."""
    if meeting.kind not in LIFE_KINDS:
        raise ValidationError(
            _("Criticism and self-criticism are recorded only at organisational-life and democratic-life meetings.")
        )
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if not meeting.has_happened:
        raise ValidationError(_("This meeting has not been held yet: criticism is recorded at or after the meeting."))
    if not attendance_editable(meeting):
        raise ValidationError(
            _("The minutes are approved and locked; start a correction of the minutes to change the criticism.")
        )


@transaction.atomic
def critique_add(
    *, meeting: Meeting, subject: Member, kind: str, content: str, actor, critic: Member | None = None
) -> Critique:
    """Record a self-criticism, a criticism one member made of another, or an opinion collected before the meeting.

    Members record their own self-criticism and the criticism they made; holders of `orglife.manage`
    at the unit (the recorder's side) may record any of it.
    """
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    _record_open(meeting)
    if kind not in CritiqueKind.values:
        raise ValidationError(_("Unknown kind of criticism: {kind}.").format(kind=kind))
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("Write down what was said.")})
    if kind == CritiqueKind.SELF:
        critic = subject
    elif kind == CritiqueKind.PEER:
        if critic is None:
            raise ValidationError({"critic": _("Say who made the criticism.")})
        if critic.pk == subject.pk:
            raise ValidationError({"critic": _("Criticism of oneself is recorded as self-criticism.")})
    for person, label in ((subject, _("member criticised")), (critic, _("member making the criticism"))):
        if person is not None and not _attends_or_belongs(person, meeting):
            raise ValidationError(
                _("The {role} must be a member of {org} or an attendee of the meeting.").format(
                    role=label, org=meeting.organisation.name
                )
            )
    if actor is not None and not can(actor, "orglife.manage", meeting):
        me = member_of(actor)
        if kind == CritiqueKind.OPINION or me is None or critic is None or critic.pk != me.pk:
            raise PermissionDenied(
                _("Members record only their own self-criticism and the criticism they made themselves.")
            )
    critique = Critique.objects.create(
        meeting=meeting,
        subject=subject,
        critic=critic,
        kind=kind,
        content=content,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The audit trail is read by auditors: it names who and what kind, not what was said.
    audit_record(
        actor=actor,
        action="orglife.critique_add",
        obj=critique,
        changes={"meeting": meeting.pk, "subject": subject.name, "kind": kind, "critic": critic.name if critic else ""},
    )
    return critique


@transaction.atomic
def critique_remove(*, critique: Critique, actor) -> None:
    """Take a criticism off the record: by whoever recorded it or a holder of `orglife.manage`,
    and only until the minutes are approved."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=critique.meeting_id)
    if not attendance_editable(meeting):
        raise ValidationError(
            _("The minutes are approved and locked; start a correction of the minutes to change the criticism.")
        )
    if actor is not None and not critique_may_remove(actor, critique):
        raise PermissionDenied(_("Only whoever recorded it or the unit's managers may remove a criticism."))
    audit_record(
        actor=actor,
        action="orglife.critique_remove",
        obj=critique,
        changes={"meeting": meeting.pk, "subject": critique.subject.name, "kind": critique.kind},
    )
    critique.delete()


@dataclass
class PanelRow:
    """One member's line in a life meeting's panel: counts for everyone, content for those allowed."""

    member: Member
    own: list = field(default_factory=list)  # self-criticism the viewer may read
    received: list = field(default_factory=list)  # criticism and opinions about the member the viewer may read
    self_count: int = 0
    received_count: int = 0
    readable: bool = False

    @property
    def total(self) -> int:
        return self.self_count + self.received_count


def life_rows(user, meeting: Meeting) -> list[PanelRow]:
    """Per member (attendees first, then anyone else criticised): what they said of themselves and what
    they received, with the content only where the viewer may read it. Two queries."""
    attendees = [
        a.member
        for a in Attendee.objects.members()
        .filter(meeting=meeting)
        .select_related("member")
        .order_by("member__name_pinyin", "member_id")
    ]
    critiques = list(
        Critique.objects.filter(meeting=meeting).select_related("subject", "critic").order_by("created_at", "pk")
    )
    read_all = can(user, "orglife.critique_view", meeting)
    me = member_of(user)
    rows: dict[int, PanelRow] = {m.pk: PanelRow(m) for m in attendees}
    for item in critiques:
        row = rows.setdefault(item.subject_id, PanelRow(item.subject))
        readable = read_all or (me is not None and item.subject_id == me.pk)
        row.readable = readable
        if item.kind == CritiqueKind.SELF:
            row.self_count += 1
            if readable:
                row.own.append(item)
        else:
            row.received_count += 1
            if readable:
                row.received.append(item)
    for row in rows.values():
        row.readable = read_all or (me is not None and row.member.pk == me.pk)
    # The viewer's own line first: it is the one they came to read.
    return sorted(rows.values(), key=lambda row: not (me is not None and row.member.pk == me.pk))


# --- problems found: items on the unit's rectification list ------------------------------------------------


def problem_may_add(user, meeting: Meeting) -> bool:
    """Whether the panel offers the user the form to put a problem found at the meeting on the rectification list."""
    return can(user, "rectification.manage", meeting)


def problems_found(user, meeting: Meeting):
    """The rectification items taken from this meeting that the user may see (the unit's readers, their owners)."""
    return Item.objects.visible_to(user).filter(source_kind=MEETING, source_id=meeting.pk)


def life_problem_add(
    *,
    meeting: Meeting,
    actor,
    problem: str,
    owner: Member | None,
    due_on: date | None,
    measures: str = "",
    member: Member | None = None,
) -> Item:
    """Put a problem found at a held life meeting on the unit's rectification list.

    The item is rectification's (it refers back to the meeting): an owner on the unit's register, a deadline
    not before the meeting, verified closure by someone other than the owner.
    """
    meeting = Meeting.objects.select_related("organisation").get(pk=meeting.pk)
    if meeting.kind not in LIFE_KINDS:
        raise ValidationError(_("Problems are taken from organisational-life and democratic-life meetings only."))
    if meeting.status == MeetingStatus.CANCELLED or not meeting.has_happened:
        raise ValidationError(_("This meeting has not been held: problems are found at the meeting."))
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Record the meeting's attendance first: the problems found refer to the held meeting."))
    return item_create(
        org=meeting.organisation,
        source=Source.LIFE_MEETING,
        source_kind=MEETING,
        source_id=meeting.pk,
        found_on=meeting.starts_on,
        problem=problem,
        measures=measures,
        owner=owner,
        member=member,
        due_on=due_on,
        actor=actor,
    )
