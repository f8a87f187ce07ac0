"""Spaced practice: each member's deck of cards scheduled by FSRS (py-fsrs), the day's queue, answering,
mistakes from exams, and mastery per topic."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from qinglian.core.rules import RuleMissing, rule_value
from qinglian.study.models import Card
from qinglian.study.vocab import PracticeSource

PRACTICE_RULE = "study.practice"
DEFAULTS = {"daily_questions": 10, "new_per_day": 5, "desired_retention": 0.9}


def practice_settings(org_path: str) -> dict:
    try:
        value = rule_value(PRACTICE_RULE, org_path=org_path) or {}
    except RuleMissing:
        value = {}
    return {**DEFAULTS, **value}


def scheduler_for(org_path: str) -> Scheduler:
    """Daily practice counts in days: no learning steps of minutes, so Again brings a card back the next day."""
    retention = float(practice_settings(org_path)["desired_retention"])
    return Scheduler(desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _fsrs_card(card: Card) -> FsrsCard:
    if card.fsrs:
        return FsrsCard.from_dict(card.fsrs)
    return FsrsCard(card_id=card.pk or None, due=card.due_at)


def card_review(card: Card, rating: Rating, at: datetime, scheduler: Scheduler | None = None) -> Card:
    """Apply one review to `card` (in memory and denormalised fields); the caller saves it."""
    scheduler = scheduler or scheduler_for(card.member.organisation.path)
    state, _log = scheduler.review_card(_fsrs_card(card), rating, at)
    card.fsrs = state.to_dict()
    card.due_at = state.due
    card.stability = state.stability
    card.last_review_at = state.last_review
    card.reps += 1
    if rating == Rating.Again and card.reps > 1:
        card.lapses += 1
    return card


@transaction.atomic
def mistakes_record(*, member, versions, at: datetime | None = None) -> list[Card]:
    """Put each wrongly answered question version (from an exam) in `member`'s deck, rated Again at `at`,
    so that it comes back in practice the next day at the latest."""
    at = at or timezone.now()
    scheduler = scheduler_for(member.organisation.path)
    cards = []
    seen = set()
    for version in versions:
        question = version.question
        if question.pk in seen:
            continue
        seen.add(question.pk)
        card, created = Card.objects.select_for_update().get_or_create(
            member=member,
            question=question,
            defaults={"topic": question.topic, "source": PracticeSource.MISTAKE, "due_at": at},
        )
        if not created:
            card.source = PracticeSource.MISTAKE
        card_review(card, Rating.Again, at, scheduler)
        card.save()  # no Review row: a Review is an answer given in practice, which this was not
        cards.append(card)
    return cards
