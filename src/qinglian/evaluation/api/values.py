"""Survey results and manual values over the API: the list, entering one value (with its evidence file for a manual
value), and the survey import (check a workbook, confirm it). The same services and access rules as the pages."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.permissions import MANAGE
from qinglian.evaluation.services import values as services
from qinglian.orgs.access import get_visible_or_404, has_permission, scope_q
from qinglian.orgs.models import Organisation

router = Router(tags=["evaluation"])


class ValueOut(Schema):
    id: int
    organisation_id: int
    indicator: str
    period: str
    period_start: date
    period_end: date
    value: float
    respondents: int | None
    std_error: float | None
    evidence_name: str
    note: str
    entered_at: datetime
    version: int

    @staticmethod
    def resolve_indicator(obj) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_period(obj) -> str:
        return services.period_key(obj)


class ValueImportOut(Schema):
    id: str
    state: str
    total: int
    updates: int = 0
    error_count: int = 0
    errors: list[dict] = []


class ValueSavedOut(Schema):
    saved: int


def _need(request) -> None:
    if not has_permission(request.user, MANAGE):
        raise Http404


@router.get("/values", response=list[ValueOut], summary="Survey and manual values within your scope")
def value_list(request, indicator: str = "", organisation_id: int | None = None):
    _need(request)
    rows = Value.objects.filter(scope_q(request.user, MANAGE, model=Value)).select_related("indicator")
    if indicator:
        rows = rows.filter(indicator__code=indicator)
    if organisation_id:
        rows = rows.filter(organisation_id=organisation_id)
    return list(rows.order_by("-period_start", "organisation__path")[:1000])


@router.post("/values", response={201: ValueOut}, summary="Enter a value (a manual one with its evidence file)")
def value_create(
    request,
    organisation_id: int = Form(...),
    indicator: str = Form(...),
    period: str = Form(...),
    value: float = Form(...),
    respondents: int | None = Form(None),
    std_error: float | None = Form(None),
    note: str = Form(""),
    evidence: UploadedFile | None = File(None),  # noqa: B008
):
    _need(request)
    org = get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=organisation_id)
    ind = Indicator.objects.filter(code=indicator).order_by("-version").first()
    if ind is None:
        raise Http404
    try:
        row = services.value_create(
            indicator=ind, organisation=org, period=period, value=value, respondents=respondents,
            std_error=std_error, note=note, evidence=evidence, actor=request.user,
        )  # fmt: skip
    except PermissionDenied:
        raise Http404 from None
    return Status(201, row)


def _import_out(job) -> dict:
    p = job.params
    return {
        "id": str(job.pk), "state": p.get("state", ""), "total": p.get("total", 0), "updates": p.get("updates", 0),
        "error_count": p.get("error_count", 0), "errors": p.get("errors", []),
    }  # fmt: skip


@router.post("/values/import", response={201: ValueImportOut}, summary="Check a survey workbook (errors by row)")
def import_check(request, organisation_id: int = Form(...), file: UploadedFile = File(...)):  # noqa: B008
    _need(request)
    org = get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=organisation_id)
    try:
        job = services.value_import_check(scope=org, actor=request.user, name=file.name, data=file.read())
    except PermissionDenied:
        raise Http404 from None
    return Status(201, _import_out(job))


@router.get("/values/import/{job_id}", response=ValueImportOut, summary="A checked survey import")
def import_detail(request, job_id: str):
    _need(request)
    job = services.import_job(job_id, request.user)
    if job is None:
        raise Http404
    return _import_out(job)


@router.post("/values/import/{job_id}/confirm", response=ValueSavedOut, summary="Save a checked import, all or nothing")
def import_confirm(request, job_id: str):
    _need(request)
    job = services.import_job(job_id, request.user)
    if job is None:
        raise Http404
    try:
        saved = services.value_import_confirm(job=job, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    return {"saved": saved}
