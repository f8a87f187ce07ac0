"""Daily practice over the API: today's queue, answering one question, and a unit's mastery (averages only)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema

from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Organisation
from qinglian.study.services.mastery import branch_mastery
from qinglian.study.services.practice import practice_answer, practice_queue, practice_streak

router = Router(tags=["study"])


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise ValidationError(_("This login is not linked to a member on the register."))
    return member


class PracticeQuestionOut(Schema):
    question_id: int
    token: int
    qtype: str
    topic: str
    stem: str
    options: list[str]
    blanks: int
    new: bool
    mistake: bool


class PracticeQueueOut(Schema):
    items: list[PracticeQuestionOut]
    answered_today: int
    due_tomorrow: int
    daily_questions: int
    streak: int
    done: bool


class PracticeAnswerIn(Schema):
    question_id: int
    token: int = 0
    response: list = []


class AnswerOut(Schema):
    correct: bool
    fraction: float
    rating: int
    right_answer: list
    explanation: str
    source: str
    due_at: datetime
    finished_day: bool
    points: int


@router.get("/practice/today", response=PracticeQueueOut, summary="My questions for today's practice")
def practice_today(request):
    """The questions still to answer today, in order (due cards first, then new ones). Options are in the bank's
    order (not shuffled); answer with their letters."""
    member = _member(request)
    queue = practice_queue(member)
    items = [
        PracticeQuestionOut(
            question_id=item.question.pk,
            token=item.token,
            qtype=item.question.current.qtype,
            topic=item.question.topic,
            stem=item.question.current.stem,
            options=list(item.question.current.options),
            blanks=len(item.question.current.answer) if item.question.current.qtype == "fill" else 0,
            new=item.card is None,
            mistake=bool(item.card and item.card.source == "mistake"),
        )
        for item in queue.items
    ]
    return PracticeQueueOut(
        items=items,
        answered_today=queue.answered_today,
        due_tomorrow=queue.due_tomorrow,
        daily_questions=int(queue.settings["daily_questions"]),
        streak=practice_streak(member),
        done=queue.done,
    )


@router.post("/practice/answer", response=AnswerOut, summary="Answer one practice question")
def practice_answer_post(request, payload: PracticeAnswerIn):
    """`response` as marking expects: option letters, [true]/[false], or one string per blank. `token` is the
    question's token from today's queue; a second answer for the same token is refused (409)."""
    answer = practice_answer(
        member=_member(request), question_id=payload.question_id, token=payload.token, response=payload.response
    )
    return AnswerOut(
        correct=answer.correct,
        fraction=float(answer.fraction),
        rating=int(answer.rating),
        right_answer=list(answer.version.answer),
        explanation=answer.version.explanation,
        source=answer.version.source,
        due_at=answer.card.due_at,
        finished_day=answer.finished_day,
        points=sum(p.points for p in answer.points),
    )


class UnitMasteryOut(Schema):
    org_id: int | None
    name: str
    members: int
    mastery: float | None
    topics: dict[str, float | None]
    active_7: int
    active_30: int
    reviews_month: int


class BranchMasteryOut(Schema):
    org_id: int
    total: UnitMasteryOut
    units: list[UnitMasteryOut]


def _unit(row) -> UnitMasteryOut:
    return UnitMasteryOut(
        org_id=row.org.pk if row.org else None,
        name=row.label,
        members=row.members,
        mastery=row.mastery,
        topics=row.topics,
        active_7=row.active_7,
        active_30=row.active_30,
        reviews_month=row.reviews_month,
    )


@router.get("/mastery/{org_id}", response=BranchMasteryOut, summary="A unit's practice and mastery")
def mastery_branch(request, org_id: int):
    """Average mastery (0–1) per unit directly below and per topic, members practising in the last 7 and 30 days,
    answers this month. Members are counted, never listed."""
    org = get_visible_or_404(Organisation.objects, request.user, "study.view", pk=org_id)
    data = branch_mastery(org)
    return BranchMasteryOut(org_id=org.pk, total=_unit(data["total"]), units=[_unit(r) for r in data["rows"]])
