"""A meeting's minutes and attachments: drafting, approval (which locks them), corrections as new versions.

The workflow of one version is draft → submitted → approved; an approver may return a submitted
version to draft with a note. Approved versions never change: a correction is a new version, copied
from the record, with a reason, and it becomes the record when it is approved. While a correction is
open the attendance may be changed again (see `attendance_editable`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qinglian.core.audit import audit_record
from qinglian.core.models import AuditEvent
from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem
from qinglian.core.uploads import IMAGE_TYPES, stored_name, upload_accept
from qinglian.orglife.models import Attachment, Attendee, Meeting, Minutes
from qinglian.orglife.people import person_name
from qinglian.orglife.services.meetings import check_version, meeting_lock_version, meeting_recount
from qinglian.orglife.vocab import AttachmentKind, MeetingStatus, MinutesStatus, Presence
from qinglian.orgs.access import can, has_permission, nearest_holders, nearest_q
from qinglian.orgs.services import Conflict

__all__ = [
    "Conflict",
    "attachment_add",
    "attachment_remove",
    "attendance_recorded",
    "minutes_approve",
    "minutes_correct",
    "minutes_open",
    "minutes_record",
    "minutes_return",
    "minutes_save",
    "minutes_submit",
    "minutes_todos",
    "record_locked",
]

MAX_ITEMS = 60
TITLE_MAX = 200
TEXT_MAX = 20_000
VOTE_KEYS = ("for", "against", "abstain")


# -- reading ----------------------------------------------------------------------------------------


def minutes_record(meeting: Meeting) -> Minutes | None:
    """The record: the latest approved version, or None before the first approval."""
    return (
        Minutes.objects.filter(meeting=meeting, status=MinutesStatus.APPROVED)
        .select_related("author", "approved_by")
        .order_by("-number")
        .first()
    )


def minutes_open(meeting: Meeting) -> Minutes | None:
    """The version being written or waiting for approval (at most one), or None."""
    return (
        Minutes.objects.filter(meeting=meeting)
        .exclude(status=MinutesStatus.APPROVED)
        .select_related("author", "approved_by")
        .first()
    )


def minutes_readable(user, meeting: Meeting):
    """The versions of the meeting's minutes the user may read, newest first: every one for those who write or
    approve them, the approved ones (the record and those it replaced) for everyone else."""
    versions = Minutes.objects.filter(meeting=meeting).order_by("-number")
    if not (can(user, "orglife.manage", meeting) or can(user, "orglife.approve", meeting)):
        versions = versions.filter(status=MinutesStatus.APPROVED)
    return versions


def minutes_for_export(user, meeting: Meeting, number: int | None = None) -> Minutes | None:
    """The version a Word export holds: the one asked for, else the record, else the version in the making."""
    versions = minutes_readable(user, meeting).select_related("approved_by__member")
    chosen = versions.filter(number=number).first() if number else None
    return chosen or versions.filter(status=MinutesStatus.APPROVED).first() or versions.first()


def attendance_recorded(meeting: Meeting) -> bool:
    """Whether the recorder has marked who came (any invited member's presence is known)."""
    return Attendee.objects.members().filter(meeting=meeting).exclude(presence=Presence.UNKNOWN).exists()


def record_locked(meeting: Meeting) -> bool:
    """Approved minutes and no correction open: the record, attendance and attachments are fixed."""
    statuses = set(Minutes.objects.filter(meeting=meeting).values_list("status", flat=True))
    return MinutesStatus.APPROVED in statuses and statuses <= {MinutesStatus.APPROVED}


# -- checking ---------------------------------------------------------------------------------------


def _label(n: int, title: str) -> str:
    return _("Item {n} “{title}”").format(n=n, title=title) if title else _("Item {n}").format(n=n)


def _vote_count(value, where: str) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(_("{item}: a vote count must be a whole number.").format(item=where))
    if isinstance(value, str):
        if not re.fullmatch(r"\s*-?\d+\s*", value):
            raise ValidationError(_("{item}: a vote count must be a whole number.").format(item=where))
        value = int(value)
    if value < 0:
        raise ValidationError(_("{item}: a vote count cannot be negative.").format(item=where))
    return value


def clean_items(items: Iterable[Mapping], meeting: Meeting) -> list[dict]:
    """The agenda items as stored, checked; every problem is reported, each naming its item.

    A vote needs the attendance recorded first, and cannot count more votes than members present.
    """
    items = list(items or [])
    if len(items) > MAX_ITEMS:
        raise ValidationError(_("At most {n} agenda items can be recorded.").format(n=MAX_ITEMS))
    errors: list[str] = []
    cleaned: list[dict] = []
    recorded = None
    for n, raw in enumerate(items, start=1):
        if not isinstance(raw, Mapping):
            errors.append(_("{item} is not a valid agenda item.").format(item=_label(n, "")))
            continue
        title = str(raw.get("title") or "").strip()
        discussion = str(raw.get("discussion") or "").strip()
        decision = str(raw.get("decision") or "").strip()
        where = _label(n, title[:40])
        if not title:
            errors.append(_("{item}: give the item a title.").format(item=where))
        elif len(title) > TITLE_MAX:
            errors.append(_("{item}: the title is longer than {n} characters.").format(item=where, n=TITLE_MAX))
        if len(discussion) > TEXT_MAX or len(decision) > TEXT_MAX:
            errors.append(_("{item}: the text is longer than {n} characters.").format(item=where, n=TEXT_MAX))
        votes = raw.get("votes")
        if votes is not None and not isinstance(votes, Mapping):
            errors.append(_("{item}: the votes must give the numbers for, against and abstaining.").format(item=where))
            votes = None
        counted = None
        if votes is not None and any(votes.get(key) not in (None, "") for key in VOTE_KEYS):
            try:
                counted = {key: _vote_count(votes.get(key), where) for key in VOTE_KEYS}
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                if recorded is None:
                    recorded = attendance_recorded(meeting)
                total = sum(counted.values())
                if not recorded:
                    errors.append(_("{item}: record the attendance before recording a vote.").format(item=where))
                elif total > meeting.present_count:
                    errors.append(
                        ngettext(
                            "{item}: {total} votes were counted, but only {present} member was present.",
                            "{item}: {total} votes were counted, but only {present} members were present.",
                            meeting.present_count,
                        ).format(item=where, total=total, present=meeting.present_count)
                    )
        cleaned.append({"title": title, "discussion": discussion, "decision": decision, "votes": counted})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _happened(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled: it has no minutes."))
    if not meeting.has_happened:
        raise ValidationError(_("This meeting has not happened yet: minutes are written once it has started."))


def _changed() -> str:
    return _(
        "Someone else changed these minutes while you were working on them, so your change was not saved. "
        "Reload the page to see theirs, then make yours again."
    )


def _lock(minutes: Minutes, version: int | None) -> Minutes:
    fresh = Minutes.objects.select_for_update().select_related("meeting__organisation").get(pk=minutes.pk)
    check_version(fresh, version, _changed())
    return fresh


def _bump(minutes: Minutes, fields: list[str]) -> None:
    minutes.version += 1
    minutes.save(update_fields=[*fields, "version", "updated_at"])


def _detail_url(meeting: Meeting) -> str:
    return reverse("orglife:minutes_detail", args=[meeting.pk])


def _tell_author(minutes: Minutes, actor, *, title: str, key: str, body: str = "") -> None:
    """Tell the author of the minutes (unless they did it themselves) what someone did to them."""
    if minutes.author_id and minutes.author != actor:
        notification_send(
            users=[minutes.author],
            title=title,
            body=body,
            url=_detail_url(minutes.meeting),
            kind="orglife.minutes",
            dedupe_key=f"minutes:{minutes.pk}:{key}",
        )


# -- writing ----------------------------------------------------------------------------------------


@transaction.atomic
def minutes_save(
    *, meeting: Meeting, summary: str, items: Iterable[Mapping], actor, version: int | None = None
) -> Minutes:
    """Create the draft, or update the open one (`version` 0 means "no draft yet").

    Refused for a meeting that has not happened or was cancelled, for approved (locked) minutes and
    for a version waiting for approval; the items are checked by `clean_items`.
    """
    meeting = meeting_lock_version(meeting, None)
    _happened(meeting)
    minutes = minutes_open(meeting)
    if minutes is None and Minutes.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("The minutes are approved and locked; start a correction to change them."))
    if version is not None and (minutes.version if minutes else 0) != version:
        raise Conflict(_changed())
    if minutes is not None:
        minutes = _lock(minutes, None)
        if minutes.status == MinutesStatus.SUBMITTED:
            raise ValidationError(
                _("These minutes are waiting for approval; the approver can return them to you for changes.")
            )
    summary = (summary or "").strip()
    if len(summary) > TEXT_MAX:
        raise ValidationError({"summary": _("The summary is longer than {n} characters.").format(n=TEXT_MAX)})
    cleaned = clean_items(items, meeting)
    if minutes is None:
        minutes = Minutes.objects.create(
            meeting=meeting,
            number=1,
            summary=summary,
            items=cleaned,
            author=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor, action="orglife.minutes_create", obj=minutes, changes={"number": 1, "items": len(cleaned)}
        )
        return minutes
    changes = {}
    if minutes.summary != summary:
        changes["summary"] = True
    if minutes.items != cleaned:
        changes["items"] = [len(minutes.items), len(cleaned)]
    minutes.summary, minutes.items = summary, cleaned
    _bump(minutes, ["summary", "items"])
    audit_record(actor=actor, action="orglife.minutes_save", obj=minutes, changes=changes)
    return minutes


@transaction.atomic
def minutes_submit(*, minutes: Minutes, actor, version: int | None = None) -> Minutes:
    """Send a draft to the approvers of the unit (notified in their inbox)."""
    meeting = meeting_lock_version(minutes.meeting, None)
    minutes = _lock(minutes, version)
    if minutes.status != MinutesStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for approval."))
    _happened(meeting)
    if not minutes.summary and not minutes.items:
        raise ValidationError(_("Write the summary or at least one agenda item before submitting."))
    clean_items(minutes.items, meeting)
    minutes.status, minutes.submitted_at = MinutesStatus.SUBMITTED, timezone.now()
    _bump(minutes, ["status", "submitted_at"])
    audit_record(actor=actor, action="orglife.minutes_submit", obj=minutes, changes={"number": minutes.number})
    approvers = [u for u in nearest_holders(meeting.organisation, action="orglife.approve") if u != actor]
    notification_send(
        users=approvers,
        title=_("Minutes to approve: {meeting}").format(meeting=meeting.title),
        body=_("Submitted by {name}.").format(name=person_name(actor)) if person_name(actor) else "",
        url=_detail_url(meeting),
        kind="orglife.minutes",
        dedupe_key=f"minutes:{minutes.pk}:submitted:{minutes.version}",
    )
    return minutes


@transaction.atomic
def minutes_return(*, minutes: Minutes, note: str, actor, version: int | None = None) -> Minutes:
    """Send submitted minutes back to draft, with a note to the author saying what to change."""
    meeting = meeting_lock_version(minutes.meeting, None)
    if not can(actor, "orglife.approve", meeting):
        raise PermissionDenied
    minutes = _lock(minutes, version)
    if minutes.status != MinutesStatus.SUBMITTED:
        raise ValidationError(_("Only minutes waiting for approval can be returned."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what should be changed before the minutes can be approved.")})
    minutes.status, minutes.submitted_at = MinutesStatus.DRAFT, None
    _bump(minutes, ["status", "submitted_at"])
    audit_record(
        actor=actor, action="orglife.minutes_return", obj=minutes, changes={"number": minutes.number}, reason=note
    )
    _tell_author(
        minutes,
        actor,
        title=_("Minutes returned for changes: {meeting}").format(meeting=meeting.title),
        body=note,
        key=f"returned:{minutes.version}",
    )
    return minutes


@transaction.atomic
def minutes_approve(*, minutes: Minutes, actor, version: int | None = None) -> Minutes:
    """Approve submitted minutes (a holder of orglife.approve at the unit): they become the record and lock.

    Needs the attendance recorded; the meeting's `counted` flag is recomputed.
    """
    meeting = meeting_lock_version(minutes.meeting, None)
    if not can(actor, "orglife.approve", meeting):
        raise PermissionDenied
    minutes = _lock(minutes, version)
    if minutes.status != MinutesStatus.SUBMITTED:
        raise ValidationError(_("Only minutes submitted for approval can be approved."))
    _happened(meeting)
    if not attendance_recorded(meeting):
        raise ValidationError(_("Record the attendance before approving the minutes."))
    clean_items(minutes.items, meeting)
    minutes.status, minutes.approved_at = MinutesStatus.APPROVED, timezone.now()
    minutes.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    _bump(minutes, ["status", "approved_by", "approved_at"])
    meeting_recount(meeting=meeting)
    audit_record(
        actor=actor,
        action="orglife.minutes_approve",
        obj=minutes,
        changes={"number": minutes.number, "counted": meeting.counted},
    )
    _tell_author(minutes, actor, title=_("Minutes approved: {meeting}").format(meeting=meeting.title), key="approved")
    return minutes


@transaction.atomic
def minutes_correct(*, meeting: Meeting, reason: str, actor, version: int | None = None) -> Minutes:
    """Open a correction of approved minutes: a new draft version copied from the record, with a reason.

    `version` is the record's row version. The old version stays readable and remains the record
    until the correction is approved; meanwhile the attendance may be corrected too.
    """
    meeting = meeting_lock_version(meeting, None)
    record = minutes_record(meeting)
    if record is None:
        raise ValidationError(_("There are no approved minutes to correct yet: edit the draft instead."))
    record = _lock(record, version)
    if minutes_open(meeting) is not None:
        raise ValidationError(_("A version of these minutes is already being written; finish that one first."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    number = (Minutes.objects.filter(meeting=meeting).aggregate(n=Max("number"))["n"] or 0) + 1
    draft = Minutes.objects.create(
        meeting=meeting,
        number=number,
        summary=record.summary,
        items=record.items,
        reason=reason,
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="orglife.minutes_correct",
        obj=draft,
        changes={"number": number, "corrects": record.number},
        reason=reason,
    )
    return draft


# -- attachments ------------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, meeting: Meeting, file, kind: str, actor, name: str = "") -> Attachment:
    """Keep a file with the meeting's record: a photo, the scanned sign-in sheet, a document.

    Images (JPEG, PNG, GIF, WebP), PDF, .docx and .xlsx only, checked by content; at most the
    upload limit; refused while the record is locked.
    """
    meeting = meeting_lock_version(meeting, None)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Unknown kind of attachment.")})
    if record_locked(meeting):
        raise ValidationError(_("The minutes are approved and locked; start a correction to change the attachments."))
    content_type, display, size = upload_accept(file, name=name)
    if kind == AttachmentKind.PHOTO and content_type not in IMAGE_TYPES:
        raise ValidationError({"kind": _("A photo must be an image; choose “Document” for other files.")})
    attachment = Attachment(
        meeting=meeting,
        kind=kind,
        name=display,
        size=size,
        content_type=content_type,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Stored under a random name: the name the user gave never reaches the file system.
    attachment.file.save(stored_name(content_type), file, save=False)
    try:
        attachment.save()
        audit_record(
            actor=actor,
            action="orglife.attachment_add",
            obj=meeting,
            changes={"attachment": attachment.pk, "name": display, "kind": kind, "size": size, "type": content_type},
        )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, actor) -> None:
    """Remove a file from the meeting's record; refused while the record is locked."""
    meeting = meeting_lock_version(attachment.meeting, None)
    if record_locked(meeting):
        raise ValidationError(_("The minutes are approved and locked; start a correction to change the attachments."))
    pk, name, stored, storage = attachment.pk, attachment.name, attachment.file.name, attachment.file.storage
    attachment.delete()
    audit_record(actor=actor, action="orglife.attachment_remove", obj=meeting, changes={"attachment": pk, "name": name})
    # The file goes only once the removal is committed: a rollback keeps the row and its file.
    transaction.on_commit(lambda: storage.delete(stored))


# -- to-dos -----------------------------------------------------------------------------------------


def minutes_todos(user) -> list[TodoItem]:
    """On an approver's home page: minutes submitted for approval in their units, and, for those who
    write minutes, drafts returned to them for changes."""
    items = []
    if has_permission(user, "orglife.approve"):
        waiting = (
            Minutes.objects.filter(status=MinutesStatus.SUBMITTED)
            .filter(meeting__in=Meeting.objects.filter(nearest_q(user, "orglife.approve", model=Meeting)))
            .select_related("meeting")
            .order_by("submitted_at")[:20]
        )
        items += [
            TodoItem(
                title=_("Approve the minutes: {meeting}").format(meeting=m.meeting.title),
                url=_detail_url(m.meeting),
                kind=_("Minutes"),
            )
            for m in waiting
        ]
    if has_permission(user, "orglife.manage"):
        mine = Minutes.objects.filter(author=user, status=MinutesStatus.DRAFT).values_list("pk", flat=True)[:50]
        returned = AuditEvent.objects.filter(
            action="orglife.minutes_return", object_type="orglife.minutes", object_id__in=[str(pk) for pk in mine]
        ).values_list("object_id", flat=True)
        drafts = Minutes.objects.filter(pk__in=[int(pk) for pk in returned]).select_related("meeting")
        items += [
            TodoItem(
                title=_("Minutes returned for changes: {meeting}").format(meeting=m.meeting.title),
                url=_detail_url(m.meeting),
                kind=_("Minutes"),
            )
            for m in drafts
        ]
    return items
