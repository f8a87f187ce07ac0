"""Exams: the paper (fixed slots or random rules), each member's attempts, and the answer to each question."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import Member, Organisation
from qinglian.study.models.bank import QuestionVersion
from qinglian.study.models.common import AudienceQuerySet, OrgOwned, ScopedQuerySet
from qinglian.study.models.library import Category
from qinglian.study.vocab import AttemptStatus, ExamStatus, GradingMethod, PaperMode, QuestionType, TopicKind


class ExamQuerySet(AudienceQuerySet):
    def published(self):
        return self.filter(status__in=[ExamStatus.PUBLISHED, ExamStatus.CLOSED])


class Exam(OrgOwned):
    """An exam set by a unit for its units below and named members, open between two moments.

    The server keeps the time: an attempt's deadline is the earlier of its start plus the time limit and the
    exam's close. `version` guards the settings against two editors.
    """

    class Review(models.TextChoices):
        AFTER_SUBMIT = "after_submit", _("Right after submitting")
        AFTER_CLOSE = "after_close", _("After the exam closes")
        NEVER = "never", _("Never")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="study_exams"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("instructions"), blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=TopicKind.choices, default=TopicKind.CHARTER)
    mode = models.CharField(_("paper"), max_length=10, choices=PaperMode.choices, default=PaperMode.FIXED)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=30)
    attempts_allowed = models.PositiveIntegerField(_("attempts allowed"), default=1, help_text=_("0 for no limit."))
    grading = models.CharField(
        _("grade by"), max_length=10, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    review = models.CharField(_("show answers"), max_length=15, choices=Review.choices, default=Review.AFTER_SUBMIT)
    status = models.CharField(_("status"), max_length=10, choices=ExamStatus.choices, default=ExamStatus.DRAFT)
    units = models.ManyToManyField(
        Organisation,
        verbose_name=_("units"),
        blank=True,
        related_name="+",
        help_text=_("Each with all units below it."),
    )
    members = models.ManyToManyField(Member, verbose_name=_("members"), blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ExamQuerySet.as_manager()

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="study_exam_window",
                violation_error_message=_("An exam must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(pass_percent__lte=100),
                name="study_exam_pass_mark",
                violation_error_message=_("The pass mark is a percentage of at most 100."),
            ),
            models.CheckConstraint(
                condition=Q(time_limit_minutes__gt=0),
                name="study_exam_time_limit",
                violation_error_message=_("The time limit must be at least one minute."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PaperSlot(models.Model):
    """A question of a fixed paper, with its marks on this paper."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="slots")
    position = models.PositiveIntegerField(_("order"))
    question_version = models.ForeignKey(
        QuestionVersion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("marks"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("paper question")
        verbose_name_plural = _("paper questions")
        ordering = ["exam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "position"], name="study_slot_position"),
            models.UniqueConstraint(fields=["exam", "question_version"], name="study_slot_once"),
            models.CheckConstraint(condition=Q(score__gt=0), name="study_slot_score"),
        ]

    def __str__(self) -> str:
        return f"{self.exam} #{self.position}"


class PaperRule(models.Model):
    """A line of a random paper's blueprint: draw `count` questions of a type from a category (and the categories
    below it), within a difficulty range, each worth `score`."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(_("order"), default=0)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices)
    difficulty_min = models.PositiveSmallIntegerField(_("easiest"), default=1)
    difficulty_max = models.PositiveSmallIntegerField(_("hardest"), default=5)
    count = models.PositiveIntegerField(_("number of questions"))
    score = models.DecimalField(_("marks each"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("paper rule")
        verbose_name_plural = _("paper rules")
        ordering = ["exam", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="study_rule_count"),
            models.CheckConstraint(condition=Q(score__gt=0), name="study_rule_score"),
            models.CheckConstraint(
                condition=Q(difficulty_min__lte=F("difficulty_max")),
                name="study_rule_difficulty",
                violation_error_message=_("The easiest level cannot be above the hardest."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam}: {self.count} × {self.get_qtype_display()}"


class AttemptQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status=AttemptStatus.IN_PROGRESS)

    def done(self):
        return self.exclude(status=AttemptStatus.IN_PROGRESS)


class Attempt(OrgOwned):
    """One member's sitting of an exam. `organisation` is the member's unit at the time (per-unit results and access).

    At most one attempt of a member is in progress per exam (a database constraint, so two tabs cannot both start).
    """

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="study_attempts"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("attempt"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline_at = models.DateTimeField(_("must be submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Submitted by the member, or closed by the server when the time ran out.
    timed_out = models.BooleanField(_("submitted when time ran out"), default=False)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("out of"), max_digits=7, decimal_places=2, default=Decimal("0"))
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    seed = models.BigIntegerField(default=0, editable=False)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["exam", "status"], name="study_attempt_exam_status"),
            models.Index(fields=["member", "exam"], name="study_attempt_member"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["exam", "member", "number"], name="study_attempt_number"),
            models.UniqueConstraint(
                fields=["exam", "member"],
                condition=Q(status=AttemptStatus.IN_PROGRESS),
                name="study_attempt_one_open",
                violation_error_message=_("An attempt at this exam is already in progress."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.exam} #{self.number}"


class AttemptItem(models.Model):
    """One question of an attempt, in the order this member sees it, with the options in their order and the answer.

    `option_order` lists the original option indexes in the order shown; `response` is saved as the member goes
    (letters as shown are turned back into the original options before saving, so marking never depends on the
    shuffle). `score` is empty until marked.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="attempt_items")
    option_order = models.JSONField(default=list)
    max_score = models.DecimalField(max_digits=5, decimal_places=1)
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("marker's comment"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="study_item_position"),
            models.UniqueConstraint(fields=["attempt", "question_version"], name="study_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} #{self.position}"

    @property
    def access_path(self) -> str:
        return self.attempt.organisation.path
