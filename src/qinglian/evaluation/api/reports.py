"""The evaluation report over the API: the .docx or .xlsx itself, or 202 with a job when it is large."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import dashboards
from qinglian.evaluation.services import reports as services
from qinglian.orgs.access import has_permission
from qinglian.orgs.models import Organisation
from qinglian.reports.docx import CONTENT_TYPE as DOCX_TYPE
from qinglian.reports.xlsx import XLSX_TYPE

router = Router(tags=["evaluation"])


class ReportJobOut(Schema):
    job_id: str
    detail: str


@router.get(
    "/reports/{cycle_id}",
    response={200: None, 202: ReportJobOut},
    summary="The evaluation report of a unit or of the whole organisation (.docx or .xlsx)",
)
def report(request, cycle_id: int, format: str = "docx", org_id: int | None = None):
    """Without `org_id`: the whole organisation of the cycle (needs evaluation.view on it); with it: that unit."""
    if not has_permission(request.user, VIEW):
        raise Http404
    cycle = dashboards.cycles_visible(request.user).filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404
    if format not in services.FORMATS:
        raise ValidationError({"format": _("Choose docx or xlsx.")})
    org = Organisation.objects.filter(pk=org_id).first() if org_id is not None else None
    if org_id is not None and org is None:
        raise Http404
    services.report_scope(user=request.user, cycle=cycle, org=org)
    if services.needs_job(user=request.user, cycle=cycle, org=org):
        job = services.report_job_start(owner=request.user, cycle=cycle, org=org, fmt=format, lang=get_language())
        return Status(202, {"job_id": str(job.pk), "detail": reverse("core:job_detail", args=[job.pk])})
    data, name = services.report_export(user=request.user, cycle=cycle, org=org, fmt=format)
    response = HttpResponse(data, content_type=XLSX_TYPE if format == "xlsx" else DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
