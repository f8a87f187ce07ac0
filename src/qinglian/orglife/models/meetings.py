"""Meetings of organisational life: the meeting, who was asked and came, its minutes and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orglife.vocab import (
    AttachmentKind,
    CheckinMethod,
    LeaveStatus,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
    Presence,
    Rsvp,
)
from qinglian.orgs.models import Member, Organisation


def _scope(queryset, user, action):
    from qinglian.orgs.access import scope_q  # access imports the register's models: resolve at call time

    return queryset.filter(scope_q(user, action, model=queryset.model))


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "orglife.view"):
        return _scope(self, user, action)

    def in_subtree(self, org):
        from qinglian.orgs.models import PATH_END

        return self.filter(organisation__path__gte=org.path, organisation__path__lt=org.path + PATH_END)

    def counted(self):
        """Meetings that count towards the required frequencies: approved minutes and attendance."""
        return self.filter(counted=True)

    def between(self, start, end):
        """Meetings starting on or after the day `start` and before the day `end`."""
        return self.filter(starts_on__gte=start, starts_on__lt=end)

    def not_cancelled(self):
        return self.exclude(status=MeetingStatus.CANCELLED)


class Meeting(models.Model):
    """One meeting of a unit: 三会一课, a thematic Party day, an organisational- or democratic-life meeting.

    `counted`, `quorum_met`, `invitee_count` and `present_count` are kept up to date by the services
    (`meeting_recount`) so that compliance over a province reads them without counting attendees.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("theme"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    # The local day the meeting starts, for period queries that must not depend on time zones.
    starts_on = models.DateField(_("date"), editable=False)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.JSONField(_("agenda"), default=list, blank=True)
    host = models.ForeignKey(
        Member, verbose_name=_("host"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder = models.ForeignKey(
        Member, verbose_name=_("recorder"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer = models.ForeignKey(
        Member, verbose_name=_("lecturer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lecturer_name = models.CharField(
        _("outside lecturer"), max_length=100, blank=True, help_text=_("For a lecturer who is not on the register.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    notified_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    checkin_code = models.CharField(_("check-in code"), max_length=8, blank=True)
    invitee_count = models.PositiveIntegerField(_("members expected"), default=0, editable=False)
    present_count = models.PositiveIntegerField(_("members present"), default=0, editable=False)
    quorum_met = models.BooleanField(_("quorum met"), null=True, editable=False)
    counted = models.BooleanField(_("counts towards the requirements"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "kind", "starts_on"], name="orglife_meeting_org_kind_day"),
            models.Index(fields=["starts_on"], name="orglife_meeting_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="orglife_meeting_ends_after_start",
                violation_error_message=_("A meeting cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%Y-%m-%d})"

    def save(self, *args, **kwargs):
        self.starts_on = (
            timezone.localtime(self.starts_at).date() if timezone.is_aware(self.starts_at) else (self.starts_at.date())
        )
        super().save(*args, **kwargs)

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path

    @property
    def has_happened(self) -> bool:
        return self.starts_at <= timezone.now()


class AttendeeQuerySet(models.QuerySet):
    def members(self):
        return self.filter(member__isnull=False)

    def guests(self):
        return self.filter(member__isnull=True)

    def for_user(self, user):
        return self.filter(member__user=user)


class Attendee(models.Model):
    """A person asked to a meeting (a member of the unit, or a guest), with reply, leave and presence."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendees")
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    guest_name = models.CharField(_("guest's name"), max_length=60, blank=True)
    guest_unit = models.CharField(_("guest's unit"), max_length=120, blank=True)
    rsvp = models.CharField(_("reply"), max_length=10, choices=Rsvp.choices, default=Rsvp.PENDING)
    rsvp_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    leave_status = models.CharField(
        _("leave"), max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.NONE, blank=True
    )
    leave_reason = models.TextField(_("reason for leave"), blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leave_decided_at = models.DateTimeField(_("leave decided at"), null=True, blank=True)
    presence = models.CharField(_("presence"), max_length=10, choices=Presence.choices, default=Presence.UNKNOWN)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checkin_method = models.CharField(
        _("check-in"), max_length=10, choices=CheckinMethod.choices, default=CheckinMethod.NONE, blank=True
    )
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)

    objects = AttendeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], condition=Q(member__isnull=False), name="orglife_attendee_once"
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | ~Q(guest_name=""),
                name="orglife_attendee_named",
                violation_error_message=_("A guest needs a name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.member.name if self.member_id else self.guest_name

    @property
    def is_guest(self) -> bool:
        return self.member_id is None

    @property
    def access_path(self) -> str:
        return self.meeting.organisation.path

    audit_path = access_path


class Minutes(models.Model):
    """One version of a meeting's minutes: structured items, approved by the secretary, then locked.

    `items` is a list of {"title", "discussion", "decision", "votes": {"for", "against", "abstain"} or
    null}. A correction after approval is a new version with a reason; the latest approved version is
    the record.
    """

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="minutes")
    number = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    summary = models.TextField(_("summary of the meeting"), blank=True)
    items = models.JSONField(_("agenda items"), default=list, blank=True)
    reason = models.TextField(_("reason for the correction"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        ordering = ["meeting", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="orglife_minutes_unique_number"),
            # At most one version in the making at a time.
            models.UniqueConstraint(
                fields=["meeting"], condition=~Q(status="approved"), name="orglife_minutes_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting.title} · v{self.number}"

    @property
    def access_path(self) -> str:
        return self.meeting.organisation.path

    audit_path = access_path

    @property
    def locked(self) -> bool:
        return self.status == MinutesStatus.APPROVED


class Attachment(models.Model):
    """A file kept with a meeting's record: photos, the scanned sign-in sheet, documents."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)
    file = models.FileField(_("file"), upload_to="orglife/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["meeting", "uploaded_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.meeting.organisation.path

    audit_path = access_path
