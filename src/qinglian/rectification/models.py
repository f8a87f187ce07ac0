"""Rectification (整改): one model for problems from every source, followed to verified closure (销号).

An item belongs to the responsible unit; it names its source (and, when the source is a record in
another module, points at it by kind and id — this app never imports a source module), the problem,
the measures, the person responsible and the deadline. The owner reports it rectified with evidence;
someone else (who holds rectification.verify on the unit) verifies and closes it, or sends it back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.core.models import Evidence as CoreEvidence
from qinglian.orgs.models import PATH_END, Department, Member, Organisation
from qinglian.rectification.vocab import EventKind, ItemStatus, Source

OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.SUBMITTED)


class ItemQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "rectification.view"):
        """Items at units where the user holds `action`, and those the user owns."""
        from qinglian.orgs.access import scope_q  # access imports the register's models: resolve at call time

        q = scope_q(user, action, model=self.model)
        if getattr(user, "is_authenticated", False):
            q |= Q(owner__user=user)
        return self.filter(q)

    def in_subtree(self, org):
        return self.filter(organisation__path__gte=org.path, organisation__path__lt=org.path + PATH_END)

    def open(self):
        """Not yet closed: being rectified or awaiting verification."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        """Still being rectified after the deadline (an item awaiting verification is the verifier's to act on)."""
        return self.filter(status=ItemStatus.OPEN, due_on__lt=today or timezone.localdate())

    def closed(self):
        return self.filter(status=ItemStatus.CLOSED)


class Item(models.Model):
    """One problem to rectify, from any source, with its owner, deadline, evidence and verified closure."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="rectification_items"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_title = models.CharField(
        _("source document"),
        max_length=200,
        blank=True,
        help_text=_("E.g. the inspection feedback or audit report the problem comes from."),
    )
    # The record in another module the problem was found in, by kind and id (see core.links).
    source_kind = models.CharField(_("source record kind"), max_length=40, blank=True)
    source_id = models.PositiveBigIntegerField(_("source record"), null=True, blank=True)
    member = models.ForeignKey(
        Member,
        verbose_name=_("whose problem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_problems",
        help_text=_("Empty for a problem of the unit or its committee as a whole."),
    )
    problem = models.TextField(_("problem"))
    measures = models.TextField(_("rectification measures"), blank=True)
    owner = models.ForeignKey(
        Member, verbose_name=_("person responsible"), on_delete=models.PROTECT, related_name="rectification_items"
    )
    due_on = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    submitted_on = models.DateField(_("reported rectified on"), null=True, blank=True)
    result = models.TextField(_("what was done"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateField(_("recorded on"), default=timezone.localdate)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["status", "due_on", "pk"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="rectification_item_due"),
            models.Index(fields=["source_kind", "source_id"], name="rectification_item_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_on__isnull=False, closed_by__isnull=False)
                | (~Q(status="closed") & Q(closed_on__isnull=True)),
                name="rectification_item_closed_has_verifier",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(submitted_on__isnull=False),
                name="rectification_item_submitted_has_date",
            ),
            models.CheckConstraint(
                condition=Q(source_kind="", source_id__isnull=True) | (~Q(source_kind="") & Q(source_id__isnull=False)),
                name="rectification_item_source_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.problem[:60]

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path

    def is_overdue(self, today=None) -> bool:
        return self.status == ItemStatus.OPEN and self.due_on < (today or timezone.localdate())

    @property
    def days_to_close(self) -> int | None:
        """Days from recording to verified closure (the dashboard's median), None while open."""
        if self.closed_on is None:
            return None
        return (self.closed_on - self.created_on).days


class Evidence(CoreEvidence):
    """Proof of rectification: an uploaded file, or a link to a record already in another module."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to="rectification/%Y/%m/", blank=True)

    class Meta(CoreEvidence.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["item", "added_at", "pk"]

    @property
    def access_path(self) -> str:
        return self.item.organisation.path

    audit_path = access_path


class Event(models.Model):
    """One step in an item's history: recorded, changed, progress, reported rectified, sent back, closed, reopened."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")
        ordering = ["item", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind}"
