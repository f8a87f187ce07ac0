"""Duty lists (责任清单): each unit's duties for a year, by holder, with basis, frequency and evidence.

A unit's list for a year may be based on a list above it (the template it inherits) or on its own
list of the year before; it is then adapted and published. Duties copied from a template remember
the duty they came from, so a unit can see where it departed from the template.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.duties.models.common import OrgOwned, ScopedQuerySet
from qinglian.duties.vocab import Frequency, Holder, ListStatus
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.vocab import PartyPost


class DutyListQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(status=ListStatus.PUBLISHED)

    def templates(self):
        """Published lists that units below may inherit."""
        return self.published().filter(is_template=True)


class DutyList(OrgOwned):
    """A unit's duty list for one year (versioned per year; one per unit and year)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="duty_lists"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
        help_text=_("The template above, or last year's list, this one was copied from."),
    )
    is_template = models.BooleanField(
        _("template for the units below"),
        default=False,
        help_text=_("Units below may inherit this list and adapt it."),
    )
    status = models.CharField(_("status"), max_length=10, choices=ListStatus.choices, default=ListStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = DutyListQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty list")
        verbose_name_plural = _("duty lists")
        ordering = ["-year", "organisation__path"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="duties_list_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title


class Duty(models.Model):
    """One duty on a list: whose, what, on what basis, how often, and what shows it was done."""

    duty_list = models.ForeignKey(
        DutyList, verbose_name=_("duty list"), on_delete=models.CASCADE, related_name="duties"
    )
    holder = models.CharField(_("whose duty"), max_length=12, choices=Holder.choices)
    post = models.CharField(
        _("committee post"),
        max_length=10,
        choices=PartyPost.choices,
        blank=True,
        help_text=_("For a committee member's duty: the post whose area it is."),
    )
    person = models.ForeignKey(
        Member,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duties",
        help_text=_("Who holds it this year; empty to follow the committee post."),
    )
    area = models.CharField(_("area of work"), max_length=100, blank=True)
    content = models.TextField(_("duty"))
    basis = models.TextField(_("basis"), blank=True, help_text=_("The regulation text the duty rests on."))
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.ONCE)
    evidence = models.TextField(_("expected evidence"), blank=True)
    template_duty = models.ForeignKey(
        "self",
        verbose_name=_("template duty"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["duty_list", "order", "pk"]

    def __str__(self) -> str:
        return self.content[:60]

    @property
    def access_path(self) -> str:
        return self.duty_list.organisation.path

    audit_path = access_path
