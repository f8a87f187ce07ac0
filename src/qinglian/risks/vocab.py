"""The fixed vocabularies of integrity-risk prevention, integrity files and conflict-of-interest checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Process(models.TextChoices):
    """Business processes where integrity risks concentrate."""

    APPROVAL = "approval", _("Administrative approval")
    PROCUREMENT = "procurement", _("Procurement and bidding")
    FUNDS = "funds", _("Funds management")
    APPOINTMENTS = "appointments", _("Selection and appointment of cadres")
    CONSTRUCTION = "construction", _("Construction projects")
    ENFORCEMENT = "enforcement", _("Law enforcement and supervision")
    MAJOR_DECISIONS = "major_decisions", _("“Three majors, one large” decisions")
    OTHER = "other", pgettext_lazy("process", "Other")


class Level(models.IntegerChoices):
    """Integrity-risk levels (一级 / 二级 / 三级): what the risk could lead to if it materialised."""

    ONE = 1, _("Level 1 — could lead to a crime")
    TWO = 2, _("Level 2 — could lead to a disciplinary sanction")
    THREE = 3, _("Level 3 — minor violation, organisational handling")


# A level's short name, for badges, tables and exports (一级 / 二级 / 三级); the templates' level badge uses the same
# words (risks/partials/point_level.html).
LEVEL_SHORT = {
    Level.ONE: pgettext_lazy("risk level", "Level 1"),
    Level.TWO: pgettext_lazy("risk level", "Level 2"),
    Level.THREE: pgettext_lazy("risk level", "Level 3"),
}


class RoundStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("round status", "Open")
    CLOSED = "closed", pgettext_lazy("round status", "Closed")


class PointStatus(models.TextChoices):
    """A risk point's way through an identification round: proposed by the post holder, reviewed by the
    branch, approved by the committee after discipline inspection has given its opinion."""

    DRAFT = "draft", pgettext_lazy("risk status", "Draft")
    PROPOSED = "proposed", pgettext_lazy("risk status", "Proposed")
    REVIEWED = "reviewed", pgettext_lazy("risk status", "Reviewed by the branch")
    APPROVED = "approved", pgettext_lazy("risk status", "Approved")
    RETURNED = "returned", pgettext_lazy("risk status", "Returned")
    WITHDRAWN = "withdrawn", pgettext_lazy("risk status", "Withdrawn")


# Points that make up a round's register (the others are still being worked on or were withdrawn).
REGISTER_STATUSES = (PointStatus.APPROVED,)
# Points still moving through the round.
WORKING_STATUSES = (PointStatus.DRAFT, PointStatus.PROPOSED, PointStatus.REVIEWED, PointStatus.RETURNED)


class PointEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("risk event", "Recorded")
    COPIED = "copied", pgettext_lazy("risk event", "Copied from last round")
    CHANGED = "changed", pgettext_lazy("risk event", "Changed")
    PROPOSED = "proposed", pgettext_lazy("risk event", "Proposed")
    REVIEWED = "reviewed", pgettext_lazy("risk event", "Reviewed by the branch")
    CONSULTED = "consulted", pgettext_lazy("risk event", "Discipline inspection's opinion")
    APPROVED = "approved", pgettext_lazy("risk event", "Approved")
    RETURNED = "returned", pgettext_lazy("risk event", "Returned")
    WITHDRAWN = "withdrawn", pgettext_lazy("risk event", "Withdrawn")
    REVIEW = "review", pgettext_lazy("risk event", "Periodic review")
    INCIDENT = "incident", pgettext_lazy("risk event", "Incident linked")


class IncidentKind(models.TextChoices):
    CLUE = "clue", _("Problem clue")
    RECTIFICATION = "rectification", _("Rectification item")
    AUDIT = "audit", _("Audit finding")
    OTHER = "other", pgettext_lazy("incident", "Other")


class SectionKind(models.TextChoices):
    """The sections of a cadre's integrity file (廉政档案) that the cadre fills in and submits."""

    BASICS = "basics", _("Basic information")
    FAMILY = "family", _("Family members")
    POSTS = "posts", _("Posts held")
    PERSONAL_MATTERS = "personal_matters", _("Report on personal matters")
    INCOME_PROPERTY = "income_property", _("Income and property")
    WEDDINGS_FUNERALS = "weddings_funerals", _("Weddings and funerals held")
    GIFTS = "gifts", _("Gifts and cash handed in")


class SectionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("section status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("section status", "Submitted")
    RETURNED = "returned", pgettext_lazy("section status", "Returned")
    ACCEPTED = "accepted", pgettext_lazy("section status", "Accepted")
    ARCHIVED = "archived", pgettext_lazy("section status", "Archived")


class SectionEventKind(models.TextChoices):
    SAVED = "saved", pgettext_lazy("section event", "Saved")
    SUBMITTED = "submitted", pgettext_lazy("section event", "Submitted")
    RETURNED = "returned", pgettext_lazy("section event", "Returned")
    ACCEPTED = "accepted", pgettext_lazy("section event", "Accepted")
    ARCHIVED = "archived", pgettext_lazy("section event", "Archived")


class ReplyPurpose(models.TextChoices):
    PROMOTION = "promotion", _("Promotion or appointment")
    COMMENDATION = "commendation", _("Commendation")
    OTHER = "other", pgettext_lazy("reply purpose", "Other")


class ReplyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("reply status", "Draft")
    SIGNED = "signed", pgettext_lazy("reply status", "Signed")


class SupplierKind(models.TextChoices):
    SUPPLIER = "supplier", _("Supplier")
    CONTRACTOR = "contractor", _("Contractor")
    SERVICE = "service", _("Service provider")


class MatchBasis(models.TextChoices):
    """Why a declaration was matched with a supplier, strongest first."""

    CREDIT_CODE = "credit_code", _("Same unified social credit code")
    PERSON_ID = "person_id", _("Same identity number")
    NAME_EXACT = "name_exact", _("Same company name")
    NAME_SIMILAR = "name_similar", _("Similar company name")
    PERSON_NAME = "person_name", _("Same person's name")


class MatchStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("match status", "To be checked")
    CONFIRMED = "confirmed", pgettext_lazy("match status", "Confirmed conflict")
    DISMISSED = "dismissed", pgettext_lazy("match status", "Dismissed")
