"""The integrity-risk register (廉政风险点): posts, identification rounds, risk points with their measures,
periodic reviews and linked incidents.

The register is versioned by round: each yearly identification round (排查) holds its own risk points,
most of them copied from the round before (`copied_from`) and then changed, so a year's register can be
compared with the last and nothing of an earlier year is rewritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.orgs.models import PATH_END, Department, Member, Organisation
from qinglian.risks.vocab import IncidentKind, Level, PointEventKind, PointStatus, Process, RoundStatus


class PostQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "risks.view"):
        from qinglian.orgs.access import scope_q  # access imports the register's models: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))

    def active(self):
        return self.filter(is_active=True)


class Post(models.Model):
    """A post (岗位) of a unit: risk points are identified per post, and its holders propose them.

    The holders are the members on the unit's register whose administrative post and department match
    (see `holders()`), so the post list never has to be kept by hand beside the member register.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="risk_posts"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(pgettext_lazy("risk post", "post"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("risk post", "post")
        verbose_name_plural = _("posts")
        ordering = ["organisation__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "department", "name"],
                name="risks_post_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.name}·{self.name}" if self.department_id else self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path

    def holders(self):
        """Members on the register who hold this post now."""
        from qinglian.orgs.vocab import ON_REGISTER

        found = Member.objects.filter(post=self.name, status__in=ON_REGISTER).filter(
            organisation__path__gte=self.organisation.path, organisation__path__lt=self.organisation.path + PATH_END
        )
        if self.department_id:
            found = found.filter(department_id=self.department_id)
        return found


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "risks.view"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))

    def open(self):
        return self.filter(status=RoundStatus.OPEN)


class RiskRound(models.Model):
    """One yearly identification round (排查) run by a Party committee for its units: a version of the register."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organising committee"), on_delete=models.PROTECT, related_name="risk_rounds"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    due_on = models.DateField(_("proposals due"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    previous = models.ForeignKey(
        "self", verbose_name=_("copied from round"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("identification round")
        verbose_name_plural = _("identification rounds")
        ordering = ["-year", "organisation__path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="risks_round_one_per_year"),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True) | Q(status="closed", closed_on__isnull=False),
                name="risks_round_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class PointQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "risks.view"):
        """Points at units where the user holds `action`, and those the user proposed."""
        from qinglian.orgs.access import scope_q

        q = scope_q(user, action, model=self.model)
        if getattr(user, "is_authenticated", False):
            q |= Q(proposed_by=user)
        return self.filter(q)

    def in_subtree(self, org):
        return self.filter(organisation__path__gte=org.path, organisation__path__lt=org.path + PATH_END)

    def registered(self):
        """Approved points: the register of their round."""
        return self.filter(status=PointStatus.APPROVED)

    def review_overdue(self, today=None):
        return self.registered().filter(next_review_on__lt=today or timezone.localdate())


class RiskPoint(models.Model):
    """One integrity-risk point: where, what, why, how bad, and what is done about it."""

    round = models.ForeignKey(
        RiskRound, verbose_name=pgettext_lazy("risk round", "round"), on_delete=models.PROTECT, related_name="points"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="risk_points"
    )
    post = models.ForeignKey(
        Post,
        verbose_name=pgettext_lazy("risk post", "post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points",
    )
    process = models.CharField(_("business process"), max_length=20, choices=Process.choices, blank=True)
    title = models.CharField(_("risk point"), max_length=200)
    description = models.TextField(_("description"))
    causes = models.TextField(_("causes"), blank=True)
    # The level: the criteria met (keys of the rule risks.level_criteria), the level they give, and why.
    criteria = models.JSONField(_("criteria met"), default=list, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    level_reason = models.TextField(_("reason for the level"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"))
    impact = models.PositiveSmallIntegerField(_("impact"))
    review_months = models.PositiveSmallIntegerField(_("review every (months)"))
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    needs_review = models.BooleanField(_("level to be reviewed"), default=False)
    needs_review_reason = models.CharField(_("why it is to be reviewed"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PointStatus.choices, default=PointStatus.DRAFT)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    discipline_opinion = models.TextField(_("discipline inspection's opinion"), blank=True)
    consulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consulted_at = models.DateTimeField(_("opinion given at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(pgettext_lazy("risk point", "approved at"), null=True, blank=True)
    return_reason = models.TextField(_("reason returned"), blank=True)
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = PointQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        ordering = ["level", "organisation__path", "pk"]
        indexes = [
            models.Index(fields=["round", "status"], name="risks_point_round_status"),
            models.Index(fields=["status", "next_review_on"], name="risks_point_review_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="risks_point_level_known"),
            models.CheckConstraint(condition=Q(likelihood__gte=1, impact__gte=1), name="risks_point_matrix_cell"),
            models.CheckConstraint(
                condition=Q(post__isnull=False) | ~Q(process=""), name="risks_point_post_or_process"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class RiskMeasure(models.Model):
    """A prevention and control measure with its owner. The owner is required when the measure is recorded;
    it becomes empty only when the owner leaves the register, which monitoring then points out."""

    point = models.ForeignKey(
        RiskPoint, verbose_name=_("risk point"), on_delete=models.CASCADE, related_name="measures"
    )
    text = models.TextField(_("measure"))
    owner = models.ForeignKey(
        Member,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_measures",
    )
    due_on = models.DateField(_("in place by"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("prevention and control measure")
        verbose_name_plural = _("prevention and control measures")
        ordering = ["point", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def access_path(self) -> str:
        return self.point.organisation.path

    audit_path = access_path


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "risks.view"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))


class RiskReview(models.Model):
    """One periodic review of a registered risk point: were the measures effective, is the level still right.

    The next review date is set by the review, never edited on the point (record kind `risks.review`;
    a review that finds a problem opens a rectification item with source "risk review").
    """

    point = models.ForeignKey(RiskPoint, verbose_name=_("risk point"), on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("periodic review", "reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    measures_effective = models.BooleanField(_("measures effective"), default=True)
    conclusion = models.TextField(_("conclusion"))
    level_before = models.PositiveSmallIntegerField(_("level before"), choices=Level.choices)
    level_after = models.PositiveSmallIntegerField(_("level after"), choices=Level.choices)
    next_review_on = models.DateField(_("next review"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReviewQuerySet.as_manager()
    access_org_field = "point__organisation"  # scope_q reads the unit through the point

    class Meta:
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.point.title} · {self.reviewed_on:%Y-%m-%d}"

    @property
    def access_path(self) -> str:
        return self.point.organisation.path

    audit_path = access_path


class RiskIncident(models.Model):
    """Something that happened at a risk point — a clue, a rectification item, an audit finding — which
    raises the point for review of its level. A record of another module is pointed at by kind and id."""

    point = models.ForeignKey(
        RiskPoint, verbose_name=_("risk point"), on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    record_kind = models.CharField(_("record kind"), max_length=40, blank=True)
    record_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    description = models.TextField(pgettext_lazy("incident", "what happened"))
    occurred_on = models.DateField(_("date"))
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("linked incident")
        verbose_name_plural = _("linked incidents")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(record_kind="", record_id__isnull=True) | (~Q(record_kind="") & Q(record_id__isnull=False)),
                name="risks_incident_record_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def access_path(self) -> str:
        return self.point.organisation.path

    audit_path = access_path


class PointEvent(models.Model):
    """One step in a risk point's history, written by the service that made it."""

    point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(pgettext_lazy("event", "what happened"), max_length=12, choices=PointEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("risk point event")
        verbose_name_plural = _("risk point events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d}"
