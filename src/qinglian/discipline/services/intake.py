"""The reports inbox: portal reports before they are registered — acknowledging receipt, answering the reporter,
refusing a report outside the body's remit, giving feedback — and the deadlines of the reporting rules.

A report is read by those who hold discipline.intake at the unit it was filed with while it waits (new or
acknowledged) or after it was not accepted; once registered as a clue, the clue's need-to-know applies to it, its
thread and its attachments. Messages to the reporter are what the reporter reads on the portal with the receipt
code: nothing else about the handling is shown there.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.discipline.models import Clue, Report, ReportAttachment, ReportMessage
from qinglian.discipline.permissions import INTAKE
from qinglian.discipline.services import flow
from qinglian.discipline.services.access import can_open, in_module
from qinglian.discipline.vocab import MessageSide, ReportStatus
from qinglian.orgs import access
from qinglian.orgs.services import Conflict

WAITING = (ReportStatus.NEW, ReportStatus.ACKNOWLEDGED)
# Statuses in which a report is answered from the clue's page rather than the inbox.
ON_A_CLUE = (ReportStatus.REGISTERED, ReportStatus.REPEATED)
SOON_DAYS = 2
MESSAGE_MAX = 5000


# --- reads -------------------------------------------------------------------------------------------------


def inbox(user):
    """The reports the user receives (discipline.intake at their unit)."""
    return Report.objects.visible_to(user, INTAKE)


def clue_of(report: Report) -> Clue | None:
    return Clue.objects.filter(report=report).select_related("organisation").first()


def may_read(user, report: Report) -> bool:
    """Intake at the unit while the report waits or after it was refused; the clue's people once it is one."""
    if not in_module(user):
        return False
    if report.status in ON_A_CLUE:
        clue = clue_of(report)
        return clue is not None and can_open(user, clue)
    return access.can(user, INTAKE, report)


def report_or_404(user, pk) -> Report:
    report = Report.objects.select_related("organisation").filter(pk=pk).first() if str(pk).isdigit() else None
    if report is None or not may_read(user, report):
        raise Http404(_("No such record, or it is not within your organisations."))
    return report


def attachment_or_404(user, pk) -> ReportAttachment:
    row = ReportAttachment.objects.select_related("report__organisation").filter(pk=pk).first()
    if row is None or not may_read(user, row.report):
        raise Http404(_("No such record, or it is not within your organisations."))
    return row


def ack_overdue(report: Report, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return report.acknowledged_at is None and report.status in WAITING and report.ack_due < today


def feedback_owed(report: Report) -> bool:
    return report.feedback_at is None and report.status not in (ReportStatus.NOT_ACCEPTED,)


def feedback_overdue(report: Report, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return feedback_owed(report) and report.feedback_due < today


def due_soon(day: date | None, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return day is not None and today <= day <= today + timedelta(days=SOON_DAYS)


def thread(report: Report):
    return report.messages.select_related("author").prefetch_related("attachments")


def mark_read(report: Report) -> int:
    """The reporter's messages are read once a handler opens the report."""
    return report.messages.filter(side=MessageSide.REPORTER, read_at__isnull=True).update(read_at=timezone.now())


def unread_counts(report_ids: list[int]) -> dict[int, int]:
    rows = (
        ReportMessage.objects.filter(report_id__in=report_ids, side=MessageSide.REPORTER, read_at__isnull=True)
        .values("report_id")
        .annotate(n=Count("pk"))
    )
    return {row["report_id"]: row["n"] for row in rows}


# --- writes ------------------------------------------------------------------------------------------------


def _lock(report: Report, version: int | None) -> Report:
    fresh = Report.objects.select_for_update().select_related("organisation").get(pk=report.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this report while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def _body(text: str, field: str = "body") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("Write the message to the reporter.")})
    if len(text) > MESSAGE_MAX:
        raise ValidationError({field: _("A message holds at most {n} characters.").format(n=MESSAGE_MAX)})
    return text


def _check(actor, report: Report) -> None:
    if not may_read(actor, report):
        raise PermissionDenied


def _message(report: Report, actor, body: str) -> ReportMessage:
    message = ReportMessage.objects.create(report=report, side=MessageSide.HANDLER, author=actor, body=body)
    clue = clue_of(report)
    if clue is not None:
        flow.event(clue, "report.message", actor=actor)
    return message


def _save(report: Report, actor, action: str, fields: list[str], changes: dict) -> Report:
    report.version += 1
    report.save(update_fields=[*fields, "version"])
    audit_record(actor=actor, action=f"discipline.report.{action}", obj=report, changes=changes, sealed=True)
    return report


@transaction.atomic
def report_acknowledge(*, report: Report, actor, body: str, version: int | None) -> Report:
    """Tell the reporter their report was received (the acknowledgement the rule's ack_days ask for)."""
    _check(actor, report)
    report = _lock(report, version)
    if report.status != ReportStatus.NEW:
        raise ValidationError(
            _("This report is “{status}”: its receipt was already acknowledged or it is closed.").format(
                status=report.get_status_display()
            )
        )
    body = _body(body)
    _message(report, actor, body)
    report.status = ReportStatus.ACKNOWLEDGED
    report.acknowledged_at = timezone.now()
    return _save(report, actor, "acknowledge", ["status", "acknowledged_at"], {"status": ["new", "acknowledged"]})


@transaction.atomic
def report_reply(*, report: Report, actor, body: str) -> ReportMessage:
    """A message to the reporter, read on the portal with the receipt code."""
    _check(actor, report)
    report = _lock(report, None)
    message = _message(report, actor, _body(body))
    audit_record(
        actor=actor, action="discipline.report.reply", obj=report, changes={"message": message.pk}, sealed=True
    )
    return message


@transaction.atomic
def report_not_accept(*, report: Report, actor, reason: str, message: str, version: int | None) -> Report:
    """Refuse a report that is not for discipline inspection (outside its remit, already settled, …): the reason is
    kept, the message tells the reporter."""
    _check(actor, report)
    report = _lock(report, version)
    if report.status not in WAITING:
        raise ValidationError(
            _("This report is “{status}”: it can no longer be refused.").format(status=report.get_status_display())
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is not accepted.")})
    _message(report, actor, _body(message, "message"))
    before = report.status
    report.status = ReportStatus.NOT_ACCEPTED
    report.not_accepted_reason = reason
    if report.acknowledged_at is None:
        report.acknowledged_at = timezone.now()
    return _save(
        report,
        actor,
        "not_accept",
        ["status", "not_accepted_reason", "acknowledged_at"],
        {"status": [before, ReportStatus.NOT_ACCEPTED]},
    )


@transaction.atomic
def report_feedback(*, report: Report, actor, body: str, version: int | None) -> Report:
    """Tell the reporter what was done (the feedback the rule's feedback_months ask for); it also acknowledges a
    report that was not acknowledged yet."""
    _check(actor, report)
    report = _lock(report, version)
    if report.status == ReportStatus.NOT_ACCEPTED:
        raise ValidationError(_("The report was not accepted: the reporter was told so already."))
    if report.feedback_at is not None:
        raise ValidationError(_("Feedback was already given; send a message instead."))
    _message(report, actor, _body(body))
    fields = ["feedback_at"]
    report.feedback_at = timezone.now()
    if report.acknowledged_at is None:
        report.acknowledged_at = report.feedback_at
        fields.append("acknowledged_at")
    if report.status == ReportStatus.NEW:
        report.status = ReportStatus.ACKNOWLEDGED
        fields.append("status")
    return _save(report, actor, "feedback", fields, {"feedback": True})
