"""The question bank over the API: list and filter, a question with its versions, writing and editing one,
imports (upload → preview with errors → confirm) and exports."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils.translation import get_language
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qinglian.core.jobs import job_enqueue
from qinglian.core.models import Job
from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.reports.xlsx import write_workbook, xlsx_response
from qinglian.study.imports import tasks
from qinglian.study.imports.common import QuestionData, category_path
from qinglian.study.imports.xlsx import export_sheet
from qinglian.study.models import Category, Question
from qinglian.study.models.common import ancestor_paths
from qinglian.study.services import bank as services
from qinglian.study.vocab import MultipleRule, QuestionStatus, QuestionType, TopicKind

router = Router(tags=["study"])


class VersionOut(Schema):
    id: int
    number: int
    qtype: str
    stem: str
    options: list
    answer: list
    explanation: str
    source: str
    difficulty: int
    score: Decimal
    multiple_rule: str
    partial_fraction: Decimal
    fill_any_order: bool
    fill_ignore_case: bool
    created_at: datetime


class BankQuestionOut(Schema):
    id: int
    organisation_id: int
    category: str
    topic: str
    status: str
    external_code: str
    current: VersionOut

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.full_name


class QuestionDetailOut(BankQuestionOut):
    tags: list[str]
    token: str
    versions: list[VersionOut]

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_token(obj) -> str:
        return services.version_token(obj)

    @staticmethod
    def resolve_versions(obj) -> list:
        return list(obj.versions.order_by("-number"))


class QuestionIn(Schema):
    qtype: QuestionType
    stem: str
    options: list[str] = []
    answer: list = []
    explanation: str = ""
    source: str = ""
    difficulty: int = 3
    score: Decimal = Decimal(1)
    multiple_rule: MultipleRule = MultipleRule.PARTIAL
    partial_fraction: Decimal = Decimal("0.5")
    fill_any_order: bool = False
    fill_ignore_case: bool = True
    category: str
    topic: TopicKind = TopicKind.OTHER
    tags: list[str] = []
    status: QuestionStatus = QuestionStatus.PUBLISHED
    external_code: str = ""

    def data(self) -> QuestionData:
        values = self.dict(exclude={"organisation_id", "token"})
        values["category"] = category_path(values["category"])
        values["score"] = str(values["score"])
        values["partial_fraction"] = str(values["partial_fraction"])
        return QuestionData(**values)


class QuestionCreateIn(QuestionIn):
    organisation_id: int


class QuestionEditIn(QuestionIn):
    token: str


class BankImportOut(Schema):
    id: UUID
    state: str
    file_name: str
    format: str
    total: int
    updates: int
    error_count: int
    errors: list[dict]
    preview: list[dict]
    created: int | None = None
    updated: int | None = None
    done: int
    progress_total: int


def _import_out(job: Job) -> dict:
    params = job.params
    return {
        "id": job.pk,
        "state": params.get("state", ""),
        "file_name": params.get("file_name", ""),
        "format": params.get("format", ""),
        "total": params.get("total", 0),
        "updates": params.get("updates", 0),
        "error_count": params.get("error_count", 0),
        "errors": params.get("errors", []),
        "preview": params.get("preview", []),
        "created": params.get("created"),
        "updated": params.get("updated"),
        "done": job.done,
        "progress_total": job.total,
    }


def _readable(request):
    return services.questions_readable(request.user).select_related("current", "category")


def _filtered(request, qs, *, org_id, q, category, qtype, topic, difficulty, tag, status):
    if org_id is not None:
        org = get_visible_or_404(Organisation.objects, request.user, "study.bank", pk=org_id)
        qs = qs.filter(subtree_q(org.path, "organisation__") | Q(organisation__path__in=ancestor_paths(org.path)))
    if q:
        qs = qs.filter(current__stem__icontains=q)
    if category:
        found = Category.objects.filter(full_name=category.strip("/")).first()
        qs = qs.filter(found.subtree_q("category__")) if found else qs.none()
    if qtype:
        qs = qs.filter(current__qtype=qtype)
    if topic:
        qs = qs.filter(topic=topic)
    if difficulty:
        qs = qs.filter(current__difficulty=difficulty)
    if tag:
        qs = qs.filter(tags__name=tag)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.get("/bank/questions", response=list[BankQuestionOut], summary="Questions the caller may read, filtered")
@paginate(IdPageNumberPagination)
def question_list(
    request,
    org_id: int | None = None,
    q: str = "",
    category: str = "",
    qtype: str = "",
    topic: str = "",
    difficulty: int | None = None,
    tag: str = "",
    status: str = "",
):
    """The banks of units where the caller holds study.bank, and of the units above them (read-only)."""
    qs = _filtered(
        request,
        _readable(request),
        org_id=org_id,
        q=q,
        category=category,
        qtype=qtype,
        topic=topic,
        difficulty=difficulty,
        tag=tag,
        status=status,
    )
    return qs.order_by("-pk")


def _question(request, question_id: int) -> Question:
    question = _readable(request).filter(pk=question_id).first()
    if question is None or question.current is None:
        raise Http404
    return question


@router.get("/bank/questions/{question_id}", response=QuestionDetailOut, summary="A question with its versions")
def question_get(request, question_id: int):
    return _question(request, question_id)


@router.post("/bank/questions", response={201: QuestionDetailOut}, summary="Add a question")
def question_create(request, payload: QuestionCreateIn):
    org = get_visible_or_404(Organisation.objects, request.user, "study.bank", pk=payload.organisation_id)
    question = services.question_create(organisation=org, data=payload.data(), actor=request.user)
    return Status(201, _question(request, question.pk))


@router.put("/bank/questions/{question_id}", response=QuestionDetailOut, summary="Edit a question")
def question_edit(request, question_id: int, payload: QuestionEditIn):
    """A new version when an exam used the current one; 409 when `token` is stale (someone saved since)."""
    question = _question(request, question_id)
    if not can(request.user, "study.bank", question):
        raise Http404
    services.question_edit(question=question, data=payload.data(), token=payload.token, actor=request.user)
    return _question(request, question_id)


@router.post(
    "/bank/imports", response={201: BankImportOut}, summary="Upload questions (.xlsx, Aiken, GIFT) for a preview"
)
def import_upload(
    request,
    organisation_id: int = Form(...),
    format: str = Form(""),
    category: str = Form(""),
    file: UploadedFile = File(...),  # noqa: B008
):
    org = get_visible_or_404(Organisation.objects, request.user, "study.bank", pk=organisation_id)
    job = services.bank_import_upload(
        organisation=org,
        actor=request.user,
        name=file.name,
        data=file.read(),
        fmt=format,
        category=category,
        lang=get_language(),
    )
    return Status(201, _import_out(Job.objects.get(pk=job.pk)))


def _job(request, import_id: UUID) -> Job:
    job = Job.objects.filter(owner=request.user, kind=services.IMPORT_KIND, pk=import_id).first()
    if job is None or not can(request.user, "study.bank", services.import_organisation(job)):
        raise Http404
    return job


@router.get("/bank/imports/{import_id}", response=BankImportOut, summary="An import's state, errors and preview")
def import_get(request, import_id: UUID):
    return _import_out(_job(request, import_id))


@router.post("/bank/imports/{import_id}/confirm", response={202: BankImportOut}, summary="Save a checked import")
def import_confirm(request, import_id: UUID):
    job = _job(request, import_id)
    try:
        job = services.bank_import_confirm(job=job, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    if services.import_is_large(job):
        job_enqueue(tasks.bank_import_job, job)
    else:
        services.bank_import_run(job=job, actor=request.user)
    return Status(202, _import_out(Job.objects.get(pk=job.pk)))


@router.get("/bank/export", summary="Questions as the import template (.xlsx) or GIFT text", response={200: None})
def export(
    request,
    format: str = "xlsx",
    org_id: int | None = None,
    q: str = "",
    category: str = "",
    qtype: str = "",
    topic: str = "",
    difficulty: int | None = None,
    tag: str = "",
    status: str = "",
):
    qs = _filtered(
        request,
        services.questions_readable(request.user),
        org_id=org_id,
        q=q,
        category=category,
        qtype=qtype,
        topic=topic,
        difficulty=difficulty,
        tag=tag,
        status=status,
    ).order_by("pk")
    if format == "gift":
        return HttpResponse(services.export_gift(qs), content_type="text/plain; charset=utf-8")
    buffer = io.BytesIO()
    write_workbook(buffer, [export_sheet(services.export_rows(qs))])
    return xlsx_response(buffer.getvalue(), "questions.xlsx")
