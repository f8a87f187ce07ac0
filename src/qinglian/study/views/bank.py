"""The question bank's pages: the list with filters, a question, writing and editing one, its history, imports
(upload → preview → confirm → progress), the template and exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.jobs import job_enqueue
from qinglian.core.models import Job
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import can
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import write_workbook, xlsx_response
from qinglian.study.forms.bank import BankFilterForm, BankUploadForm, QuestionForm
from qinglian.study.imports import tasks
from qinglian.study.imports.common import answer_text
from qinglian.study.imports.xlsx import export_sheet, template_bytes
from qinglian.study.models import Category, Question
from qinglian.study.services import bank as services

PER_PAGE = 30


def bank_questions(request, root):
    """The questions the list shows: the scope's banks and those of the units above it, filtered by the query."""
    questions = services.questions_readable(request.user).filter(
        subtree_q(root.path, "organisation__") | Q(organisation__path__in=ancestor_paths(root.path))
    )
    form = BankFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("q"):
        questions = questions.filter(current__stem__icontains=data["q"])
    if data.get("category"):
        category = Category.objects.filter(full_name=data["category"].strip("/")).first()
        questions = questions.filter(category.subtree_q("category__")) if category else questions.none()
    if data.get("qtype"):
        questions = questions.filter(current__qtype=data["qtype"])
    if data.get("topic"):
        questions = questions.filter(topic=data["topic"])
    if data.get("difficulty"):
        questions = questions.filter(current__difficulty=data["difficulty"])
    if data.get("tag"):
        questions = questions.filter(tags__name=data["tag"])
    if data.get("status"):
        questions = questions.filter(status=data["status"])
    return form, questions


@permission_required("study.bank")
def bank_list(request):
    root = scope_or_404(request)
    form, questions = bank_questions(request, root)
    questions = questions.select_related("current", "category", "organisation").order_by("-pk")
    context = {
        "root": root,
        "form": form,
        "page": id_page(questions, per_page=PER_PAGE, number=request.GET.get("page")),
        "can_edit": can(request.user, "study.bank", root),
        "query": request.GET.urlencode(),
    }
    return render(request, "study/question_list.html", context)


def _question_or_404(request, pk) -> Question:
    question = (
        services.questions_readable(request.user)
        .select_related("current", "category", "organisation")
        .filter(pk=pk)
        .first()
    )
    if question is None or question.current is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return question


@permission_required("study.bank")
def question_detail(request, pk: int):
    question = _question_or_404(request, pk)
    version = question.current
    context = {
        "question": question,
        "version": version,
        "options": list(zip("ABCDEFGH", version.options, strict=False)),
        "answer": answer_text(version.qtype, version.answer),
        "type_text": version.get_qtype_display(),
        "tags": list(question.tags.all()),
        "uses": services.question_uses(question),
        "can_edit": can(request.user, "study.bank", question),
    }
    return render(request, "study/question_detail.html", context)


@permission_required("study.bank")
def question_create(request):
    root = scope_or_404(request)
    if not can(request.user, "study.bank", root):
        raise Http404
    form = QuestionForm(request.POST or None, initial={"fill_ignore_case": True})
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_create(organisation=root, data=form.question_data, actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"answer": _answer_field(form)})
        else:
            messages.success(request, _("The question was added."))
            return redirect("study:question_detail", pk=question.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "study/question_form.html", {"form": form, "root": root}, status=status)


def _answer_field(form) -> str:
    from qinglian.study.forms.bank import ANSWER_FIELD

    return ANSWER_FIELD.get(form.cleaned_data.get("qtype"), "answer_letters")


@permission_required("study.bank")
def question_edit(request, pk: int):
    question = _question_or_404(request, pk)
    if not can(request.user, "study.bank", question):
        raise Http404
    token = services.version_token(question)
    initial = QuestionForm.initial_for(services.question_data(question), token)
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_edit(
                question=question, data=form.question_data, token=form.cleaned_data["token"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"answer": _answer_field(form)})
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The question was saved (version {n}).").format(n=question.current.number))
            return redirect("study:question_detail", pk=question.pk)
    status = 422 if request.method == "POST" else 200
    used = bool(services.used_version_ids([question.current_id]))
    context = {"form": form, "question": question, "used": used}
    return render(request, "study/question_form.html", context, status=status)


@permission_required("study.bank")
def question_history(request, pk: int):
    question = _question_or_404(request, pk)
    versions = list(question.versions.select_related("created_by").order_by("number"))
    rows = [
        {"version": v, "diff": services.version_diff(versions[i - 1] if i else None, v)} for i, v in enumerate(versions)
    ]
    rows.reverse()
    return render(request, "study/question_history.html", {"question": question, "rows": rows})


# -- import and export ---------------------------------------------------------------------------------------------


@permission_required("study.bank")
def bank_import(request):
    root = scope_or_404(request)
    allowed = can(request.user, "study.bank", root)
    form = BankUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and allowed and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.bank_import_upload(
                organisation=root,
                actor=request.user,
                name=upload.name,
                data=upload.read(),
                fmt=form.cleaned_data["format"],
                category=form.cleaned_data["category"],
                lang=get_language(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("study:bank_import_detail", pk=job.pk)
    recent = Job.objects.filter(owner=request.user, kind=services.IMPORT_KIND)[:5]
    context = {"form": form, "root": root, "allowed": allowed, "recent": recent}
    return render(request, "study/bank_import.html", context, status=422 if form.errors else 200)


def _import_job(request, pk) -> Job:
    job = Job.objects.filter(owner=request.user, kind=services.IMPORT_KIND, pk=pk).first()
    if job is None or not can(request.user, "study.bank", services.import_organisation(job)):
        raise Http404(_("No such record, or it is not within your organisations."))
    return job


@permission_required("study.bank")
def bank_import_detail(request, pk):
    job = _import_job(request, pk)
    state = job.params.get("state")
    if request.htmx:
        if state == services.ImportState.IMPORTING:
            return render(request, "study/partials/bank_import_progress.html", {"job": job})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    errors = job.params.get("errors", [])
    page = Paginator(errors, 100).get_page(request.GET.get("page"))
    file_problem = errors[0]["message"] if errors and errors[0]["row"] is None else ""
    context = {
        "job": job,
        "params": job.params,
        "state": state,
        "page": page,
        "file_problem": file_problem,
        "states": services.ImportState,
    }
    return render(request, "study/bank_import_detail.html", context)


@permission_required("study.bank")
@require_POST
def bank_import_confirm(request, pk):
    job = _import_job(request, pk)
    try:
        job = services.bank_import_confirm(job=job, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("study:bank_import_detail", pk=job.pk)
    if services.import_is_large(job):
        job_enqueue(tasks.bank_import_job, job)
    else:
        try:
            services.bank_import_run(job=job, actor=request.user)
        except ValidationError as exc:
            services.bank_import_fail(job=job, message=" ".join(exc.messages))
    return redirect("study:bank_import_detail", pk=job.pk)


@permission_required("study.bank")
def bank_template(request):
    return xlsx_response(template_bytes(), _("question-bank-template") + ".xlsx")


@permission_required("study.bank")
def bank_export(request):
    """The filtered list as the import template (.xlsx, imports again) or as GIFT text."""
    root = scope_or_404(request)
    _form, questions = bank_questions(request, root)
    questions = questions.order_by("pk")
    if request.GET.get("format") == "gift":
        response = HttpResponse(services.export_gift(questions), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="questions.gift.txt"'
        return response
    import io

    buffer = io.BytesIO()
    write_workbook(buffer, [export_sheet(services.export_rows(questions))])
    return xlsx_response(buffer.getvalue(), _("questions") + ".xlsx")


urls = [
    path("bank/", bank_list, name="bank_list"),
    path("bank/new/", question_create, name="question_create"),
    path("bank/<int:pk>/", question_detail, name="question_detail"),
    path("bank/<int:pk>/edit/", question_edit, name="question_edit"),
    path("bank/<int:pk>/history/", question_history, name="question_history"),
    path("bank/import/", bank_import, name="bank_import"),
    path("bank/import/<uuid:pk>/", bank_import_detail, name="bank_import_detail"),
    path("bank/import/<uuid:pk>/confirm/", bank_import_confirm, name="bank_import_confirm"),
    path("bank/template/", bank_template, name="bank_template"),
    path("bank/export/", bank_export, name="bank_export"),
]
