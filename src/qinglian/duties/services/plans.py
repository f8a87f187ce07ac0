"""Work plans (党风廉政建设工作计划): a unit's plan for a year, drafted with its tasks and then published.

Publishing assigns every draft task of the plan (those passed down included): each unit is told of its task,
and deadlines given in working days are counted from the day of publication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.duties.models import Plan, Task
from qinglian.duties.services.tasks import assign, notify_assigned
from qinglian.duties.vocab import PlanStatus, TaskStatus
from qinglian.orgs.access import can
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict

__all__ = ["Conflict", "plan_create", "plan_publish", "plan_tree", "plan_update"]

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _check(title: str, year: int | None) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the plan a title.")})
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("Give the year the plan is for.")})
    return title


def plan_lock(plan: Plan, version: int | None) -> Plan:
    fresh = Plan.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=plan.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this plan while you were editing, so your changes were not saved. "
                "Reload the page to see their changes, then make yours again."
            )
        )
    return fresh


@transaction.atomic
def plan_create(*, org: Organisation, year: int | None, title: str, actor, summary: str = "") -> Plan:
    """Draft a unit's work plan for a year (its managers: duties.manage at the unit)."""
    if actor is not None and not can(actor, "duties.manage", org):
        raise PermissionDenied(_("Only the managers of {unit} may draw up its plans.").format(unit=org.name))
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    title = _check(title, year)
    plan = Plan.objects.create(
        organisation=org,
        year=year,
        title=title,
        summary=(summary or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="duties.plan_create", obj=plan, changes={"year": year, "title": title})
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, version: int | None, actor, title: str, year: int | None, summary: str = "") -> Plan:
    """Change a plan's title, year and summary."""
    plan = plan_lock(plan, version)
    if actor is not None and not can(actor, "duties.manage", plan):
        raise PermissionDenied(_("Only the managers of {unit} may change its plans.").format(unit=plan.organisation))
    title = _check(title, year)
    if plan.status == PlanStatus.PUBLISHED and year != plan.year:
        raise ValidationError({"year": _("A published plan keeps its year.")})
    new = {"title": title, "year": year, "summary": (summary or "").strip()}
    changes = {key: [getattr(plan, key), value] for key, value in new.items() if getattr(plan, key) != value}
    for key, value in new.items():
        setattr(plan, key, value)
    plan.version += 1
    plan.save()
    audit_record(actor=actor, action="duties.plan_update", obj=plan, changes=changes)
    return plan


@transaction.atomic
def plan_publish(*, plan: Plan, version: int | None, actor, today: date | None = None) -> Plan:
    """Publish a draft plan: every draft task in it is assigned to its unit today, all or none.

    Refused while the plan has no task, or when a task's fixed deadline has already passed.
    """
    plan = plan_lock(plan, version)
    if actor is not None and not can(actor, "duties.manage", plan):
        raise PermissionDenied(_("Only the managers of {unit} may publish its plans.").format(unit=plan.organisation))
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("The plan is already published."))
    today = today or timezone.localdate()
    drafts = list(
        Task.objects.select_for_update(of=("self",))
        .filter(plan=plan, status=TaskStatus.DRAFT)
        .select_related("organisation")
        .order_by("organisation__path", "pk")
    )
    if not drafts:
        raise ValidationError(_("Add the plan's tasks before publishing it."))
    late = sorted({task.title for task in drafts if task.workdays is None and task.due_on < today})
    if late:
        raise ValidationError(
            _("These tasks' deadlines are before today: {titles}. Change them, then publish the plan.").format(
                titles="、".join(late)
            )
        )
    for task in drafts:
        assign(task, today=today)
    Task.objects.bulk_update(drafts, ["status", "assigned_on", "due_on", "version"])
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = timezone.now()
    plan.version += 1
    plan.save()
    audit_record(actor=actor, action="duties.plan_publish", obj=plan, changes={"tasks_assigned": len(drafts)})
    for task in drafts:
        audit_record(
            actor=actor,
            action="duties.task_assign",
            obj=task,
            changes={"status": [TaskStatus.DRAFT, TaskStatus.ASSIGNED], "due_on": task.due_on, "plan": plan.pk},
        )
    notify_assigned(drafts)
    return plan


# --- reads --------------------------------------------------------------------------------------------------


@dataclass
class Node:
    """A task with the tasks passed down from it that the reader may see, for the plan's tree."""

    task: Task
    depth: int = 0
    children: list[Node] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(1 for child in self.children if child.task.status == TaskStatus.ACCEPTED)

    def descendants(self) -> list[Node]:
        out: list[Node] = []
        for child in self.children:
            out.append(child)
            out.extend(child.descendants())
        return out


def plan_tree(tasks) -> list[Node]:
    """The tasks given as a forest: each task under the one it was passed down from (when that is given too),
    children in the order of the tree."""
    nodes = {task.pk: Node(task) for task in tasks}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.task.parent_id)
        (parent.children if parent else roots).append(node)

    def settle(node: Node, depth: int) -> None:
        node.depth = depth
        node.children.sort(key=lambda n: (n.task.organisation.path, n.task.pk))
        for child in node.children:
            settle(child, depth + 1)

    roots.sort(key=lambda n: (n.task.due_on, n.task.pk))
    for root in roots:
        settle(root, 0)
    return roots
