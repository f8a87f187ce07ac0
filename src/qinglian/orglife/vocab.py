"""Fixed vocabularies of organisational life, with English labels.

Meeting kinds are stored as short codes (rule keys, URLs and the API use them); grades keep the
official Chinese terms as values, as the appraisal ledgers write them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("Branch general meeting")
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")
    GROUP_MEETING = "group_meeting", _("Party group meeting")
    PARTY_LECTURE = "party_lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Thematic Party day")
    LIFE_MEETING = "life_meeting", _("Organisational-life meeting")
    DEMOCRATIC_LIFE = "democratic_life", _("Democratic-life meeting")


# Meetings whose record includes criticism and self-criticism and the problems found.
LIFE_KINDS = (MeetingKind.LIFE_MEETING, MeetingKind.DEMOCRATIC_LIFE)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Rsvp(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    YES = "yes", _("Will attend")
    NO = "no", _("Will not attend")


class LeaveStatus(models.TextChoices):
    NONE = "", _("No leave requested")
    REQUESTED = "requested", _("Leave requested")
    APPROVED = "approved", _("Leave approved")
    REFUSED = "refused", _("Leave refused")


class Presence(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    ON_LEAVE = "leave", _("On leave")


# Presences that count as attending (for the quorum and the attendance rate).
ATTENDING = (Presence.PRESENT, Presence.LATE)


class CheckinMethod(models.TextChoices):
    NONE = "", _("Not checked in")
    SELF = "self", _("Self check-in with the meeting code")
    RECORDER = "recorder", _("Recorded by the recorder")


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved and locked")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    SIGN_IN = "sign_in", _("Sign-in sheet scan")
    DOCUMENT = "document", _("Document")


class CritiqueKind(models.TextChoices):
    SELF = "self", _("Self-criticism")
    PEER = "peer", _("Criticism from another member")
    OPINION = "opinion", _("Opinion collected before the meeting")


class AppraisalStatus(models.TextChoices):
    SELF = "self", _("Self-assessment")
    PEER = "peer", _("Peer and masses evaluation")
    PROPOSAL = "proposal", _("Committee proposes grades")
    DECISION = "decision", _("General meeting decides")
    NOTIFIED = "notified", _("Results told to members")
    REPORTED = "reported", _("Reported upward")


APPRAISAL_STEPS = [choice for choice, _label in AppraisalStatus.choices]


class Grade(models.TextChoices):
    EXCELLENT = "优秀", _("Excellent")
    QUALIFIED = "合格", _("Qualified")
    BASICALLY_QUALIFIED = "基本合格", _("Basically qualified")
    UNQUALIFIED = "不合格", _("Unqualified")


# Grades that start follow-up: improvement measures (基本合格) or handling (不合格).
FOLLOW_UP_GRADES = (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)


class VoteSource(models.TextChoices):
    PEER = "peer", _("Members (peer evaluation)")
    MASSES = "masses", _("The masses (democratic evaluation)")


class FollowUpStatus(models.TextChoices):
    NONE = "", _("No follow-up needed")
    OPEN = "open", _("Follow-up under way")
    DONE = "done", _("Follow-up completed")


class TalkKind(models.TextChoices):
    HEART_TO_HEART = "heart_to_heart", _("Heart-to-heart talk")
    REMINDER = "reminder", _("Reminder talk")
    INTEGRITY = "integrity", _("Integrity talk")
    WORK = "work", _("Work talk")
    OTHER = "other", _("Other talk")
