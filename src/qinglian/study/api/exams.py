"""Setting exams over the API: exams in scope, creating one, its paper (slots or rules), publishing and closing,
results, item statistics, and the marking queue of short answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Organisation
from qinglian.study.models import Category, Exam
from qinglian.study.services import exams as services
from qinglian.study.services import take
from qinglian.study.stats import exam_statistics
from qinglian.study.vocab import GradingMethod, PaperMode, QuestionType, TopicKind

router = Router(tags=["study"])


class ExamOut(Schema):
    id: int
    organisation_id: int
    title: str
    description: str
    topic: str
    mode: str
    status: str
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int
    attempts_allowed: int
    grading: str
    pass_percent: int
    shuffle_questions: bool
    shuffle_options: bool
    review: str
    version: int


class ExamIn(Schema):
    organisation_id: int
    title: str
    description: str = ""
    topic: TopicKind = TopicKind.CHARTER
    mode: PaperMode = PaperMode.FIXED
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int = 30
    attempts_allowed: int = 1
    grading: GradingMethod = GradingMethod.HIGHEST
    pass_percent: int = 60
    shuffle_questions: bool = True
    shuffle_options: bool = True
    review: Exam.Review = Exam.Review.AFTER_SUBMIT
    unit_ids: list[int] = []
    member_ids: list[int] = []


class ExamVersionIn(Schema):
    version: int


class SlotIn(Schema):
    question_id: int
    score: Decimal | None = None


class RuleIn(Schema):
    category_id: int | None = None
    qtype: QuestionType
    difficulty_min: int = 1
    difficulty_max: int = 5
    count: int
    score: Decimal


class PaperOut(Schema):
    total: Decimal
    count: int
    problems: list[str]


class ItemStatOut(Schema):
    question_id: int
    stem: str
    qtype: str
    attempts: int
    facility: float | None
    sd: float | None
    di: float | None
    de: float | None
    flags: list[str]


class ExamStatsOut(Schema):
    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    cic: float | None
    items: list[ItemStatOut]


class MarkIn(Schema):
    score: Decimal
    comment: str = ""


class ExamQueueOut(Schema):
    id: int
    attempt_id: int
    exam_title: str
    member_name: str
    stem: str
    reference: list
    response: str | None
    max_score: Decimal


def _exam(request, exam_id: int, action: str = "study.exam") -> Exam:
    return get_visible_or_404(Exam.objects.select_related("organisation"), request.user, action, pk=exam_id)


def _paper(exam) -> dict:
    return {
        "total": services.paper_total(exam),
        "count": services.paper_count(exam),
        "problems": services.paper_problems(exam),
    }


@router.get("/exams", response=list[ExamOut], summary="Exams the caller may set")
@paginate(IdPageNumberPagination)
def exam_list(request):
    return Exam.objects.visible_to(request.user, "study.exam").order_by("-pk")


@router.post("/exams", response={201: ExamOut}, summary="Create a draft exam")
def exam_create(request, payload: ExamIn):
    org = get_visible_or_404(Organisation.objects.all(), request.user, "study.exam", pk=payload.organisation_id)
    data = payload.dict()
    units = Organisation.objects.filter(pk__in=data.pop("unit_ids"))
    members = services.audience_members(org, data.pop("member_ids"))
    data.pop("organisation_id")
    exam = services.exam_create(org=org, actor=request.user, units=list(units) or [org], members=members, **data)
    return Status(201, exam)


@router.get("/exams/{exam_id}", response=ExamOut, summary="One exam")
def exam_detail(request, exam_id: int):
    return _exam(request, exam_id)


@router.get("/exams/{exam_id}/paper", response=PaperOut, summary="The paper's total and problems")
def exam_paper(request, exam_id: int):
    return _paper(_exam(request, exam_id))


@router.post("/exams/{exam_id}/slots", response=PaperOut, summary="Put a question on a fixed paper")
def slot_add(request, exam_id: int, payload: SlotIn):
    exam = _exam(request, exam_id)
    question = services.questions_usable(exam.organisation).filter(pk=payload.question_id).first()
    if question is None:
        raise Http404
    services.slot_add(exam=exam, question=question, score=payload.score, actor=request.user)
    return _paper(exam)


@router.post("/exams/{exam_id}/rules", response=PaperOut, summary="Add a rule to a random paper")
def rule_add(request, exam_id: int, payload: RuleIn):
    exam = _exam(request, exam_id)
    data = payload.dict()
    category_id = data.pop("category_id")
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category_id and category is None:
        raise Http404
    services.rule_add(exam=exam, category=category, actor=request.user, **data)
    return _paper(exam)


@router.post("/exams/{exam_id}/publish", response=ExamOut, summary="Publish a draft exam")
def exam_publish(request, exam_id: int, payload: ExamVersionIn):
    return services.exam_publish(exam=_exam(request, exam_id), version=payload.version, actor=request.user)


@router.post("/exams/{exam_id}/close", response=ExamOut, summary="Close a published exam")
def exam_close(request, exam_id: int, payload: ExamVersionIn):
    return services.exam_close(exam=_exam(request, exam_id), version=payload.version, actor=request.user)


@router.get("/exams/{exam_id}/statistics", response=ExamStatsOut, summary="Item statistics")
def exam_stats(request, exam_id: int):
    test, items = exam_statistics(_exam(request, exam_id))
    rows = [{**vars(i), "flags": [text for _level, text in i.flags]} for i in items]
    return {**vars(test), "items": rows}


@router.get("/marking", response=list[ExamQueueOut], summary="Short answers waiting for marking")
def marking_queue(request):
    rows = []
    for item in take.marking_queue(request.user)[:200]:
        rows.append(
            {
                "id": item.pk,
                "attempt_id": item.attempt_id,
                "exam_title": item.attempt.exam.title,
                "member_name": item.attempt.member.name,
                "stem": item.question_version.stem,
                "reference": item.question_version.answer,
                "response": item.response,
                "max_score": item.max_score,
            }
        )
    return rows


@router.post("/marking/{item_id}", response=ExamQueueOut, summary="Mark a short answer")
def item_mark(request, item_id: int, payload: MarkIn):
    item = take.marking_queue(request.user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    take.item_mark(item=item, score=payload.score, comment=payload.comment, actor=request.user)
    return {
        "id": item.pk,
        "attempt_id": item.attempt_id,
        "exam_title": item.attempt.exam.title,
        "member_name": item.attempt.member.name,
        "stem": item.question_version.stem,
        "reference": item.question_version.answer,
        "response": item.response,
        "max_score": item.max_score,
    }
