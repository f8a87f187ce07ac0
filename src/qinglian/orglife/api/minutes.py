"""Minutes, attachments and the official exports over the API: the same services as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qinglian.core.models import Job
from qinglian.orglife import exports
from qinglian.orglife.models import Attachment, Meeting, Minutes
from qinglian.orglife.people import person_name
from qinglian.orglife.services import minutes as services
from qinglian.orglife.tasks import ledger_job_start
from qinglian.orglife.vocab import AttachmentKind, MinutesStatus
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Organisation
from qinglian.reports import docx

router = Router(tags=["orglife"])


class ItemSchema(Schema):
    """One agenda item; votes are {"for": n, "against": n, "abstain": n} or null (no vote taken)."""

    title: str
    discussion: str = ""
    decision: str = ""
    votes: dict[str, int | str | None] | None = None


class MinutesOut(Schema):
    id: int
    meeting_id: int
    number: int
    status: str
    summary: str
    items: list[dict]
    reason: str
    author: str
    submitted_at: datetime | None
    approved_by: str
    approved_at: datetime | None
    is_record: bool
    version: int

    @staticmethod
    def resolve_author(obj) -> str:
        return person_name(obj.author)

    @staticmethod
    def resolve_approved_by(obj) -> str:
        return person_name(obj.approved_by)

    @staticmethod
    def resolve_is_record(obj) -> bool:
        return bool(getattr(obj, "is_record", False))


class DraftIn(Schema):
    summary: str = ""
    items: list[ItemSchema] = []
    version: int = 0


class MinutesVersionIn(Schema):
    version: int


class MinutesReturnIn(MinutesVersionIn):
    note: str


class CorrectIn(MinutesVersionIn):
    reason: str


class AttachmentOut(Schema):
    id: int
    meeting_id: int
    kind: str
    name: str
    size: int
    content_type: str
    uploaded_at: datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj) -> str:
        return reverse("api:attachment_file", kwargs={"attachment_id": obj.pk})


class LedgerExportIn(Schema):
    organisation_id: int
    year: int = Field(..., ge=2000, le=2100)
    format: Literal["docx", "xlsx"] = "docx"


class JobOut(Schema):
    id: UUID
    status: str
    done: int
    total: int
    message: str
    created_at: datetime
    finished_at: datetime | None
    download_url: str

    @staticmethod
    def resolve_download_url(obj) -> str:
        if obj.status != Job.Status.DONE or not obj.result_file:
            return ""
        return reverse("api:ledger_export_file", kwargs={"job_id": obj.pk})


def _meeting(request, meeting_id: int, action: str = "orglife.view") -> Meeting:
    return get_visible_or_404(Meeting.objects.select_related("organisation"), request.user, action, pk=meeting_id)


def _minutes(request, minutes_id: int, action: str) -> Minutes:
    queryset = Minutes.objects.select_related("meeting__organisation", "author", "approved_by")
    return get_visible_or_404(queryset, request.user, action, pk=minutes_id)


def _versions(request, meeting: Meeting) -> list[Minutes]:
    """The versions the caller may read: all of them for those who write or approve, else the approved ones."""
    versions = services.minutes_readable(request.user, meeting)
    versions = list(versions.select_related("author__member", "approved_by__member"))
    record = next((v for v in versions if v.status == MinutesStatus.APPROVED), None)
    if record is not None:
        record.is_record = True
    return versions


def _out(minutes: Minutes) -> Minutes:
    minutes = Minutes.objects.select_related("author__member", "approved_by__member").get(pk=minutes.pk)
    latest = (
        Minutes.objects.filter(meeting_id=minutes.meeting_id, status=MinutesStatus.APPROVED).order_by("-number").first()
    )
    minutes.is_record = latest is not None and latest.pk == minutes.pk
    return minutes


@router.get("/meetings/{meeting_id}/minutes", response=list[MinutesOut], summary="Every version of a meeting's minutes")
def minutes_list(request, meeting_id: int):
    return _versions(request, _meeting(request, meeting_id))


@router.get(
    "/meetings/{meeting_id}/minutes/current", response=MinutesOut, summary="The record: the latest approved version"
)
def minutes_current(request, meeting_id: int):
    record = next(
        (v for v in _versions(request, _meeting(request, meeting_id)) if getattr(v, "is_record", False)), None
    )
    if record is None:
        raise Http404
    return record


@router.put(
    "/meetings/{meeting_id}/minutes/draft",
    response=MinutesOut,
    summary="Create or update the draft (version 0 when there is none yet)",
)
def minutes_draft(request, meeting_id: int, payload: DraftIn):
    meeting = _meeting(request, meeting_id, "orglife.manage")
    saved = services.minutes_save(
        meeting=meeting,
        summary=payload.summary,
        items=[item.dict() for item in payload.items],
        actor=request.user,
        version=payload.version,
    )
    return _out(saved)


@router.post("/minutes/{minutes_id}/submit", response=MinutesOut, summary="Submit a draft for approval")
def minutes_submit(request, minutes_id: int, payload: MinutesVersionIn):
    minutes = _minutes(request, minutes_id, "orglife.manage")
    return _out(services.minutes_submit(minutes=minutes, actor=request.user, version=payload.version))


@router.post(
    "/minutes/{minutes_id}/return", response=MinutesOut, summary="Return submitted minutes to draft, with a note"
)
def minutes_return(request, minutes_id: int, payload: MinutesReturnIn):
    minutes = _minutes(request, minutes_id, "orglife.approve")
    return _out(
        services.minutes_return(minutes=minutes, note=payload.note, actor=request.user, version=payload.version)
    )


@router.post("/minutes/{minutes_id}/approve", response=MinutesOut, summary="Approve: the minutes become the record")
def minutes_approve(request, minutes_id: int, payload: MinutesVersionIn):
    minutes = _minutes(request, minutes_id, "orglife.approve")
    return _out(services.minutes_approve(minutes=minutes, actor=request.user, version=payload.version))


@router.post(
    "/meetings/{meeting_id}/minutes/correct",
    response={201: MinutesOut},
    summary="Open a correction of the record (version is the record's)",
)
def minutes_correct(request, meeting_id: int, payload: CorrectIn):
    meeting = _meeting(request, meeting_id, "orglife.manage")
    draft = services.minutes_correct(
        meeting=meeting, reason=payload.reason, actor=request.user, version=payload.version
    )
    return Status(201, _out(draft))


@router.get(
    "/meetings/{meeting_id}/minutes/docx",
    response={200: None},
    summary="The record (or, for its writers, the version in the making) as a Word document",
)
def minutes_docx(request, meeting_id: int, number: int | None = None):
    meeting = _meeting(request, meeting_id)
    minutes = services.minutes_for_export(request.user, meeting, number)
    if minutes is None and not can(request.user, "orglife.manage", meeting):
        raise Http404
    return docx.docx_response(exports.minutes_document(meeting, minutes), exports.minutes_filename(meeting))


# -- attachments ------------------------------------------------------------------------------------


@router.get("/meetings/{meeting_id}/attachments", response=list[AttachmentOut], summary="A meeting's attachments")
def attachment_list(request, meeting_id: int):
    return list(_meeting(request, meeting_id).attachments.order_by("uploaded_at", "pk"))


@router.post(
    "/meetings/{meeting_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a photo, sign-in sheet scan or document (multipart)",
)
def attachment_upload(
    request,
    meeting_id: int,
    kind: AttachmentKind = Form(AttachmentKind.PHOTO),  # noqa: B008
    file: UploadedFile = File(...),  # noqa: B008
):
    meeting = _meeting(request, meeting_id, "orglife.manage")
    return Status(201, services.attachment_add(meeting=meeting, file=file, kind=kind, actor=request.user))


def _attachment(request, attachment_id: int, action: str) -> Attachment:
    queryset = Attachment.objects.select_related("meeting__organisation")
    return get_visible_or_404(queryset, request.user, action, pk=attachment_id)


@router.get(
    "/attachments/{attachment_id}/file", response={200: None}, url_name="attachment_file", summary="Download a file"
)
def attachment_file(request, attachment_id: int):
    attachment = _attachment(request, attachment_id, "orglife.view")
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )


@router.delete(
    "/attachments/{attachment_id}", response={204: None}, summary="Remove a file while the record is not locked"
)
def attachment_delete(request, attachment_id: int):
    services.attachment_remove(attachment=_attachment(request, attachment_id, "orglife.manage"), actor=request.user)
    return Status(204, None)


# -- the ledger -------------------------------------------------------------------------------------


@router.post(
    "/ledger-exports",
    response={202: JobOut},
    summary="Start writing a unit's yearly meeting ledger (format docx or xlsx); poll the job",
)
def ledger_export_start(request, payload: LedgerExportIn):
    org = get_visible_or_404(Organisation.objects, request.user, "orglife.view", pk=payload.organisation_id)
    job = ledger_job_start(owner=request.user, org=org, year=payload.year, fmt=payload.format, lang=get_language())
    return Status(202, job)


def _job(request, job_id: UUID) -> Job:
    job = Job.objects.filter(pk=job_id, owner=request.user, kind="orglife.ledger_export").first()
    if job is None:
        raise Http404
    return job


@router.get("/ledger-exports/{job_id}", response=JobOut, summary="A ledger export's progress")
def ledger_export_status(request, job_id: UUID):
    return _job(request, job_id)


@router.get(
    "/ledger-exports/{job_id}/file",
    response={200: None},
    url_name="ledger_export_file",
    summary="The finished ledger file",
)
def ledger_export_file(request, job_id: UUID):
    job = _job(request, job_id)
    if job.status != Job.Status.DONE or not job.result_file:
        raise Http404
    path = (settings.EXPORT_DIR / job.result_file).resolve()
    if path.parent != settings.EXPORT_DIR.resolve() or not path.exists():
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=True, filename=job.result_file)
