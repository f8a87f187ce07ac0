"""Taking exams: starting (or resuming) an attempt, saving answers as they go, submitting, closing attempts whose
time ran out, and marking short answers by hand.

The server keeps the time. An attempt's deadline is the earlier of its start plus the time limit and the exam's
close; answers arriving later than the deadline plus the grace of rule `study.exam_timing` are refused and the
attempt is submitted with what was saved. Options are shown in a per-attempt order: the member answers with the
letters shown, and the answer is stored with the question's own letters, so marking never depends on the shuffle.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.rules import rule_value
from qinglian.study.marking import LETTERS, mark
from qinglian.study.models import Attempt, AttemptItem, Exam, Question
from qinglian.study.services.exams import in_audience, rule_pool
from qinglian.study.vocab import AttemptStatus, ExamStatus, GradingMethod, PaperMode, QuestionType

CENT = Decimal("0.01")
MAX_TEXT = 5000  # characters of a short answer
MAX_BLANK = 200  # characters of one blank


class NotYours(Exception):
    """An item id that is not a question of the caller's own attempt (tampered or stale): the caller answers 404."""


def grace(exam: Exam) -> timedelta:
    return timedelta(seconds=int(rule_value("study.exam_timing", org_path=exam.organisation.path)["grace_seconds"]))


def attempts_left(exam: Exam, member) -> int | None:
    """How many more attempts the member may start; None when unlimited."""
    if not exam.attempts_allowed:
        return None
    used = Attempt.objects.filter(exam=exam, member=member).count()
    return max(exam.attempts_allowed - used, 0)


def attempt_active(exam: Exam, member) -> Attempt | None:
    return Attempt.objects.filter(exam=exam, member=member, status=AttemptStatus.IN_PROGRESS).first()


def start_problem(exam: Exam, member, *, now=None) -> str | None:
    """Why the member may not start an attempt now, or None."""
    now = now or timezone.now()
    if exam.status != ExamStatus.PUBLISHED:
        return _("The exam is not open.")
    if now < exam.opens_at:
        return _("The exam opens at {at}.").format(at=timezone.localtime(exam.opens_at).strftime("%Y-%m-%d %H:%M"))
    if now >= exam.closes_at:
        return _("The exam closed at {at}.").format(at=timezone.localtime(exam.closes_at).strftime("%Y-%m-%d %H:%M"))
    if not in_audience(exam, member):
        return _("You are not among those who take this exam.")
    if attempts_left(exam, member) == 0:
        return _("You have used all {n} attempts allowed.").format(n=exam.attempts_allowed)
    return None


def _draw(exam: Exam, rng: random.Random) -> list[tuple]:
    """The paper as (question version, marks) pairs: a fixed paper's slots, or a draw by the rules, least used
    questions first with a random tie-break, no question twice."""
    if exam.mode == PaperMode.FIXED:
        return [(slot.question_version, slot.score) for slot in exam.slots.select_related("question_version")]
    paper, taken = [], set()
    for rule in exam.rules.select_related("category"):
        pool = [
            row for row in rule_pool(exam, rule).values_list("pk", "times_used", "current_id") if row[0] not in taken
        ]
        if len(pool) < rule.count:
            raise ValidationError(_("The question bank no longer has enough questions for this exam; tell its setter."))
        pool.sort(key=lambda row: (row[1], rng.random()))
        chosen = pool[: rule.count]
        taken.update(row[0] for row in chosen)
        paper.extend((row[2], rule.score) for row in chosen)
    Question.objects.filter(pk__in=taken).update(times_used=F("times_used") + 1)
    from qinglian.study.models import QuestionVersion

    versions = QuestionVersion.objects.in_bulk([vid for vid, _score in paper])
    return [(versions[vid], score) for vid, score in paper]


@transaction.atomic
def attempt_start(*, exam: Exam, member, now=None) -> Attempt:
    """Start an attempt, or resume the member's attempt in progress. A second start racing the first is refused."""
    now = now or timezone.now()
    exam = Exam.objects.select_related("organisation").get(pk=exam.pk)
    active = attempt_active(exam, member)
    if active is not None:
        if now <= active.deadline_at + grace(exam):
            return active
        attempt_submit(attempt=active, now=now, timed_out=True)
    problem = start_problem(exam, member, now=now)
    if problem:
        raise ValidationError(problem)
    seed = random.SystemRandom().getrandbits(62)
    number = (
        Attempt.objects.filter(exam=exam, member=member).order_by("-number").values_list("number", flat=True).first()
        or 0
    ) + 1
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                exam=exam,
                member=member,
                organisation_id=member.organisation_id,
                number=number,
                started_at=now,
                deadline_at=min(now + timedelta(minutes=exam.time_limit_minutes), exam.closes_at),
                seed=seed,
            )
    except IntegrityError:
        raise ValidationError(
            _(
                "An attempt at this exam is already in progress (perhaps in another window): "
                "open the exam again to go on with it."
            )
        ) from None
    rng = random.Random(seed)
    paper = _draw(exam, rng)
    if exam.shuffle_questions:
        rng.shuffle(paper)
    items = []
    for position, (version, score) in enumerate(paper, start=1):
        order = (
            list(range(len(version.options))) if version.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE) else []
        )
        if exam.shuffle_options:
            rng.shuffle(order)
        items.append(
            AttemptItem(
                attempt=attempt, position=position, question_version=version, option_order=order, max_score=score
            )
        )
    AttemptItem.objects.bulk_create(items)
    attempt.max_score = sum((item.max_score for item in items), Decimal("0"))
    attempt.save(update_fields=["max_score"])
    audit_record(actor=member.user, action="study.attempt_start", obj=attempt, changes={"number": number})
    return attempt


def response_from_shown(item: AttemptItem, shown):
    """The answer as stored (the question's own letters) from the answer as sent (the letters shown); None for
    a cleared answer. Refuses an answer of the wrong shape."""
    version = item.question_version
    qtype = version.qtype
    if shown in (None, "", []):
        return None
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        chosen = list(shown) if isinstance(shown, (list, tuple, str)) else None
        count = len(item.option_order)
        valid = LETTERS[:count]
        if (
            not chosen
            or any(not isinstance(c, str) or c not in valid for c in chosen)
            or len(set(chosen)) != len(chosen)
        ):
            raise ValidationError(
                _("Choose among the options {first} to {last}.").format(first=valid[0], last=valid[-1])
            )
        if qtype == QuestionType.SINGLE and len(chosen) != 1:
            raise ValidationError(_("Choose one option."))
        return sorted(LETTERS[item.option_order[LETTERS.index(c)]] for c in chosen)
    if qtype == QuestionType.JUDGE:
        value = shown[0] if isinstance(shown, list) and len(shown) == 1 else shown
        if value in (True, "true", "T"):
            return [True]
        if value in (False, "false", "F"):
            return [False]
        raise ValidationError(_("Answer true or false."))
    if qtype == QuestionType.FILL:
        blanks = shown if isinstance(shown, list) else [shown]
        if len(blanks) > len(version.answer) or any(not isinstance(b, str) or len(b) > MAX_BLANK for b in blanks):
            raise ValidationError(
                _("Fill in at most {n} blanks of at most {m} characters.").format(n=len(version.answer), m=MAX_BLANK)
            )
        return blanks
    text = shown if isinstance(shown, str) else None
    if text is None or len(text) > MAX_TEXT:
        raise ValidationError(_("Write an answer of at most {n} characters.").format(n=MAX_TEXT))
    return text


def shown_from_response(item: AttemptItem):
    """The stored answer in the letters this member sees (for showing a saved answer again)."""
    response = item.response
    if response is None or item.question_version.qtype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return response
    shown = {item.option_order.index(LETTERS.index(letter)): letter for letter in response}
    return sorted(LETTERS[i] for i in shown)


class TooLate(ValidationError):
    pass


@transaction.atomic
def _save(*, attempt_id: int, member, answers: dict, now) -> int:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam__organisation")
        .filter(pk=attempt_id, member=member)
        .first()
    )
    if attempt is None:
        raise NotYours
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ValidationError(_("This attempt has been submitted; answers can no longer change."))
    if now > attempt.deadline_at + grace(attempt.exam):
        return -1
    items = list(attempt.items.filter(pk__in=list(answers)).select_related("question_version"))
    if len(items) != len(answers):
        raise NotYours
    for item in items:
        item.response = response_from_shown(item, answers[item.pk])
        item.saved_at = now
    AttemptItem.objects.bulk_update(items, ["response", "saved_at"])
    return len(items)


def answers_save(*, attempt_id: int, member, answers: dict, now=None) -> int:
    """Save answers {item id: answer as shown} of the member's own attempt in progress: all or none; the same
    answer sent twice is stored once. Returns how many were saved.

    An item that is not in this member's attempt raises NotYours (nothing saved). After the deadline and its
    grace the attempt is submitted with what was saved before, and the late answers are refused.
    (Saves write no audit event: the answers carry their own time, and submitting is audited.)"""
    now = now or timezone.now()
    try:
        answers = {int(key): value for key, value in answers.items()}
    except (TypeError, ValueError):
        raise NotYours from None
    saved = _save(attempt_id=attempt_id, member=member, answers=answers, now=now)
    if saved < 0:
        attempt = Attempt.objects.get(pk=attempt_id)
        attempt_submit(attempt=attempt, now=now, timed_out=True)
        raise TooLate(_("The time for this exam ran out; it was submitted with the answers saved before."))
    return saved


# The fields of a question version that marking reads (not its stem, options or explanation).
KEY_FIELDS = ("id", "qtype", "answer", "multiple_rule", "partial_fraction", "fill_any_order", "fill_ignore_case")


class _Key:
    """A question version's key fields, as marking reads them."""

    __slots__ = KEY_FIELDS

    def __init__(self, values):
        for name, value in zip(KEY_FIELDS, values, strict=True):
            setattr(self, name, value)


class _Item:
    """An attempt item as submitting reads and writes it: plain attributes, no model instance (a 50-question
    paper would build a hundred), and the same names, so answering and marking read it as they read an item."""

    __slots__ = ("max_score", "option_order", "pk", "question_version", "response", "score")

    def __init__(self, pk, option_order, max_score, response, score, key):
        self.pk, self.option_order, self.max_score = pk, option_order, max_score
        self.response, self.score, self.question_version = response, score, _Key(key)


def _items_for_marking(attempt: Attempt) -> list[_Item]:
    """The attempt's items with their versions' key fields, in one query."""
    rows = (
        AttemptItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list(
            "id", "option_order", "max_score", "response", "score", *(f"question_version__{n}" for n in KEY_FIELDS)
        )
    )
    return [_Item(*row[:5], row[5:]) for row in rows]


def _locked(attempt_id: int, **filters) -> Attempt | None:
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam__organisation", "member__user", "organisation")
        .filter(pk=attempt_id, **filters)
        .first()
    )


def _write_items(items: list[_Item], touched: set[int], now) -> None:
    """Write every item's score, and the response of the items answered just now, in one statement."""
    if not items:
        return
    if connection.vendor != "postgresql":
        scores = [AttemptItem(pk=item.pk, score=item.score) for item in items if item.pk not in touched]
        answered = [
            AttemptItem(pk=item.pk, score=item.score, response=item.response, saved_at=now)
            for item in items
            if item.pk in touched
        ]
        AttemptItem.objects.bulk_update(scores, ["score"])
        AttemptItem.objects.bulk_update(answered, ["score", "response", "saved_at"])
        return
    quote = connection.ops.quote_name
    table = quote(AttemptItem._meta.db_table)
    rows, params = [], []
    for item in items:
        rows.append("(%s, %s::jsonb, %s::numeric, %s)")
        response = None if item.response is None else json.dumps(item.response)
        params += [item.pk, response, item.score, item.pk in touched]
    sql = (
        # Only the model's own names and placeholders are put in the text; every value is a parameter.
        f"UPDATE {table} AS t SET "  # noqa: S608
        f"{quote('score')} = v.score, "
        f"{quote('response')} = CASE WHEN v.touched THEN v.response ELSE t.{quote('response')} END, "
        f"{quote('saved_at')} = CASE WHEN v.touched THEN %s ELSE t.{quote('saved_at')} END "
        f"FROM (VALUES {', '.join(rows)}) AS v(id, response, score, touched) WHERE t.{quote('id')} = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])


def _close(
    attempt: Attempt, items: list[_Item], *, now, timed_out: bool, actor, touched=frozenset(), late=None
) -> None:
    """Mark the (locked, in progress) attempt's items, write them and the attempt, audit, and queue the follow-up."""
    waiting = False
    for item in items:
        share = mark(item.question_version, item.response)
        if share is None:
            waiting = True
            item.score = None
        else:
            item.score = (share * item.max_score).quantize(CENT)
    _write_items(items, set(touched), now)
    attempt.submitted_at = now
    if late is None:
        late = now > attempt.deadline_at + grace(attempt.exam)
    attempt.timed_out = timed_out or late
    attempt.status = AttemptStatus.MARKING if waiting else AttemptStatus.FINISHED
    attempt.max_score = sum((item.max_score for item in items), Decimal("0"))
    if not waiting:
        _score(attempt, items)
    attempt.save(update_fields=["submitted_at", "timed_out", "status", "max_score", "score", "passed"])
    if not waiting:
        _after_marking(attempt, items, now)
    # Last: the audit chain's head is locked until commit, so every submit queues there as briefly as possible.
    audit_record(
        actor=actor if actor is not None else attempt.member.user,
        action="study.attempt_submit",
        obj=attempt,
        changes={"status": attempt.status, "score": str(attempt.score), "timed_out": attempt.timed_out},
    )


@transaction.atomic
def attempt_submit(*, attempt: Attempt, now=None, timed_out: bool = False, actor=None) -> Attempt:
    """Submit and mark an attempt in one transaction. Submitting twice changes nothing the second time.
    Short answers wait for a person (status MARKING); the rest is marked now."""
    now = now or timezone.now()
    attempt = _locked(attempt.pk)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt
    _close(attempt, _items_for_marking(attempt), now=now, timed_out=timed_out, actor=actor)
    return attempt


@transaction.atomic
def _finish(*, attempt_id: int, member, answers: dict, now, actor) -> tuple[Attempt, bool]:
    attempt = _locked(attempt_id, member=member)
    if attempt is None:
        raise NotYours
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt, False
    items = _items_for_marking(attempt)
    if now > attempt.deadline_at + grace(attempt.exam):
        _close(attempt, items, now=now, timed_out=True, actor=actor, late=True)
        return attempt, bool(answers)
    by_id = {item.pk: item for item in items}
    if any(key not in by_id for key in answers):
        raise NotYours
    for key, shown in answers.items():
        item = by_id[key]
        item.response = response_from_shown(item, shown)
    _close(attempt, items, now=now, timed_out=False, actor=actor, touched=answers.keys(), late=False)
    return attempt, False


def attempt_finish(*, attempt_id: int, member, answers: dict, now=None, actor=None) -> Attempt:
    """Save the last answers {item id: answer as shown} and submit, in one transaction: what the attempt page
    sends when the member hands in (answers saved as they went need not be sent again).

    All or nothing: an item not in the member's own attempt raises NotYours, a malformed answer ValidationError,
    and nothing is saved or submitted. Submitting again returns the attempt as it was. After the deadline and its
    grace the attempt is submitted with the answers saved before, and TooLate says the late ones were refused."""
    now = now or timezone.now()
    try:
        answers = {int(key): value for key, value in answers.items()}
    except (TypeError, ValueError):
        raise NotYours from None
    attempt, refused = _finish(attempt_id=attempt_id, member=member, answers=answers, now=now, actor=actor)
    if refused:
        raise TooLate(_("The time for this exam ran out; it was submitted with the answers saved before."))
    return attempt


def _score(attempt: Attempt, items) -> None:
    attempt.score = sum((item.score or Decimal("0") for item in items), Decimal("0"))
    attempt.passed = bool(attempt.max_score) and attempt.score * 100 >= attempt.exam.pass_percent * attempt.max_score


def _after_marking(attempt: Attempt, items, now) -> None:
    """Wrong answers go to the member's practice and a pass earns points, in a task (see exam_tasks)."""
    from qinglian.study.exam_tasks import attempt_followup

    attempt_followup.enqueue(attempt.pk)


def attempts_expire(*, exam: Exam | None = None, now=None, force: bool = False) -> int:
    """Submit the attempts in progress whose time ran out (all of the exam's with `force`, when it closes), with
    the answers saved so far. Returns how many."""
    now = now or timezone.now()
    attempts = Attempt.objects.open().select_related("exam__organisation")
    if exam is not None:
        attempts = attempts.filter(exam=exam)
    if not force:
        attempts = attempts.filter(deadline_at__lt=now)
    closed = 0
    for attempt in attempts:
        if force or now > attempt.deadline_at + grace(attempt.exam):
            attempt_submit(attempt=attempt, now=now, timed_out=True)
            closed += 1
    return closed


def attempts_expire_reminder(today) -> int:
    """Daily: close attempts left open past their deadline (pages close them too, as they are opened)."""
    attempts_expire()
    return 0


@transaction.atomic
def item_mark(*, item: AttemptItem, score, actor, comment: str = "", now=None) -> AttemptItem:
    """Mark a short answer (0 to its marks). When the attempt's last answer is marked, the attempt is finished."""
    now = now or timezone.now()
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam__organisation", "member")
        .get(pk=item.attempt_id)
    )
    item = AttemptItem.objects.select_related("question_version").get(pk=item.pk)
    if attempt.status != AttemptStatus.MARKING:
        raise ValidationError(_("This attempt is not waiting for marking."))
    if item.question_version.qtype != QuestionType.SHORT:
        raise ValidationError(_("Only short answers are marked by hand."))
    try:
        score = Decimal(str(score)).quantize(CENT)
    except Exception:
        raise ValidationError({"score": _("Give the marks as a number.")}) from None
    if not (0 <= score <= item.max_score):
        raise ValidationError({"score": _("Give from 0 to {max} marks.").format(max=item.max_score)})
    item.score, item.comment, item.marked_at = score, (comment or "").strip(), now
    item.marked_by = actor if getattr(actor, "is_authenticated", False) else None
    item.save(update_fields=["score", "comment", "marked_at", "marked_by"])
    audit_record(actor=actor, action="study.item_mark", obj=attempt, changes={"item": item.pk, "score": str(score)})
    items = list(attempt.items.select_related("question_version"))
    if all(i.score is not None for i in items):
        attempt.status = AttemptStatus.FINISHED
        _score(attempt, items)
        attempt.save(update_fields=["status", "score", "passed"])
        _after_marking(attempt, items, now)
    return item


def marking_queue(user):
    """Short answers waiting for a person, in attempts the user may mark."""
    return (
        AttemptItem.objects.filter(
            attempt__status=AttemptStatus.MARKING,
            question_version__qtype=QuestionType.SHORT,
            score__isnull=True,
            attempt__in=Attempt.objects.visible_to(user, "study.mark"),
        )
        .select_related("attempt__exam", "attempt__member", "question_version")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )


def member_result(exam: Exam, member) -> Attempt | None:
    """The attempt that counts for the member by the exam's grading method (among finished attempts)."""
    done = Attempt.objects.filter(exam=exam, member=member, status=AttemptStatus.FINISHED)
    if exam.grading == GradingMethod.FIRST:
        return done.order_by("number").first()
    if exam.grading == GradingMethod.LAST:
        return done.order_by("-number").first()
    return done.order_by("-score", "number").first()


def review_allowed(attempt: Attempt, now=None) -> bool:
    """Whether the member may see the right answers of a finished attempt, by the exam's review policy."""
    now = now or timezone.now()
    exam = attempt.exam
    if attempt.status == AttemptStatus.IN_PROGRESS or exam.review == Exam.Review.NEVER:
        return False
    if exam.review == Exam.Review.AFTER_CLOSE:
        return exam.status == ExamStatus.CLOSED or now >= exam.closes_at
    return True
