from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models.people import Member
from qinglian.orgs.models.tree import Organisation
from qinglian.orgs.vocab import TransferKind, TransferScope, TransferStatus


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "member.view"):
        """Transfers the user may see: those leaving or arriving at an organisation in their scope."""
        visible = Organisation.objects.visible_to(user, action)
        return self.filter(Q(from_org__in=visible) | Q(to_org__in=visible))

    def pending(self):
        return self.filter(status=TransferStatus.PENDING)

    def decidable_by(self, user):
        """Pending transfers awaiting this user's side: the receiving branch's, or (out) the sender's."""
        orgs = Organisation.objects.visible_to(user, "member.transfer")
        return self.pending().filter(
            Q(kind__in=[TransferKind.INTERNAL, TransferKind.IN], to_org__in=orgs)
            | Q(kind=TransferKind.OUT, from_org__in=orgs)
        )

    def incoming_to(self, user, action: str = "member.transfer"):
        return self.filter(to_org__in=Organisation.objects.visible_to(user, action))

    def outgoing_from(self, user, action: str = "member.transfer"):
        return self.filter(from_org__in=Organisation.objects.visible_to(user, action))


class Transfer(models.Model):
    """A transfer of a member's Party relationship (组织关系转接), with its letter details.

    Within the system the member stays on the sending branch's register until the receiving
    branch accepts, and moves in the same transaction as the acceptance -- never in two branches
    and never in none. Out of the system, acceptance marks the member transferred out; into the
    system, acceptance puts the person (described in `incoming`) on the receiving register.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    incoming = models.JSONField(_("incoming person"), default=dict, blank=True)
    from_org = models.ForeignKey(
        Organisation, verbose_name=_("from"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_org = models.ForeignKey(
        Organisation, verbose_name=_("to"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    external_unit = models.CharField(_("organisation outside the system"), max_length=120, blank=True)
    letter_no = models.CharField(_("letter number"), max_length=40, blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=TransferScope.choices, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("letter valid for (days)"), default=30)
    dues_paid_until = models.DateField(_("dues paid until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    requested_on = models.DateField(_("issued on"), default=timezone.localdate)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership transfer")
        verbose_name_plural = _("membership transfers")
        ordering = ["-requested_on", "-decided_at"]
        constraints = [
            # One open transfer per member at a time.
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="orgs_transfer_one_open_per_member"
            ),
        ]

    def __str__(self) -> str:
        who = self.member.name if self.member_id else self.incoming.get("name", "")
        return f"{who}: {self.get_kind_display()}"

    @property
    def access_path(self) -> str:
        org = self.from_org or self.to_org
        return org.path if org else ""

    audit_path = access_path

    @property
    def person_name(self) -> str:
        return self.member.name if self.member_id else self.incoming.get("name", "")

    @property
    def expires_on(self) -> date:
        return self.requested_on + timedelta(days=self.valid_days)
