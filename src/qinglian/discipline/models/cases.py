"""Cases (立案审查调查) with a deadline for each stage, and the outcomes of clues and cases: every measure taken
against a person, mapped to the form it counts under (四种形态), with a sanction's effect period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.discipline.models.clues import Clue
from qinglian.discipline.vocab import CaseStage, Family, Form, Measure, Source
from qinglian.orgs.models import Member, Organisation


class Case(models.Model):
    """A case filed on a clue. Stages follow one another (vocab.CASE_STAGE_ORDER); each has its deadline from the
    rule `discipline.case_stages`; an appeal reopens an executed case."""

    clue = models.OneToOneField(Clue, verbose_name=_("clue"), on_delete=models.PROTECT, related_name="case")
    number = models.CharField(_("case number"), max_length=40)
    filed_on = models.DateField(_("filed on"))
    stage = models.CharField(_("stage"), max_length=14, choices=CaseStage.choices, default=CaseStage.INVESTIGATION)
    stage_started_on = models.DateField(_("stage started on"))
    stage_due_on = models.DateField(_("stage due"), null=True, blank=True)
    judicial_transfer_on = models.DateField(_("transferred to judicial organs on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-filed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} · {self.clue.subject_name}"

    @property
    def is_open(self) -> bool:
        return self.stage != CaseStage.CLOSED

    @property
    def access_path(self) -> str:
        return self.clue.organisation.path

    audit_path = access_path


class CaseStageRecord(models.Model):
    """One stage a case went through: when it started, when it was due, when it ended, any extension."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=14, choices=CaseStage.choices)
    started_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    extended_days = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_stage_display()}"


class Outcome(models.Model):
    """A measure taken on a clue or a case, for one person: the row the four-forms statistics count.

    `form` and `family` are fixed when recorded (by the rule `discipline.forms` then in force), so last year's
    statistics never change when the rule does. `source` and `subject_unit` are copied from the clue for the same
    reason."""

    clue = models.ForeignKey(Clue, on_delete=models.PROTECT, related_name="outcomes")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="outcomes")
    subject_member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="discipline_outcomes"
    )
    subject_name = models.CharField(_("person"), max_length=60)
    subject_unit = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="discipline_outcomes"
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    measure = models.CharField(_("measure"), max_length=24, choices=Measure.choices)
    family = models.CharField(_("kind"), max_length=16, choices=Family.choices)
    form = models.PositiveSmallIntegerField(_("form"), choices=Form.choices, null=True, blank=True)
    decided_on = models.DateField(_("decided on"))
    effect_months = models.PositiveSmallIntegerField(_("effect period (months)"), null=True, blank=True)
    effect_ends_on = models.DateField(_("effect ends on"), null=True, blank=True)
    end_notified_on = models.DateField(null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    rectification_item = models.ForeignKey(
        "rectification.Item", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An appeal that changes a decision records a new outcome and keeps the old one, pointing at its replacement:
    # what is in force (and what the four forms count) is the outcomes not superseded.
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-decided_on", "-pk"]
        indexes = [models.Index(fields=["decided_on", "form"], name="discipline_outcome_day_form")]

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.get_measure_display()}"

    @property
    def access_path(self) -> str:
        return self.clue.organisation.path

    audit_path = access_path
