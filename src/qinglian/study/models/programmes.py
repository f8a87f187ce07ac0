"""Study programmes: the year's topics with dates, materials and an exam, addressed to units and members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import Member, Organisation
from qinglian.study.models.common import AudienceQuerySet, OrgOwned
from qinglian.study.models.library import Material
from qinglian.study.vocab import PublishStatus, TopicKind


class ProgrammeQuerySet(AudienceQuerySet):
    def published(self):
        return self.filter(status=PublishStatus.PUBLISHED)

    def current(self, day=None):
        day = day or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class Programme(OrgOwned):
    """A study programme (e.g. the year's 两学一做 plan) set by a unit for its units below and named members."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="study_programmes"
    )
    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
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

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("study programme")
        verbose_name_plural = _("study programmes")
        ordering = ["-year", "-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="study_programme_dates",
                violation_error_message=_("A programme cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProgrammeItem(models.Model):
    """One topic of a programme: what to study, from when, by when, with which materials and which exam."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("order"), default=0)
    topic = models.CharField(_("topic"), max_length=20, choices=TopicKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    hours = models.DecimalField(_("planned hours"), max_digits=5, decimal_places=1, default=0)
    materials = models.ManyToManyField(
        Material, verbose_name=_("materials"), blank=True, related_name="programme_items"
    )
    exam = models.ForeignKey(
        "study.Exam", verbose_name=_("exam"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("programme topic")
        verbose_name_plural = _("programme topics")
        ordering = ["programme", "position", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=F("starts_on")),
                name="study_item_dates",
                violation_error_message=_("A topic cannot be due before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def access_path(self) -> str:
        return self.programme.organisation.path

    audit_path = access_path
