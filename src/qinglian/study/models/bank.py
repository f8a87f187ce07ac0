"""The question bank: a question keeps its identity (category, tags, owner) while its wording lives in versions,
so that editing a question an exam has used makes a new version and the old papers stay as they were."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import Organisation
from qinglian.study.models.common import OrgOwned, ScopedQuerySet, ancestor_paths
from qinglian.study.models.library import Category, Tag
from qinglian.study.vocab import MultipleRule, QuestionStatus, QuestionType, TopicKind


class QuestionQuerySet(ScopedQuerySet):
    def usable_by(self, org):
        """Questions a unit may put in its exams: its own and those of every unit above it."""
        return self.filter(organisation__path__in=ancestor_paths(org.path))

    def published(self):
        return self.filter(status=QuestionStatus.PUBLISHED)


class Question(OrgOwned):
    """A question of a unit's bank. `current` is its latest version; `external_code` lets a re-import update it."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("bank of"), on_delete=models.PROTECT, related_name="study_questions"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="questions"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=TopicKind.choices, default=TopicKind.CHARTER)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="questions")
    external_code = models.CharField(_("external code"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.PUBLISHED
    )
    current = models.ForeignKey(
        "study.QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How many exam papers have drawn it: random papers take the least used first.
    times_used = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["organisation", "status", "category"], name="study_question_bank")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_code"],
                condition=~Q(external_code=""),
                name="study_question_code_unique",
                violation_error_message=_("Another question of this bank has the same external code."),
            )
        ]

    def __str__(self) -> str:
        return self.current.stem[:60] if self.current_id else f"#{self.pk}"


class QuestionVersion(models.Model):
    """One wording of a question with its key.

    `options` is the list of option texts (A, B, C… by position); `answer` is, by type: the letters of the right
    options (`["B"]`, `["A", "C"]`), `[true]` or `[false]`, the blanks as lists of accepted answers
    (`[["党章"], ["党规", "党内法规"]]`), or the reference answer for a short answer (`["…"]`).
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"), default=1)
    qtype = models.CharField(_("type"), max_length=10, choices=QuestionType.choices)
    stem = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"), default=list)
    explanation = models.TextField(_("explanation"), blank=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Document and article, e.g. 《中国共产党章程》第三条.")
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    score = models.DecimalField(_("marks"), max_digits=5, decimal_places=1, default=Decimal("1"))
    multiple_rule = models.CharField(
        _("marking of a correct subset"), max_length=10, choices=MultipleRule.choices, default=MultipleRule.PARTIAL
    )
    partial_fraction = models.DecimalField(
        _("share of marks for a correct subset"), max_digits=3, decimal_places=2, default=Decimal("0.50")
    )
    fill_any_order = models.BooleanField(_("blanks in any order"), default=False)
    fill_ignore_case = models.BooleanField(_("ignore case"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="study_question_version_unique"),
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5),
                name="study_question_difficulty",
                violation_error_message=_("Difficulty runs from 1 (easy) to 5 (hard)."),
            ),
            models.CheckConstraint(
                condition=Q(score__gt=0),
                name="study_question_score",
                violation_error_message=_("Marks must be above zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stem[:60]} (v{self.number})"

    @property
    def access_path(self) -> str:
        return self.question.organisation.path

    audit_path = access_path
