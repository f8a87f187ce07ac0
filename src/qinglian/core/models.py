from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qinglian.core.uploads import stored_name


class AppendOnlyError(Exception):
    """An attempt to change or remove a row of the audit trail."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def sealed(self):
        return self.filter(sealed=True)

    def in_order(self):
        return self.order_by("seq")


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    Services write an event in the same transaction as the change they make; reads of sealed
    data are events too. Each row's MAC covers its own fields and the previous row's MAC, so an
    edited, deleted or reordered row breaks the chain at that point (`qinglian audit verify`).
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    organisation_path = models.CharField(_("organisation path"), max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    sealed = models.BooleanField(_("sealed data"), default=False)
    prev_hash = models.CharField(_("previous hash"), max_length=128)
    hash = models.CharField(_("hash"), max_length=128)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        # A guard, not business logic: the trail only grows.
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")


class AuditHead(models.Model):
    """The chain's newest link (a single row), locked by each writer to serialise appends.

    It also lets verification notice rows cut from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=128, default="")

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="core_audithead_single_row")]

    def __str__(self) -> str:
        return f"#{self.seq}"


class RuleQuerySet(models.QuerySet):
    def effective_on(self, day):
        return self.filter(Q(effective_from__lte=day), Q(effective_to__isnull=True) | Q(effective_to__gte=day))

    def current(self):
        return self.effective_on(timezone.localdate())


class Rule(models.Model):
    """One version of a rule kept as data: a value with its source text and effective dates.

    Apps ship their rules as JSON files (`<app>/fixtures/rules/*.json`) that load with `migrate`; an
    administrator revises a rule by adding a new version, never by editing the old one. A rule
    may be tightened for an organisation's subtree (`org_path`); the most specific one applies.
    """

    key = models.CharField(_("key"), max_length=100, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    org_path = models.CharField(
        _("organisation path"),
        max_length=255,
        blank=True,
        help_text=_("Empty for the whole system; an organisation's path for its subtree."),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    value = models.JSONField(_("value"))
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    source = models.TextField(_("source text"), blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    shipped = models.BooleanField(_("shipped with the software"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["key", "org_path", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "org_path", "version"], name="core_rule_unique_version"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="core_rule_dates_in_order",
                violation_error_message=_("A rule cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title_zh

    @property
    def unit_label(self) -> str:
        return str(RULE_UNITS.get(self.unit, self.unit))


# Units that shipped rules use, stored in English and shown in the reader's language.
RULE_UNITS = {
    "days": _("days"),
    "working days": _("working days"),
    "months": _("months"),
    "years": _("years"),
    "hours": _("hours"),
    "times per year": _("times per year"),
    "percent": _("percent"),
    "members": _("members"),
}


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_user(self, user):
        return self.filter(user=user)


class Notification(models.Model):
    """A message in a user's in-app inbox (and optionally sent by email)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="core_notification_once"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Job(models.Model):
    """A piece of long work run by the task worker, with progress for the person waiting."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(default=dict, blank=True)
    result_file = models.CharField(_("result file"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Renewed every few seconds by the process running the job; a running job whose heartbeat stopped was
    # abandoned by a worker that died (see core.jobs.job_reap_abandoned).
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ScheduledRun(models.Model):
    """The last day a scheduled task was queued, so that several workers queue it only once."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_on = models.DateField(null=True)

    class Meta:
        verbose_name = _("scheduled run")

    def __str__(self) -> str:
        return self.name


class Evidence(models.Model):
    """Evidence of a piece of work, kept by the module the work belongs to: an uploaded file, or a link to a
    record already in another module (see core.links; a link is shown to each reader only if they may see it).

    Abstract: each module's evidence adds what it is evidence of and, if it likes, its own upload folder.
    Rows are written with the values core.links.evidence_values checks.
    """

    note = models.CharField(_("note"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    record_kind = models.CharField(_("record kind"), max_length=40, blank=True)
    record_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(record_kind="", record_id__isnull=True) & ~Q(file=""))
                | (~Q(record_kind="") & Q(record_id__isnull=False) & Q(file="")),
                name="%(app_label)s_%(class)s_file_or_record",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.record_kind}#{self.record_id}"

    def keep_file(self, file) -> None:
        """Put an upload checked by core.links.evidence_values in storage under a random name (the name the user
        gave is only shown); the row itself is saved by the caller. Nothing to do for a record link."""
        if file is not None:
            self.file.save(stored_name(self.content_type), file, save=False)
