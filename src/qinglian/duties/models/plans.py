"""Work plans and tasks: the year's plan broken into tasks, cascaded down the tree and across to departments.

A task set by a unit for the units below it is a parent task; each unit below gets its own child task
(`parent`), tracked on its own. A joint task has a lead department and co-operating departments, each
with its share (TaskShare). Progress reports carry comments and evidence (files, or links to records
in other modules). Supervision (督办) marks a task for attention and escalates to the next unit up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.core.models import Evidence as CoreEvidence
from qinglian.duties.models.common import OrgOwned, ScopedQuerySet
from qinglian.duties.vocab import TASK_OPEN, PlanStatus, ReportKind, TaskStatus
from qinglian.orgs.models import Department, Member, Organisation


class Plan(OrgOwned):
    """A unit's 党风廉政建设 work plan for a year."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="duty_plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-year", "organisation__path", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=TASK_OPEN)

    def overdue(self, today=None):
        """Assigned and not yet accepted after the deadline (a submitted task waits on its assigner).

        A plan unit's own copy of a task it passed down is followed through its units' tasks, not on its own.
        """
        today = today or timezone.localdate()
        return (
            self.filter(status__in=TASK_OPEN, due_on__lt=today)
            .exclude(status=TaskStatus.SUBMITTED)
            .exclude(parent__isnull=True, passed_down=True)
        )

    def carried_out(self):
        """The tasks someone carries out and reports on: all but a plan unit's own copy of a task passed down."""
        return self.exclude(parent__isnull=True, passed_down=True)


class Task(OrgOwned):
    """A task of a plan for one unit: set by the plan's unit, or cascaded to it from a task above (`parent`)."""

    plan = models.ForeignKey(Plan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="tasks")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cascaded from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("unit responsible"), on_delete=models.PROTECT, related_name="duty_tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duty = models.ForeignKey(
        "duties.Duty",
        verbose_name=_("duty it serves"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    owner = models.ForeignKey(
        Member,
        verbose_name=_("person responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duty_tasks",
    )
    is_joint = models.BooleanField(_("joint task"), default=False)
    assigned_on = models.DateField(_("assigned on"), null=True, blank=True)
    workdays = models.PositiveSmallIntegerField(
        _("working days allowed"), null=True, blank=True, help_text=_("The deadline counts this many working days.")
    )
    due_on = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    supervised = models.BooleanField(_("under supervision (督办)"), default=False)
    passed_down = models.BooleanField(_("passed down"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="duties_task_due")]
        constraints = [
            models.UniqueConstraint(fields=["parent", "organisation"], name="duties_task_one_child_per_unit"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="duties_task_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_on__isnull=False), name="duties_task_accepted_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_followed_through_units(self) -> bool:
        """The plan unit's own copy of a task it passed down: its units' tasks carry it out."""
        return self.parent_id is None and self.passed_down

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        if self.is_followed_through_units:
            return False
        return self.status in TASK_OPEN and self.status != TaskStatus.SUBMITTED and self.due_on < today


class TaskShare(models.Model):
    """A department's part in a joint task: the lead or a co-operating department, with its share."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="shares")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="task_shares"
    )
    is_lead = models.BooleanField(_("lead department"), default=False)
    share = models.CharField(_("its share"), max_length=300)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_shares",
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("latest report"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("department share")
        verbose_name_plural = _("department shares")
        ordering = ["task", "-is_lead", "department__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="duties_share_one_per_department"),
            models.UniqueConstraint(fields=["task"], condition=Q(is_lead=True), name="duties_share_one_lead"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="duties_share_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.share[:40]}"

    @property
    def access_path(self) -> str:
        return self.task.organisation.path

    audit_path = access_path


class TaskReport(models.Model):
    """A step in a task's life told in words: progress, submission, return, acceptance, supervision."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports")
    share = models.ForeignKey(
        TaskShare, verbose_name=_("department share"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="reports",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    text = models.TextField(_("report"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("task report")
        verbose_name_plural = _("task reports")
        ordering = ["task", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"

    @property
    def access_path(self) -> str:
        return self.task.organisation.path

    audit_path = access_path


class TaskEvidence(CoreEvidence):
    """Evidence for a task's report: an uploaded file, or a link to a record already in another module."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="evidence")
    report = models.ForeignKey(
        TaskReport, verbose_name=_("report"), null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="duties/%Y/%m/", blank=True)

    class Meta(CoreEvidence.Meta):
        verbose_name = _("task evidence")
        verbose_name_plural = _("task evidence")
        ordering = ["task", "added_at", "pk"]

    @property
    def access_path(self) -> str:
        return self.task.organisation.path

    audit_path = access_path


class Supervision(models.Model):
    """Supervision (督办) of a task: who opened it, why, by when; escalated to the unit above when it lapses."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="supervisions")
    level = models.ForeignKey(
        Organisation,
        verbose_name=_("supervising unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit supervising: the assigner, then each unit up after an escalation."),
    )
    reason = models.TextField(_("reason"))
    due_on = models.DateField(_("to be done by"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    escalated_from = models.ForeignKey(
        "self", verbose_name=_("escalated from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")
        ordering = ["task", "opened_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task} · {self.level}"

    @property
    def access_path(self) -> str:
        return self.task.organisation.path

    audit_path = access_path
