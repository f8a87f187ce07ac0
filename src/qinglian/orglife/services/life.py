"""The record of life meetings: criticism and self-criticism, and the problems found with their rectification.

Criticism is kept to those allowed (the member it is about and the holders of `orglife.critique_view`
at the unit); `critiques_readable` is the one place that decides it. Problems form a plain rectification
list, each with an owner and a deadline, until the rectification module takes them over.

The services check the actor's roles themselves (PermissionDenied); an actor of None is the system
(demo data, imports), whose writes are not checked against roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.audit import audit_record
from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem
from qinglian.orglife.models import Attendee, Critique, Meeting, Problem
from qinglian.orglife.people import member_of
from qinglian.orglife.services.meetings import attendance_editable, check_version
from qinglian.orglife.vocab import LIFE_KINDS, CritiqueKind, MeetingStatus, ProblemStatus
from qinglian.orgs.access import can, nearest_holders, scope_q
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.vocab import ON_REGISTER

# Problems whose deadline is this close appear on their owner's to-do list.
DUE_SOON_DAYS = 7


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


# --- problems and their rectification ------------------------------------------------------------------------


def problems_visible(user):
    """Problems at units where the user holds orglife.view, and those they own."""
    q = scope_q(user, "orglife.view", model=Problem)
    me = member_of(user)
    if me is not None:
        q |= Q(owner=me)
    return Problem.objects.filter(q)


def problem_may_manage(user, problem_or_org) -> bool:
    return can(user, "orglife.manage", problem_or_org)


def problem_may_close(user, problem: Problem) -> bool:
    """The unit's managers, and the owner for their own problem, may report it rectified."""
    me = member_of(user)
    return problem_may_manage(user, problem) or (me is not None and problem.owner_id == me.pk)


def _check_people(org: Organisation, *, owner: Member | None, member: Member | None) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Name the member responsible for the rectification.")})
    if not (owner.status in ON_REGISTER and owner.organisation.is_within(org)):
        raise ValidationError({"owner": _("The owner must be a member on the register of {org}.").format(org=org.name)})
    if member is not None and not member.organisation.is_within(org):
        raise ValidationError({"member": _("The member must belong to {org}.").format(org=org.name)})


def _check_deadline(due_on: date | None, today: date, meeting: Meeting | None = None) -> None:
    """A deadline in the future, or -- for a problem entered from a past meeting's record -- not before the meeting."""
    if due_on is None:
        raise ValidationError({"due_on": _("Set a deadline for the rectification.")})
    if meeting is not None and meeting.starts_on < today:
        if due_on < meeting.starts_on:
            raise ValidationError({"due_on": _("The deadline cannot be before the meeting that found the problem.")})
    elif due_on < today:
        raise ValidationError({"due_on": _("The deadline cannot be in the past.")})


@transaction.atomic
def problem_add(
    *,
    description: str,
    owner: Member | None,
    due_on: date | None,
    actor,
    org: Organisation | None = None,
    meeting: Meeting | None = None,
    member: Member | None = None,
    measure: str = "",
) -> Problem:
    """Put a problem on the unit's rectification list: found at a life meeting, or directly for the unit.

    Needs an owner on the unit's register and a deadline that has not passed (for a problem taken from an
    earlier meeting's record: not before that meeting).
    """
    if meeting is not None:
        meeting = Meeting.objects.select_related("organisation").get(pk=meeting.pk)
        if meeting.kind not in LIFE_KINDS:
            raise ValidationError(_("Problems are taken from organisational-life and democratic-life meetings only."))
        if meeting.status == MeetingStatus.CANCELLED or not meeting.has_happened:
            raise ValidationError(_("This meeting has not been held: problems are found at the meeting."))
        if org is not None and org.pk != meeting.organisation_id:
            raise ValidationError(_("The meeting belongs to another unit."))
        org = meeting.organisation
    if org is None:
        raise ValidationError({"organisation": _("Choose the unit.")})
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    if actor is not None and not can(actor, "orglife.manage", org):
        raise PermissionDenied(_("Only the unit's managers may add to its rectification list."))
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem.")})
    _check_people(org, owner=owner, member=member)
    _check_deadline(due_on, timezone.localdate(), meeting)
    problem = Problem.objects.create(
        organisation=org,
        meeting=meeting,
        member=member,
        description=description,
        measure=(measure or "").strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="orglife.problem_add",
        obj=problem,
        changes={"meeting": meeting.pk if meeting else None, "owner": owner.name, "due_on": due_on},
    )
    return problem


def _lock(problem: Problem, version: int | None) -> Problem:
    fresh = Problem.objects.select_for_update().select_related("organisation", "owner").get(pk=problem.pk)
    check_version(
        fresh,
        version,
        _(
            "Someone else changed this problem while you were editing, so your changes were not saved. "
            "Reload the page to see their changes, then make yours again."
        ),
    )
    return fresh


@transaction.atomic
def problem_update(
    *,
    problem: Problem,
    version: int | None,
    actor,
    description: str,
    owner: Member | None,
    due_on: date | None,
    measure: str = "",
    member: Member | None = None,
) -> Problem:
    """Change an open problem's description, measure, owner or deadline (a moved deadline may not lie in the past)."""
    problem = _lock(problem, version)
    if actor is not None and not problem_may_manage(actor, problem):
        raise PermissionDenied(_("Only the unit's managers may change its rectification list."))
    if problem.status != ProblemStatus.OPEN:
        raise ValidationError(_("This problem is marked rectified; reopen it to change it."))
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the problem.")})
    _check_people(problem.organisation, owner=owner, member=member)
    if due_on != problem.due_on:
        _check_deadline(due_on, timezone.localdate())
    new = {
        "description": description,
        "measure": (measure or "").strip(),
        "owner_id": owner.pk,
        "member_id": member.pk if member else None,
        "due_on": due_on,
    }
    changes = {k: [getattr(problem, k), v] for k, v in new.items() if getattr(problem, k) != v}
    for key, value in new.items():
        setattr(problem, key, value)
    problem.version += 1
    problem.save()
    audit_record(actor=actor, action="orglife.problem_update", obj=problem, changes=changes)
    return problem


@transaction.atomic
def problem_done(*, problem: Problem, version: int | None, done_on: date | None, done_note: str, actor) -> Problem:
    """Report a problem rectified: the day and what was done (by the unit's managers or the owner)."""
    problem = _lock(problem, version)
    if actor is not None and not problem_may_close(actor, problem):
        raise PermissionDenied(_("Only the owner or the unit's managers may report a problem rectified."))
    if problem.status == ProblemStatus.DONE:
        raise ValidationError(_("This problem is already marked rectified."))
    if done_on is None:
        raise ValidationError({"done_on": _("Give the day the rectification was completed.")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The day of completion cannot be in the future.")})
    done_note = (done_note or "").strip()
    if not done_note:
        raise ValidationError({"done_note": _("Say what was done to rectify it.")})
    problem.status, problem.done_on, problem.done_note = ProblemStatus.DONE, done_on, done_note
    problem.version += 1
    problem.save()
    audit_record(
        actor=actor, action="orglife.problem_done", obj=problem, changes={"done_on": done_on, "done_note": done_note}
    )
    return problem


@transaction.atomic
def problem_reopen(*, problem: Problem, version: int | None, reason: str, actor, due_on: date | None = None) -> Problem:
    """Put a rectified problem back on the open list (the rectification did not hold), perhaps with a new deadline."""
    problem = _lock(problem, version)
    if actor is not None and not problem_may_manage(actor, problem):
        raise PermissionDenied(_("Only the unit's managers may reopen a problem."))
    if problem.status != ProblemStatus.DONE:
        raise ValidationError(_("This problem is still open."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the problem is reopened.")})
    if due_on is not None and due_on != problem.due_on:
        _check_deadline(due_on, timezone.localdate())
        problem.due_on = due_on
    previous = {"done_on": problem.done_on, "done_note": problem.done_note}
    problem.status, problem.done_on = ProblemStatus.OPEN, None
    problem.version += 1
    problem.save()
    audit_record(
        actor=actor, action="orglife.problem_reopen", obj=problem, changes={**previous, "due_on": problem.due_on},
        reason=reason,
    )  # fmt: skip
    return problem


def problems_due_for(member: Member, *, today: date | None = None):
    """The member's open problems due within DUE_SOON_DAYS or overdue, soonest first."""
    today = today or timezone.localdate()
    return (
        Problem.objects.open()
        .filter(owner=member, due_on__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("organisation")
        .order_by("due_on", "pk")
    )


def problem_filter(qs, *, status: str = "", owner_id: int | None = None, org: Organisation | None = None, today=None):
    """The rectification list's filters: open, overdue, done (or all), one owner, one unit's subtree."""
    today = today or timezone.localdate()
    if status == "open":
        qs = qs.open()
    elif status == "overdue":
        qs = qs.overdue(today)
    elif status == "done":
        qs = qs.filter(status=ProblemStatus.DONE)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if org is not None:
        qs = qs.filter(subtree_q(org.path, "organisation__"))
    return qs


# --- to-dos and reminders ------------------------------------------------------------------------------------


def problem_todos(user) -> list[TodoItem]:
    """On the owner's home page: their problems due within DUE_SOON_DAYS, and the overdue ones."""
    me = member_of(user)
    if me is None:
        return []
    today = timezone.localdate()
    return [
        TodoItem(
            title=_("Rectify: {problem}").format(problem=problem.description[:60]),
            url=reverse("orglife:problem_detail", args=[problem.pk]),
            due=problem.due_on,
            kind=_("Rectification"),
            overdue=problem.due_on < today,
        )
        for problem in problems_due_for(me, today=today)[:20]
    ]


def problem_reminders(today: date) -> int:
    """Tell the owner (if they have a login) and the unit's managers of each overdue problem, once a week."""
    overdue = list(
        Problem.objects.overdue(today).select_related("organisation", "owner__user").order_by("organisation")
    )
    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    managers: dict[int, list] = {}
    sent = 0
    for problem in overdue:
        org = problem.organisation
        if org.pk not in managers:
            managers[org.pk] = list(nearest_holders(org, action="orglife.manage", on=today))
        users = {u.pk: u for u in managers[org.pk]}
        owner_user = problem.owner.user
        if owner_user is not None and owner_user.is_active:
            users[owner_user.pk] = owner_user
        # Notifications are stored as written: write them in the site's language.
        with override(settings.LANGUAGE_CODE):
            title = _("Rectification overdue: {problem}").format(problem=problem.description[:60])
            body = _("{org}: the deadline for this problem was {day}; its owner is {owner}.").format(
                org=org.name, day=problem.due_on.isoformat(), owner=problem.owner.name
            )
        sent += len(
            notification_send(
                users=users.values(),
                title=title,
                body=body,
                url=reverse("orglife:problem_detail", args=[problem.pk]),
                kind="orglife.problem_overdue",
                dedupe_key=f"orglife.problem_overdue:{problem.pk}:{week}",
            )
        )
    return sent
