"""Survey results and manual values: the list, entry and edit (a manual value with its evidence file), the evidence
download, and the survey import (template, upload and check, confirm). Computed indicators are not entered: the
entry page says where their values come from. For the committee office (evaluation.manage) within its scope."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinglian.core.forms import StyledForm, add_service_errors
from qinglian.core.views import permission_required
from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.permissions import MANAGE, VIEW
from qinglian.evaluation.services import values as services
from qinglian.evaluation.services.catalogue import in_force
from qinglian.evaluation.vocab import Source
from qinglian.orgs.access import get_visible_or_404, scope_q
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import xlsx_response

PAGE = 50


class ValueForm(StyledForm):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Organisation.objects.none())
    indicator = forms.ModelChoiceField(label=gettext_lazy("Indicator"), queryset=Indicator.objects.none())
    period = forms.CharField(label=gettext_lazy("Period"), max_length=8, help_text=gettext_lazy("2025 or 2025Q3"))
    value = forms.FloatField(label=gettext_lazy("Value"))
    respondents = forms.IntegerField(label=gettext_lazy("Respondents"), required=False)
    std_error = forms.FloatField(label=gettext_lazy("Standard error"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(
        label=gettext_lazy("Evidence file"), required=False,
        help_text=gettext_lazy("Required for a manual value: PDF, photo, Word or Excel."),
    )  # fmt: skip
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, row: Value | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.active().filter(
            scope_q(user, MANAGE, model=Organisation)
        )
        self.fields["indicator"].queryset = Indicator.objects.filter(pk__in=[i.pk for i in services.enterable()])
        if row is not None:
            for name in ("organisation", "indicator", "period"):
                self.fields[name].required = False
                self.fields[name].disabled = True

    def clean_period(self):
        text = self.cleaned_data.get("period")
        if self.fields["period"].disabled:
            return text
        try:
            return services.period_parse(text).key
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from None


class UploadForm(StyledForm):
    file = forms.FileField(label=gettext_lazy("Workbook (.xlsx)"))


def _computed() -> list[Indicator]:
    return [i for i in in_force(timezone.localdate()) if i.source == Source.COMPUTED]


@permission_required(MANAGE)
def value_list(request):
    rows = (
        Value.objects.filter(scope_q(request.user, MANAGE, model=Value))
        .select_related("indicator", "organisation")
        .order_by("-period_start", "organisation__path", "indicator__order")
    )
    code = request.GET.get("indicator", "")
    if code:
        rows = rows.filter(indicator__code=code)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [(v, services.period_key(v)) for v in page.object_list],
        "indicators": services.enterable(),
        "code": code,
    }
    return render(request, "evaluation/value_list.html", context)


def _save(request, form: ValueForm, row: Value | None):
    data = form.cleaned_data
    common = {
        "value": data["value"],
        "respondents": data.get("respondents"),
        "std_error": data.get("std_error"),
        "note": data.get("note") or "",
        "evidence": data.get("evidence"),
        "actor": request.user,
    }
    if row is None:
        return services.value_create(
            indicator=data["indicator"], organisation=data["organisation"], period=data["period"], **common
        )
    return services.value_update(row=row, version=data.get("version"), **common)


def _form_page(request, form, row=None, status=200):
    context = {"form": form, "row": row, "computed": _computed()}
    return render(request, "evaluation/value_form.html", context, status=status)


@permission_required(MANAGE)
def value_create(request):
    form = ValueForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form, None)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The value was saved."))
            return redirect("evaluation:value_list")
    return _form_page(request, form, status=422 if form.errors else 200)


@permission_required(MANAGE)
def value_edit(request, pk: int):
    row = get_visible_or_404(Value.objects.select_related("indicator", "organisation"), request.user, MANAGE, pk=pk)
    initial = {
        "organisation": row.organisation, "indicator": row.indicator, "period": services.period_key(row),
        "value": row.value, "respondents": row.respondents, "std_error": row.std_error, "note": row.note,
        "version": row.version,
    }  # fmt: skip
    form = ValueForm(request.POST or None, request.FILES or None, user=request.user, row=row, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, form, row)
        except PermissionDenied:
            raise Http404 from None
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _form_page(request, form, row, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The value was saved."))
            return redirect("evaluation:value_list")
    return _form_page(request, form, row, status=422 if form.errors else 200)


@permission_required(VIEW)
def value_evidence(request, pk: int):
    row = get_visible_or_404(Value.objects.all(), request.user, VIEW, pk=pk)
    if not row.evidence or not default_storage.exists(row.evidence):
        raise Http404
    return FileResponse(default_storage.open(row.evidence, "rb"), as_attachment=True, filename=row.evidence_name)


@permission_required(MANAGE)
def value_template(request):
    return xlsx_response(services.value_template(), "survey-results-template.xlsx")


@permission_required(MANAGE)
def value_import(request):
    scope = scope_or_404(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.value_import_check(scope=scope, actor=request.user, name=upload.name, data=upload.read())
        except PermissionDenied:
            form.add_error(None, _("You may not enter values for {org}.").format(org=scope.display_name))
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("evaluation:value_import_detail", pk=job.pk)
    context = {"form": form, "scope": scope, "max_rows": services.MAX_ROWS}
    return render(request, "evaluation/value_import.html", context, status=422 if form.errors else 200)


def _job(request, pk):
    job = services.import_job(pk, request.user)
    if job is None:
        raise Http404
    return job


@permission_required(MANAGE)
def value_import_detail(request, pk):
    job = _job(request, pk)
    params = job.params
    context = {"job": job, "params": params, "preview": (params.get("rows") or [])[: services.PREVIEW_ROWS]}
    return render(request, "evaluation/value_import_detail.html", context)


@permission_required(MANAGE)
@require_POST
def value_import_confirm(request, pk):
    job = _job(request, pk)
    try:
        saved = services.value_import_confirm(job=job, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("evaluation:value_import_detail", pk=job.pk)
    messages.success(request, _("{n} values saved.").format(n=saved))
    return redirect("evaluation:value_list")


urls = [
    path("values/", value_list, name="value_list"),
    path("values/new/", value_create, name="value_create"),
    path("values/<int:pk>/", value_edit, name="value_edit"),
    path("values/<int:pk>/evidence/", value_evidence, name="value_evidence"),
    path("values/template.xlsx", value_template, name="value_template"),
    path("values/import/", value_import, name="value_import"),
    path("values/import/<uuid:pk>/", value_import_detail, name="value_import_detail"),
    path("values/import/<uuid:pk>/confirm/", value_import_confirm, name="value_import_confirm"),
]
