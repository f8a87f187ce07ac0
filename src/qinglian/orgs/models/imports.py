from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models.tree import Organisation


class RosterImport(models.Model):
    """One upload of a roster spreadsheet: checked in full, then saved all-or-nothing by a task."""

    class Mode(models.TextChoices):
        CREATE = "create", _("Add new members")
        UPDATE = "update", _("Update members found by identity number, add the rest")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.CREATE)
    file_name = models.CharField(_("file"), max_length=200)
    stored_as = models.CharField(max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("added"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    preview = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path
