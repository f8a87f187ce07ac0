"""Evaluation's records: the indicator tree (as data, versioned), evaluation cycles with their frozen weights and
full provenance, experts' judgment matrices, survey and manual values, the scores computed for each unit and
period, campaigns (for the difference-in-differences analysis) and the stored analyses.

Values computed from records are never stored here as typed-in numbers: they are read through the queries the
modules register (core.registry.indicators) each time a panel or a score is computed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qinglian.evaluation.vocab import AnalysisKind, CycleStatus, Direction, Layer, Role, Source, WeightKind
from qinglian.orgs.models import Organisation


class Indicator(models.Model):
    """One node of the indicator tree. Group nodes (no source) hold children; leaves carry data.

    `anchor_low` and `anchor_high` are fixed anchors: the raw values that score 0 and 100 points (reversed for a
    cost indicator), the same every year so that years compare. `rule` holds the scoring rule beyond the linear
    one (e.g. {"type": "deduction", "per": 2, "cap": 10}); `flow` marks a quantity that accumulates over a year
    (hours, counts), of which a quarter's value is the difference of the year-to-date values.
    """

    code = models.CharField(_("code"), max_length=60)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    layer = models.CharField(_("layer"), max_length=12, choices=Layer.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.BENEFIT)
    interval_low = models.FloatField(_("best from"), null=True, blank=True)
    interval_high = models.FloatField(_("best up to"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    source = models.CharField(_("data source"), max_length=10, choices=Source.choices, blank=True)
    query = models.CharField(_("registered query"), max_length=80, blank=True)
    flow = models.BooleanField(_("accumulates over the year"), default=False)
    anchor_low = models.FloatField(_("value scoring 0"), null=True, blank=True)
    anchor_high = models.FloatField(_("value scoring 100"), null=True, blank=True)
    rule = models.JSONField(_("scoring rule"), default=dict, blank=True)
    group = models.CharField(_("measure group"), max_length=30, blank=True)
    role = models.CharField(_("role in the analysis"), max_length=10, choices=Role.choices, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "code")
        constraints = [models.UniqueConstraint(fields=("code", "version"), name="evaluation_indicator_version")]
        verbose_name = _("indicator")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def is_leaf(self) -> bool:
        return bool(self.source)


class Cycle(models.Model):
    """One year's evaluation of a unit's subtree: its weights are set, then frozen, and the scores computed."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    year = models.PositiveIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    layer_weights = models.JSONField(_("layer weights"), default=dict, blank=True)
    weight_set = models.ForeignKey(
        "WeightSet", verbose_name=_("frozen weights"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("-year", "pk")
        constraints = [models.UniqueConstraint(fields=("organisation", "year"), name="evaluation_cycle_year")]
        verbose_name = _("evaluation cycle")

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class WeightSet(models.Model):
    """A weight vector with its provenance: who, when, by which method, from which inputs."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="weight_sets")
    kind = models.CharField(_("kind"), max_length=12, choices=WeightKind.choices)
    method = models.CharField(_("method"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    weights = models.JSONField(_("weights"), default=dict)
    consistency = models.JSONField(_("consistency"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("weight set")

    def __str__(self) -> str:
        return f"{self.cycle} · {self.get_kind_display()} · {self.method}"

    @property
    def access_path(self) -> str:
        return self.cycle.organisation.path

    audit_path = access_path


class Judgment(models.Model):
    """One expert's pairwise comparisons of the children of one node of the tree (the layers, for node "")."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="judgments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT)
    node = models.CharField(_("node"), max_length=60, blank=True)
    items = models.JSONField(_("items compared"), default=list)
    matrix = models.JSONField(_("judgment matrix"), default=list)
    cr = models.FloatField(_("consistency ratio"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("cycle", "node", "expert")
        constraints = [
            models.UniqueConstraint(fields=("cycle", "expert", "node"), name="evaluation_judgment_expert_node")
        ]
        verbose_name = _("judgment matrix")

    def __str__(self) -> str:
        return f"{self.cycle} · {self.node or 'layers'} · {self.expert}"

    @property
    def access_path(self) -> str:
        return self.cycle.organisation.path

    audit_path = access_path


class Value(models.Model):
    """A survey result or a manual value of one unit for one period, with its evidence."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    value = models.FloatField(_("value"))
    respondents = models.PositiveIntegerField(_("respondents"), null=True, blank=True)
    std_error = models.FloatField(_("standard error"), null=True, blank=True)
    evidence = models.CharField(_("evidence file"), max_length=200, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("period_start", "organisation__path", "indicator__order")
        constraints = [
            models.UniqueConstraint(
                fields=("indicator", "organisation", "period_start", "period_end"), name="evaluation_value_period"
            )
        ]
        verbose_name = _("value")

    def __str__(self) -> str:
        return f"{self.indicator.code} · {self.organisation} · {self.period_start}–{self.period_end}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class Score(models.Model):
    """One unit's score in one cycle: the layers, the total, the grade, its rank among its peers, and for every
    indicator the raw value, the points, the weight and where the value came from (`detail`)."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="scores")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE)
    total = models.FloatField(_("total"), null=True, blank=True)
    layers = models.JSONField(_("layer scores"), default=dict)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    peers = models.PositiveIntegerField(_("peers"), default=0)
    peer_group = models.CharField(_("peer group"), max_length=40, blank=True)
    detail = models.JSONField(_("detail"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ("cycle", "rank", "organisation__path")
        constraints = [models.UniqueConstraint(fields=("cycle", "organisation"), name="evaluation_score_unit")]
        verbose_name = _("score")

    def __str__(self) -> str:
        return f"{self.cycle} · {self.organisation}"

    @property
    def access_path(self) -> str:
        return self.organisation.path


class Campaign(models.Model):
    """A campaign (专题学习教育, 警示教育月 …) that starts at different times in different units."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ("-created_at", "pk")
        verbose_name = _("campaign")

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path


class CampaignStart(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="starts")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    started_on = models.DateField(_("started on"))

    class Meta:
        ordering = ("started_on", "organisation__path")
        constraints = [models.UniqueConstraint(fields=("campaign", "organisation"), name="evaluation_campaign_unit")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.organisation} · {self.started_on}"


class Analysis(models.Model):
    """A contribution analysis as it was run: its parameters, its result (estimates with intervals, sample size,
    caveats) and who ran it when; reports quote these rather than re-running."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=AnalysisKind.choices)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("analysis")

    def __str__(self) -> str:
        return self.title

    @property
    def access_path(self) -> str:
        return self.organisation.path
