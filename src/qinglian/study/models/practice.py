"""Spaced practice and points: each member's cards scheduled by FSRS, every review, and the optional points ledger."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import Member, Organisation
from qinglian.study.models.bank import Question, QuestionVersion
from qinglian.study.models.common import OrgOwned, ScopedQuerySet
from qinglian.study.vocab import PointsKind, PracticeSource, TopicKind


class Card(models.Model):
    """A question in one member's practice deck, with its FSRS memory state (`fsrs` holds the scheduler's card)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="cards")
    topic = models.CharField(_("topic"), max_length=20, choices=TopicKind.choices)
    source = models.CharField(_("came from"), max_length=10, choices=PracticeSource.choices)
    fsrs = models.JSONField(default=dict)
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    stability = models.FloatField(null=True, blank=True)
    last_review_at = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("practice card")
        verbose_name_plural = _("practice cards")
        constraints = [models.UniqueConstraint(fields=["member", "question"], name="study_card_once")]
        indexes = [models.Index(fields=["member", "due_at"], name="study_card_due")]

    def __str__(self) -> str:
        return f"{self.member} — {self.question_id}"


class Review(models.Model):
    """One answer in practice: what was asked, whether it was right, the rating given to the scheduler."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    rating = models.PositiveSmallIntegerField()
    correct = models.BooleanField()
    response = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("practice answer")
        verbose_name_plural = _("practice answers")
        indexes = [models.Index(fields=["member", "reviewed_at"], name="study_review_member_day")]

    def __str__(self) -> str:
        return f"{self.member} {self.reviewed_at:%Y-%m-%d} {self.rating}"


class PointEntry(OrgOwned):
    """Points a member earned (where the organisation turned points on), within the rule's daily cap.

    `ref` names what earned them (a material, an exam…) so that the same thing never pays twice.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_points")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    earned_on = models.DateField(_("date"))
    kind = models.CharField(_("for"), max_length=20, choices=PointsKind.choices)
    points = models.PositiveIntegerField(_("points"))
    ref = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("points")
        verbose_name_plural = _("points")
        constraints = [models.UniqueConstraint(fields=["member", "kind", "ref"], name="study_points_once")]
        indexes = [
            models.Index(fields=["member", "earned_on"], name="study_points_member_day"),
            models.Index(fields=["organisation", "earned_on"], name="study_points_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member} +{self.points} {self.kind}"
