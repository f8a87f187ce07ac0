"""Study sessions and study hours: collective study (linked to the meeting it was held in), training courses,
self-study, and each member's hours towards the year's norm."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orglife.models import Meeting
from qinglian.orgs.models import Member, Organisation
from qinglian.study.models.common import OrgOwned, ScopedQuerySet
from qinglian.study.models.library import Material
from qinglian.study.models.programmes import ProgrammeItem
from qinglian.study.vocab import RecordSource, SessionKind, TopicKind


class StudySession(OrgOwned):
    """A collective study session, lecture, training course or warning-education activity of a unit.

    When it was held inside a meeting (三会一课, a thematic Party day) it points at that meeting, and the
    attendance recorded there gives the hours: nothing is typed twice.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="study_sessions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices, default=SessionKind.COLLECTIVE)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=20, choices=TopicKind.choices, default=TopicKind.CHARTER)
    held_on = models.DateField(_("date"))
    ends_on = models.DateField(_("last day"), null=True, blank=True, help_text=_("For a course over several days."))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("held in meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="study_session",
    )
    programme_item = models.ForeignKey(
        ProgrammeItem,
        verbose_name=_("programme topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    provider = models.CharField(
        _("held by"), max_length=200, blank=True, help_text=_("For a course: the school or body.")
    )
    description = models.TextField(_("content"), blank=True)
    materials = models.ManyToManyField(Material, verbose_name=_("materials"), blank=True, related_name="sessions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "held_on"], name="study_session_org_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="study_session_hours",
                violation_error_message=_("Hours must be above zero."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class StudyRecordQuerySet(ScopedQuerySet):
    def in_year(self, year: int):
        return self.filter(year=year)


class StudyRecord(OrgOwned):
    """Hours a member earned on one day: from a session they attended, self-study, or training elsewhere.

    `organisation` is the member's unit when the hours were earned, so that a unit's table keeps them after a transfer.
    """

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="study_records")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices)
    session = models.ForeignKey(
        StudySession, verbose_name=_("session"), null=True, blank=True, on_delete=models.CASCADE, related_name="records"
    )
    material = models.ForeignKey(
        Material, verbose_name=_("material"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("what was studied"), max_length=200)
    studied_on = models.DateField(_("date"))
    year = models.PositiveIntegerField(_("year"), editable=False)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = StudyRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("study record")
        verbose_name_plural = _("study records")
        ordering = ["-studied_on", "-pk"]
        indexes = [
            models.Index(fields=["member", "year"], name="study_record_member_year"),
            models.Index(fields=["organisation", "year"], name="study_record_org_year"),
            # What the hours indicators read of each record, in member order: an index-only scan on PostgreSQL
            # (`include` is PostgreSQL's; SQLite builds the index on the key columns only).
            models.Index(
                fields=["year", "member"], include=["studied_on", "source", "hours"], name="study_record_year_cover"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "session"], condition=Q(session__isnull=False), name="study_record_once_per_session"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0),
                name="study_record_hours",
                violation_error_message=_("Hours must be above zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.title} {self.hours}"
