"""Setting exams: the settings and audience, the paper (fixed slots or random rules), publishing and closing.

An exam is a draft until published; its paper can change only while it is a draft. Publishing checks that the
paper can be drawn (every random rule has enough questions). `version` guards the settings against two editors.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orgs.services import Conflict
from qinglian.study.models import Exam, PaperRule, PaperSlot, Question
from qinglian.study.vocab import ExamStatus, GradingMethod, PaperMode, QuestionType, TopicKind

SETTINGS = (
    "title",
    "description",
    "topic",
    "mode",
    "opens_at",
    "closes_at",
    "time_limit_minutes",
    "attempts_allowed",
    "grading",
    "pass_percent",
    "shuffle_questions",
    "shuffle_options",
    "review",
)


def exams_for_member(member):
    """Published (and closed) exams whose audience includes `member`, the newest first."""
    return Exam.objects.published().addressed_to(member).select_related("organisation")


def questions_usable(org):
    """Published questions a unit may put on its papers (its bank and those of the units above it)."""
    return Question.objects.usable_by(org).published().filter(current__isnull=False)


def _check(fields: dict) -> None:
    if not (fields.get("title") or "").strip():
        raise ValidationError({"title": _("Give the exam a title.")})
    opens, closes = fields.get("opens_at"), fields.get("closes_at")
    if opens is None or closes is None:
        raise ValidationError({"closes_at": _("Give the moments the exam opens and closes.")})
    if closes <= opens:
        raise ValidationError({"closes_at": _("An exam must close after it opens.")})
    if not fields.get("time_limit_minutes") or fields["time_limit_minutes"] < 1:
        raise ValidationError({"time_limit_minutes": _("The time limit must be at least one minute.")})
    if not 0 <= int(fields.get("pass_percent", 60)) <= 100:
        raise ValidationError({"pass_percent": _("The pass mark is a percentage of at most 100.")})
    if fields.get("mode", PaperMode.FIXED) not in PaperMode.values:
        raise ValidationError({"mode": _("Unknown kind of paper.")})
    if fields.get("grading", GradingMethod.HIGHEST) not in GradingMethod.values:
        raise ValidationError({"grading": _("Unknown grading method.")})
    if fields.get("topic", TopicKind.CHARTER) not in TopicKind.values:
        raise ValidationError({"topic": _("Unknown topic.")})
    if fields.get("review", Exam.Review.AFTER_SUBMIT) not in Exam.Review.values:
        raise ValidationError({"review": _("Unknown review policy.")})


def _audience(exam: Exam, units, members) -> None:
    units = list(units or [])
    if any(not (u.path.startswith(exam.organisation.path)) for u in units):
        raise ValidationError({"units": _("An exam is set for its own unit and the units below it.")})
    exam.units.set(units)
    exam.members.set(list(members or []))


@transaction.atomic
def exam_create(*, org, actor, units=(), members=(), **fields) -> Exam:
    """A draft exam of `org`, for the given units (each with its subtree) and named members."""
    defaults = {name: Exam._meta.get_field(name).get_default() for name in SETTINGS}
    fields = {**defaults, **{k: v for k, v in fields.items() if k in SETTINGS and v is not None}}
    _check(fields)
    fields["title"] = fields["title"].strip()
    exam = Exam.objects.create(
        organisation=org, created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields
    )
    _audience(exam, units or [org], members)
    audit_record(actor=actor, action="study.exam_create", obj=exam, changes={"title": exam.title})
    return exam


def _locked(exam: Exam, version: int | None) -> Exam:
    exam = Exam.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=exam.pk)
    if version is not None and int(version) != exam.version:
        raise Conflict(_("Someone else changed this exam meanwhile; reload it and make your change again."))
    return exam


@transaction.atomic
def exam_update(*, exam: Exam, version: int | None, actor, units=None, members=None, **fields) -> Exam:
    """Change an exam's settings and audience. A published exam keeps its kind of paper."""
    exam = _locked(exam, version)
    if exam.status == ExamStatus.CLOSED:
        raise ValidationError(_("The exam is closed."))
    new = {name: getattr(exam, name) for name in SETTINGS}
    new.update({k: v for k, v in fields.items() if k in SETTINGS and v is not None})
    if exam.status != ExamStatus.DRAFT and new["mode"] != exam.mode:
        raise ValidationError({"mode": _("The paper of a published exam cannot change.")})
    _check(new)
    changes = {k: str(v) for k, v in new.items() if getattr(exam, k) != v}
    for name, value in new.items():
        setattr(exam, name, value)
    exam.version = F("version") + 1
    exam.save()
    exam.refresh_from_db()
    if units is not None or members is not None:
        _audience(
            exam,
            units if units is not None else exam.units.all(),
            members if members is not None else exam.members.all(),
        )
    audit_record(actor=actor, action="study.exam_update", obj=exam, changes=changes)
    return exam


def _draft(exam: Exam) -> None:
    if exam.status != ExamStatus.DRAFT:
        raise ValidationError(_("The paper can change only while the exam is a draft."))


@transaction.atomic
def slot_add(*, exam: Exam, question: Question, actor, score=None) -> PaperSlot:
    """Put a question's current version on a fixed paper, worth `score` (by default the version's marks)."""
    exam = _locked(exam, None)
    _draft(exam)
    if exam.mode != PaperMode.FIXED:
        raise ValidationError(_("Questions are picked one by one only on a fixed paper."))
    if not questions_usable(exam.organisation).filter(pk=question.pk).exists():
        raise ValidationError(_("That question is not in a bank this unit may use, or is not published."))
    version = question.current
    if exam.slots.filter(question_version__question=question).exists():
        raise ValidationError(_("The question is on the paper already."))
    score = Decimal(str(score)) if score not in (None, "") else version.score
    if score <= 0:
        raise ValidationError({"score": _("Marks must be above zero.")})
    position = (exam.slots.aggregate(n=Max("position"))["n"] or 0) + 1
    slot = PaperSlot.objects.create(exam=exam, position=position, question_version=version, score=score)
    audit_record(actor=actor, action="study.slot_add", obj=exam, changes={"question": question.pk, "score": score})
    return slot


@transaction.atomic
def slot_remove(*, slot: PaperSlot, actor) -> None:
    exam = _locked(slot.exam, None)
    _draft(exam)
    audit_record(actor=actor, action="study.slot_remove", obj=exam, changes={"question": slot.question_version_id})
    slot.delete()


def _rule_check(exam: Exam, qtype, difficulty_min, difficulty_max, count, score) -> None:
    if qtype not in QuestionType.values:
        raise ValidationError({"qtype": _("Unknown question type.")})
    if not (1 <= int(difficulty_min) <= int(difficulty_max) <= 5):
        raise ValidationError({"difficulty_max": _("Difficulty runs from 1 to 5, the easiest not above the hardest.")})
    if int(count) < 1:
        raise ValidationError({"count": _("Draw at least one question.")})
    if Decimal(str(score)) <= 0:
        raise ValidationError({"score": _("Marks must be above zero.")})


@transaction.atomic
def rule_add(
    *, exam: Exam, actor, qtype: str, count: int, score, category=None, difficulty_min: int = 1, difficulty_max: int = 5
) -> PaperRule:
    """A line of a random paper: `count` questions of a type from a category (with those below it)."""
    exam = _locked(exam, None)
    _draft(exam)
    if exam.mode != PaperMode.RANDOM:
        raise ValidationError(_("Rules belong to a random paper."))
    _rule_check(exam, qtype, difficulty_min, difficulty_max, count, score)
    position = (exam.rules.aggregate(n=Max("position"))["n"] or 0) + 1
    rule = PaperRule.objects.create(
        exam=exam,
        position=position,
        category=category,
        qtype=qtype,
        difficulty_min=difficulty_min,
        difficulty_max=difficulty_max,
        count=count,
        score=Decimal(str(score)),
    )
    audit_record(actor=actor, action="study.rule_add", obj=exam, changes={"rule": str(rule)})
    return rule


@transaction.atomic
def rule_remove(*, rule: PaperRule, actor) -> None:
    exam = _locked(rule.exam, None)
    _draft(exam)
    audit_record(actor=actor, action="study.rule_remove", obj=exam, changes={"rule": str(rule)})
    rule.delete()


def rule_pool(exam: Exam, rule: PaperRule):
    """The questions a rule draws from."""
    pool = questions_usable(exam.organisation).filter(
        current__qtype=rule.qtype,
        current__difficulty__gte=rule.difficulty_min,
        current__difficulty__lte=rule.difficulty_max,
    )
    if rule.category_id:
        pool = pool.filter(rule.category.subtree_q("category__"))
    return pool


def paper_problems(exam: Exam) -> list[str]:
    """What keeps the paper from being drawn: an empty paper, or a rule short of questions (and by how many).

    Rules over the same pool share it: a question drawn by one rule is not drawn again by another, so each
    rule is checked against what the rules before it leave."""
    problems = []
    if exam.mode == PaperMode.FIXED:
        if not exam.slots.exists():
            problems.append(_("The paper has no questions."))
        return problems
    rules = list(exam.rules.select_related("category"))
    if not rules:
        problems.append(_("The paper has no rules."))
    taken: set[int] = set()
    for number, rule in enumerate(rules, start=1):
        ids = [pk for pk in rule_pool(exam, rule).values_list("pk", flat=True) if pk not in taken]
        if len(ids) < rule.count:
            problems.append(
                _("Rule {n} ({rule}) needs {count} questions but the bank has {have}: {short} short.").format(
                    n=number, rule=_rule_label(rule), count=rule.count, have=len(ids), short=rule.count - len(ids)
                )
            )
        taken.update(ids[: rule.count])
    return problems


def _rule_label(rule: PaperRule) -> str:
    where = rule.category.full_name if rule.category_id else _("any category")
    return f"{where} · {rule.get_qtype_display()} · {rule.difficulty_min}–{rule.difficulty_max}"


def paper_total(exam: Exam) -> Decimal:
    """The marks of the whole paper."""
    if exam.mode == PaperMode.FIXED:
        return exam.slots.aggregate(t=Sum("score"))["t"] or Decimal("0")
    return sum((rule.score * rule.count for rule in exam.rules.all()), Decimal("0"))


def paper_count(exam: Exam) -> int:
    if exam.mode == PaperMode.FIXED:
        return exam.slots.count()
    return sum(rule.count for rule in exam.rules.all())


@transaction.atomic
def exam_publish(*, exam: Exam, version: int | None, actor) -> Exam:
    """Open a draft exam to its audience once its paper can be drawn."""
    exam = _locked(exam, version)
    if exam.status != ExamStatus.DRAFT:
        raise ValidationError(_("Only a draft exam can be published."))
    problems = paper_problems(exam)
    if problems:
        raise ValidationError(problems)
    if not exam.units.exists() and not exam.members.exists():
        raise ValidationError(_("The exam has nobody to take it: choose units or members."))
    Exam.objects.filter(pk=exam.pk).update(status=ExamStatus.PUBLISHED, version=F("version") + 1)
    exam.refresh_from_db()
    audit_record(actor=actor, action="study.exam_publish", obj=exam, changes={"total": str(paper_total(exam))})
    return exam


@transaction.atomic
def exam_close(*, exam: Exam, version: int | None, actor) -> Exam:
    """Close a published exam now: no more attempts start; attempts in progress are submitted by the server."""
    from qinglian.study.services.take import attempts_expire

    exam = _locked(exam, version)
    if exam.status != ExamStatus.PUBLISHED:
        raise ValidationError(_("Only a published exam can be closed."))
    Exam.objects.filter(pk=exam.pk).update(status=ExamStatus.CLOSED, version=F("version") + 1)
    exam.refresh_from_db()
    attempts_expire(exam=exam, force=True)
    audit_record(actor=actor, action="study.exam_close", obj=exam, changes={})
    return exam


def audience_members(org, ids):
    """The members named by id among those of the unit's subtree (others are ignored)."""
    from qinglian.orgs.models import Member

    return list(Member.objects.filter(subtree_units_q(org, "organisation__"), pk__in=list(ids or [])))


def in_audience(exam: Exam, member) -> bool:
    return Exam.objects.filter(pk=exam.pk).addressed_to(member).exists()


def subtree_units_q(org, prefix: str = "") -> Q:
    from qinglian.orgs.models import subtree_q

    return subtree_q(org.path, prefix)
