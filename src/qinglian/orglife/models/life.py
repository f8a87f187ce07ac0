"""The record of organisational-life and democratic-life meetings: criticism and self-criticism.

The problems found there are rectification items (rectification.Item), which refer back to the meeting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orglife.models.meetings import Meeting
from qinglian.orglife.vocab import CritiqueKind
from qinglian.orgs.models import Member


class Critique(models.Model):
    """Self-criticism, or criticism one member received, at a life meeting.

    Kept to those allowed: the member it is about and the people holding `orglife.critique_view`
    at the unit; the other members do not read it.
    """

    access_org_field = "meeting__organisation"

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="critiques")
    subject = models.ForeignKey(
        Member, verbose_name=_("about"), on_delete=models.PROTECT, related_name="critiques_received"
    )
    critic = models.ForeignKey(
        Member,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="critiques_given",
        help_text=_("Empty for opinions collected anonymously before the meeting."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CritiqueKind.choices)
    content = models.TextField(_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("criticism")
        verbose_name_plural = _("criticisms")
        ordering = ["meeting", "subject", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="self") | Q(critic=models.F("subject")),
                name="orglife_critique_self_is_own",
                violation_error_message=_("A self-criticism is the member's own."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_kind_display()}"

    @property
    def access_path(self) -> str:
        return self.meeting.organisation.path

    audit_path = access_path
