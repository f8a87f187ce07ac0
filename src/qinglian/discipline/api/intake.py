"""The reports inbox over the API: portal reports waiting for intake (or not accepted), one report with its thread
(an audited read), and the answers intake gives — acknowledge, reply, not accept, feedback — and registering it as
a clue. Everyone outside discipline inspection gets 404."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.audit import audit_sealed_read
from qinglian.core.paging import IdPageNumberPagination
from qinglian.discipline.api.clues import ClueDetailOut, ClueRegisterIn, clue_out, register_from
from qinglian.discipline.permissions import INTAKE
from qinglian.discipline.services import intake as services
from qinglian.discipline.services.access import require_module
from qinglian.discipline.vocab import ReportStatus
from qinglian.orgs import access

router = Router(tags=["discipline: reports inbox"])


class IntakeReportOut(Schema):
    id: int
    organisation_id: int
    status: str
    category: str
    subject_name: str
    subject_unit: str
    subject_post: str
    excerpt: str
    is_anonymous: bool
    received_at: datetime
    ack_due: date
    feedback_due: date
    acknowledged_at: datetime | None
    feedback_at: datetime | None
    ack_overdue: bool
    feedback_overdue: bool
    clue_id: int | None = None
    version: int

    @staticmethod
    def resolve_excerpt(obj) -> str:
        return obj.text[:120]

    @staticmethod
    def resolve_ack_overdue(obj) -> bool:
        return services.ack_overdue(obj)

    @staticmethod
    def resolve_feedback_overdue(obj) -> bool:
        return services.feedback_overdue(obj)


class ReportAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    metadata_stripped: bool
    message_id: int | None
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("discipline:report_attachment", args=[obj.pk])


class ReportMessageOut(Schema):
    id: int
    side: str
    author: str
    body: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.get_username() if obj.author_id else ""


class ReportDetailSchema(IntakeReportOut):
    text: str
    not_accepted_reason: str
    messages: list[ReportMessageOut]
    attachments: list[ReportAttachmentOut]


class ReportAcknowledgeIn(Schema):
    version: int
    body: str = Field(description="the message the reporter reads on the portal")


class ReportReplyIn(Schema):
    body: str


class ReportNotAcceptIn(Schema):
    version: int
    reason: str = Field(description="kept on record")
    message: str = Field(description="what the reporter is told")


class ReportRegisterIn(ClueRegisterIn):
    version: int = Field(description="the report's version")


def _require_intake(request) -> None:
    require_module(request.user)
    if not access.has_permission(request.user, INTAKE):
        raise Http404


def _detail(report):
    clue = services.clue_of(report)
    report.clue_id = clue.pk if clue else None
    report.messages_list = list(services.thread(report))
    report.attachments_list = list(report.attachments.all())
    return report


class ReportDetailOut(ReportDetailSchema):
    @staticmethod
    def resolve_messages(obj):
        return obj.messages_list

    @staticmethod
    def resolve_attachments(obj):
        return obj.attachments_list


def _report(request, report_id: int):
    require_module(request.user)
    return services.report_or_404(request.user, report_id)


@router.get("/reports", response=list[IntakeReportOut], summary="Portal reports waiting for intake")
@paginate(IdPageNumberPagination)
def report_list(request, view: str = "waiting"):
    """`waiting`: new and acknowledged reports, by acknowledgement deadline; `not_accepted`: those refused."""
    _require_intake(request)
    statuses = (ReportStatus.NOT_ACCEPTED,) if view == "not_accepted" else services.WAITING
    qs = services.inbox(request.user).filter(status__in=statuses)
    if view == "not_accepted":
        return qs.order_by("-received_at", "-pk")
    return qs.order_by("ack_due", "received_at", "pk")


@router.get("/reports/{report_id}", response=ReportDetailOut, summary="One report with its thread (an audited read)")
def report_get(request, report_id: int):
    """Once registered, a report is read by those who may open its clue."""
    report = _report(request, report_id)
    audit_sealed_read(actor=request.user, obj=report, reason="intake (API): read the report")
    services.mark_read(report)
    return _detail(report)


def _reread(request, report_id: int):
    return _detail(services.report_or_404(request.user, report_id))


@router.post("/reports/{report_id}/acknowledge", response=ReportDetailOut, summary="Acknowledge receipt")
def report_acknowledge(request, report_id: int, payload: ReportAcknowledgeIn):
    report = _report(request, report_id)
    services.report_acknowledge(report=report, actor=request.user, body=payload.body, version=payload.version)
    return _reread(request, report_id)


@router.post("/reports/{report_id}/reply", response={201: ReportMessageOut}, summary="A message to the reporter")
def report_reply(request, report_id: int, payload: ReportReplyIn):
    report = _report(request, report_id)
    return Status(201, services.report_reply(report=report, actor=request.user, body=payload.body))


@router.post(
    "/reports/{report_id}/not-accept", response=ReportDetailOut, summary="Refuse a report, telling the reporter"
)
def report_not_accept(request, report_id: int, payload: ReportNotAcceptIn):
    report = _report(request, report_id)
    services.report_not_accept(
        report=report, actor=request.user, reason=payload.reason, message=payload.message, version=payload.version
    )
    return _reread(request, report_id)


@router.post("/reports/{report_id}/feedback", response=ReportDetailOut, summary="Tell the reporter what was done")
def report_feedback(request, report_id: int, payload: ReportAcknowledgeIn):
    report = _report(request, report_id)
    services.report_feedback(report=report, actor=request.user, body=payload.body, version=payload.version)
    return _reread(request, report_id)


@router.post("/reports/{report_id}/register", response={201: ClueDetailOut}, summary="Register a report as a clue")
def report_register(request, report_id: int, payload: ReportRegisterIn):
    """The clue takes the report's sealed identity as it is. When earlier clues look alike, send `repeat_of_id` (one
    of them, from /clues/similar) or `register_as_new`; otherwise the answer is 422 naming them."""
    report = _report(request, report_id)
    if report.status not in services.WAITING:
        raise ValidationError(_("This report is already registered or closed."))
    try:
        clue = register_from(request, payload, organisation=report.organisation, report=report, version=payload.version)
    except PermissionDenied:
        raise Http404 from None
    return Status(201, clue_out(request, clue))
