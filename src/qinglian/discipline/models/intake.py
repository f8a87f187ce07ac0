"""What reaches discipline inspection from outside: reports filed on the public portal, with the messages the
reporter and the handlers exchange and the files the reporter attaches.

Nothing here records where a report came from on the network: no IP address, no browser string, no session. The
reporter's identity, when given, is sealed (services.sealing): encrypted under a key of its own, which is itself
encrypted under the sealing key kept outside the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.discipline.vocab import Category, MessageSide, ReportStatus
from qinglian.orgs.models import Organisation


class SealedIdentity(models.Model):
    """A reporter's identity, sealed: `identity_sealed` is the ciphertext, `identity_key` its own data key wrapped
    under the sealing key (envelope encryption). Empty for an anonymous report."""

    is_anonymous = models.BooleanField(_("anonymous"), default=True)
    identity_sealed = models.TextField(blank=True, default="", editable=False)
    identity_key = models.TextField(blank=True, default="", editable=False)

    class Meta:
        abstract = True

    @property
    def has_identity(self) -> bool:
        return bool(self.identity_sealed)


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "discipline.intake"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))


class Report(SealedIdentity):
    """A report filed on the portal. The reporter holds a receipt code; only its slow hash is kept here."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("reported to"), on_delete=models.PROTECT, related_name="discipline_reports"
    )
    receipt_hash = models.CharField(max_length=128, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=14, choices=ReportStatus.choices, default=ReportStatus.NEW)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, blank=True)
    subject_name = models.CharField(_("person reported"), max_length=60, blank=True)
    subject_unit = models.CharField(_("their unit"), max_length=120, blank=True)
    subject_post = models.CharField(_("their post"), max_length=60, blank=True)
    text = models.TextField(_("what happened"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    ack_due = models.DateField(_("acknowledgement due"))
    feedback_due = models.DateField(_("feedback due"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("feedback given at"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("reason not accepted"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d} · {self.subject_name or '—'}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class ReportMessage(models.Model):
    """One message on a report's thread: the reporter's further information or a handler's reply."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(_("from"), max_length=10, choices=MessageSide.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.side} · {self.created_at:%Y-%m-%d}"


class ReportAttachment(models.Model):
    """A file the reporter attached: checked by content, metadata stripped where the format allows, stored under a
    random name."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        ReportMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="discipline/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=160)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    metadata_stripped = models.BooleanField(_("metadata removed"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
