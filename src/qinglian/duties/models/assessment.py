"""Responsibility assessment (责任制考核): score tables as data, yearly rounds, self and assessor scoring.

A score table belongs to the assessing unit and a year: sections of items, each with its points, the
evidence required and its scoring rule (RuleKind with parameters: target, deduction per occurrence
and floor, bonus cap, tiers, veto). An item may name an indicator registered in core (e.g. meetings
held against those required): its score is then filled from the records, not typed.
A round applies a table to the units below: each unit scores itself with evidence, the assessor
scores each item with comments, and the result — total, grade by the table's thresholds, veto —
is fed back to the unit. A finished round cannot be edited.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.core.models import Evidence as CoreEvidence
from qinglian.duties.models.common import OrgOwned, ScopedQuerySet
from qinglian.duties.vocab import RoundStatus, RuleKind, UnitStatus
from qinglian.orgs.models import Organisation

POINTS = {"max_digits": 6, "decimal_places": 2}


class ScoreTable(OrgOwned):
    """A score table of the assessing unit for a year; its grade thresholds are data on the table."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("assessing unit"), on_delete=models.PROTECT, related_name="score_tables"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    # [{"grade": "优秀", "min": 90, "no_zero_item": true}, {"grade": "良好", "min": 80}, {"grade": "合格", "min": 60},
    #  {"grade": "不合格", "min": 0}] — highest first; copied from the rule duties.assessment_grades when made.
    grades = models.JSONField(_("grades"), default=list)
    based_on = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("score table")
        verbose_name_plural = _("score tables")
        ordering = ["-year", "organisation__path", "pk"]

    def __str__(self) -> str:
        return self.title


class ScoreItem(models.Model):
    """One line of a score table: a section heading (no rule) or a scored item under one."""

    table = models.ForeignKey(ScoreTable, verbose_name=_("score table"), on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(
        "self", verbose_name=_("section"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("item"), max_length=300)
    points = models.DecimalField(_("points"), validators=[MinValueValidator(Decimal(0))], **POINTS)
    evidence = models.TextField(_("evidence required"), blank=True)
    rule = models.CharField(_("scoring rule"), max_length=14, choices=RuleKind.choices, default=RuleKind.PRESENCE)
    # Per rule (duties.scoring reads them): count {"target": 12}, or {"target_indicator": code} (the target
    # measured too), or {"percent": true} (the indicator gives a share: k% of 100); deduction {"per": 1,
    # "floor": 0}; discretionary {"max": 3}; tier {"tiers": {"A": 10, "B": 9, "C": 8, "D": 7}}; bonus
    # {"per": 1} (the item's points are its cap); veto {"grade": "不合格"} (the ceiling; points 0).
    # A section may cap the bonus of its items together: {"bonus_cap": 5}.
    params = models.JSONField(_("rule parameters"), default=dict, blank=True)
    indicator = models.CharField(
        _("filled from records"),
        max_length=80,
        blank=True,
        help_text=_("An indicator registered by a module; the item's count is then taken from the records."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("score item")
        verbose_name_plural = _("score items")
        ordering = ["table", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["table", "code"], name="duties_item_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_section(self) -> bool:
        return self.section_id is None


class Round(OrgOwned):
    """A yearly assessment round: one table applied to the units below the assessing unit."""

    table = models.ForeignKey(
        ScoreTable, verbose_name=_("score table"), on_delete=models.PROTECT, related_name="rounds"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("assessing unit"), on_delete=models.PROTECT, related_name="assessment_rounds"
    )
    year = models.PositiveSmallIntegerField(_("year assessed"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    self_due = models.DateField(_("self-scoring due"), null=True, blank=True)
    assess_due = models.DateField(_("assessment due"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="duties_round_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title


class UnitAssessment(OrgOwned):
    """One unit's assessment in a round: its self-scoring, the assessor's scoring, the result and feedback."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="units")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("unit assessed"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(_("status"), max_length=10, choices=UnitStatus.choices, default=UnitStatus.SELF)
    self_total = models.DecimalField(_("self-score"), null=True, blank=True, **POINTS)
    total = models.DecimalField(_("score"), null=True, blank=True, **POINTS)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    feedback = models.TextField(_("feedback to the unit"), blank=True)
    submitted_at = models.DateTimeField(_("self-scoring submitted at"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit assessment")
        verbose_name_plural = _("unit assessments")
        ordering = ["round", "organisation__path"]
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="duties_unit_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.organisation}"


class ItemScore(models.Model):
    """A unit's score on one item: measured from records (if the item names an indicator), self, assessor."""

    assessment = models.ForeignKey(
        UnitAssessment, verbose_name=_("unit assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(ScoreItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="scores")
    measured = models.DecimalField(_("measured from records"), null=True, blank=True, max_digits=10, decimal_places=2)
    measured_note = models.CharField(_("how it was measured"), max_length=300, blank=True)
    target = models.DecimalField(
        _("target from the records"), null=True, blank=True, max_digits=10, decimal_places=2,
        help_text=_("For a count whose target is measured too (meetings required)."),
    )  # fmt: skip
    # The score the rule gives for what was measured: while the assessor's score still equals it, reading the
    # records again updates both; a score changed by hand is left alone.
    auto_score = models.DecimalField(_("score from the records"), null=True, blank=True, **POINTS)
    count = models.DecimalField(
        _("count"), null=True, blank=True, max_digits=10, decimal_places=2,
        help_text=_("Occurrences, or what was achieved against the target, as the rule needs."),
    )  # fmt: skip
    tier = models.CharField(_("tier"), max_length=20, blank=True, help_text=_("The other assessment's grade."))
    self_score = models.DecimalField(_("self-score"), null=True, blank=True, **POINTS)
    self_note = models.TextField(_("self-assessment"), blank=True)
    score = models.DecimalField(_("assessor's score"), null=True, blank=True, **POINTS)
    comment = models.TextField(_("assessor's comment"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        ordering = ["assessment", "item__order", "item__pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="duties_score_once_per_item"),
            models.CheckConstraint(
                condition=Q(self_score__gte=0) | Q(self_score__isnull=True), name="duties_self_score_ge_0"
            ),
            models.CheckConstraint(condition=Q(score__gte=0) | Q(score__isnull=True), name="duties_score_ge_0"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.item_id}"

    @property
    def access_path(self) -> str:
        return self.assessment.organisation.path

    audit_path = access_path


class ScoreEvidence(CoreEvidence):
    """Evidence for a self-score: an uploaded file, or a link to a record already in another module."""

    score = models.ForeignKey(
        ItemScore, verbose_name=_("item score"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="duties/assessment/%Y/", blank=True)

    class Meta(CoreEvidence.Meta):
        verbose_name = _("score evidence")
        verbose_name_plural = _("score evidence")
        ordering = ["score", "added_at", "pk"]

    @property
    def access_path(self) -> str:
        return self.score.assessment.organisation.path

    audit_path = access_path
