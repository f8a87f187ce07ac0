"""Talks (谈心谈话): who talked with whom, when, of what kind, and what was said."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orglife.models.meetings import _scope
from qinglian.orglife.vocab import TalkKind
from qinglian.orgs.models import Member, Organisation


class TalkQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "orglife.talk_view"):
        return _scope(self, user, action)

    def involving(self, member):
        return self.filter(Q(initiator=member) | Q(counterpart=member))

    def in_year(self, year: int):
        return self.filter(talked_on__year=year)


class Talk(models.Model):
    """One talk between two members, recorded at the unit where it counts for coverage."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="talks"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TalkKind.choices, default=TalkKind.HEART_TO_HEART)
    talked_on = models.DateField(_("date"))
    initiator = models.ForeignKey(Member, verbose_name=_("talked"), on_delete=models.PROTECT, related_name="talks_held")
    counterpart = models.ForeignKey(
        Member, verbose_name=_("with"), on_delete=models.PROTECT, related_name="talks_received"
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    summary = models.TextField(_("summary"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
        ordering = ["-talked_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "talked_on"], name="orglife_talk_org_day")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(initiator=models.F("counterpart")),
                name="orglife_talk_two_people",
                violation_error_message=_("A talk is between two different members."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiator} — {self.counterpart} ({self.talked_on})"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path
