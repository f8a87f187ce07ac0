"""The evaluation reports page: for a cycle, the whole organisation's report and each unit's, as .docx or .xlsx.

A report holds only what the reader may see; a large one is written by a background job whose page offers it.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import get_language

from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import dashboards
from qinglian.evaluation.services import reports as services
from qinglian.evaluation.services.scoring import grade_texts
from qinglian.evaluation.views.dashboards import _int, cycle_visible_or_404
from qinglian.orgs.access import can
from qinglian.orgs.models import Organisation
from qinglian.reports.docx import CONTENT_TYPE as DOCX_TYPE
from qinglian.reports.xlsx import XLSX_TYPE


@permission_required(VIEW)
def reports(request):
    pk = _int(request.GET.get("cycle"))
    cycle = cycle_visible_or_404(request.user, pk) if pk is not None else dashboards.cycle_latest(request.user)
    context = {"cycle": cycle, "cycles": list(dashboards.cycles_visible(request.user).order_by("-year"))}
    if cycle is not None:
        scores = dashboards.scores_in_scope(request.user).filter(cycle=cycle).select_related("organisation")
        page = id_page(scores.order_by("organisation__path"), per_page=50, number=request.GET.get("page"))
        grade_text = grade_texts()
        for score in page.object_list:
            score.grade_text = grade_text(score)
        context.update(
            page=page,
            whole=can(request.user, VIEW, cycle),
            formats=services.FORMATS,
        )
    return render(request, "evaluation/reports.html", context)


@permission_required(VIEW)
def report_download(request, pk: int, fmt: str):
    if fmt not in services.FORMATS:
        raise Http404
    cycle = cycle_visible_or_404(request.user, pk)
    org_id = _int(request.GET.get("org"))
    org = Organisation.objects.filter(pk=org_id).first() if org_id is not None else None
    if org_id is not None and org is None:
        raise Http404
    services.report_scope(user=request.user, cycle=cycle, org=org)  # 404 before any job is queued
    if services.needs_job(user=request.user, cycle=cycle, org=org):
        job = services.report_job_start(owner=request.user, cycle=cycle, org=org, fmt=fmt, lang=get_language())
        return redirect("core:job_detail", pk=job.pk)
    data, name = services.report_export(user=request.user, cycle=cycle, org=org, fmt=fmt)
    response = HttpResponse(data, content_type=XLSX_TYPE if fmt == "xlsx" else DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


urls = [
    path("reports/", reports, name="reports"),
    path("reports/<int:pk>/report.<str:fmt>", report_download, name="report_download"),
]
