"""Task reminders, supervision escalation and to-dos.

- Reminders (daily, with `today`): a task being carried out is brought to its unit's nearest holders of
  duties.report `before_workdays` working days before its deadline and `after_workdays` working days after it
  (rule duties.task_reminders), never twice the same day; reminders go out on working days only.
- Escalation: a supervision (督办) whose day passed `escalate_after_workdays` working days ago with the task
  still not submitted goes up to the next unit (rule duties.supervision); see `supervision_escalate`.
- To-dos: tasks the user's unit must report on or submit (the nearest holders of duties.report there), tasks
  submitted to a unit where the user accepts or returns them (the nearest holders of duties.manage at the
  unit that set them), and shares of joint tasks the user is the contact of.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem
from qinglian.core.rules import RuleMissing, rule_value
from qinglian.core.workdays import is_workday, workdays_between
from qinglian.duties.models import Supervision, Task, TaskShare
from qinglian.duties.services.tasks import REPORTABLE, supervision_escalate, supervision_rule
from qinglian.duties.vocab import TaskStatus
from qinglian.orgs.access import has_permission, nearest_holders, nearest_q
from qinglian.orgs.models import Organisation

REMINDER_KIND = "duties.task_reminder"
TODO_LIMIT = 20
# Working days are at most this many calendar days apart, even across the Spring Festival and National Day.
CALENDAR_SPAN = 3


def reminder_rule(org: Organisation, today: date) -> dict:
    try:
        value = rule_value("duties.task_reminders", org_path=org.path, on=today)
    except RuleMissing:
        value = {}
    return {"before_workdays": 3, "after_workdays": [1, 5], **(value or {})}


def _reminder_due(task: Task, today: date, rule: dict) -> str | None:
    """ "before" or "after" when the task is to be brought up today, else None."""
    if task.due_on >= today:
        return "before" if workdays_between(today, task.due_on) == int(rule["before_workdays"]) else None
    after = workdays_between(task.due_on, today)
    return "after" if after in {int(n) for n in rule["after_workdays"]} else None


def deadline_reminders(today: date) -> int:
    """Remind the units of tasks falling due, and of tasks past their deadline; returns notifications sent."""
    if not is_workday(today):
        return 0
    default = reminder_rule(Organisation(path=""), today)
    ahead = int(default["before_workdays"]) * CALENDAR_SPAN + 14
    behind = max([int(n) for n in default["after_workdays"]] or [0]) * CALENDAR_SPAN + 14
    tasks = (
        Task.objects.carried_out()
        .filter(status__in=REPORTABLE)
        .filter(due_on__gte=today - timedelta(days=behind), due_on__lte=today + timedelta(days=ahead))
        .select_related("organisation")
        .order_by("due_on", "pk")
    )
    rules: dict[str, dict] = {}
    sent = 0
    for task in tasks:
        path = task.organisation.path
        if path not in rules:
            rules[path] = reminder_rule(task.organisation, today)
        when = _reminder_due(task, today, rules[path])
        if when is None:
            continue
        with override(settings.LANGUAGE_CODE):  # stored as written: in the site's language
            if when == "before":
                title = _("Due on {day}: {title}").format(day=task.due_on.isoformat(), title=task.title)
            else:
                title = _("Past its deadline ({day}): {title}").format(day=task.due_on.isoformat(), title=task.title)
            body = _("{unit} · progress {n}%").format(unit=task.organisation.name, n=task.progress)
        sent += len(
            notification_send(
                users=nearest_holders(task.organisation, action="duties.report"),
                title=title,
                body=body,
                url=reverse("duties:task_detail", args=[task.pk]),
                kind=REMINDER_KIND,
                dedupe_key=f"{REMINDER_KIND}:{task.pk}:{today.isoformat()}",
            )
        )
    return sent


def supervision_escalations(today: date) -> int:
    """Escalate the supervisions that lapsed with their task still not submitted; returns how many."""
    lapsed = (
        Supervision.objects.filter(closed_at__isnull=True, due_on__lt=today, task__status__in=REPORTABLE)
        .select_related("task__organisation")
        .order_by("due_on", "pk")
    )
    escalated = 0
    for supervision in lapsed:
        rule = supervision_rule(supervision.task.organisation, today)
        if workdays_between(supervision.due_on, today) < int(rule["escalate_after_workdays"]):
            continue
        if supervision_escalate(supervision=supervision, today=today) is not None:
            escalated += 1
    return escalated


def task_reminders(today: date) -> int:
    """The daily run: deadline reminders, then escalations of lapsed supervision."""
    return deadline_reminders(today) + supervision_escalations(today)


def _item(task: Task, title: str, today: date) -> TodoItem:
    return TodoItem(
        title=title,
        url=reverse("duties:task_detail", args=[task.pk]),
        due=task.due_on,
        kind=_("Task"),
        overdue=task.due_on < today,
    )


def task_todos(user) -> list[TodoItem]:
    """What the user must act on: report or submit for their unit, accept or return as the assigner, shares."""
    today = timezone.localdate()
    items: list[TodoItem] = []
    if has_permission(user, "duties.report"):
        rows = (
            Task.objects.carried_out()
            .filter(nearest_q(user, "duties.report", model=Task), status__in=REPORTABLE)
            .select_related("organisation")
            .order_by("due_on", "pk")[:TODO_LIMIT]
        )
        for task in rows:
            if task.status == TaskStatus.RETURNED:
                title = _("Returned, to be done again: {title} ({unit})")
            else:
                title = _("Carry out and report: {title} ({unit})")
            items.append(_item(task, title.format(title=task.title, unit=task.organisation.name), today))
    if has_permission(user, "duties.manage"):
        units = Organisation.objects.filter(nearest_q(user, "duties.manage", model=Organisation)).values("pk")
        rows = (
            Task.objects.filter(status=TaskStatus.SUBMITTED)
            .filter(Q(parent__isnull=True, plan__organisation__in=units) | Q(parent__organisation__in=units))
            .select_related("organisation")
            .order_by("submitted_on", "pk")[:TODO_LIMIT]
        )
        for task in rows:
            title = _("Accept or return: {title} ({unit})").format(title=task.title, unit=task.organisation.name)
            items.append(_item(task, title, today))
    if getattr(user, "is_authenticated", False):
        shares = (
            TaskShare.objects.filter(contact=user, done_on__isnull=True, task__status__in=REPORTABLE)
            .select_related("task", "department")
            .order_by("task__due_on", "pk")[:TODO_LIMIT]
        )
        for share in shares:
            title = _("Report {department}'s share: {title}").format(
                department=share.department.name, title=share.task.title
            )
            items.append(_item(share.task, title, today))
    return items
