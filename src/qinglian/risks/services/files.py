"""Cadres' integrity files (廉政档案): opening a year's file, what the cadre declares in each section, review by
discipline inspection, named reviewers, the facts other modules hold, and the record of every opening.

Who may do what:
- only the cadre, holders of risks.file_review at the cadre's unit and the reviewers discipline inspection names
  (while their grant runs) may open a file -- not administrators, not the branch, not colleagues; everyone else
  is answered 404, whether the file exists or not;
- the cadre fills in and submits sections (draft or returned ones);
- discipline inspection returns a submitted section with a reason, accepts it, and archives an accepted one
  (after which it never changes); it never reviews its own file;
- discipline inspection opens files (one or all the cadres of a scope at once), and names and revokes reviewers.

Every step checks the section's version, writes a SectionEvent and an audit event in the same transaction, and
tells the people concerned. Every opening of a file, a section, its facts or a print is an audit event
("risks.file.view"), which the file's access log lists for the cadre and discipline inspection.

An actor of None is the system (demo data, imports), whose writes are not checked against roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override, pgettext

from qinglian.core.audit import audit_record
from qinglian.core.models import AuditEvent
from qinglian.core.notify import notification_send
from qinglian.core.registry import (
    FACT_APPRAISAL,
    FACT_ASSESSMENT,
    FACT_CLUES,
    FACT_SANCTIONS,
    FACT_TALKS,
    PersonFact,
    TodoItem,
    registry,
)
from qinglian.orgs.access import can, has_permission, nearest_holders, nearest_q
from qinglian.orgs.filters import name_query
from qinglian.orgs.models import PATH_END, CommitteePost, Member, Organisation, subtree_q, topmost
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import FileReviewer, FileSection, IntegrityFile, SectionEvent
from qinglian.risks.services.section_data import section_clean, section_plain, shape_of
from qinglian.risks.vocab import SectionEventKind, SectionKind, SectionStatus

FILE_REVIEW = "risks.file_review"
VIEW_ACTION = "risks.file.view"
FIRST_YEAR = 2000
S = SectionStatus
# A section the cadre has handed in: counted as submitted whatever discipline inspection made of it since.
HANDED_IN = (S.SUBMITTED, S.ACCEPTED, S.ARCHIVED)
EDITABLE = (S.DRAFT, S.RETURNED)
TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED},
    S.RETURNED: {S.SUBMITTED},
    S.SUBMITTED: {S.RETURNED, S.ACCEPTED},
    S.ACCEPTED: {S.ARCHIVED},
    S.ARCHIVED: set(),
}
VERBS = {S.SUBMITTED: "submit", S.RETURNED: "return", S.ACCEPTED: "accept", S.ARCHIVED: "archive"}
EVENTS = {
    "submit": SectionEventKind.SUBMITTED,
    "return": SectionEventKind.RETURNED,
    "accept": SectionEventKind.ACCEPTED,
    "archive": SectionEventKind.ARCHIVED,
}
# What an opening showed, as the access log names it.
VIEW_WHAT = {
    "file": gettext_lazy("Opened the file"),
    "section": gettext_lazy("Opened a section"),
    "facts": gettext_lazy("Read the facts from other modules"),
    "print": gettext_lazy("Printed"),
    "log": gettext_lazy("Read the access log"),
}


# --- who may do what ---------------------------------------------------------------------------------------


def is_cadre_self(user, member: Member) -> bool:
    return getattr(user, "is_authenticated", False) and member.user_id == user.pk


def may_review(user, obj) -> bool:
    """Discipline inspection at the cadre's unit (risks.file_review): review, open files, name reviewers."""
    return can(user, FILE_REVIEW, obj)


def is_named_reviewer(user, member: Member) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return FileReviewer.objects.current().filter(member=member, user=user).exists()


def file_can_read(user, member: Member) -> bool:
    """The cadre, discipline inspection at the cadre's unit and the cadre's current named reviewers -- nobody else,
    not even administrators."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_cadre_self(user, member) or may_review(user, member) or is_named_reviewer(user, member)


def may_see_log(user, member: Member) -> bool:
    """The access log is the cadre's and discipline inspection's (a named reviewer reads the file, not who else did)."""
    return is_cadre_self(user, member) or may_review(user, member)


def file_get_or_404(user, **lookup) -> IntegrityFile:
    """One file the user may open, or 404 -- the same answer whether it exists or not."""
    file = IntegrityFile.objects.select_related("member__organisation", "member__user").filter(**lookup).first()
    if file is None or not file_can_read(user, file.member):
        raise Http404(_("No such record, or it is not within your organisations."))
    return file


def section_get_or_404(user, **lookup) -> FileSection:
    section = (
        FileSection.objects.select_related("file__member__organisation", "file__member__user", "reviewed_by")
        .filter(**lookup)
        .first()
    )
    if section is None or not file_can_read(user, section.file.member):
        raise Http404(_("No such record, or it is not within your organisations."))
    return section


def file_view_record(*, user, file: IntegrityFile, what: str, section: FileSection | None = None, via: str = "page"):
    """Record that `user` opened the file (or one of its sections, its facts, a print, its access log).

    Not sealed: sealed events are reads of discipline inspection's sealed compartment, each with a reason
    (core.audit.audit_sealed_read); the integrity file is the cadre's own declaration, opened in the ordinary
    course of review. The auditor sees every event either way, and finds these by their action.
    """
    if what not in VIEW_WHAT:
        raise ValueError(f"unknown kind of opening: {what}")
    return audit_record(actor=user, action=VIEW_ACTION, obj=section or file, changes={"what": what, "via": via})


# --- opening files -----------------------------------------------------------------------------------------


def _check_year(year) -> int:
    today = timezone.localdate()
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year + 1:
        raise ValidationError(
            {"year": _("Choose a year from {first} to {last}.").format(first=FIRST_YEAR, last=today.year + 1)}
        )
    return year


def _political_status(member: Member) -> str:
    # Stored as declared, in the site's language (a file is a Chinese document).
    with override(settings.LANGUAGE_CODE):
        if member.category == Member.Category.PROBATIONARY:
            return _("Probationary member of the Communist Party of China")
        return _("Member of the Communist Party of China")


def _prefill(member: Member, year: int) -> dict[str, dict]:
    """What the register already knows: the basics and the posts held (committee seats and the administrative post)."""
    basics = {
        "post": member.post,
        "rank": member.rank,
        "post_since": "",
        "responsibilities": "",
        "political_status": _political_status(member),
        "joined_on": member.joined_on.isoformat() if member.joined_on else "",
    }
    end_of_year = date(year, 12, 31)
    seats = (
        CommitteePost.objects.filter(member=member, starts_on__lte=end_of_year)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=date(year, 1, 1)))
        .select_related("term__organisation")
        .order_by("starts_on", "pk")
    )
    posts = []
    with override(settings.LANGUAGE_CODE):
        for seat in seats:
            posts.append(
                {
                    "start": seat.starts_on.isoformat(),
                    "end": seat.ends_on.isoformat() if seat.ends_on else "",
                    "unit": seat.term.organisation.name,
                    "post": str(seat.get_post_display()),
                }
            )
    if member.post:
        unit = member.department.name if member.department_id else member.organisation.name
        # The register does not say since when: the cadre fills in the date.
        posts.append({"start": "", "end": "", "unit": unit, "post": member.post})
    return {SectionKind.BASICS: basics, SectionKind.POSTS: {"posts": posts}}


def _create(member: Member, year: int, actor) -> IntegrityFile:
    file = IntegrityFile.objects.create(member=member, year=year)
    prefilled = _prefill(member, year)
    FileSection.objects.bulk_create(
        [FileSection(file=file, kind=kind, data=prefilled.get(kind, {})) for kind in SectionKind.values]
    )
    audit_record(actor=actor, action="risks.file_open", obj=file, changes={"year": year})
    return file


def _check_cadre(member: Member) -> None:
    if not member.is_cadre:
        raise ValidationError(
            _("{name} is not marked as a cadre on the register: integrity files are kept for cadres.").format(
                name=member.name
            )
        )
    if member.status not in ON_REGISTER:
        raise ValidationError(_("{name} is no longer on the register.").format(name=member.name))


@transaction.atomic
def file_open(*, member: Member, year: int, actor) -> IntegrityFile:
    """Open a cadre's file for a year, with one draft section per kind; the basics and posts are filled in from
    the register. By the cadre or discipline inspection; refused when the file is open already."""
    if actor is not None and not (is_cadre_self(actor, member) or may_review(actor, member)):
        raise PermissionDenied(_("Only the cadre or discipline inspection may open an integrity file."))
    _check_year(year)
    _check_cadre(member)
    if IntegrityFile.objects.filter(member=member, year=year).exists():
        raise ValidationError(
            _("{name}'s integrity file for {year} is open already.").format(name=member.name, year=year)
        )
    return _create(member, year, actor)


def cadres_in(org: Organisation):
    """The cadres on the register of a unit and the units below it."""
    return Member.objects.filter(subtree_q(org.path, "organisation__"), is_cadre=True, status__in=ON_REGISTER)


@transaction.atomic
def files_open_for_cadres(*, org: Organisation, year: int, actor) -> int:
    """Open the year's file of every cadre of a unit's subtree who has none yet -- those whose files the actor
    reviews (discipline inspection); returns how many were opened."""
    if actor is not None and not has_permission(actor, FILE_REVIEW):
        raise PermissionDenied(_("Only discipline inspection may open the files of a unit's cadres."))
    _check_year(year)
    missing = (
        cadres_in(org)
        .exclude(integrity_files__year=year)
        .select_related("organisation", "department")
        .order_by("organisation__path", "name_pinyin", "pk")
    )
    opened = 0
    for member in missing:
        if actor is None or may_review(actor, member):
            _create(member, year, actor)
            opened += 1
    audit_record(actor=actor, action="risks.file_open_all", obj=org, changes={"year": year, "opened": opened})
    return opened


# --- the workflow ------------------------------------------------------------------------------------------


def _lock(section: FileSection, version: int | None) -> FileSection:
    fresh = (
        FileSection.objects.select_for_update(of=("self",))
        .select_related("file__member__organisation", "file__member__user")
        .get(pk=section.pk)
    )
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this section while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(section: FileSection, kind: str, actor, reason: str = "") -> SectionEvent:
    return SectionEvent.objects.create(section=section, kind=kind, actor=_user(actor), reason=reason)


def _label(section: FileSection) -> str:
    return str(SectionKind(section.kind).label)


def _refuse_archived(section: FileSection) -> None:
    if section.status == S.ARCHIVED:
        raise ValidationError(_("“{section}” is archived: it no longer changes.").format(section=_label(section)))


@transaction.atomic
def section_save(*, section: FileSection, data: dict, actor, version: int | None) -> FileSection:
    """Replace what a section declares (the cadre only, while it is a draft or returned): `data` is checked
    against the section's shape (see section_clean); nothing is saved when any of it is refused."""
    section = _lock(section, version)
    if actor is not None and not is_cadre_self(actor, section.file.member):
        raise PermissionDenied(_("Only the cadre fills in their integrity file."))
    _refuse_archived(section)
    if section.status not in EDITABLE:
        raise ValidationError(
            _("“{section}” was submitted on {day} and awaits review: it cannot be changed now.").format(
                section=_label(section), day=timezone.localtime(section.submitted_at).date().isoformat()
            )
        )
    cleaned = section_clean(shape_of(section), data, section.data)
    if cleaned == section.data:
        return section
    changed = sorted(key for key in set(cleaned) | set(section.data) if cleaned.get(key) != section.data.get(key))
    section.data = cleaned
    section.version += 1
    section.updated_at = timezone.now()
    section.save()
    _event(section, SectionEventKind.SAVED, actor)
    # Which parts changed, never their content: the audit trail is read by people the file is closed to.
    audit_record(actor=actor, action="risks.section_save", obj=section, changes={"changed": changed})
    return section


def _refuse_move(section: FileSection, to: str) -> None:
    label = _label(section)
    _refuse_archived(section)
    if to == S.SUBMITTED:
        day = timezone.localtime(section.submitted_at).date().isoformat() if section.submitted_at else ""
        raise ValidationError(
            _("“{section}” was already submitted on {day}: it cannot be submitted again.").format(
                section=label, day=day
            )
        )
    if to == S.ARCHIVED:
        raise ValidationError(_("Only an accepted section can be archived; “{section}” is {status}.").format(
            section=label, status=section.get_status_display()))  # fmt: skip
    raise ValidationError(
        _("Only a submitted section can be returned or accepted; “{section}” is {status}.").format(
            section=label, status=section.get_status_display()
        )
    )


@transaction.atomic
def section_transition(*, section: FileSection, to: str, version: int | None, actor, reason: str = "") -> FileSection:
    """Move a section along TRANSITIONS: submit (draft or returned → submitted, the cadre), return (submitted →
    returned, with the reason), accept (submitted → accepted), archive (accepted → archived, for good) -- the last
    three by discipline inspection at the cadre's unit, never on their own file."""
    section = _lock(section, version)
    if to not in TRANSITIONS.get(section.status, set()):
        _refuse_move(section, to)
    verb = VERBS[to]
    member = section.file.member
    if verb == "submit":
        if actor is not None and not is_cadre_self(actor, member):
            raise PermissionDenied(_("Only the cadre submits their integrity file."))
        # The shape may have changed since the section was saved (a unit's income rule): check it again.
        section_clean(shape_of(section), section_plain(section), section.data)
    elif actor is not None:
        if is_cadre_self(actor, member):
            raise ValidationError(
                _("This is your own integrity file: someone else in discipline inspection reviews it.")
            )
        if not may_review(actor, section):
            raise PermissionDenied(_("Only discipline inspection at the cadre's unit reviews integrity files."))
    reason = (reason or "").strip()
    if verb == "return" and not reason:
        raise ValidationError({"reason": _("Say why the section is returned, so that the cadre knows what to fix.")})
    now = timezone.now()
    changes: dict = {"status": [section.status, to]}
    if verb == "submit":
        section.submitted_at, section.return_reason = now, ""
    elif verb == "return":
        section.return_reason = reason
        section.reviewed_by, section.reviewed_at = _user(actor), now
    elif verb == "accept":
        section.reviewed_by, section.reviewed_at = _user(actor), now
    else:
        section.archived_at = now
    section.status = to
    section.version += 1
    section.updated_at = now
    section.save()
    _event(section, EVENTS[verb], actor, reason)
    audit_record(actor=actor, action=f"risks.section_{verb}", obj=section, changes=changes, reason=reason)
    _notify(section, verb, actor, reason)
    return section


def section_submit(*, section: FileSection, version: int | None, actor) -> FileSection:
    """Hand a section in for review (the cadre): from draft or returned; refused once submitted."""
    return section_transition(section=section, to=S.SUBMITTED, version=version, actor=actor)


def section_return(*, section: FileSection, version: int | None, reason: str, actor) -> FileSection:
    """Send a submitted section back to the cadre, saying what to fix (discipline inspection)."""
    return section_transition(section=section, to=S.RETURNED, version=version, actor=actor, reason=reason)


def section_accept(*, section: FileSection, version: int | None, actor) -> FileSection:
    return section_transition(section=section, to=S.ACCEPTED, version=version, actor=actor)


def section_archive(*, section: FileSection, version: int | None, actor) -> FileSection:
    """Archive an accepted section: read-only for good."""
    return section_transition(section=section, to=S.ARCHIVED, version=version, actor=actor)


def _notify(section: FileSection, verb: str, actor, reason: str) -> None:
    """Tell the cadre their section was returned (with the reason) or archived, and the nearest discipline
    inspection that a section awaits review."""
    file, member = section.file, section.file.member
    actor_pk = getattr(actor, "pk", None)
    if verb == "submit":
        skip = (actor_pk, member.user_id)
        users = [u for u in nearest_holders(member.organisation, action=FILE_REVIEW) if u.pk not in skip]
        url = reverse("risks:file_detail", args=[file.pk])
    elif verb in ("return", "archive"):
        cadre = member.user
        users = [cadre] if cadre is not None and cadre.is_active and cadre.pk != actor_pk else []
        url = (
            reverse("risks:section_edit", args=[section.pk])
            if verb == "return"
            else reverse("risks:file_detail", args=[file.pk])
        )
    else:
        return
    if not users:
        return
    # Notifications are stored as written: write them in the site's language.
    with override(settings.LANGUAGE_CODE):
        label = _label(section)
        if verb == "submit":
            title = _("Integrity file to review: {name}, “{section}”").format(name=member.name, section=label)
            body = _("{name} ({org}) submitted “{section}” of the {year} file.").format(
                name=member.name, org=member.organisation.name, section=label, year=file.year
            )
        elif verb == "return":
            title = _("Your integrity file {year}: “{section}” was returned").format(year=file.year, section=label)
            body = reason
        else:
            title = _("Your integrity file {year}: “{section}” is archived").format(year=file.year, section=label)
            body = _("Discipline inspection accepted and archived it; it no longer changes.")
    notification_send(users=users, title=title, body=body, url=url, kind=f"risks.section_{verb}")


# --- named reviewers ---------------------------------------------------------------------------------------


@transaction.atomic
def reviewer_grant(*, member: Member, user, reason: str, expires_on: date | None, actor) -> FileReviewer:
    """Name someone who may read a cadre's files (e.g. the organisation department before an appointment), with
    the reason and perhaps until when (discipline inspection at the cadre's unit)."""
    if actor is not None and not may_review(actor, member):
        raise PermissionDenied(_("Only discipline inspection at the cadre's unit names reviewers."))
    if user is None or not user.is_active:
        raise ValidationError({"user": _("Choose an active login.")})
    if member.user_id == user.pk:
        raise ValidationError({"user": _("The cadre reads their own file already.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this person may read the file.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("Keep the reason under 300 characters.")})
    if expires_on is not None and expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("The end date cannot be in the past.")})
    current = FileReviewer.objects.current().filter(member=member, user=user).first()
    if current is not None:
        raise ValidationError(
            {
                "user": _("{user} is a named reviewer of {name}'s file already.").format(
                    user=user.get_username(), name=member.name
                )
            }
        )
    granted = FileReviewer.objects.create(
        member=member, user=user, reason=reason, expires_on=expires_on, granted_by=_user(actor) or user
    )
    audit_record(
        actor=actor,
        action="risks.reviewer_grant",
        obj=granted,
        changes={"reviewer": user.get_username(), "expires_on": expires_on},
        reason=reason,
    )
    with override(settings.LANGUAGE_CODE):
        title = _("You may read {name}'s integrity file").format(name=member.name)
        body = reason
    files = IntegrityFile.objects.filter(member=member).order_by("-year").first()
    url = reverse("risks:file_detail", args=[files.pk]) if files is not None else ""
    notification_send(users=[user], title=title, body=body, url=url, kind="risks.reviewer_grant")
    return granted


@transaction.atomic
def reviewer_revoke(*, reviewer: FileReviewer, actor, reason: str = "") -> FileReviewer:
    """End a named reviewer's access now (discipline inspection at the cadre's unit)."""
    reviewer = (
        FileReviewer.objects.select_for_update().select_related("member__organisation", "user").get(pk=reviewer.pk)
    )
    if actor is not None and not may_review(actor, reviewer.member):
        raise PermissionDenied(_("Only discipline inspection at the cadre's unit revokes reviewers."))
    if reviewer.revoked_at is not None:
        raise ValidationError(_("This reviewer's access was revoked already."))
    reviewer.revoked_at = timezone.now()
    reviewer.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="risks.reviewer_revoke",
        obj=reviewer,
        changes={"reviewer": reviewer.user.get_username()},
        reason=(reason or "").strip(),
    )
    return reviewer


def reviewers_of(member: Member):
    """Everyone ever named for the cadre, the current ones first."""
    return (
        FileReviewer.objects.filter(member=member)
        .select_related("user", "granted_by")
        .order_by("revoked_at", "-granted_at")
    )


# --- facts other modules hold ------------------------------------------------------------------------------

FACT_TOPICS = (
    (FACT_TALKS, gettext_lazy("Talks received")),
    (FACT_APPRAISAL, gettext_lazy("Democratic appraisal")),
    (FACT_ASSESSMENT, gettext_lazy("Responsibility assessment")),
    (FACT_CLUES, gettext_lazy("Problem clues")),
    (FACT_SANCTIONS, gettext_lazy("Sanctions")),
)


@dataclass(frozen=True)
class FactGroup:
    """The facts of one topic; `recorded` is False when no module of this installation keeps that topic."""

    topic: str
    label: str
    facts: list[PersonFact]
    recorded: bool


def file_facts(member: Member, year: int | None) -> list[FactGroup]:
    """What other modules hold about the cadre in the year (every year when None), grouped by topic in the order
    of FACT_TOPICS, each topic's facts by day.

    A topic no module keeps (see `registry.add_person_facts`) reads "not recorded in this system" rather than "none".
    """
    facts = registry.person_facts_of(member, year)
    kept = registry.kept_fact_topics()
    kept |= {fact.topic for fact in facts}
    groups = []
    for topic, label in FACT_TOPICS:
        found = sorted((f for f in facts if f.topic == topic), key=lambda f: (str(f.day or ""), f.title))
        groups.append(FactGroup(topic, str(label), found, topic in kept))
    return groups


# --- reads -------------------------------------------------------------------------------------------------


def sections_of(file: IntegrityFile) -> list[FileSection]:
    """A file's sections in the order of SectionKind."""
    order = {kind: n for n, kind in enumerate(SectionKind.values)}
    rows = list(file.sections.all())  # prefetched by lists
    return sorted(rows, key=lambda s: order.get(s.kind, 99))


def access_log(file: IntegrityFile):
    """Every audit event about the file, its sections and the cadre's named reviewers, newest first."""
    sections = [str(pk) for pk in file.sections.values_list("pk", flat=True)]
    reviewers = [str(pk) for pk in FileReviewer.objects.filter(member_id=file.member_id).values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(
            Q(object_type="risks.integrityfile", object_id=str(file.pk))
            | Q(object_type="risks.filesection", object_id__in=sections)
            | Q(object_type="risks.filereviewer", object_id__in=reviewers)
        )
        .select_related("actor")
        .order_by("-seq")
    )


def log_line(event: AuditEvent) -> str:
    """What an access-log event says, in words."""
    if event.action == VIEW_ACTION:
        return str(VIEW_WHAT.get((event.changes or {}).get("what"), event.action))
    labels = {
        "risks.file_open": _("Opened the year's file"),
        "risks.section_save": pgettext("section event", "Saved"),
        "risks.section_submit": pgettext("section event", "Submitted"),
        "risks.section_return": pgettext("section event", "Returned"),
        "risks.section_accept": pgettext("section event", "Accepted"),
        "risks.section_archive": pgettext("section event", "Archived"),
        "risks.reviewer_grant": _("Named a reviewer"),
        "risks.reviewer_revoke": _("Revoked a reviewer"),
    }
    return str(labels.get(event.action, event.action))


def file_status(sections: Iterable[FileSection]) -> dict[str, int]:
    """How many of a file's sections stand at each status."""
    counts = dict.fromkeys(S.values, 0)
    for section in sections:
        counts[section.status] += 1
    return counts


def cadres_for_review(user, root: Organisation):
    """The cadres of a scope whose files the user reviews."""
    return (
        Member.objects.visible_to(user, FILE_REVIEW)
        .filter(subtree_q(root.path, "organisation__"), is_cadre=True, status__in=ON_REGISTER)
        .select_related("organisation")
    )


def cadres_filter(qs, *, year: int, unit: Organisation | None = None, status: str = "", q: str = ""):
    """The review list's filters: a unit's subtree; files awaiting review, not opened, returned, or complete
    (every section submitted or beyond); a name (or the start of its pinyin, as on the member list)."""
    if unit is not None:
        qs = qs.filter(subtree_q(unit.path, "organisation__"))
    q = (q or "").strip()
    if q:
        qs = qs.filter(name_query(q))
    this_year = IntegrityFile.objects.filter(year=year)
    if status == "awaiting":
        qs = qs.filter(integrity_files__in=this_year.filter(sections__status=S.SUBMITTED))
    elif status == "returned":
        qs = qs.filter(integrity_files__in=this_year.filter(sections__status=S.RETURNED))
    elif status == "unopened":
        qs = qs.exclude(integrity_files__year=year)
    elif status == "complete":
        qs = qs.filter(integrity_files__in=this_year).exclude(
            integrity_files__in=this_year.filter(sections__status__in=EDITABLE)
        )
    return qs.distinct()


# --- to-dos and indicators ---------------------------------------------------------------------------------


def file_todos(user) -> list[TodoItem]:
    """The cadre's sections to fill in and those returned; discipline inspection's sections awaiting review."""
    items: list[TodoItem] = []
    kind = _("Integrity file")
    if getattr(user, "is_authenticated", False):
        year = timezone.localdate().year
        mine = (
            FileSection.objects.filter(file__member__user=user, status__in=EDITABLE)
            .filter(Q(status=S.RETURNED) | Q(file__year=year))
            .select_related("file")
            .order_by("-file__year", "pk")[:30]
        )
        drafts: dict[int, list[FileSection]] = {}
        for section in mine:
            if section.status == S.RETURNED:
                items.append(
                    TodoItem(
                        title=_("Integrity file {year}: “{section}” was returned — {reason}").format(
                            year=section.file.year, section=_label(section), reason=section.return_reason[:60]
                        ),
                        url=reverse("risks:section_edit", args=[section.pk]),
                        kind=kind,
                        overdue=True,
                    )
                )
            else:
                drafts.setdefault(section.file_id, []).append(section)
        for file_id, sections in drafts.items():
            items.append(
                TodoItem(
                    title=ngettext(
                        "Integrity file {year}: {n} section to fill in and submit",
                        "Integrity file {year}: {n} sections to fill in and submit",
                        len(sections),
                    ).format(year=sections[0].file.year, n=len(sections)),
                    url=reverse("risks:file_detail", args=[file_id]),
                    kind=kind,
                )
            )
    if has_permission(user, FILE_REVIEW):
        waiting = (
            IntegrityFile.objects.filter(nearest_q(user, FILE_REVIEW, model=IntegrityFile))
            .exclude(member__user=user)
            .annotate(waiting=Count("sections", filter=Q(sections__status=S.SUBMITTED)))
            .filter(waiting__gt=0)
            .select_related("member")
            .order_by("year", "member__name_pinyin")[:20]
        )
        for file in waiting:
            items.append(
                TodoItem(
                    title=ngettext(
                        "Review {name}'s integrity file {year}: {n} section submitted",
                        "Review {name}'s integrity file {year}: {n} sections submitted",
                        file.waiting,
                    ).format(name=file.member.name, year=file.year, n=file.waiting),
                    url=reverse("risks:file_detail", args=[file.pk]),
                    kind=_("Integrity files to review"),
                )
            )
    return items


def files_submitted_rate(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Share of the cadres on the register of each unit's subtree whose file of `year` has every section
    submitted or beyond (as the sections stand now, handed in by `on`); None where the subtree has no cadre."""
    orgs = list(orgs)
    tops = topmost(orgs)
    if not tops:
        return {}
    within = Q(pk__in=[])
    for top in tops:
        within |= Q(organisation__path__gte=top.path, organisation__path__lt=top.path + PATH_END)
    cadres = list(
        Member.objects.filter(within, is_cadre=True, status__in=ON_REGISTER).values_list("pk", "organisation__path")
    )
    handed = Q(sections__status__in=HANDED_IN)
    if on is not None:
        handed &= Q(sections__submitted_at__date__lte=on)
    complete = set(
        IntegrityFile.objects.filter(year=year, member__in=Member.objects.filter(within, is_cadre=True))
        .annotate(total=Count("sections"), done=Count("sections", filter=handed))
        .filter(total=len(SectionKind.values), done=len(SectionKind.values))
        .values_list("member_id", flat=True)
    )
    result: dict[int, float | None] = {}
    for org in orgs:
        mine = [pk for pk, path in cadres if path.startswith(org.path)]
        result[org.pk] = (sum(pk in complete for pk in mine) / len(mine)) if mine else None
    return result
