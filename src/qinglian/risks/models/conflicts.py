"""Conflict-of-interest checks: the supplier and contractor register, and the matches a check finds between
it and what cadres declared about their family members and their businesses.

A match is evidence for a person to look at — confirmed or dismissed with a note — never an accusation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.models import Job
from qinglian.orgs.models import Member, Organisation
from qinglian.risks.vocab import MatchBasis, MatchStatus, SupplierKind


class SupplierQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "risks.conflicts"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))


class Supplier(models.Model):
    """A supplier, contractor or service provider the agency deals with (imported from .xlsx)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="suppliers"
    )
    name = models.CharField(_("company name"), max_length=200)
    name_key = models.CharField(_("normalised name"), max_length=200, db_index=True, editable=False)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=SupplierKind.choices, default=SupplierKind.SUPPLIER)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    # The legal representative's identity number, when the list has it: a keyed digest to match on and a masked copy.
    legal_rep_id_index = models.CharField(max_length=128, blank=True, editable=False, db_index=True)
    legal_rep_id_masked = models.CharField(_("legal representative's identity number"), max_length=18, blank=True)
    shareholders = models.CharField(
        _("shareholders"), max_length=500, blank=True, help_text=_("Names, separated by commas.")
    )
    business = models.CharField(_("business with the agency"), max_length=200, blank=True)
    batch = models.CharField(_("import"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name_key", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "credit_code"],
                condition=~models.Q(credit_code=""),
                name="risks_supplier_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class ConflictCheck(models.Model):
    """One run of the conflict check over an agency's cadres and suppliers (a background job)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="conflict_checks"
    )
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(pgettext_lazy("conflict check", "started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    declarations = models.PositiveIntegerField(_("declarations checked"), default=0)
    suppliers = models.PositiveIntegerField(_("suppliers checked"), default=0)
    matches = models.PositiveIntegerField(_("matches found"), default=0)

    class Meta:
        verbose_name = _("conflict-of-interest check")
        verbose_name_plural = _("conflict-of-interest checks")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class MatchQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "risks.conflicts"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))


class ConflictMatch(models.Model):
    """A possible conflict: what a cadre declared that matches a supplier, with the evidence, for a person to decide."""

    check_run = models.ForeignKey(
        ConflictCheck, verbose_name=_("check"), on_delete=models.CASCADE, related_name="found"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Member, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="conflict_matches"
    )
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="matches")
    declared = models.CharField(_("declared"), max_length=200, help_text=_("The business or family member declared."))
    relation = models.CharField(_("relation"), max_length=40, blank=True)
    basis = models.CharField(_("matched on"), max_length=20, choices=MatchBasis.choices)
    score = models.FloatField(_("similarity"))
    evidence = models.JSONField(pgettext_lazy("conflict match", "evidence"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("possible conflict")
        verbose_name_plural = _("possible conflicts")
        ordering = ["status", "-score", "pk"]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.supplier.name}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path
