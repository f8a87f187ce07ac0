"""The clue register (问题线索) and its disposal: handlers (need-to-know), the history of each clue, approval forms
(呈批表) with an opinion at each level, talks and written inquiries, and requests to reveal a reporter's identity.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.discipline.models.intake import Report, SealedIdentity
from qinglian.discipline.vocab import (
    Category,
    ClueStatus,
    FormKind,
    FormStatus,
    HandlerRole,
    InquiryMode,
    Measure,
    Method,
    RevealStatus,
    Source,
)
from qinglian.orgs.models import Member, Organisation


class ClueQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Need-to-know: the clues the user handles, and those at units where the user leads discipline
        inspection (discipline.lead). Everyone else — administrators and branch people included — sees none."""
        from qinglian.discipline.services.access import clue_q

        return self.filter(clue_q(user))


class ReferralDirection(models.TextChoices):
    """Where a clue that belongs to another body goes (属于上级或下级管辖的线索)."""

    UP = "up", _("To a higher body")
    DOWN = "down", _("To a lower body")


class Clue(SealedIdentity):
    """One registered clue. Registered once: a repeated report is linked to the first (`repeat_of`), not counted
    again."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="discipline_clues",
        help_text=_("The unit whose discipline inspection handles the clue."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(editable=False)
    number = models.CharField(_("number"), max_length=40)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    received_on = models.DateField(_("received on"))
    report = models.OneToOneField(
        Report, verbose_name=_("portal report"), null=True, blank=True, on_delete=models.SET_NULL, related_name="clue"
    )
    subject_member = models.ForeignKey(
        Member,
        verbose_name=_("person reported (register)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discipline_clues",
    )
    subject_name = models.CharField(_("person reported"), max_length=60)
    subject_unit = models.ForeignKey(
        Organisation,
        verbose_name=_("their unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discipline_subject_clues",
    )
    subject_post = models.CharField(_("their post"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    summary = models.TextField(_("summary"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discipline_owned_clues",
    )
    status = models.CharField(_("status"), max_length=14, choices=ClueStatus.choices, default=ClueStatus.REGISTERED)
    method = models.CharField(_("disposal method"), max_length=14, choices=Method.choices, blank=True)
    dispose_due = models.DateField(_("disposal due"), null=True, blank=True)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeats clue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    similarity = models.FloatField(_("similarity"), null=True, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=120, blank=True)
    referral_direction = models.CharField(
        _("referred up or down"), max_length=4, choices=ReferralDirection.choices, blank=True
    )
    referral_due = models.DateField(_("referral due"), null=True, blank=True)
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Measure.choices, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    touched_at = models.DateTimeField(_("last worked on"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ClueQuerySet.as_manager()

    class Meta:
        verbose_name = _("clue")
        verbose_name_plural = _("clues")
        ordering = ["-received_on", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "seq"], name="discipline_clue_seq_unique"),
        ]
        indexes = [models.Index(fields=["status", "touched_at"], name="discipline_clue_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} · {self.subject_name}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class ClueHandler(models.Model):
    """Who may open a clue besides those who lead discipline inspection over its unit."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="handlers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discipline_handling")
    role = models.CharField(_("role"), max_length=8, choices=HandlerRole.choices, default=HandlerRole.HANDLER)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("handler")
        verbose_name_plural = _("handlers")
        constraints = [models.UniqueConstraint(fields=["clue", "user"], name="discipline_handler_unique")]

    def __str__(self) -> str:
        return f"{self.clue_id} · {self.user_id} · {self.role}"


class ClueEvent(models.Model):
    """One step in a clue's history: registration, assignment, a disposal, a referral, an outcome."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    status_from = models.CharField(max_length=14, blank=True)
    status_to = models.CharField(max_length=14, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.clue_id} · {self.action}"


class ApprovalForm(models.Model):
    """A 呈批表: a proposal (a disposal method, a plan, a report with its proposed outcome, a filing) that goes up
    the approval levels of the rule `discipline.approval_levels`, each giving an opinion."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="forms")
    case = models.ForeignKey("discipline.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="forms")
    kind = models.CharField(_("form"), max_length=16, choices=FormKind.choices)
    method = models.CharField(_("proposed method"), max_length=14, choices=Method.choices, blank=True)
    measure = models.CharField(_("proposed outcome"), max_length=24, choices=Measure.choices, blank=True)
    body = models.TextField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=FormStatus.choices, default=FormStatus.PENDING)
    level = models.PositiveSmallIntegerField(default=0, editable=False)  # index of the level whose opinion is due
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("approval form")
        verbose_name_plural = _("approval forms")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.clue.number} · {self.get_kind_display()}"

    @property
    def access_path(self) -> str:
        return self.clue.organisation.path

    audit_path = access_path


class Opinion(models.Model):
    """One level's opinion on an approval form."""

    form = models.ForeignKey(ApprovalForm, on_delete=models.CASCADE, related_name="opinions")
    level = models.PositiveSmallIntegerField()
    level_name = models.CharField(max_length=60)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agree = models.BooleanField(_("agree"))
    text = models.TextField(_("opinion"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["level", "at"]

    def __str__(self) -> str:
        return f"{self.form_id} · {self.level_name}"


class Inquiry(models.Model):
    """A talk (谈话) or written inquiry (函询) under the talk-or-inquiry method, with the written reply due."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="inquiries")
    mode = models.CharField(_("mode"), max_length=6, choices=InquiryMode.choices)
    held_on = models.DateField(_("talk held or letter sent on"))
    record = models.TextField(_("talk record or letter"))
    reply_due = models.DateField(_("written reply due"), null=True, blank=True)
    reply_on = models.DateField(_("reply received on"), null=True, blank=True)
    reply = models.TextField(_("written reply"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("talk or inquiry")
        verbose_name_plural = _("talks and inquiries")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.clue_id} · {self.get_mode_display()} · {self.held_on}"


class RevealRequest(models.Model):
    """A request to read a reporter's identity: a stated reason, approved by a second person before anything is
    shown, valid for a limited time; every step and every reading is in the audit trail."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="reveal_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=RevealStatus.choices, default=RevealStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity request")
        verbose_name_plural = _("identity requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.clue_id} · {self.get_status_display()}"

    @property
    def access_path(self) -> str:
        return self.clue.organisation.path

    audit_path = access_path
