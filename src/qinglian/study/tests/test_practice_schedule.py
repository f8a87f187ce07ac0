"""Spaced practice scheduling: FSRS state kept on the card, exam mistakes come back the next day."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.study.models import Card
from qinglian.study.services.practice import mistakes_record
from qinglian.study.tests.factories import question_make
from qinglian.study.vocab import PracticeSource


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
    # Recorded again (a second exam): the same card, reviewed again.
    mistakes_record(member=a1, versions=[question.current, question.current], at=at + timedelta(days=2))
    assert Card.objects.get().reps == 2
