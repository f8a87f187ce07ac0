"""Roster imports through the API: upload, poll the check, read the errors, confirm; and the template."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import get_language
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qinglian.core.jobs import job_enqueue
from qinglian.orgs import tasks
from qinglian.orgs.access import get_visible_or_404, has_permission
from qinglian.orgs.models import Organisation, RosterImport
from qinglian.orgs.services.imports import roster_confirm, roster_template, roster_upload
from qinglian.reports.xlsx import xlsx_response

router = Router(tags=["imports"])

ERRORS_PER_PAGE = 100


class ImportProblem(Schema):
    row: int | None
    column: str
    value: str
    message: str


class RosterImportOut(Schema):
    id: UUID
    organisation_id: int
    mode: str
    file_name: str
    status: str
    total_rows: int
    created_count: int
    updated_count: int
    error_count: int
    created_at: datetime
    job_id: UUID | None


class ImportDetailOut(RosterImportOut):
    errors: list[ImportProblem]
    errors_page: int
    errors_pages: int
    preview: list[dict]
    progress_done: int
    progress_total: int


def _upload(request, import_id: UUID) -> RosterImport:
    queryset = RosterImport.objects.filter(owner=request.user).select_related("organisation", "job")
    return get_visible_or_404(queryset, request.user, "member.import", pk=import_id)


@router.get("/imports/template", summary="The roster template (.xlsx)", response={200: None})
def import_template(request):
    if not has_permission(request.user, "member.import"):
        raise Http404
    return xlsx_response(roster_template(), "roster-template.xlsx")


@router.post(
    "/imports", response={202: RosterImportOut}, summary="Upload a roster (.xlsx); it is checked in the background"
)
def import_upload(
    request,
    organisation_id: int = Form(...),
    mode: RosterImport.Mode = Form(RosterImport.Mode.CREATE),  # noqa: B008
    file: UploadedFile = File(...),  # noqa: B008
):
    org = get_visible_or_404(Organisation.objects, request.user, "member.import", pk=organisation_id)
    try:
        upload = roster_upload(owner=request.user, organisation=org, mode=mode, file=file, lang=get_language())
    except PermissionDenied:
        raise Http404 from None
    except DjangoValidationError as exc:
        raise DjangoValidationError({"file": exc.messages}) from None
    job_enqueue(tasks.roster_check_job, upload.job)
    return Status(202, upload)


@router.get(
    "/imports/{import_id}", response=ImportDetailOut, summary="An import's status, errors (paginated) and preview"
)
def import_detail(request, import_id: UUID, page: int = 1):
    upload = _upload(request, import_id)
    pages = max(1, -(-len(upload.errors) // ERRORS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * ERRORS_PER_PAGE
    upload.errors_page = page
    upload.errors_pages = pages
    upload.errors = upload.errors[start : start + ERRORS_PER_PAGE]
    upload.progress_done = upload.job.done if upload.job else 0
    upload.progress_total = upload.job.total if upload.job else 0
    return upload


@router.post("/imports/{import_id}/confirm", response={202: RosterImportOut}, summary="Save a checked import")
def import_confirm(request, import_id: UUID):
    upload = _upload(request, import_id)
    try:
        upload = roster_confirm(upload=upload, actor=request.user, lang=get_language())
    except PermissionDenied:
        raise Http404 from None
    job_enqueue(tasks.roster_import_job, upload.job)
    return Status(202, upload)
