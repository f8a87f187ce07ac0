"""Work plans and tasks over the API: plans, tasks with filters and pages, setting and passing down tasks, the
workflow (submit, accept, return), progress reports with evidence (multipart), departments' shares and
supervision. The same services and the same access rules as the pages."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qinglian.core.links import records_resolve
from qinglian.core.paging import IdPageNumberPagination
from qinglian.duties.models import Duty, Plan, Supervision, Task, TaskEvidence, TaskReport, TaskShare
from qinglian.duties.services import plans as plan_services
from qinglian.duties.services import tasks as services
from qinglian.duties.views.plans import plan_read
from qinglian.duties.vocab import ReportKind, TaskStatus
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Department, Member, Organisation

router = Router(tags=["duties"])


class PlanOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    title: str
    summary: str
    status: str
    published_at: datetime | None
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class TaskOut(Schema):
    id: int
    plan_id: int
    parent_id: int | None
    organisation_id: int
    organisation_name: str
    title: str
    status: str
    due_on: date
    workdays: int | None
    assigned_on: date | None
    submitted_on: date | None
    accepted_on: date | None
    progress: int
    is_joint: bool
    supervised: bool
    overdue: bool
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue()


class PlanDetailOut(PlanOut):
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj) -> list:
        return obj.tasks_list


class ShareOut(Schema):
    id: int
    department_id: int
    department_name: str
    is_lead: bool
    share: str
    contact_id: int | None
    progress: int
    done_on: date | None
    note: str
    version: int

    @staticmethod
    def resolve_department_name(obj) -> str:
        return obj.department.name


class EvidenceOut(Schema):
    id: int
    note: str
    name: str
    size: int
    content_type: str
    record_kind: str
    record_id: int | None
    record_label: str | None = None
    record_url: str | None = None
    available: bool = True


class PlanReportOut(Schema):
    id: int
    kind: str
    text: str
    progress: int | None
    share_id: int | None
    actor: str
    at: datetime
    evidence: list[EvidenceOut] = []

    @staticmethod
    def resolve_actor(obj) -> str:
        return (obj.actor.get_full_name() or obj.actor.get_username()) if obj.actor_id else ""

    @staticmethod
    def resolve_evidence(obj) -> list:
        return getattr(obj, "evidence_rows", [])


class SupervisionOut(Schema):
    id: int
    level_id: int
    level_name: str
    reason: str
    due_on: date
    escalated_from_id: int | None
    closed_at: datetime | None

    @staticmethod
    def resolve_level_name(obj) -> str:
        return obj.level.name


class TaskDetailOut(TaskOut):
    description: str
    owner_id: int | None
    duty_id: int | None
    assigner_id: int
    children: list[TaskOut]
    shares: list[ShareOut]
    reports: list[PlanReportOut]
    supervisions: list[SupervisionOut]

    @staticmethod
    def resolve_children(obj) -> list:
        return obj.detail["children"]

    @staticmethod
    def resolve_shares(obj) -> list:
        return obj.detail["shares"]

    @staticmethod
    def resolve_reports(obj) -> list:
        return obj.detail["reports"]

    @staticmethod
    def resolve_supervisions(obj) -> list:
        return obj.detail["supervisions"]


class PlanIn(Schema):
    title: str = ""
    year: int | None = None
    summary: str = ""


class PlanCreateIn(PlanIn):
    organisation_id: int


class PlanUpdateIn(PlanIn):
    version: int


class PlanVersionIn(Schema):
    version: int


class ShareIn(Schema):
    department_id: int
    share: str = ""
    is_lead: bool = False
    contact_id: int | None = None


class TaskIn(Schema):
    title: str = ""
    description: str = ""
    due_on: date | None = None
    workdays: int | None = None
    owner_id: int | None = None
    duty_id: int | None = None
    shares: list[ShareIn] = []


class TaskCreateIn(TaskIn):
    unit_ids: list[int] = []
    all_below: bool = False


class TaskUpdateIn(TaskIn):
    version: int
    shares: list[ShareIn] | None = None


class CascadeIn(Schema):
    version: int
    unit_ids: list[int] = []
    all_below: bool = False


class PlanTransitionIn(Schema):
    version: int
    status: TaskStatus
    comment: str = ""
    progress: int | None = None


class ShareReportIn(Schema):
    version: int
    progress: int | None = None
    note: str = ""
    done: bool = False


class SuperviseIn(Schema):
    version: int
    reason: str = ""
    due_on: date | None = None


# --- plans --------------------------------------------------------------------------------------------------


def _plan(request, plan_id: int, action: str = "duties.view") -> Plan:
    return get_visible_or_404(Plan.objects.select_related("organisation"), request.user, action, pk=plan_id)


def _plan_detail(request, plan_id: int) -> Plan:
    plan, tasks, _whole = plan_read(request, plan_id)
    plan.tasks_list = tasks
    return plan


@router.get("/plans", response=list[PlanOut], summary="Work plans the caller may see")
@paginate(IdPageNumberPagination)
def plan_list(request, year: int | None = None, organisation_id: int | None = None):
    plans = Plan.objects.visible_to(request.user).select_related("organisation")
    if year is not None:
        plans = plans.filter(year=year)
    if organisation_id is not None:
        plans = plans.filter(organisation_id=organisation_id)
    return plans.order_by("-year", "organisation__path", "-pk")


@router.get("/plans/{plan_id}", response=PlanDetailOut, summary="A plan with the tasks the caller may see")
def plan_get(request, plan_id: int):
    return _plan_detail(request, plan_id)


@router.post("/plans", response={201: PlanDetailOut}, summary="Draw up a plan (draft)")
def plan_create(request, payload: PlanCreateIn):
    org = get_visible_or_404(Organisation.objects, request.user, "duties.manage", pk=payload.organisation_id)
    plan = plan_services.plan_create(
        org=org, year=payload.year, title=payload.title, summary=payload.summary, actor=request.user
    )
    return Status(201, _plan_detail(request, plan.pk))


@router.post("/plans/{plan_id}", response=PlanDetailOut, summary="Change a plan")
def plan_update(request, plan_id: int, payload: PlanUpdateIn):
    plan = _plan(request, plan_id, "duties.manage")
    plan_services.plan_update(plan=plan, actor=request.user, **payload.dict())
    return _plan_detail(request, plan_id)


@router.post("/plans/{plan_id}/publish", response=PlanDetailOut, summary="Publish a plan, assigning its tasks")
def plan_publish(request, plan_id: int, payload: PlanVersionIn):
    plan = _plan(request, plan_id, "duties.manage")
    plan_services.plan_publish(plan=plan, version=payload.version, actor=request.user)
    return _plan_detail(request, plan_id)


# --- tasks --------------------------------------------------------------------------------------------------


def _task(request, task_id: int) -> Task:
    task = (
        services.tasks_readable(request.user)
        .select_related("organisation", "plan__organisation", "parent__organisation")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    return task


def _task_detail(request, task_id: int) -> Task:
    task = _task(request, task_id)
    user = request.user
    task.assigner_id = services.assigner_of(task).pk
    children = services.tasks_readable(user).filter(parent=task).select_related("organisation")
    reports = list(task.reports.select_related("actor").order_by("at", "pk"))
    evidence = list(TaskEvidence.objects.filter(task=task).order_by("added_at", "pk"))
    found = records_resolve(user, [(row.record_kind, row.record_id) for row in evidence if row.record_kind])
    by_report: dict[int | None, list] = {}
    for row in evidence:
        by_report.setdefault(row.report_id, []).append(_evidence_out(row, found))
    for report in reports:
        report.evidence_rows = by_report.get(report.pk, [])
    task.detail = {
        "children": list(children.order_by("organisation__path")),
        "shares": list(task.shares.select_related("department")),
        "reports": reports,
        "supervisions": list(task.supervisions.select_related("level").order_by("opened_at", "pk")),
    }
    return task


def _evidence_out(row: TaskEvidence, found: dict) -> dict:
    ref = found.get((row.record_kind, row.record_id)) if row.record_kind else None
    return {
        "id": row.pk,
        "note": row.note,
        "name": row.name,
        "size": row.size,
        "content_type": row.content_type,
        "record_kind": row.record_kind,
        "record_id": row.record_id if (ref or not row.record_kind) else None,
        "record_label": ref.label if ref else None,
        "record_url": ref.url if ref else None,
        "available": ref is not None or not row.record_kind,
    }


def _task_fields(request, task_org: Organisation, payload: TaskIn) -> dict:
    owner = duty = None
    if payload.owner_id is not None:
        owner = Member.objects.select_related("organisation").filter(pk=payload.owner_id).first()
        if owner is None:
            raise ValidationError({"owner_id": _("No such member.")})
    if payload.duty_id is not None:
        duty = Duty.objects.select_related("duty_list__organisation").filter(pk=payload.duty_id).first()
        if duty is None:
            raise ValidationError({"duty_id": _("No such duty.")})
    fields = {
        "title": payload.title,
        "description": payload.description,
        "due_on": payload.due_on,
        "workdays": payload.workdays,
        "owner": owner,
        "duty": duty,
    }
    if payload.shares is not None:
        fields["shares"] = _shares(request, payload.shares)
    return fields


def _shares(request, rows: list[ShareIn]) -> list[dict]:
    ids = {row.department_id for row in rows}
    departments = {d.pk: d for d in Department.objects.select_related("organisation").filter(pk__in=ids)}
    if len(departments) != len(ids):
        raise ValidationError({"shares": _("Some of the departments do not exist.")})
    contact_ids = {row.contact_id for row in rows if row.contact_id is not None}
    contacts = {u.pk: u for u in get_user_model().objects.filter(pk__in=contact_ids, is_active=True)}
    if len(contacts) != len(contact_ids):
        raise ValidationError({"shares": _("Some of the contacts are not active users.")})
    return [
        {
            "department": departments[row.department_id],
            "share": row.share,
            "is_lead": row.is_lead,
            "contact": contacts.get(row.contact_id),
        }
        for row in rows
    ]


def _units(unit_ids: list[int]) -> list[Organisation]:
    units = list(Organisation.objects.filter(pk__in=unit_ids))
    if len(units) != len(set(unit_ids)):
        raise ValidationError({"unit_ids": _("Some of the units do not exist.")})
    return units


@router.get("/tasks", response=list[TaskOut], summary="Tasks the caller may see, with filters")
@paginate(IdPageNumberPagination)
def task_list(
    request,
    status: str | None = None,
    overdue: bool = False,
    supervised: bool | None = None,
    year: int | None = None,
    plan_id: int | None = None,
    organisation_id: int | None = None,
):
    """`year` is the plan's year; `overdue` keeps the tasks past their deadline and not yet submitted or accepted."""
    tasks = services.tasks_readable(request.user).select_related("organisation")
    if status is not None:
        if status not in TaskStatus.values:
            raise ValidationError({"status": _("Unknown status: {status}.").format(status=status)})
        tasks = tasks.filter(status=status)
    if overdue:
        tasks = tasks.overdue(timezone.localdate())
    if supervised is not None:
        tasks = tasks.filter(supervised=supervised)
    if year is not None:
        tasks = tasks.filter(plan__year=year)
    if plan_id is not None:
        tasks = tasks.filter(plan_id=plan_id)
    if organisation_id is not None:
        tasks = tasks.filter(organisation_id=organisation_id)
    return tasks.order_by("due_on", "pk")


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="A task with its children, shares and timeline")
def task_get(request, task_id: int):
    return _task_detail(request, task_id)


@router.post(
    "/plans/{plan_id}/tasks",
    response={201: TaskDetailOut},
    summary="Set a task in a plan; with unit_ids or all_below, pass it down at once; with shares, a joint task",
)
def task_create(request, plan_id: int, payload: TaskCreateIn):
    plan = _plan(request, plan_id, "duties.manage")
    task = services.task_create(
        plan=plan,
        actor=request.user,
        units=_units(payload.unit_ids),
        all_below=payload.all_below,
        **_task_fields(request, plan.organisation, payload),
    )
    return Status(201, _task_detail(request, task.pk))


@router.post("/tasks/{task_id}", response=TaskDetailOut, summary="Change a task not yet accepted")
def task_update(request, task_id: int, payload: TaskUpdateIn):
    task = _task(request, task_id)
    if not services.may_assign(request.user, task):
        raise Http404
    services.task_update(
        task=task, version=payload.version, actor=request.user, **_task_fields(request, task.organisation, payload)
    )
    return _task_detail(request, task_id)


@router.post("/tasks/{task_id}/cascade", response={201: list[TaskOut]}, summary="Pass a task down to units below")
def task_cascade(request, task_id: int, payload: CascadeIn):
    task = _task(request, task_id)
    children = services.task_cascade(
        task=task,
        units=_units(payload.unit_ids),
        all_below=payload.all_below,
        version=payload.version,
        actor=request.user,
    )
    return Status(201, Task.objects.filter(pk__in=[c.pk for c in children]).select_related("organisation"))


@router.post(
    "/tasks/{task_id}/transition",
    response=TaskDetailOut,
    summary="Submit (the unit), accept or return with a comment (the unit that set it)",
)
def task_transition(request, task_id: int, payload: PlanTransitionIn):
    task = _task(request, task_id)
    services.task_transition(
        task=task,
        to_status=payload.status,
        version=payload.version,
        comment=payload.comment,
        progress=payload.progress,
        actor=request.user,
    )
    return _task_detail(request, task_id)


@router.post(
    "/tasks/{task_id}/reports",
    response={201: PlanReportOut},
    summary="Report progress with evidence (multipart: a file, or record_kind and record_id); submit=true submits",
)
def task_report(
    request,
    task_id: int,
    version: int = Form(...),
    text: str = Form(""),
    progress: int | None = Form(None),
    submit: bool = Form(False),
    file: UploadedFile | None = File(None),  # noqa: B008
    record_kind: str = Form(""),
    record_id: int | None = Form(None),
    note: str = Form(""),
):
    task = _task(request, task_id)
    evidence = []
    if file is not None:
        evidence.append({"file": file, "note": note})
    if record_kind or record_id:
        evidence.append({"record_kind": record_kind, "record_id": record_id, "note": note})
    common = {"task": task, "version": version, "progress": progress, "evidence": evidence, "actor": request.user}
    if submit:
        services.task_transition(to_status=TaskStatus.SUBMITTED, comment=text, **common)
        report = TaskReport.objects.filter(task=task, kind=ReportKind.SUBMITTED).order_by("-pk").first()
    else:
        report = services.task_report(text=text, **common)
    report = TaskReport.objects.select_related("actor").get(pk=report.pk)
    rows = list(report.evidence.order_by("added_at", "pk"))
    found = records_resolve(request.user, [(row.record_kind, row.record_id) for row in rows if row.record_kind])
    report.evidence_rows = [_evidence_out(row, found) for row in rows]
    return Status(201, report)


@router.post("/shares/{share_id}/report", response=ShareOut, summary="A department reports on its share")
def share_report(request, share_id: int, payload: ShareReportIn):
    share = TaskShare.objects.select_related("department").filter(pk=share_id).first()
    if share is None:
        raise Http404
    _task(request, share.task_id)
    return services.share_report(share=share, actor=request.user, **payload.dict())


@router.post("/tasks/{task_id}/supervise", response={201: SupervisionOut}, summary="Supervise (督办) a task")
def task_supervise(request, task_id: int, payload: SuperviseIn):
    task = _task(request, task_id)
    supervision = services.task_supervise(task=task, actor=request.user, **payload.dict())
    return Status(201, Supervision.objects.select_related("level").get(pk=supervision.pk))


@router.get(
    "/evidence/{evidence_id}/file",
    response={200: None},
    url_name="duties_task_evidence_file",
    summary="Download a task's evidence file",
)
def evidence_file(request, evidence_id: int):
    row = TaskEvidence.objects.filter(pk=evidence_id).exclude(file="").first()
    if row is None:
        raise Http404
    _task(request, row.task_id)
    try:
        handle = row.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=row.name, content_type=row.content_type or "application/octet-stream"
    )
