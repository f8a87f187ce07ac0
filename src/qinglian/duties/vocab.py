"""The fixed vocabularies of duties, work plans and responsibility assessment."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Holder(models.TextChoices):
    """Whose duty: the split of 《党委（党组）落实全面从严治党主体责任规定》 plus the supervisory duty."""

    COMMITTEE = "committee", _("Party committee, collectively (主体责任)")
    SECRETARY = "secretary", _("Secretary, first responsible person (第一责任人)")
    MEMBER = "member", _("Committee member, for their area (一岗双责)")
    DISCIPLINE = "discipline", _("Discipline inspection (监督责任)")


class Frequency(models.TextChoices):
    ONCE = "once", pgettext_lazy("frequency", "Once a year")
    HALF_YEAR = "half_year", _("Every half year")
    QUARTERLY = "quarterly", _("Every quarter")
    MONTHLY = "monthly", _("Every month")
    ONGOING = "ongoing", _("Ongoing")
    AS_NEEDED = "as_needed", _("As needed")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class TaskStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSIGNED = "assigned", pgettext_lazy("task status", "Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", pgettext_lazy("task status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("task status", "Accepted")
    RETURNED = "returned", pgettext_lazy("task status", "Returned")


# Overdue is derived (not accepted, past the deadline), never stored.
TASK_TRANSITIONS = {
    TaskStatus.DRAFT: {TaskStatus.ASSIGNED},
    TaskStatus.ASSIGNED: {TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED},
    TaskStatus.IN_PROGRESS: {TaskStatus.SUBMITTED},
    TaskStatus.SUBMITTED: {TaskStatus.ACCEPTED, TaskStatus.RETURNED},
    TaskStatus.RETURNED: {TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED},
    TaskStatus.ACCEPTED: set(),
}
TASK_OPEN = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED, TaskStatus.RETURNED)


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    SUBMITTED = "submitted", _("Submitted for acceptance")
    RETURNED = "returned", pgettext_lazy("task status", "Returned")
    ACCEPTED = "accepted", pgettext_lazy("task status", "Accepted")
    SUPERVISED = "supervised", _("Supervision (督办)")
    ESCALATED = "escalated", _("Escalated")


class RuleKind(models.TextChoices):
    """How a score-table item is scored (evaluation-methods §1.2)."""

    PRESENCE = "presence", _("Presence: full points or none")
    COUNT = "count", _("Count against a target (k of K → k/K of the points)")
    DEDUCTION = "deduction", _("Deduction per occurrence, not below the floor")
    DISCRETIONARY = "discretionary", _("Discretionary deduction within a range")
    TIER = "tier", _("Tier from another grade")
    BONUS = "bonus", _("Bonus, capped")
    VETO = "veto", _("Veto (一票否决)")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SELF = "self", _("Self-scoring")
    ASSESSING = "assessing", _("Assessor scoring")
    FINISHED = "finished", _("Finished")


class UnitStatus(models.TextChoices):
    SELF = "self", _("Self-scoring")
    SUBMITTED = "submitted", _("Self-scoring submitted")
    ASSESSED = "assessed", _("Assessed")
    FINISHED = "finished", pgettext_lazy("assessment", "Finished")
