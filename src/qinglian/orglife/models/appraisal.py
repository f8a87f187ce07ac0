"""Democratic appraisal of members (民主评议党员): a yearly round per branch, one entry per member.

Peer and masses evaluation is an anonymous tally: `AppraisalVoter` records that someone voted (so that
nobody votes twice), `AppraisalTally` the counts per grade, and nothing links the two.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orglife.models.meetings import Meeting, _scope
from qinglian.orglife.vocab import AppraisalStatus, FollowUpStatus, Grade, VoteSource
from qinglian.orgs.models import Member, Organisation


class AppraisalRoundQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "orglife.view"):
        return _scope(self, user, action)


class AppraisalRound(models.Model):
    """One unit's appraisal for one year, moving through the official steps in order."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="appraisal_rounds"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("step"), max_length=10, choices=AppraisalStatus.choices, default=AppraisalStatus.SELF)
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("deciding general meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appraisal_rounds",
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AppraisalRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal round")
        verbose_name_plural = _("appraisal rounds")
        ordering = ["-year", "organisation__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                name="orglife_appraisal_once_a_year",
                violation_error_message=_("This unit already has an appraisal for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.year}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class AppraisalEntry(models.Model):
    """A member's part in a round: self-assessment, proposed and decided grade, being told, follow-up."""

    access_org_field = "round__organisation"

    round = models.ForeignKey(AppraisalRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="appraisal_entries"
    )
    probationary = models.BooleanField(
        _("probationary member"), default=False, help_text=_("Takes part but receives no grade.")
    )
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    self_submitted_at = models.DateTimeField(_("self-assessment submitted at"), null=True, blank=True)
    proposed_grade = models.CharField(_("proposed grade"), max_length=10, choices=Grade.choices, blank=True)
    final_grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    told_at = models.DateTimeField(_("told to the member at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged by the member at"), null=True, blank=True)
    follow_up_status = models.CharField(
        _("follow-up"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.NONE, blank=True
    )
    follow_up_measure = models.TextField(_("improvement measures or handling"), blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    follow_up_done_on = models.DateField(_("follow-up completed on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("appraisal entry")
        verbose_name_plural = _("appraisal entries")
        ordering = ["round", "member__name_pinyin", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="orglife_appraisal_entry_once"),
            models.CheckConstraint(
                condition=Q(probationary=False) | (Q(proposed_grade="") & Q(final_grade="")),
                name="orglife_appraisal_probationary_ungraded",
                violation_error_message=_("Probationary members take part but receive no grade."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.round.year}"

    @property
    def access_path(self) -> str:
        return self.round.organisation.path

    audit_path = access_path


class AppraisalVoter(models.Model):
    """That a member has cast their peer votes in a round (not what they voted)."""

    round = models.ForeignKey(AppraisalRound, on_delete=models.CASCADE, related_name="voters")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    voted_at = models.DateField(_("voted on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="orglife_appraisal_vote_once")]

    def __str__(self) -> str:
        return f"{self.member} · {self.round}"


class AppraisalTally(models.Model):
    """How many votes of one source an entry received for one grade."""

    entry = models.ForeignKey(AppraisalEntry, on_delete=models.CASCADE, related_name="tallies")
    source = models.CharField(_("source"), max_length=10, choices=VoteSource.choices)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    count = models.PositiveIntegerField(_("votes"), default=0)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        constraints = [
            models.UniqueConstraint(fields=["entry", "source", "grade"], name="orglife_appraisal_tally_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.entry} · {self.source} · {self.grade}: {self.count}"
