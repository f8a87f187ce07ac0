"""Tasks of a work plan: setting them, passing them down the tree, joint shares with departments, progress
reports with evidence, the status workflow (one transition service) and supervision (督办) with escalation.

Who may do what:
- the assigner of a task is the unit of the task it was cascaded from, or the plan's unit for a task set in
  the plan itself; holders of duties.manage there change it, accept or return it, and supervise it;
- the assignee is the task's own unit: its holders of duties.report or duties.manage report progress and
  submit it, and its holders of duties.manage pass it down to the units below;
- a department's share of a joint task is reported on by the share's contact, or by a holder of
  duties.report at the task's unit (the department liaisons).
Every step writes a TaskReport row (the task's timeline) and an audit event in the same transaction. An actor
of None is the system (reminders, demo data, imports), whose writes are not checked against roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.audit import audit_record
from qinglian.core.links import evidence_values, record_kind
from qinglian.core.notify import notification_send
from qinglian.core.rules import RuleMissing, rule_value
from qinglian.core.workdays import add_workdays
from qinglian.duties.models import Duty, Plan, Supervision, Task, TaskEvidence, TaskReport, TaskShare
from qinglian.duties.vocab import TASK_TRANSITIONS, PlanStatus, ReportKind, TaskStatus
from qinglian.orgs.access import can, can_at, nearest_holders, scope_q
from qinglian.orgs.models import Department, Member, Organisation, ancestor_paths
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER

__all__ = [
    "Conflict",
    "assigner_of",
    "share_report",
    "task_cascade",
    "task_create",
    "task_remove",
    "task_report",
    "task_supervise",
    "task_transition",
    "task_update",
    "tasks_readable",
]

# Statuses in which the unit carries the task out: it reports progress and may submit.
REPORTABLE = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED)
# The audit action of each move, by the status moved to.
STEP_NAMES = {
    TaskStatus.ASSIGNED: "assign",
    TaskStatus.IN_PROGRESS: "start",
    TaskStatus.SUBMITTED: "submit",
    TaskStatus.ACCEPTED: "accept",
    TaskStatus.RETURNED: "return",
}
REPORT_KINDS = {
    TaskStatus.IN_PROGRESS: ReportKind.PROGRESS,
    TaskStatus.SUBMITTED: ReportKind.SUBMITTED,
    TaskStatus.ACCEPTED: ReportKind.ACCEPTED,
    TaskStatus.RETURNED: ReportKind.RETURNED,
}
MAX_WORKDAYS = 750  # about three years of working days: anything longer is a typing slip
NOTICE_KIND = "duties.task"


def assigner_of(task: Task) -> Organisation:
    """The unit that set the task: the unit of the task it was cascaded from, else the plan's unit."""
    return task.parent.organisation if task.parent_id else task.plan.organisation


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- who may ------------------------------------------------------------------------------------------------


def may_carry_out(user, task: Task) -> bool:
    """The assignee unit's people: holders of duties.report or duties.manage at the task's unit.

    Nobody carries out a plan unit's own copy of a task it passed down: its units' tasks do.
    """
    if task.is_followed_through_units:
        return False
    return user is None or can(user, "duties.report", task) or can(user, "duties.manage", task)


def may_assign(user, task: Task) -> bool:
    """The assigner's managers: holders of duties.manage at the unit that set the task."""
    return user is None or can_at(user, "duties.manage", assigner_of(task).path)


def task_may_report(user, task: Task) -> bool:
    return task.status in REPORTABLE and may_carry_out(user, task)


def task_may_decide(user, task: Task) -> bool:
    return task.status == TaskStatus.SUBMITTED and may_assign(user, task)


def task_may_cascade(user, task: Task) -> bool:
    return task.status != TaskStatus.ACCEPTED and (user is None or can(user, "duties.manage", task))


def task_may_supervise(user, task: Task) -> bool:
    return task.status in REPORTABLE and not task.supervised and may_assign(user, task)


def task_may_edit(user, task: Task) -> bool:
    return task.status != TaskStatus.ACCEPTED and may_assign(user, task)


def task_may_remove(user, task: Task) -> bool:
    return task.status == TaskStatus.DRAFT and may_assign(user, task)


def share_may_report(user, share: TaskShare) -> bool:
    task = share.task
    if task.status not in REPORTABLE:
        return False
    return user is None or share.contact_id == getattr(user, "pk", None) or can(user, "duties.report", task)


# --- reads --------------------------------------------------------------------------------------------------


def tasks_readable(user):
    """Tasks the user may read: those of units where they hold duties.view, and those whose share they report.

    A draft (of a plan not yet published) is read only by the managers of the plan's unit: the units learn of
    their tasks when they are assigned.
    """
    drafting = Plan.objects.filter(scope_q(user, "duties.manage", model=Plan)).values("pk")
    q = scope_q(user, "duties.view", model=Task) & (~Q(status=TaskStatus.DRAFT) | Q(plan__in=drafting))
    if getattr(user, "is_authenticated", False):
        q |= Q(pk__in=TaskShare.objects.filter(contact=user).values("task_id"))
    return Task.objects.filter(q)


def children_counts(task_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """{task id: (children accepted, children)} for the tasks given that were passed down, in one query."""
    rows = (
        Task.objects.filter(parent_id__in=list(task_ids))
        .values("parent_id")
        .annotate(total=Count("pk"), accepted=Count("pk", filter=Q(status=TaskStatus.ACCEPTED)))
        .order_by()
    )
    return {row["parent_id"]: (row["accepted"], row["total"]) for row in rows}


def tree_ids(task: Task) -> set[int]:
    """The ids of every task in the cascade `task` belongs to: from its topmost ancestor down (one query a level)."""
    top = task
    while top.parent_id:
        top = Task.objects.only("pk", "parent_id").get(pk=top.parent_id)
    ids, frontier = {top.pk}, [top.pk]
    while frontier:
        frontier = list(Task.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def open_supervision(task: Task) -> Supervision | None:
    return (
        Supervision.objects.filter(task=task, closed_at__isnull=True)
        .select_related("level")
        .order_by("-opened_at", "-pk")
        .first()
    )


# --- checks -------------------------------------------------------------------------------------------------


def lock(task: Task, version: int | None) -> Task:
    """Lock the task's row; refuse (Conflict) when `version` is given and is not the one saved."""
    fresh = (
        Task.objects.select_for_update(of=("self",))
        .select_related("organisation", "plan__organisation", "parent__organisation")
        .get(pk=task.pk)
    )
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this task while you were working on it (it is now “{status}”), so nothing "
                "was saved. Reload the page to see it as it stands, then try again."
            ).format(status=fresh.get_status_display())
        )
    return fresh


def deadline(*, due_on: date | None, workdays: int | None, start: date, today: date) -> date:
    """The deadline: the date given, or `workdays` working days after `start`; never before today."""
    if due_on is not None and workdays is not None:
        raise ValidationError(
            {"due_on": _("Give the deadline either as a date or as a number of working days, not both.")}
        )
    if workdays is not None:
        if not 1 <= workdays <= MAX_WORKDAYS:
            raise ValidationError({"workdays": _("Give from 1 to {n} working days.").format(n=MAX_WORKDAYS)})
        due_on = add_workdays(start, workdays)
    if due_on is None:
        raise ValidationError(
            {"due_on": _("Give a deadline: a date, or a number of working days from the day the task is assigned.")}
        )
    if due_on < today:
        raise ValidationError(
            {"due_on": _("The deadline {day} is before today: give a day from today on.").format(day=due_on)}
        )
    return due_on


def _check_owner(owner: Member | None, org: Organisation) -> None:
    if owner is None:
        return
    if owner.status not in ON_REGISTER or not owner.organisation.is_within(org):
        raise ValidationError({"owner": _("{name} is not a member of {unit}.").format(name=owner.name, unit=org.name)})


def _check_duty(duty: Duty | None, org: Organisation) -> None:
    if duty is not None and duty.duty_list.organisation.path not in ancestor_paths(org.path):
        raise ValidationError(
            {"duty": _("The duty is not on a list of {unit} or a unit above it.").format(unit=org.name)}
        )


def _check_progress(progress: int | None) -> None:
    if progress is not None and not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})


def _check_shares(org: Organisation, shares: Iterable[dict]) -> list[dict]:
    """Joint-task shares as given ({department, share, is_lead, contact}), refused unless exactly one leads, each
    department is an active department of the agency at or above the task's unit, named once, with its share."""
    rows = [dict(row) for row in shares]
    if not rows:
        return rows
    seen: set[int] = set()
    above = ancestor_paths(org.path)
    for row in rows:
        department: Department = row["department"]
        if department.pk in seen:
            raise ValidationError({"shares": _("{name} is named twice.").format(name=department.name)})
        seen.add(department.pk)
        if not department.is_active or department.organisation.path not in above:
            raise ValidationError(
                {"shares": _("{name} is not an active department of the agency above {unit}.").format(
                    name=department.name, unit=org.name
                )}
            )  # fmt: skip
        row["share"] = (row.get("share") or "").strip()
        if not row["share"]:
            raise ValidationError({"shares": _("Say what {name} is to do.").format(name=department.name)})
        row["is_lead"] = bool(row.get("is_lead"))
    leads = sum(1 for row in rows if row["is_lead"])
    if leads != 1:
        raise ValidationError({"shares": _("A joint task has exactly one lead department.")})
    return rows


def evidence_check(user, items: Iterable[dict]) -> list[tuple[dict, object]]:
    """Check every piece of evidence before anything is saved: (field values, file or None) for each.

    Each item takes the keyword arguments of `core.links.evidence_values`: a file, or a record kind and id, and
    a note. The system (user None: demo data, imports) sees no record, so its links are checked for their kind
    only.
    """
    checked = []
    for item in items:
        file, kind, ref_id = item.get("file"), item.get("record_kind") or "", item.get("record_id")
        note = item.get("note") or ""
        if user is None and file is None and kind and ref_id:
            record_kind(kind)
            values = {"note": note.strip()[:300], "name": "", "size": 0, "content_type": "", "record_kind": kind,
                      "record_id": int(ref_id)}  # fmt: skip
        else:
            values = evidence_values(user, file=file, record_kind=kind, record_id=ref_id, note=note)
        checked.append((values, file))
    return checked


def _evidence_save(task: Task, report: TaskReport, checked: list[tuple[dict, object]], actor) -> list[TaskEvidence]:
    """Save checked evidence with the report; each file under a random name (the user's never reaches the disk)."""
    rows = []
    for values, file in checked:
        row = TaskEvidence(task=task, report=report, added_by=_user(actor), **values)
        row.keep_file(file)
        rows.append(row)
    try:
        TaskEvidence.objects.bulk_create(rows)
    except Exception:
        _files_delete(rows)
        raise
    return rows


def _files_delete(rows: Iterable[TaskEvidence]) -> None:
    for row in rows:
        if row.file:
            row.file.delete(save=False)


# --- notices ------------------------------------------------------------------------------------------------


def _notify(users, task: Task, title: str, body: str = "", key: str = "") -> int:
    return len(
        notification_send(
            users=users,
            title=title,
            body=body,
            url=reverse("duties:task_detail", args=[task.pk]),
            kind=NOTICE_KIND,
            dedupe_key=key,
        )
    )


def notify_assigned(tasks: Iterable[Task]) -> int:
    """Tell each assigned task's unit (its nearest holders of duties.report) of its new task."""
    sent = 0
    for task in tasks:
        with override(settings.LANGUAGE_CODE):  # stored as written: in the site's language
            title = _("New task: {title}").format(title=task.title)
            body = _("Deadline {day}.").format(day=task.due_on.isoformat())
        users = nearest_holders(task.organisation, action="duties.report")
        sent += _notify(users, task, title, body, key=f"{NOTICE_KIND}.assigned:{task.pk}")
    return sent


def _notify_step(task: Task, to_status: str, comment: str) -> None:
    with override(settings.LANGUAGE_CODE):
        if to_status == TaskStatus.SUBMITTED:
            users = nearest_holders(assigner_of(task), action="duties.manage")
            title = _("Submitted for acceptance: {title} ({unit})").format(title=task.title, unit=task.organisation)
        elif to_status == TaskStatus.ACCEPTED:
            users = nearest_holders(task.organisation, action="duties.report")
            title = _("Accepted: {title}").format(title=task.title)
        elif to_status == TaskStatus.RETURNED:
            users = nearest_holders(task.organisation, action="duties.report")
            title = _("Returned: {title}").format(title=task.title)
        else:
            return
    _notify(users, task, title, comment)


# --- setting tasks ------------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    plan: Plan,
    title: str,
    actor,
    description: str = "",
    due_on: date | None = None,
    workdays: int | None = None,
    duty: Duty | None = None,
    owner: Member | None = None,
    shares: Iterable[dict] = (),
    units: Iterable[Organisation] = (),
    all_below: bool = False,
    today: date | None = None,
) -> Task:
    """Set a task in the plan for the plan's unit; with `shares` a joint task with departments; with `units` or
    `all_below`, passed down at once to those units (all or nothing).

    In a draft plan the task is a draft, assigned when the plan is published; in a published plan it is
    assigned at once. The deadline is a date, or `workdays` working days from the day it is assigned.
    """
    plan = Plan.objects.select_for_update().select_related("organisation").get(pk=plan.pk)
    org = plan.organisation
    if actor is not None and not can(actor, "duties.manage", plan):
        raise PermissionDenied(_("Only the managers of {unit} may set its tasks.").format(unit=org.name))
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the task a title.")})
    today = today or timezone.localdate()
    published = plan.status == PlanStatus.PUBLISHED
    due = deadline(due_on=due_on, workdays=workdays, start=today, today=today)
    _check_owner(owner, org)
    _check_duty(duty, org)
    share_rows = _check_shares(org, shares)
    task = Task.objects.create(
        plan=plan,
        organisation=org,
        title=title,
        description=(description or "").strip(),
        duty=duty,
        owner=owner,
        is_joint=bool(share_rows),
        assigned_on=today if published else None,
        # A draft keeps its working days, counted again from the day the plan is published.
        workdays=workdays,
        due_on=due,
        status=TaskStatus.ASSIGNED if published else TaskStatus.DRAFT,
        created_by=_user(actor),
    )
    TaskShare.objects.bulk_create(
        [
            TaskShare(task=task, department=row["department"], is_lead=row["is_lead"], share=row["share"],
                      contact=row.get("contact"))
            for row in share_rows
        ]
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="duties.task_create",
        obj=task,
        changes={
            "plan": plan.pk,
            "status": task.status,
            "due_on": due,
            "workdays": workdays,
            "shares": [row["department"].name for row in share_rows],
        },
    )
    if published:
        notify_assigned([task])
    units = list(units)
    if units or all_below:
        task_cascade(task=task, units=units, all_below=all_below, actor=actor, today=today)
        task.refresh_from_db()
    return task


@transaction.atomic
def task_update(
    *,
    task: Task,
    version: int | None,
    actor,
    title: str,
    description: str = "",
    due_on: date | None = None,
    workdays: int | None = None,
    duty: Duty | None = None,
    owner: Member | None = None,
    shares: Iterable[dict] | None = None,
    today: date | None = None,
) -> Task:
    """Change a task that is not yet accepted (the assigner's managers). With `shares`, the joint task's
    departments become those given; a department that has already reported cannot be taken off."""
    task = lock(task, version)
    if actor is not None and not task_may_edit(actor, task):
        raise PermissionDenied(
            _("Only the managers of the unit that set the task may change it, until it is accepted.")
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the task a title.")})
    today = today or timezone.localdate()
    start = task.assigned_on or today
    if due_on == task.due_on and workdays is None:
        due = task.due_on  # an unchanged deadline stands, even one that has passed
    elif workdays is not None and workdays == task.workdays and due_on is None:
        due = task.due_on
    else:
        due = deadline(due_on=due_on, workdays=workdays, start=start, today=today)
    _check_owner(owner, task.organisation)
    _check_duty(duty, task.organisation)
    new = {
        "title": title,
        "description": (description or "").strip(),
        "due_on": due,
        "workdays": workdays,
        "duty_id": duty.pk if duty else None,
        "owner_id": owner.pk if owner else None,
    }
    changes = {key: [getattr(task, key), value] for key, value in new.items() if getattr(task, key) != value}
    if shares is not None:
        changes.update(_shares_replace(task, _check_shares(task.organisation, shares)))
        new["is_joint"] = TaskShare.objects.filter(task=task).exists()
    for key, value in new.items():
        setattr(task, key, value)
    task.version += 1
    task.save()
    audit_record(actor=actor, action="duties.task_update", obj=task, changes=changes)
    return task


def _shares_replace(task: Task, rows: list[dict]) -> dict:
    existing = {
        share.department_id: share for share in TaskShare.objects.filter(task=task).select_related("department")
    }
    wanted = {row["department"].pk: row for row in rows}
    gone = [share for dept, share in existing.items() if dept not in wanted]
    reported = [share.department.name for share in gone if share.progress or share.note or share.reports.exists()]
    if reported:
        raise ValidationError(
            {"shares": _("{names} already reported on their share and stay on the task.").format(
                names="、".join(reported)
            )}
        )  # fmt: skip
    TaskShare.objects.filter(pk__in=[share.pk for share in gone]).delete()
    # The lead may move: clear it first so that the one-lead constraint holds at every step.
    TaskShare.objects.filter(task=task, is_lead=True).update(is_lead=False)
    for dept, row in wanted.items():
        share = existing.get(dept)
        if share is None:
            TaskShare.objects.create(
                task=task, department=row["department"], is_lead=row["is_lead"], share=row["share"],
                contact=row.get("contact"),
            )  # fmt: skip
        else:
            TaskShare.objects.filter(pk=share.pk).update(
                is_lead=row["is_lead"], share=row["share"], contact=row.get("contact")
            )
    return {"shares": [[s.department.name for s in existing.values()], [r["department"].name for r in rows]]}


@transaction.atomic
def task_remove(*, task: Task, version: int | None, actor) -> None:
    """Remove a draft task (with the tasks passed down from it): it was never assigned, so nobody relies on it."""
    task = lock(task, version)
    if actor is not None and not task_may_remove(actor, task):
        raise PermissionDenied(_("Only the managers of the unit that set the task may remove it."))
    if task.status != TaskStatus.DRAFT:
        raise ValidationError(_("Only a draft task can be removed; an assigned task is carried out or accepted."))
    audit_record(
        actor=actor,
        action="duties.task_remove",
        obj=task,
        changes={"title": task.title, "plan": task.plan_id, "children": task.children.count()},
    )
    task.delete()


@transaction.atomic
def task_cascade(
    *,
    task: Task,
    actor,
    units: Iterable[Organisation] = (),
    all_below: bool = False,
    version: int | None = None,
    today: date | None = None,
) -> list[Task]:
    """Pass a task down: one task for each unit given (or for every branch below), each tracked on its own.

    Only to units below the task's own unit, by its managers; all or nothing. A unit named that already has the
    task (from this cascade, at any level) is refused; with `all_below`, branches that have it are left out.
    The new tasks keep the deadline; they are assigned at once unless the task is still a draft.
    """
    task = lock(task, version)
    org = task.organisation
    if actor is not None and not task_may_cascade(actor, task):
        raise PermissionDenied(_("Only the managers of {unit} may pass its task down.").format(unit=org.name))
    if task.status == TaskStatus.ACCEPTED:
        raise ValidationError(_("The task is accepted and closed; it can no longer be passed down."))
    today = today or timezone.localdate()
    draft = task.status == TaskStatus.DRAFT
    if not draft and task.due_on < today:
        raise ValidationError(
            {"due_on": _("The task's deadline {day} has passed: set a new deadline before passing it down.").format(
                day=task.due_on
            )}
        )  # fmt: skip
    chosen = {unit.pk: unit for unit in units}
    outside = [unit.name for unit in chosen.values() if not (unit.is_within(org) and unit.pk != org.pk)]
    if outside:
        raise ValidationError(
            {"units": _("{names}: not below {unit}. A task is passed down only to units under the one that sets it; "
                        "nothing was saved.").format(names="、".join(outside), unit=org.name)}
        )  # fmt: skip
    dissolved = [unit.name for unit in chosen.values() if not unit.is_active]
    if dissolved:
        raise ValidationError({"units": _("{names}: dissolved.").format(names="、".join(dissolved))})
    have = set(Task.objects.filter(pk__in=tree_ids(task)).values_list("organisation_id", flat=True))
    twice = [unit.name for unit in chosen.values() if unit.pk in have]
    if twice:
        raise ValidationError(
            {"units": _("{names} already have this task; nothing was saved.").format(names="、".join(twice))}
        )
    if all_below:
        for unit in Organisation.objects.subtree(org).active().branches().exclude(pk=org.pk).order_by("path"):
            if unit.pk not in have:
                chosen.setdefault(unit.pk, unit)
    if not chosen:
        raise ValidationError(
            {"units": _("Every branch below already has this task.") if all_below
             else _("Choose the units to pass the task down to, or all branches below.")}
        )  # fmt: skip
    children = Task.objects.bulk_create(
        [
            Task(
                plan=task.plan,
                parent=task,
                organisation=unit,
                title=task.title,
                description=task.description,
                duty=task.duty,
                workdays=task.workdays if draft else None,
                due_on=task.due_on,
                assigned_on=None if draft else today,
                status=TaskStatus.DRAFT if draft else TaskStatus.ASSIGNED,
                created_by=_user(actor),
            )
            for unit in sorted(chosen.values(), key=lambda u: u.path)
        ]
    )
    task.version += 1
    task.passed_down = True
    task.save(update_fields=["version", "passed_down"])
    audit_record(
        actor=actor,
        action="duties.task_cascade",
        obj=task,
        changes={"units": [child.organisation.name for child in children], "tasks": [c.pk for c in children]},
    )
    if not draft:
        notify_assigned(children)
    return children


# --- the workflow -------------------------------------------------------------------------------------------


def assign(task: Task, *, today: date) -> Task:
    """A draft task becomes assigned today (its working days counted from today); the caller holds the lock."""
    if task.workdays is not None:
        task.due_on = add_workdays(today, task.workdays)
    task.status = TaskStatus.ASSIGNED
    task.assigned_on = today
    task.version += 1
    return task


@transaction.atomic
def task_transition(
    *,
    task: Task,
    to_status: str,
    version: int | None,
    actor,
    comment: str = "",
    progress: int | None = None,
    evidence: Iterable[dict] = (),
    today: date | None = None,
) -> Task:
    """Move a task along its workflow (TASK_TRANSITIONS), checking who moves it and the version they read.

    The unit carrying it out starts and submits it; the unit that set it assigns, accepts or returns it
    (returning needs a comment, which tells the unit what to do). Submitting may carry evidence.
    """
    task = lock(task, version)
    old = task.status
    if to_status not in TASK_TRANSITIONS.get(old, set()):
        label = TaskStatus(to_status).label if to_status in TaskStatus.values else to_status
        raise ValidationError(
            _("A task that is “{status}” cannot become “{to}”.").format(status=task.get_status_display(), to=label)
        )
    deciding = to_status in (TaskStatus.ASSIGNED, TaskStatus.ACCEPTED, TaskStatus.RETURNED)
    if actor is not None:
        if deciding and not may_assign(actor, task):
            raise PermissionDenied(
                _("Only the managers of {unit}, which set the task, may do this.").format(unit=assigner_of(task))
            )
        if not deciding and not may_carry_out(actor, task):
            raise PermissionDenied(
                _("Only the people of {unit}, which carries the task out, may do this.").format(unit=task.organisation)
            )
    comment = (comment or "").strip()
    if to_status == TaskStatus.RETURNED and not comment:
        raise ValidationError({"comment": _("Say why the task is returned: the unit needs to know what to do.")})
    _check_progress(progress)
    checked = evidence_check(actor, evidence)
    today = today or timezone.localdate()
    if to_status == TaskStatus.ASSIGNED:
        assign(task, today=today)
        if task.due_on < today:
            raise ValidationError(
                {"due_on": _("The deadline {day} is before today: change it first.").format(day=task.due_on)}
            )
    else:
        task.status = to_status
        task.version += 1
    if progress is not None:
        task.progress = progress
    if to_status == TaskStatus.SUBMITTED:
        task.submitted_on = today
    elif to_status == TaskStatus.ACCEPTED:
        task.accepted_on, task.progress, task.supervised = today, 100, False
        Supervision.objects.filter(task=task, closed_at__isnull=True).update(closed_at=timezone.now())
    task.save()
    report = None
    if to_status in REPORT_KINDS:
        report = TaskReport.objects.create(
            task=task, kind=REPORT_KINDS[to_status], text=comment, progress=progress, actor=_user(actor)
        )
    rows = _evidence_save(task, report, checked, actor) if report is not None else []
    try:
        audit_record(
            actor=actor,
            action=f"duties.task_{STEP_NAMES[to_status]}",
            obj=task,
            changes={"status": [old, to_status], "progress": progress, "evidence": len(rows)},
            reason=comment,
        )
        if to_status == TaskStatus.ASSIGNED:
            notify_assigned([task])
        else:
            _notify_step(task, to_status, comment)
    except Exception:
        _files_delete(rows)
        raise
    return task


@transaction.atomic
def task_report(
    *,
    task: Task,
    actor,
    version: int | None,
    text: str = "",
    progress: int | None = None,
    evidence: Iterable[dict] = (),
    today: date | None = None,
) -> TaskReport:
    """Report progress on a task being carried out, with evidence (files, or links to records already in the
    system). The first report after assignment or a return puts the task in progress."""
    task = lock(task, version)
    if task.status not in REPORTABLE:
        raise ValidationError(
            _("Progress is reported while the task is being carried out; this one is “{status}”.").format(
                status=task.get_status_display()
            )
        )
    if actor is not None and not may_carry_out(actor, task):
        raise PermissionDenied(
            _("Only the people of {unit}, which carries the task out, may report on it.").format(unit=task.organisation)
        )
    text = (text or "").strip()
    evidence = list(evidence)
    if not text and not evidence:
        raise ValidationError({"text": _("Write what was done, or add evidence.")})
    _check_progress(progress)
    checked = evidence_check(actor, evidence)
    old = task.status
    if old != TaskStatus.IN_PROGRESS and TaskStatus.IN_PROGRESS in TASK_TRANSITIONS[old]:
        task.status = TaskStatus.IN_PROGRESS
    if progress is not None:
        task.progress = progress
    task.version += 1
    task.save()
    report = TaskReport.objects.create(
        task=task, kind=ReportKind.PROGRESS, text=text, progress=progress, actor=_user(actor)
    )
    rows = _evidence_save(task, report, checked, actor)
    try:
        audit_record(
            actor=actor,
            action="duties.task_report",
            obj=task,
            changes={"status": [old, task.status], "progress": progress, "evidence": len(rows)},
        )
    except Exception:
        _files_delete(rows)
        raise
    return report


@transaction.atomic
def share_report(
    *,
    share: TaskShare,
    actor,
    version: int | None,
    progress: int | None,
    note: str = "",
    done: bool = False,
    today: date | None = None,
) -> TaskShare:
    """A department reports on its share of a joint task; the task's progress becomes the mean of its shares'."""
    share = TaskShare.objects.select_for_update().select_related("department").get(pk=share.pk)
    if version is not None and share.version != version:
        raise Conflict(
            _("Someone else reported on this share meanwhile, so nothing was saved. Reload the page and try again.")
        )
    task = lock(share.task, None)
    share.task = task
    if task.status not in REPORTABLE:
        raise ValidationError(
            _("Shares are reported while the task is being carried out; this one is “{status}”.").format(
                status=task.get_status_display()
            )
        )
    if actor is not None and not share_may_report(actor, share):
        raise PermissionDenied(_("Only the share's contact or the department liaisons may report on it."))
    if done:
        progress = 100
    if progress is None:
        raise ValidationError({"progress": _("Give the share's progress.")})
    _check_progress(progress)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what the department has done.")})
    today = today or timezone.localdate()
    old = {"progress": share.progress, "done_on": share.done_on}
    share.progress, share.note = progress, note
    share.done_on = today if done else None
    share.version += 1
    share.save()
    progresses = list(TaskShare.objects.filter(task=task).values_list("progress", flat=True))
    old_status = task.status
    if task.status != TaskStatus.IN_PROGRESS and TaskStatus.IN_PROGRESS in TASK_TRANSITIONS[task.status]:
        task.status = TaskStatus.IN_PROGRESS
    task.progress = round(sum(progresses) / len(progresses))
    task.version += 1
    task.save()
    TaskReport.objects.create(
        task=task, share=share, kind=ReportKind.PROGRESS, text=note, progress=progress, actor=_user(actor)
    )
    audit_record(
        actor=actor,
        action="duties.share_report",
        obj=share,
        changes={
            "task": task.pk,
            "department": share.department.name,
            "progress": [old["progress"], progress],
            "done_on": [old["done_on"], share.done_on],
            "task_status": [old_status, task.status],
            "task_progress": task.progress,
        },
    )
    return share


# --- supervision (督办) --------------------------------------------------------------------------------------


def supervision_rule(org: Organisation, today: date) -> dict:
    try:
        value = rule_value("duties.supervision", org_path=org.path, on=today)
    except RuleMissing:
        value = {}
    return {"escalate_after_workdays": 2, "escalated_due_workdays": 5, **(value or {})}


@transaction.atomic
def task_supervise(
    *, task: Task, reason: str, due_on: date | None, actor, version: int | None, today: date | None = None
) -> Supervision:
    """Put an open task under supervision (督办) by the unit that set it: why, and by when it must be done.

    When the day passes and the task is still not submitted, the daily reminders escalate it to the next unit up.
    """
    task = lock(task, version)
    if actor is not None and not may_assign(actor, task):
        raise PermissionDenied(
            _("Only the managers of {unit}, which set the task, may supervise it.").format(unit=assigner_of(task))
        )
    if task.status not in REPORTABLE:
        raise ValidationError(
            _("Only a task being carried out can be supervised; this one is “{status}”.").format(
                status=task.get_status_display()
            )
        )
    current = open_supervision(task)
    if current is not None:
        raise ValidationError(
            _("The task is already under supervision by {unit} until {day}.").format(
                unit=current.level.name, day=current.due_on
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the task is supervised.")})
    today = today or timezone.localdate()
    if due_on is None:
        raise ValidationError({"due_on": _("Give the day by which the task must be done.")})
    if due_on < today:
        raise ValidationError({"due_on": _("The day {day} is before today.").format(day=due_on)})
    supervision = Supervision.objects.create(
        task=task, level=assigner_of(task), reason=reason, due_on=due_on, opened_by=_user(actor)
    )
    task.supervised = True
    task.version += 1
    task.save()
    TaskReport.objects.create(task=task, kind=ReportKind.SUPERVISED, text=reason, actor=_user(actor))
    audit_record(
        actor=actor,
        action="duties.task_supervise",
        obj=task,
        changes={"supervision": supervision.pk, "level": supervision.level.name, "due_on": due_on},
        reason=reason,
    )
    with override(settings.LANGUAGE_CODE):
        title = _("Under supervision (督办): {title}, to be done by {day}").format(
            title=task.title, day=due_on.isoformat()
        )
    _notify(nearest_holders(task.organisation, action="duties.report"), task, title, reason)
    return supervision


@transaction.atomic
def supervision_escalate(*, supervision: Supervision, today: date) -> Supervision | None:
    """Escalate a lapsed supervision to the unit above the one supervising (the daily reminders call this).

    Nothing happens when the supervision is closed, the task has been submitted or accepted meanwhile, or the
    supervising unit is at the top of the tree. Returns the new supervision.
    """
    old = Supervision.objects.select_for_update(of=("self",)).select_related("level__parent").get(pk=supervision.pk)
    task = lock(old.task, None)
    if old.closed_at is not None or task.status not in REPORTABLE:
        return None
    up = old.level.parent
    if up is None:
        return None
    rule = supervision_rule(task.organisation, today)
    old.closed_at = timezone.now()
    old.save(update_fields=["closed_at"])
    new = Supervision.objects.create(
        task=task,
        level=up,
        reason=old.reason,
        due_on=add_workdays(today, int(rule["escalated_due_workdays"])),
        escalated_from=old,
    )
    task.supervised = True
    task.version += 1
    task.save()
    with override(settings.LANGUAGE_CODE):
        text = _("Supervision by {unit} lapsed on {day} with the task not done; escalated to {up}.").format(
            unit=old.level.name, day=old.due_on.isoformat(), up=up.name
        )
        title = _("Escalated supervision (督办): {title} ({unit})").format(title=task.title, unit=task.organisation)
    TaskReport.objects.create(task=task, kind=ReportKind.ESCALATED, text=text)
    audit_record(
        actor=None,
        action="duties.task_escalate",
        obj=task,
        changes={"from": old.pk, "to": new.pk, "level": [old.level.name, up.name], "due_on": new.due_on},
    )
    _notify(nearest_holders(up, action="duties.manage"), task, title, text, key=f"duties.escalation:{new.pk}")
    return new
