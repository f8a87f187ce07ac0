"""Cadres' integrity files (廉政档案) and integrity opinion replies (党风廉政意见回复).

A file is one cadre's for one year; it has one row per section the cadre fills in (the section's fields are
kept as JSON in the shape `risks.sections` defines). Sections are submitted by the cadre and reviewed by
discipline inspection: returned with a reason, accepted, archived. Only the cadre, discipline inspection
(risks.file_review) and reviewers named for the cadre (`FileReviewer`) may open a file, and every opening is
an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.orgs.models import Member
from qinglian.risks.vocab import ReplyPurpose, ReplyStatus, SectionEventKind, SectionKind, SectionStatus


class IntegrityFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The files `user` may open: their own, those discipline inspection reviews (risks.file_review at the
        cadre's unit) and those of cadres for whom the user is a current named reviewer -- nobody else's."""
        from qinglian.orgs.access import scope_q  # access imports the register: resolve at call time

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        named = FileReviewer.objects.current().filter(user=user).values("member_id")
        return self.filter(
            Q(member__user=user) | scope_q(user, "risks.file_review", model=self.model) | Q(member_id__in=named)
        )


class IntegrityFile(models.Model):
    """One cadre's integrity file for one year: the envelope of its sections."""

    access_org_field = "member__organisation"

    member = models.ForeignKey(
        Member, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="integrity_files"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = IntegrityFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("integrity file")
        verbose_name_plural = _("integrity files")
        ordering = ["-year", "member__name_pinyin"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="risks_file_one_per_year")]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.year}"

    @property
    def access_path(self) -> str:
        return self.member.organisation.path

    audit_path = access_path


class FileSection(models.Model):
    """One section of a file with what the cadre declared and where it stands in review."""

    access_org_field = "file__member__organisation"

    file = models.ForeignKey(
        IntegrityFile,
        verbose_name=pgettext_lazy("integrity file", "file"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    kind = models.CharField(pgettext_lazy("file section", "section"), max_length=20, choices=SectionKind.choices)
    data = models.JSONField(_("content"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=SectionStatus.choices, default=SectionStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason returned"), blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("file section")
        verbose_name_plural = _("file sections")
        ordering = ["file", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["file", "kind"], name="risks_section_one_per_kind"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="risks_section_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""), name="risks_section_returned_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file} · {self.get_kind_display()}"

    @property
    def access_path(self) -> str:
        return self.file.member.organisation.path

    audit_path = access_path


class SectionEvent(models.Model):
    """One step in a section's review, written by the service that made it."""

    section = models.ForeignKey(FileSection, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(pgettext_lazy("event", "what happened"), max_length=10, choices=SectionEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("section event")
        verbose_name_plural = _("section events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d}"


class ReviewerQuerySet(models.QuerySet):
    def current(self, today=None):
        day = today or timezone.localdate()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))


class FileReviewer(models.Model):
    """A person discipline inspection names to read one cadre's files (e.g. the organisation department
    before an appointment), with the reason and until when."""

    access_org_field = "member__organisation"

    member = models.ForeignKey(Member, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="file_reviewers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    expires_on = models.DateField(pgettext_lazy("reviewer access", "until"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ReviewerQuerySet.as_manager()

    class Meta:
        verbose_name = _("named reviewer")
        verbose_name_plural = _("named reviewers")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.user} → {self.member}"

    @property
    def access_path(self) -> str:
        return self.member.organisation.path

    audit_path = access_path


class OpinionReply(models.Model):
    """A written integrity opinion on a cadre (党风廉政意见回复) before a promotion or commendation.

    Compiled from the cadre's files, clue and sanction history and appraisal results (the facts it was
    compiled from are kept in `facts`), edited, then signed — a signed reply no longer changes.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="opinion_replies"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ReplyPurpose.choices)
    requested_by = models.CharField(
        _("requested by"), max_length=120, help_text=_("E.g. the organisation department's letter.")
    )
    number = models.CharField(pgettext_lazy("reply number", "number"), max_length=40, blank=True)
    facts = models.JSONField(_("facts compiled"), default=dict, blank=True)
    body = models.TextField(_("opinion"))
    status = models.CharField(_("status"), max_length=10, choices=ReplyStatus.choices, default=ReplyStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signer_title = models.CharField(_("signed in the name of"), max_length=120, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("integrity opinion reply")
        verbose_name_plural = _("integrity opinion replies")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="risks_reply_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.name} · {self.get_purpose_display()}"

    @property
    def access_path(self) -> str:
        return self.member.organisation.path

    audit_path = access_path
