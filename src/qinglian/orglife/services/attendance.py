"""A member's own part in a meeting: the reply, leave (asked for and decided), and self check-in.

The recorder's register of who came is `attendance_record` in services.meetings; self check-in
with the meeting's six-digit code feeds the same rows, and the recorder confirms them.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.audit import audit_record
from qinglian.core.notify import notification_send
from qinglian.core.rules import rule_value
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.services.meetings import (
    attendance_editable,
    may_approve,
    meeting_lock_version,
    meeting_recount,
    when_text,
)
from qinglian.orglife.vocab import ATTENDING, CheckinMethod, LeaveStatus, MeetingStatus, Presence, Rsvp

__all__ = ["attendee_rsvp", "checkin_self", "checkin_window", "leave_decide", "leave_request", "my_attendee"]

# Someone who checks in more than this long after the start is recorded as late. A fixed, simple
# threshold: most units' rules say "late" without a number, and the recorder can correct the mark.
LATE_AFTER = timedelta(minutes=15)


def my_attendee(meeting: Meeting, user) -> Attendee | None:
    """The user's own row on the meeting's invitation list (through their member record), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Attendee.objects.for_user(user).filter(meeting=meeting).select_related("member").first()


def checkin_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """When self check-in is open: from `before` minutes before the start to `after` minutes after it."""
    window = rule_value(
        "orglife.checkin_window_minutes",
        org_path=meeting.organisation.path,
        on=timezone.localtime(meeting.starts_at).date(),
    )
    return (
        meeting.starts_at - timedelta(minutes=int(window.get("before", 30))),
        meeting.starts_at + timedelta(minutes=int(window.get("after", 240))),
    )


def _own_row(attendee: Attendee, actor) -> tuple[Attendee, Meeting]:
    """Lock the row and its meeting; only the invited member themself may act on it."""
    meeting = meeting_lock_version(attendee.meeting, None)  # the meeting first, as every meeting service does
    row = Attendee.objects.select_for_update(of=("self",)).select_related("member").get(pk=attendee.pk)
    if row.member is None or row.member.user_id is None or row.member.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the invited member can reply for themself."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    return row, meeting


@transaction.atomic
def attendee_rsvp(*, attendee: Attendee, answer: str, actor) -> Attendee:
    """The member's reply: will attend or will not. Saying yes withdraws a leave request."""
    if answer not in (Rsvp.YES, Rsvp.NO):
        raise ValidationError({"answer": _("Answer “yes” or “no”.")})
    row, meeting = _own_row(attendee, actor)
    if meeting.has_happened:
        raise ValidationError(_("The meeting has started; replies are closed."))
    before = [row.rsvp, row.leave_status]
    row.rsvp, row.rsvp_at = answer, timezone.now()
    fields = ["rsvp", "rsvp_at"]
    if answer == Rsvp.YES and row.leave_status:
        row.leave_status, row.leave_reason, row.leave_decided_by, row.leave_decided_at = (
            LeaveStatus.NONE,
            "",
            None,
            None,
        )
        fields += ["leave_status", "leave_reason", "leave_decided_by", "leave_decided_at"]
        if row.presence == Presence.ON_LEAVE:
            row.presence, row.absence_reason = Presence.UNKNOWN, ""
            fields += ["presence", "absence_reason"]
    row.save(update_fields=fields)
    meeting_recount(meeting=meeting)
    audit_record(
        actor=actor,
        action="orglife.attendee_rsvp",
        obj=meeting,
        changes={row.name: [before, [answer, row.leave_status]]},
    )
    return row


@transaction.atomic
def leave_request(*, attendee: Attendee, reason: str, actor) -> Attendee:
    """The member asks for leave, with the reason, before the meeting starts; the secretary decides."""
    row, meeting = _own_row(attendee, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for your leave request.")})
    if meeting.has_happened:
        raise ValidationError(
            _("Leave is asked for before the meeting starts. Tell the recorder why you were absent instead.")
        )
    if row.leave_status == LeaveStatus.APPROVED:
        raise ValidationError(_("Your leave for this meeting is already approved."))
    row.leave_status, row.leave_reason = LeaveStatus.REQUESTED, reason[:1000]
    row.leave_decided_by, row.leave_decided_at = None, None
    row.rsvp, row.rsvp_at = Rsvp.NO, timezone.now()
    row.save(update_fields=["leave_status", "leave_reason", "leave_decided_by", "leave_decided_at", "rsvp", "rsvp_at"])
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.leave_request", obj=meeting, changes={row.name: reason})
    return row


@transaction.atomic
def leave_decide(*, attendee: Attendee, approve: bool, actor) -> Attendee:
    """Approve or refuse a leave request (orglife.approve at the unit). Approved leave marks the member on leave."""
    meeting = meeting_lock_version(attendee.meeting, None)
    row = Attendee.objects.select_for_update(of=("self",)).select_related("member__user").get(pk=attendee.pk)
    if not may_approve(actor, meeting):
        raise PermissionDenied(_("Only those who approve leave for this unit can decide."))
    if row.leave_status != LeaveStatus.REQUESTED:
        raise ValidationError(_("There is no leave request waiting for a decision."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if not attendance_editable(meeting):
        raise ValidationError(_("The minutes are approved and locked; start a correction to change the attendance."))
    row.leave_status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
    row.leave_decided_by, row.leave_decided_at = actor, timezone.now()
    if approve and row.presence not in ATTENDING:
        row.presence, row.absence_reason = Presence.ON_LEAVE, row.leave_reason[:200]
    elif not approve and row.presence == Presence.ON_LEAVE:
        row.presence, row.absence_reason = Presence.UNKNOWN, ""
    row.save(update_fields=["leave_status", "leave_decided_by", "leave_decided_at", "presence", "absence_reason"])
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.leave_decide", obj=meeting, changes={row.name: row.leave_status})
    if row.member.user_id:
        with override(settings.LANGUAGE_CODE):
            if approve:
                title = _("Leave approved: {title}").format(title=meeting.title)
            else:
                title = _("Leave refused: {title}").format(title=meeting.title)
            body = _("Your leave request for the meeting on {when}: {decision}.").format(
                when=when_text(meeting), decision=row.get_leave_status_display()
            )
        notification_send(
            users=[row.member.user],
            title=title,
            body=body,
            url=reverse("orglife:meeting_detail", args=[meeting.pk]),
            kind="orglife.leave_decision",
            dedupe_key=f"orglife.leave_decision:{row.pk}:{row.leave_decided_at.isoformat()}",
        )
    return row


@transaction.atomic
def checkin_self(*, meeting: Meeting, code: str, actor) -> Attendee:
    """Check the member in with the code shown at the meeting, inside the check-in window.

    Present, or late when more than LATE_AFTER after the start. Checking in twice keeps the first time.
    """
    meeting = meeting_lock_version(meeting, None)
    row = Attendee.objects.select_for_update().for_user(actor).filter(meeting=meeting).first()
    if row is None:
        raise ValidationError(_("You are not on this meeting's invitation list. Ask the recorder to add you."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    code = "".join((code or "").split())
    if not hmac.compare_digest(code.encode(), meeting.checkin_code.encode()) or not meeting.checkin_code:
        raise ValidationError(
            {"code": _("That is not this meeting's code. Check the six digits shown at the meeting.")}
        )
    opens, closes = checkin_window(meeting)
    now = timezone.now()
    if now < opens:
        raise ValidationError(
            _("Check-in opens at {time}.").format(time=timezone.localtime(opens).strftime("%Y-%m-%d %H:%M"))
        )
    if now > closes:
        raise ValidationError(_("Check-in for this meeting has closed. Ask the recorder to record you."))
    if not attendance_editable(meeting):
        raise ValidationError(_("The minutes are approved and locked; ask the recorder."))
    if row.checked_in_at is not None and row.presence in ATTENDING:
        return row
    row.presence = Presence.LATE if now > meeting.starts_at + LATE_AFTER else Presence.PRESENT
    row.checked_in_at, row.checkin_method, row.absence_reason = now, CheckinMethod.SELF, ""
    row.save(update_fields=["presence", "checked_in_at", "checkin_method", "absence_reason"])
    meeting_recount(meeting=meeting)
    audit_record(actor=actor, action="orglife.checkin_self", obj=meeting, changes={row.name: row.presence})
    return row
