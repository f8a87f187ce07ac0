"""Taking exams over the API: the member's exams, starting or resuming an attempt, saving answers (one or many at
once), submitting and the result. Everything answers from the caller's own member record."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema, Status

from qinglian.study.models import Attempt, Exam
from qinglian.study.services import take
from qinglian.study.services.exams import exams_for_member
from qinglian.study.vocab import AttemptStatus

router = Router(tags=["study"])


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    return member


class MyExamOut(Schema):
    id: int
    title: str
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int
    attempts_allowed: int
    attempts_left: int | None
    active_attempt_id: int | None


class AttemptItemOut(Schema):
    id: int
    position: int
    qtype: str
    stem: str
    options: list[str]
    max_score: Decimal
    response: Any = None
    score: Decimal | None = None


class AttemptOut(Schema):
    id: int
    exam_id: int
    exam_title: str
    number: int
    status: str
    started_at: datetime
    deadline_at: datetime
    seconds_left: int
    submitted_at: datetime | None
    timed_out: bool
    score: Decimal | None
    max_score: Decimal
    passed: bool | None
    items: list[AttemptItemOut]


class AttemptAnswerIn(Schema):
    response: Any = None


class AnswerRowIn(Schema):
    item_id: int
    response: Any = None


class AnswersIn(Schema):
    answers: list[AnswerRowIn]


class AttemptSavedOut(Schema):
    saved: int


def attempt_out(attempt: Attempt, *, with_items: bool = True) -> dict:
    now = timezone.now()
    items = []
    if with_items:
        for item in attempt.items.select_related("question_version"):
            version = item.question_version
            options = [version.options[i] for i in item.option_order] if item.option_order else []
            items.append(
                {
                    "id": item.pk,
                    "position": item.position,
                    "qtype": version.qtype,
                    "stem": version.stem,
                    "options": options,
                    "max_score": item.max_score,
                    "response": take.shown_from_response(item),
                    "score": item.score if attempt.status == AttemptStatus.FINISHED else None,
                }
            )
    return {
        "id": attempt.pk,
        "exam_id": attempt.exam_id,
        "exam_title": attempt.exam.title,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "seconds_left": max(int((attempt.deadline_at - now).total_seconds()), 0),
        "submitted_at": attempt.submitted_at,
        "timed_out": attempt.timed_out,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "passed": attempt.passed,
        "items": items,
    }


def _attempt(request, attempt_id: int) -> Attempt:
    attempt = (
        Attempt.objects.select_related("exam__organisation").filter(pk=attempt_id, member=_member(request)).first()
    )
    if attempt is None:
        raise Http404
    return attempt


@router.get("/my/exams", response=list[MyExamOut], summary="The caller's exams")
def my_exams(request):
    member = _member(request)
    rows = []
    for exam in exams_for_member(member)[:100]:
        active = take.attempt_active(exam, member)
        rows.append(
            {
                "id": exam.pk,
                "title": exam.title,
                "opens_at": exam.opens_at,
                "closes_at": exam.closes_at,
                "time_limit_minutes": exam.time_limit_minutes,
                "attempts_allowed": exam.attempts_allowed,
                "attempts_left": take.attempts_left(exam, member),
                "active_attempt_id": active.pk if active else None,
            }
        )
    return rows


@router.post("/my/exams/{exam_id}/attempts", response={201: AttemptOut}, summary="Start or resume an attempt")
def attempt_start(request, exam_id: int):
    """Starts an attempt, or returns the one in progress. Refused (422) outside the window, beyond the attempts
    allowed, or when another start of the same member is under way."""
    member = _member(request)
    exam = exams_for_member(member).filter(pk=exam_id).first()
    if exam is None:
        raise Http404
    attempt = take.attempt_start(exam=exam, member=member)
    return Status(201, attempt_out(attempt))


@router.get("/my/attempts/{attempt_id}", response=AttemptOut, summary="One of the caller's attempts")
def attempt_detail(request, attempt_id: int):
    attempt = _attempt(request, attempt_id)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        take.attempts_expire(exam=attempt.exam)
        attempt.refresh_from_db()
    return attempt_out(attempt)


@router.put("/my/attempts/{attempt_id}/items/{item_id}", response=AttemptSavedOut, summary="Save one answer")
def answer_save(request, attempt_id: int, item_id: int, payload: AttemptAnswerIn):
    """The answer as shown to the member (letters of the options as shown). Saving the same answer again is
    harmless. An item not in the caller's own attempt is 404; after the time limit, 422."""
    try:
        saved = take.answers_save(attempt_id=attempt_id, member=_member(request), answers={item_id: payload.response})
    except take.NotYours:
        raise Http404 from None
    return {"saved": saved}


@router.put("/my/attempts/{attempt_id}/answers", response=AttemptSavedOut, summary="Save many answers at once")
def answers_save(request, attempt_id: int, payload: AnswersIn):
    answers = {row.item_id: row.response for row in payload.answers}
    try:
        saved = take.answers_save(attempt_id=attempt_id, member=_member(request), answers=answers)
    except take.NotYours:
        raise Http404 from None
    return {"saved": saved}


@router.post("/my/attempts/{attempt_id}/submit", response=AttemptOut, summary="Submit an attempt")
def attempt_submit(request, attempt_id: int):
    """Marks the attempt (short answers wait for a person). Submitting again returns the same result."""
    attempt = take.attempt_submit(attempt=_attempt(request, attempt_id), actor=request.user)
    return attempt_out(attempt, with_items=take.review_allowed(attempt))


@router.post("/my/attempts/{attempt_id}/finish", response=AttemptOut, summary="Save the last answers and submit")
def attempt_finish(request, attempt_id: int, payload: AnswersIn):
    """The hand-in of the attempt page: the answers not saved yet (possibly none) and the submit, in one request
    and one transaction. An item not in the caller's own attempt is 404 and nothing changes; after the time limit,
    422 (the attempt is submitted with the answers saved before). Again returns the same result. The answers and
    scores are not in this reply; read the attempt when the exam's review policy shows them."""
    answers = {row.item_id: row.response for row in payload.answers}
    try:
        attempt = take.attempt_finish(
            attempt_id=attempt_id, member=_member(request), answers=answers, actor=request.user
        )
    except take.NotYours:
        raise Http404 from None
    return attempt_out(attempt, with_items=False)


def exam_of(request, exam_id: int) -> Exam:
    exam = exams_for_member(_member(request)).filter(pk=exam_id).first()
    if exam is None:
        raise Http404
    return exam
