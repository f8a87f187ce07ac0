"""Spaced practice: each member's deck of cards scheduled by FSRS (py-fsrs), the day's queue, answering,
mistakes from exams, and mastery per topic."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from qinglian.core.rules import RuleMissing, rule_value
from qinglian.orgs.services import Conflict
from qinglian.study.marking import is_correct, mark
from qinglian.study.models import Card, Question, QuestionVersion, Review
from qinglian.study.services.points import points_award
from qinglian.study.vocab import PointsKind, PracticeSource, QuestionType, TopicKind

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
    return FsrsCard(card_id=card.pk or None, due=card.due_at.astimezone(UTC))


def card_review(card: Card, rating: Rating, at: datetime, scheduler: Scheduler | None = None) -> Card:
    """Apply one review to `card` (in memory and denormalised fields); the caller saves it."""
    scheduler = scheduler or scheduler_for(card.member.organisation.path)
    state, _log = scheduler.review_card(_fsrs_card(card), rating, at.astimezone(UTC))  # py-fsrs wants UTC
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
        if question.pk in seen or version.qtype == QuestionType.SHORT:  # practice cannot mark short answers
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


# --- the day's queue ---------------------------------------------------------------------------------------


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def member_topics(member) -> set[str]:
    """The topics the member's current programmes cover; every topic while they have none (or before the
    programmes area answers)."""
    try:
        from qinglian.study.services.programmes import programme_topics
    except ImportError:  # pragma: no cover - the programmes area not there yet
        return set(TopicKind.values)
    return set(programme_topics(member)) or set(TopicKind.values)


def practice_pool(member, topics=None):
    """The questions a member may practise: published, with a wording, not short answers (no one marks them
    in practice), from the banks of their unit and the units above it."""
    qs = (
        Question.objects.usable_by(member.organisation)
        .published()
        .filter(current__isnull=False)
        .exclude(current__qtype=QuestionType.SHORT)
    )
    return qs.filter(topic__in=topics) if topics is not None else qs


@dataclass
class QueueItem:
    question: Question
    card: Card | None  # None for a question new to the member

    @property
    def token(self) -> int:
        """The card's review count when shown: an answer sent for an older count is a second answer."""
        return self.card.reps if self.card else 0


@dataclass
class Queue:
    items: list[QueueItem]
    answered_today: int
    due_tomorrow: int
    settings: dict

    @property
    def done(self) -> bool:
        return not self.items


def practice_queue(member, now: datetime | None = None) -> Queue:
    """Today's questions still to answer: cards due by the end of today (the most overdue first — past mistakes
    come back this way), then questions new to the member from their programmes' topics, up to the day's size
    and the new questions allowed a day. A fixed number of queries."""
    now = now or timezone.now()
    start, end = _day_bounds(now)
    conf = practice_settings(member.organisation.path)
    answered = Review.objects.filter(member=member, reviewed_at__gte=start, reviewed_at__lt=end).count()
    slots = max(0, int(conf["daily_questions"]) - answered)
    pool = practice_pool(member)
    due = list(
        Card.objects.filter(member=member, due_at__lt=end, question__in=pool)
        .select_related("question__current")
        .order_by("due_at", "pk")[:slots]
    )
    items = [QueueItem(card.question, card) for card in due]
    new_today = Card.objects.filter(
        member=member, created_at__gte=start, created_at__lt=end, source=PracticeSource.PROGRAMME
    ).count()
    new_left = min(slots - len(items), int(conf["new_per_day"]) - new_today)
    if new_left > 0:
        fresh = (
            practice_pool(member, member_topics(member))
            .exclude(pk__in=Card.objects.filter(member=member).values("question_id"))
            .select_related("current")
            .order_by("pk")[:new_left]
        )
        items += [QueueItem(question, None) for question in fresh]
    due_tomorrow = Card.objects.filter(member=member, due_at__gte=end, due_at__lt=end + timedelta(days=1)).count()
    return Queue(items=items, answered_today=answered, due_tomorrow=due_tomorrow, settings=conf)


def practice_due_count(member, now: datetime | None = None) -> int:
    return len(practice_queue(member, now).items)


def practice_streak(member, today: date | None = None) -> int:
    """Days in a row the member practised, up to today (or yesterday, while today is still open)."""
    today = today or timezone.localdate()
    days = set(
        Review.objects.filter(member=member, reviewed_at__gte=timezone.now() - timedelta(days=400))
        .annotate(day=TruncDate("reviewed_at"))
        .values_list("day", flat=True)
        .distinct()
    )
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


# --- answering ---------------------------------------------------------------------------------------------


def rating_for(fraction: Decimal | None) -> Rating:
    """Right → Good, wrong → Again, a correct subset of a multiple choice (part marks) → Hard."""
    if fraction is None or fraction <= 0:
        return Rating.Again
    return Rating.Good if fraction >= 1 else Rating.Hard


@dataclass
class Answer:
    card: Card
    review: Review
    version: QuestionVersion
    fraction: Decimal
    correct: bool
    rating: Rating
    finished_day: bool
    points: list = field(default_factory=list)


@transaction.atomic
def practice_answer(*, member, question_id: int, response, token: int, at: datetime | None = None) -> Answer:
    """Answer one question of the day's practice: mark it, write the review and move the card, in one go.

    `token` is the card's review count when the question was shown (0 for a new question); an answer for an
    older count (the same question answered twice at once, or from a stale page) is refused with Conflict.
    """
    at = at or timezone.now()
    question = practice_pool(member).select_related("current").filter(pk=question_id).first()
    if question is None:
        raise ValidationError(_("This question is not in your practice."))
    card, _created = Card.objects.get_or_create(
        member=member,
        question=question,
        defaults={"topic": question.topic, "source": PracticeSource.PROGRAMME, "due_at": at},
    )
    card = Card.objects.select_for_update().get(pk=card.pk)  # serialise two answers to the same card
    if card.reps != token:
        raise Conflict(_("This question has already been answered; here is the next one."))
    version = question.current
    fraction = mark(version, response)
    if fraction is None:
        raise ValidationError(_("This question cannot be marked in practice."))
    rating = rating_for(fraction)
    card.topic = question.topic
    card_review(card, rating, at)
    # Saved only if no other answer moved the card meanwhile (the row lock does it on PostgreSQL; this on any).
    saved = Card.objects.filter(pk=card.pk, reps=token).update(
        topic=card.topic,
        fsrs=card.fsrs,
        due_at=card.due_at,
        stability=card.stability,
        last_review_at=card.last_review_at,
        reps=card.reps,
        lapses=card.lapses,
    )
    if not saved:
        raise Conflict(_("This question has already been answered; here is the next one."))
    review = Review.objects.create(
        card=card,
        member=member,
        question_version=version,
        reviewed_at=at,
        rating=int(rating),
        correct=is_correct(fraction),
        response=response,
    )
    day = timezone.localdate(at)
    points = []
    if review.correct:
        points.append(points_award(member=member, kind=PointsKind.PRACTICE_CORRECT, ref=f"{card.pk}:{day}", on=day))
    finished = practice_queue(member, at).done
    if finished:
        points.append(points_award(member=member, kind=PointsKind.PRACTICE_DAY, ref=day.isoformat(), on=day))
    return Answer(
        card=card,
        review=review,
        version=version,
        fraction=fraction,
        correct=review.correct,
        rating=rating,
        finished_day=finished,
        points=[p for p in points if p is not None],
    )


def response_from(version: QuestionVersion, data) -> list:
    """The response of a submitted form (a QueryDict or a dict of lists) in `mark`'s shape.

    Options are not shuffled in practice: the letters shown are the bank's letters.
    """
    getlist = data.getlist if hasattr(data, "getlist") else (lambda key: list(data.get(key) or []))
    if version.qtype == QuestionType.SINGLE:
        return [a for a in getlist("answer")[:1] if a]
    if version.qtype == QuestionType.MULTIPLE:
        return sorted({a for a in getlist("answer") if a})
    if version.qtype == QuestionType.JUDGE:
        value = (getlist("answer") or [""])[0]
        return [True] if value == "true" else [False] if value == "false" else []
    if version.qtype == QuestionType.FILL:
        return [str(a) for a in getlist("blank")][: len(version.answer)]
    return []


# --- mastery -----------------------------------------------------------------------------------------------

_W20 = Scheduler().parameters[20]
DECAY = -_W20
FACTOR = 0.9 ** (1 / DECAY) - 1


def retrievability(stability: float | None, last_review_at: datetime | None, now: datetime) -> float:
    """FSRS's predicted recall now (as scheduler.get_card_retrievability), from the stored fields."""
    if not stability or last_review_at is None:
        return 0.0
    elapsed = max(0, (now - last_review_at).days)
    return (1 + FACTOR * elapsed / stability) ** DECAY


@dataclass
class TopicMastery:
    topic: str
    label: str
    total: int  # questions in the member's pool for the topic
    seen: int  # of them, in the member's deck
    recall: float  # sum of the cards' retrievability

    @property
    def percent(self) -> int:
        return round(100 * self.recall / self.total) if self.total else 0


def member_mastery(member, now: datetime | None = None, topics=None) -> list[TopicMastery]:
    """Per topic of the member's programmes: the mean recall today over the topic's questions (unseen ones count
    0), with cards seen and the pool's size. Three queries."""
    now = now or timezone.now()
    topics = member_topics(member) if topics is None else set(topics)
    pool = practice_pool(member, topics)
    totals = dict(pool.order_by().values_list("topic").annotate(n=Count("pk")))
    recall: dict[str, float] = defaultdict(float)
    seen: dict[str, int] = defaultdict(int)
    for topic, stability, last in Card.objects.filter(member=member, question__in=pool).values_list(
        "question__topic", "stability", "last_review_at"
    ):
        recall[topic] += retrievability(stability, last, now)
        seen[topic] += 1
    labels = dict(TopicKind.choices)
    return [
        TopicMastery(topic, labels[topic], totals.get(topic, 0), seen[topic], recall[topic])
        for topic in TopicKind.values
        if topic in topics and totals.get(topic)
    ]
