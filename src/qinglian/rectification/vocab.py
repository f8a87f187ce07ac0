"""The fixed vocabularies of rectification: where a problem was found and how far its rectification has come."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Source(models.TextChoices):
    LIFE_MEETING = "life_meeting", _("Organisational or democratic life meeting")
    APPRAISAL = "appraisal", _("Democratic appraisal")
    INSPECTION = "inspection", _("Inspection tour (巡视巡察)")
    AUDIT = "audit", _("Audit")
    SUPERVISION = "supervision", _("Supervision and inspection")
    RISK_REVIEW = "risk_review", _("Integrity-risk review")
    CASE = "case", _("Case")
    OTHER = "other", pgettext_lazy("rectification source", "Other")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    SUBMITTED = "submitted", _("Awaiting verification")
    CLOSED = "closed", _("Verified and closed")


# The moves a rectification item may make (the service checks who may make each).
TRANSITIONS = {
    ItemStatus.OPEN: {ItemStatus.SUBMITTED},
    ItemStatus.SUBMITTED: {ItemStatus.CLOSED, ItemStatus.OPEN},  # verified, or sent back
    ItemStatus.CLOSED: {ItemStatus.OPEN},  # reopened: the rectification did not hold
}


class EventKind(models.TextChoices):
    CREATED = "created", _("Recorded")
    CHANGED = "changed", _("Changed")
    PROGRESS = "progress", _("Progress reported")
    EVIDENCE_ADDED = "evidence", _("Evidence added")
    EVIDENCE_REMOVED = "evidence_del", _("Evidence removed")
    SUBMITTED = "submitted", _("Reported rectified")
    RETURNED = "returned", _("Sent back")
    CLOSED = "closed", _("Verified and closed")
    REOPENED = "reopened", _("Reopened")
