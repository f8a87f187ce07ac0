"""Spaced practice: FSRS scheduling kept on the card, the day's queue (yesterday's and exams' mistakes come back,
new questions capped a day), answering once, and mastery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from fsrs import Card as FsrsCard
from fsrs import Rating

from qinglian.orgs.services import Conflict
from qinglian.study.models import Card, Review
from qinglian.study.services.practice import (
    member_mastery,
    mistakes_record,
    practice_answer,
    practice_queue,
    practice_streak,
    scheduler_for,
)
from qinglian.study.tests.factories import question_make
from qinglian.study.vocab import PracticeSource, QuestionType, TopicKind


def _noon(days: int = 0):
    """Noon local time, `days` from today: far from midnight whatever the hour the tests run."""
    local = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return local + timedelta(days=days)


def _ids(queue):
    return [item.question.pk for item in queue.items]


def test_an_exam_mistake_is_due_the_next_day(cast):
    a1 = cast.members["a1"]
    question = question_make(cast.tree.root)
    at = timezone.now() - timedelta(hours=1)
    (card,) = mistakes_record(member=a1, versions=[question.current], at=at)
    card = Card.objects.get(pk=card.pk)
    assert card.source == PracticeSource.MISTAKE
    assert card.reps == 1 and card.last_review_at == at
    assert at < card.due_at <= at + timedelta(days=1)
    assert card.fsrs["stability"] == card.stability
    # Recorded again (a second exam): the same card, reviewed again; short answers are left out.
    short = question_make(cast.tree.root, qtype=QuestionType.SHORT, answer=["…"])
    mistakes_record(member=a1, versions=[question.current, question.current, short.current], at=at + timedelta(days=2))
    assert Card.objects.get().reps == 2


def test_good_pushes_a_card_further_than_again(cast):
    a1 = cast.members["a1"]
    right, wrong = question_make(cast.tree.root, stem="对"), question_make(cast.tree.root, stem="错")
    at = _noon(-10)
    practice_answer(member=a1, question_id=right.pk, response=["A"], token=0, at=at)
    practice_answer(member=a1, question_id=wrong.pk, response=["B"], token=0, at=at)
    good, again = Card.objects.get(question=right), Card.objects.get(question=wrong)
    assert again.due_at <= at + timedelta(days=1) < good.due_at
    assert good.stability > again.stability
    reviews = {r.card_id: r for r in Review.objects.all()}
    assert (reviews[good.pk].rating, reviews[good.pk].correct) == (int(Rating.Good), True)
    assert (reviews[again.pk].rating, reviews[again.pk].correct) == (int(Rating.Again), False)
    # A second Good moves it further still.
    practice_answer(member=a1, question_id=right.pk, response=["A"], token=1, at=good.due_at)
    good.refresh_from_db()
    assert good.reps == 2 and good.due_at - good.last_review_at > timedelta(days=2)


def test_a_correct_subset_of_a_multiple_choice_counts_as_hard(cast):
    a1 = cast.members["a1"]
    q = question_make(cast.tree.root, qtype=QuestionType.MULTIPLE, answer=["A", "C"])
    answer = practice_answer(member=a1, question_id=q.pk, response=["A"], token=0, at=_noon(-1))
    assert answer.rating == Rating.Hard and not answer.correct


def test_yesterdays_mistake_is_in_todays_practice(cast):
    a1 = cast.members["a1"]
    missed, known = question_make(cast.tree.root, stem="昨天答错"), question_make(cast.tree.root, stem="昨天答对")
    practice_answer(member=a1, question_id=missed.pk, response=["C"], token=0, at=_noon(-1))
    practice_answer(member=a1, question_id=known.pk, response=["A"], token=0, at=_noon(-1))
    queue = practice_queue(a1, _noon())
    assert _ids(queue)[0] == missed.pk  # due first
    assert known.pk not in _ids(queue)  # answered right: not before tomorrow at the earliest
    assert queue.items[0].card is not None and queue.items[0].token == 1


def test_an_exam_mistake_is_in_the_next_days_practice(cast):
    a1 = cast.members["a1"]
    question = question_make(cast.tree.root, stem="考试答错的题")
    mistakes_record(member=a1, versions=[question.current], at=_noon(-1))
    queue = practice_queue(a1, _noon())
    assert _ids(queue)[0] == question.pk
    assert queue.items[0].card.source == PracticeSource.MISTAKE


def test_new_questions_are_capped_a_day(cast):
    a1 = cast.members["a1"]
    questions = [question_make(cast.tree.root, stem=f"第{i}题") for i in range(8)]
    question_make(cast.tree.root, stem="简答", qtype=QuestionType.SHORT, answer=["…"])
    question_make(cast.tree.branch_b, stem="别的支部的题")
    queue = practice_queue(a1, _noon())
    assert _ids(queue) == [q.pk for q in questions[:5]]  # new_per_day 5 of the rule; no short answers
    for item in queue.items[:3]:
        practice_answer(member=a1, question_id=item.question.pk, response=["A"], token=0, at=_noon())
    queue = practice_queue(a1, _noon())
    assert _ids(queue) == [q.pk for q in questions[3:5]]  # 3 new answered today: 2 more
    assert queue.answered_today == 3


def test_the_same_question_cannot_be_answered_twice_from_one_showing(cast):
    a1 = cast.members["a1"]
    q = question_make(cast.tree.root)
    practice_answer(member=a1, question_id=q.pk, response=["A"], token=0, at=_noon(-2))
    with pytest.raises(Conflict):
        practice_answer(member=a1, question_id=q.pk, response=["B"], token=0, at=_noon(-2))
    assert Review.objects.count() == 1 and Card.objects.get().reps == 1


def test_a_question_outside_the_members_banks_is_refused(cast):
    from django.core.exceptions import ValidationError

    q = question_make(cast.tree.branch_b)
    with pytest.raises(ValidationError):
        practice_answer(member=cast.members["a1"], question_id=q.pk, response=["A"], token=0)


def test_done_for_today_and_the_streak(cast):
    a1 = cast.members["a1"]
    q = question_make(cast.tree.root)
    practice_answer(member=a1, question_id=q.pk, response=["A"], token=0, at=_noon(-1))
    assert practice_streak(a1) == 1  # yesterday counts while today is open
    answer = practice_answer(member=a1, question_id=q.pk, response=["A"], token=1, at=_noon())
    assert answer.finished_day
    assert practice_queue(a1, _noon()).done
    assert practice_streak(a1) == 2


def test_mastery_is_mean_recall_over_the_topics_pool(cast):
    a1 = cast.members["a1"]
    charter = [question_make(cast.tree.root, stem=f"党章{i}") for i in range(4)]
    question_make(cast.tree.root, stem="警示", topic=TopicKind.WARNING)
    at = timezone.now() - timedelta(days=3)
    practice_answer(member=a1, question_id=charter[0].pk, response=["A"], token=0, at=at)
    practice_answer(member=a1, question_id=charter[1].pk, response=["B"], token=0, at=at)
    now = timezone.now()
    scheduler = scheduler_for(a1.organisation.path)
    expected = sum(scheduler.get_card_retrievability(FsrsCard.from_dict(card.fsrs), now) for card in Card.objects.all())
    rows = {m.topic: m for m in member_mastery(a1, now)}
    assert (rows["charter"].seen, rows["charter"].total) == (2, 4)
    assert rows["charter"].recall == pytest.approx(expected)
    assert rows["charter"].percent == round(100 * expected / 4)
    assert (rows["warning"].seen, rows["warning"].total, rows["warning"].percent) == (0, 1, 0)
