"""The reporting portal's own small API under /api/v1/report/: no login — the receipt code is the credential.

Files a report (JSON, without attachments: files go through the page, which strips their metadata before storing),
looks one up, and adds a message to it. The same services and the same rate limits as the pages; nothing about the
caller is kept. A wrong receipt code answers 404 and is counted; too many of them, or too many requests, answer 429
with Retry-After.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from qinglian.discipline.models import Report, ReportMessage
from qinglian.discipline.services import portal as services
from qinglian.discipline.services import ratelimit
from qinglian.discipline.vocab import Category, MessageSide
from qinglian.orgs.models import Organisation

router = Router(auth=None, tags=["reporting portal"])


# --- schemas ---------------------------------------------------------------------------------------------------
# Named Portal…: the OpenAPI document keeps one schema per name, across all modules.


class PortalErrorDetail(Schema):
    code: str
    message: str


class PortalErrorOut(Schema):
    error: PortalErrorDetail


class PortalUnitOut(Schema):
    id: int
    name: str
    parent_id: int | None


class PortalChoiceOut(Schema):
    value: str
    label: str


class PortalOptionsOut(Schema):
    units: list[PortalUnitOut] = Field(description="where a report may be sent (organisation_id)")
    categories: list[PortalChoiceOut]
    max_text_chars: int
    ack_days: int
    feedback_months: int


class PortalReporterIn(Schema):
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    address: str = ""
    unit: str = ""


class PortalReportIn(Schema):
    organisation_id: int
    category: str = Field(description="one of the categories listed by /options")
    subject_name: str = ""
    subject_unit: str
    subject_post: str = ""
    text: str
    reporter: PortalReporterIn | None = Field(None, description="only for a real-name report; sealed at once")


class PortalReceiptOut(Schema):
    receipt: str = Field(description="16 digits in groups of four: shown this once, kept nowhere")
    ack_due: date
    feedback_due: date
    notice: str


class PortalReceiptIn(Schema):
    receipt: str = Field(description="the 16 digits; spaces and dashes are ignored")


class PortalMessageIn(PortalReceiptIn):
    body: str


class PortalAttachmentOut(Schema):
    name: str
    size: int
    metadata_stripped: bool


class PortalMessageOut(Schema):
    side: str = Field(description="reporter or handler")
    sender: str = Field(description="“You” or “Discipline inspection”: never a person's name")
    body: str
    sent_at: datetime
    attachments: list[PortalAttachmentOut]

    @staticmethod
    def resolve_sender(obj: ReportMessage) -> str:
        return _("You") if obj.side == MessageSide.REPORTER else str(obj.get_side_display())

    @staticmethod
    def resolve_sent_at(obj: ReportMessage) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_attachments(obj: ReportMessage) -> list:
        return list(obj.attachments.all())


class PortalReportOut(Schema):
    status: str
    status_label: str
    status_text: str
    organisation: str
    category: str
    subject_name: str
    subject_unit: str
    subject_post: str
    text: str
    anonymous: bool
    received_at: datetime
    ack_due: date
    feedback_due: date
    acknowledged_at: datetime | None
    feedback_at: datetime | None
    not_accepted_reason: str
    attachments: list[PortalAttachmentOut]
    messages: list[PortalMessageOut]


# --- endpoints --------------------------------------------------------------------------------------------------

ERRORS = {404: PortalErrorOut, 429: PortalErrorOut}


def _error(status: int, code: str, message: str) -> Status:
    return Status(status, {"error": {"code": code, "message": str(message)}})


def _limited(response: HttpResponse, exc: ratelimit.Limited) -> Status:
    response["Retry-After"] = str(exc.retry_after)
    return _error(429, exc.code, exc.message)


@router.get("/options", response=PortalOptionsOut)
def options(request):
    """What the report form offers: the units, the categories, and the limits and deadlines in force."""
    rules = services.portal_rules()
    return {
        "units": list(services.portal_units()),
        "categories": [{"value": value, "label": str(label)} for value, label in Category.choices],
        "max_text_chars": rules["max_text_chars"],
        "ack_days": rules["ack_days"],
        "feedback_months": rules["feedback_months"],
    }


@router.post("/reports", response={201: PortalReceiptOut, 429: PortalErrorOut})
def report_file(request, response: HttpResponse, payload: PortalReportIn):
    """File a report; the answer holds its receipt code, which is never shown again."""
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    try:
        report, code = services.report_file(
            organisation=organisation,
            category=payload.category,
            subject_name=payload.subject_name,
            subject_unit=payload.subject_unit,
            subject_post=payload.subject_post,
            text=payload.text,
            identity=payload.reporter.model_dump() if payload.reporter else None,
            client_key=ratelimit.client_key(request),
        )
    except ratelimit.Limited as exc:
        return _limited(response, exc)
    response["Cache-Control"] = "no-store"
    notice = _("Write the receipt code down: it is the only way to read the replies, and it cannot be shown again.")
    return Status(
        201,
        {
            "receipt": services.receipt_format(code),
            "ack_due": report.ack_due,
            "feedback_due": report.feedback_due,
            "notice": notice,
        },
    )


def _open(request, response: HttpResponse, receipt: str) -> Report | Status:
    try:
        return services.receipt_lookup(receipt, ratelimit.client_key(request))
    except services.ReceiptUnknown as exc:
        return _error(404, "receipt_unknown", exc.message)
    except ratelimit.Limited as exc:
        return _limited(response, exc)


@router.post("/lookup", response={200: PortalReportOut, **ERRORS})
def lookup(request, response: HttpResponse, payload: PortalReceiptIn):
    """A report by its receipt code: where it stands, its deadlines and its messages (replies are marked read)."""
    report = _open(request, response, payload.receipt)
    if isinstance(report, Status):
        return report
    response["Cache-Control"] = "no-store"
    label, sentence = services.status_words(report)
    return {
        "status": report.status,
        "status_label": label,
        "status_text": sentence,
        "organisation": report.organisation.name,
        "category": str(report.get_category_display()),
        "subject_name": report.subject_name,
        "subject_unit": report.subject_unit,
        "subject_post": report.subject_post,
        "text": report.text,
        "anonymous": report.is_anonymous,
        "received_at": report.received_at,
        "ack_due": report.ack_due,
        "feedback_due": report.feedback_due,
        "acknowledged_at": report.acknowledged_at,
        "feedback_at": report.feedback_at,
        "not_accepted_reason": report.not_accepted_reason,
        "attachments": list(report.attachments.filter(message__isnull=True).order_by("pk")),
        "messages": services.reporter_thread(report),
    }


@router.post("/messages", response={201: PortalMessageOut, **ERRORS})
def message_send(request, response: HttpResponse, payload: PortalMessageIn):
    """Add information to a report; handlers read it on the report's thread."""
    report = _open(request, response, payload.receipt)
    if isinstance(report, Status):
        return report
    try:
        message = services.reporter_message(report=report, body=payload.body, client_key=ratelimit.client_key(request))
    except ratelimit.Limited as exc:
        return _limited(response, exc)
    response["Cache-Control"] = "no-store"
    return Status(201, message)
