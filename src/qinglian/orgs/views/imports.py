"""Roster import pages: template, upload, check progress, errors or preview, confirm, save progress, result;
and the member list's export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.views import permission_required
from qinglian.orgs import tasks
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.filters import MemberFilterForm
from qinglian.orgs.forms import RosterUploadForm
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import RosterImport
from qinglian.orgs.services.imports import max_upload_bytes, roster_confirm, roster_template, roster_upload
from qinglian.reports.xlsx import xlsx_response

RUNNING = (RosterImport.Status.CHECKING, RosterImport.Status.IMPORTING)


@permission_required("member.import")
def import_start(request):
    root = scope_or_404(request)
    allowed = can(request.user, "member.import", root)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            upload = roster_upload(
                owner=request.user, organisation=root, mode=form.cleaned_data["mode"],
                file=form.cleaned_data["file"], lang=get_language(),
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            job_enqueue(tasks.roster_check_job, upload.job)
            return redirect("orgs:import_detail", pk=upload.pk)
    recent = RosterImport.objects.filter(owner=request.user).select_related("organisation")[:5]
    context = {"form": form, "root": root, "allowed": allowed, "recent": recent,
               "max_mb": max_upload_bytes() // (1024 * 1024)}  # fmt: skip
    return render(request, "orgs/import_start.html", context)


def _upload(request, pk) -> RosterImport:
    queryset = RosterImport.objects.filter(owner=request.user).select_related("organisation", "job")
    return get_visible_or_404(queryset, request.user, "member.import", pk=pk)


@permission_required("member.import")
def import_detail(request, pk):
    upload = _upload(request, pk)
    if request.htmx:
        if upload.status in RUNNING:
            return render(request, "orgs/partials/import_progress.html", {"upload": upload})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # finished: show the whole result page
        return response
    errors = Paginator(upload.errors, 100).get_page(request.GET.get("page"))
    file_problem = upload.errors[0]["message"] if upload.errors and upload.errors[0]["row"] is None else ""
    return render(request, "orgs/import_detail.html", {"upload": upload, "page": errors, "file_problem": file_problem})


@permission_required("member.import")
@require_POST
def import_confirm(request, pk):
    upload = _upload(request, pk)
    try:
        upload = roster_confirm(upload=upload, actor=request.user, lang=get_language())
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        job_enqueue(tasks.roster_import_job, upload.job)
    return redirect("orgs:import_detail", pk=upload.pk)


@permission_required("member.import")
def import_template(request):
    return xlsx_response(roster_template(), _("roster-template") + ".xlsx")


@permission_required("member.import")
@require_POST
def member_export(request):
    root = scope_or_404(request)
    if not can(request.user, "member.import", root):
        raise Http404
    # The filters as the list shows them: posted with the button (htmx includes the filter form),
    # or carried in the query string from the page as it was loaded.
    source = request.POST if any(name in request.POST for name in MemberFilterForm.base_fields) else request.GET
    filters = {name: source.get(name) for name in MemberFilterForm.base_fields if source.get(name)}
    job = job_create(
        owner=request.user,
        kind="member.export",
        title=_("Member export: {org} ({time})").format(org=root.display_name, time=f"{timezone.localtime():%H:%M}"),
        params={"root": root.pk, "filters": filters, "lang": get_language()},
    )
    job_enqueue(tasks.member_export_job, job)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("core:job_detail", args=[job.pk])
        return response
    return redirect("core:job_detail", pk=job.pk)
