"""The record of organisational-life and democratic-life meetings: criticism and the problems found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orglife.models.meetings import Meeting, _scope
from qinglian.orglife.vocab import CritiqueKind, ProblemStatus
from qinglian.orgs.models import Member, Organisation


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


class ProblemQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "orglife.view"):
        return _scope(self, user, action)

    def open(self):
        return self.filter(status=ProblemStatus.OPEN)

    def overdue(self, today=None):
        return self.open().filter(due_on__lt=today or timezone.localdate())


class Problem(models.Model):
    """A problem found at a life meeting, turned into a rectification item with an owner and a deadline.

    A plain list until the rectification module takes these over (it keeps a reference to the source).
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="life_problems"
    )
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), null=True, blank=True, on_delete=models.PROTECT, related_name="problems"
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("whose problem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="life_problems",
        help_text=_("Empty for a problem of the unit or its committee as a whole."),
    )
    description = models.TextField(_("problem"))
    measure = models.TextField(_("rectification measure"), blank=True)
    owner = models.ForeignKey(
        Member, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="rectification_owned"
    )
    due_on = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    done_on = models.DateField(_("rectified on"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem and rectification")
        verbose_name_plural = _("problems and rectification")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_on__isnull=True) | Q(status="done", done_on__isnull=False),
                name="orglife_problem_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path
