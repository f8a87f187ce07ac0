"""The words of evaluation: layers of the indicator tree, directions, sources, statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Layer(models.TextChoices):
    """The four layers of a clean-governance evaluation (as the Korean CIA and Chinese 责任制考核 keep them apart)."""

    WORK = "work", _("Work done")
    RESULTS = "results", _("Results")
    PERCEPTIONS = "perceptions", _("Perceptions")
    INCIDENTS = "incidents", _("Incidents")


class Direction(models.TextChoices):
    BENEFIT = "benefit", _("Higher is better")
    COST = "cost", _("Lower is better")
    INTERVAL = "interval", _("Best within a range")


class Source(models.TextChoices):
    COMPUTED = "computed", _("Computed from records")
    SURVEY = "survey", _("Survey result")
    MANUAL = "manual", _("Manual value with evidence")


class Role(models.TextChoices):
    """What an indicator is in the contribution analysis."""

    INPUT = "input", _("Political-work measure")
    OUTCOME = "outcome", _("Clean-governance outcome")
    NONE = "", _("Not analysed")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Weights being set")
    FROZEN = "frozen", _("Weights frozen")


class WeightKind(models.TextChoices):
    SUBJECTIVE = "subjective", _("Expert judgments (AHP)")
    OBJECTIVE = "objective", _("From the data")
    COMBINED = "combined", _("Combined")


class AnalysisKind(models.TextChoices):
    FIXED_EFFECTS = "twfe", _("Fixed-effects panel regression")
    EVENT_STUDY = "did", _("Staggered difference-in-differences")
    SHAPLEY = "shapley", _("Shares of explained variance")
    CHANGE = "change", _("Decomposition of a score change")


class MeasureGroup(models.TextChoices):
    """The groups of political-work measures (Indicator.group) whose shares of explained variance are reported."""

    ORGLIFE = "orglife", _("Organisational life")
    STUDY = "study", _("Study and education")
    DUTY = "duty", _("Responsibility")
    RISKS = "risks", _("Integrity-risk prevention")
