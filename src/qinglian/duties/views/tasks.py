"""Task pages: the tasks of the user's units with filters, one task with the units it was passed down to, the
departments' shares, its timeline of reports with evidence and the forms of whoever may act on it; changing,
removing and passing down a task, reporting and submitting, accepting or returning, supervising, shares, and
the evidence files (downloaded through access control)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.links import records_resolve
from qinglian.core.paging import id_page
from qinglian.core.uploads import IMAGE_TYPES
from qinglian.duties.forms.plans import CascadeForm, DecisionForm, ReportForm, ShareReportForm, SuperviseForm, TaskForm
from qinglian.duties.models import Task, TaskEvidence, TaskShare
from qinglian.duties.services import tasks as services
from qinglian.duties.views.plans import int_param, task_form_choices, units_below
from qinglian.duties.vocab import ReportKind, TaskStatus
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.orgs.services import Conflict

PER_PAGE = 30
YEARS_BACK = 5


# --- the list -----------------------------------------------------------------------------------------------


def _filters(request) -> dict:
    get = request.GET
    return {
        "status": get.get("status") if get.get("status") in TaskStatus.values else "",
        "overdue": get.get("overdue") == "1",
        "supervised": get.get("supervised") == "1",
        "year": int_param(get.get("year")),
        "q": get.get("q", "").strip()[:60],
    }


@login_required
def task_list(request):
    """The tasks of the units in the user's scope (and the joint tasks whose share they report); a user with no
    role has none."""
    user, root, today = request.user, request.scope, timezone.localdate()
    mine = Q(pk__in=TaskShare.objects.filter(contact=user).values("task_id"))
    tasks = services.tasks_readable(user).filter(subtree_q(root.path, "organisation__") | mine if root else mine)
    f = _filters(request)
    if f["status"]:
        tasks = tasks.filter(status=f["status"])
    if f["overdue"]:
        tasks = tasks.overdue(today)
    if f["supervised"]:
        tasks = tasks.filter(supervised=True)
    if f["year"]:
        tasks = tasks.filter(plan__year=f["year"])
    if f["q"]:
        tasks = tasks.filter(title__icontains=f["q"])
    tasks = tasks.select_related("organisation", "plan", "parent__organisation").order_by("due_on", "pk")
    page = id_page(tasks, per_page=PER_PAGE, number=request.GET.get("page"))
    counts = services.children_counts(t.pk for t in page.object_list)
    for task in page.object_list:
        task.sub = counts.get(task.pk)
        task.overdue = task.is_overdue(today)
    context = {
        "root": root,
        "page": page,
        "f": f,
        "today": today,
        "statuses": TaskStatus.choices,
        "years": list(range(today.year + 1, today.year - YEARS_BACK - 1, -1)),
        "filtered": any(f.values()),
    }
    template = "duties/partials/task_rows.html" if request.htmx else "duties/task_list.html"
    return render(request, template, context)


# --- one task -----------------------------------------------------------------------------------------------


def task_or_404(user, pk: int) -> Task:
    task = (
        services.tasks_readable(user)
        .select_related("organisation", "plan__organisation", "parent__organisation", "duty", "owner", "created_by")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return task


def _timeline(user, task: Task) -> list:
    """The task's reports, oldest first, each with its evidence resolved for this reader."""
    reports = list(task.reports.select_related("actor", "share__department").order_by("at", "pk"))
    evidence = list(TaskEvidence.objects.filter(task=task).select_related("added_by").order_by("added_at", "pk"))
    found = records_resolve(user, [(row.record_kind, row.record_id) for row in evidence if row.record_kind])
    by_report = defaultdict(list)
    for row in evidence:
        ref = found.get((row.record_kind, row.record_id)) if row.record_kind else None
        by_report[row.report_id].append((row, ref))
    for report in reports:
        report.pairs = by_report.get(report.pk, [])
    return reports


def _detail(request, task: Task, *, status: int = 200, **bound):
    user, today = request.user, timezone.localdate()
    children = list(
        services.tasks_readable(user).filter(parent=task).select_related("organisation").order_by("organisation__path")
    )
    sub = services.children_counts(child.pk for child in children)
    for child in children:
        child.sub = sub.get(child.pk)
        child.overdue = child.is_overdue(today)
    shares = list(task.shares.select_related("department", "contact"))
    share_forms = []
    for share in shares:
        share.task = task
        form = bound.get(f"share_form_{share.pk}")
        if form is None and services.share_may_report(user, share):
            form = ShareReportForm(
                prefix=f"share{share.pk}", initial={"progress": share.progress, "version": share.version}
            )
        share_forms.append((share, form))
    version = {"version": task.version}
    report_form = bound.get("report_form")
    if report_form is None and services.task_may_report(user, task):
        report_form = ReportForm(user=user, initial={**version, "progress": task.progress})
    decide_form = bound.get("decide_form")
    if decide_form is None and services.task_may_decide(user, task):
        decide_form = DecisionForm(initial=version)
    supervise_form = bound.get("supervise_form")
    if supervise_form is None and services.task_may_supervise(user, task):
        supervise_form = SuperviseForm(initial=version)
    reports = _timeline(user, task)
    below = Organisation.objects.subtree(task.organisation).active().exclude(pk=task.organisation_id)
    context = {
        "task": task,
        "today": today,
        "overdue": task.is_overdue(today),
        "assigner": services.assigner_of(task),
        "parent_readable": task.parent_id is not None
        and services.tasks_readable(user).filter(pk=task.parent_id).exists(),
        "children": children,
        "accepted": sum(1 for child in children if child.status == TaskStatus.ACCEPTED),
        "share_forms": share_forms,
        "reports": reports,
        "last_return": next((r for r in reversed(reports) if r.kind == ReportKind.RETURNED), None),
        "supervisions": list(task.supervisions.select_related("level", "opened_by").order_by("opened_at", "pk")),
        "report_form": report_form,
        "decide_form": decide_form,
        "supervise_form": supervise_form,
        "may_edit": services.task_may_edit(user, task),
        "may_remove": services.task_may_remove(user, task),
        "may_cascade": services.task_may_cascade(user, task) and below.exclude(kind=Organisation.Kind.GROUP).exists(),
        "open_form": next((name for name in bound if bound[name] is not None), ""),
    }
    return render(request, "duties/task_detail.html", context, status=status)


@login_required
def task_detail(request, pk: int):
    return _detail(request, task_or_404(request.user, pk))


def _write(request, task: Task, name: str, form, call, success: str):
    """Run a service for a bound action form of the task page: back to the page with the news, or the page with
    the form and the refusal (422; 409 when someone else changed the task meanwhile)."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _detail(request, task, status=409, **{name: form})
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("Your roles do not allow this."))
        else:
            messages.success(request, success)
            return redirect("duties:task_detail", pk=task.pk)
    return _detail(request, task, status=422, **{name: form})


@login_required
@require_POST
def task_report(request, pk: int):
    """A progress report with evidence; with action=submit, the submission for acceptance."""
    task = task_or_404(request.user, pk)
    if not services.may_carry_out(request.user, task):
        raise Http404
    if task.status not in services.REPORTABLE:
        messages.info(request, _("The task moved on meanwhile; here it is as it stands now."))
        return redirect("duties:task_detail", pk=task.pk)
    form = ReportForm(request.POST, request.FILES, user=request.user)
    submit = request.POST.get("action") == "submit"

    def call(data):
        common = {"task": task, "actor": request.user, "version": data["version"], "progress": data["progress"],
                  "evidence": form.evidence()}  # fmt: skip
        if submit:
            services.task_transition(to_status=TaskStatus.SUBMITTED, comment=data["text"], **common)
        else:
            services.task_report(text=data["text"], **common)

    success = _("The task was submitted for acceptance.") if submit else _("The progress report was saved.")
    return _write(request, task, "report_form", form, call, success)


@login_required
@require_POST
def task_decide(request, pk: int):
    """Accept or return a submitted task (the managers of the unit that set it)."""
    task = task_or_404(request.user, pk)
    if not services.may_assign(request.user, task):
        raise Http404
    if task.status != TaskStatus.SUBMITTED:
        messages.info(request, _("The task was dealt with meanwhile; here it is as it stands now."))
        return redirect("duties:task_detail", pk=task.pk)
    form = DecisionForm(request.POST)
    accept = request.POST.get("decision") == "accept"
    to_status = TaskStatus.ACCEPTED if accept else TaskStatus.RETURNED

    def call(data):
        services.task_transition(
            task=task, to_status=to_status, version=data["version"], comment=data["comment"], actor=request.user
        )

    success = _("The task was accepted.") if accept else _("The task was returned to {unit}.").format(
        unit=task.organisation.name
    )  # fmt: skip
    return _write(request, task, "decide_form", form, call, success)


@login_required
@require_POST
def task_supervise(request, pk: int):
    task = task_or_404(request.user, pk)
    if not services.may_assign(request.user, task):
        raise Http404
    form = SuperviseForm(request.POST)

    def call(data):
        services.task_supervise(task=task, actor=request.user, **data)

    return _write(request, task, "supervise_form", form, call, _("The task is under supervision."))


@login_required
@require_POST
def share_report(request, pk: int):
    share = TaskShare.objects.select_related("department", "contact").filter(pk=pk).first()
    if share is None:
        raise Http404
    task = task_or_404(request.user, share.task_id)
    share.task = task
    if share.contact_id != request.user.pk and not services.may_carry_out(request.user, task):
        raise Http404
    form = ShareReportForm(request.POST, prefix=f"share{share.pk}")

    def call(data):
        services.share_report(share=share, actor=request.user, **data)

    success = _("{department}'s report was saved.").format(department=share.department.name)
    return _write(request, task, f"share_form_{share.pk}", form, call, success)


def _task_to_manage(request, pk: int) -> Task:
    task = task_or_404(request.user, pk)
    if not services.may_assign(request.user, task):
        raise Http404
    return task


def _share_initial(task: Task) -> dict:
    initial = {}
    for share in task.shares.all():
        initial[f"share_{share.department_id}"] = share.share
        initial[f"contact_{share.department_id}"] = share.contact_id
        if share.is_lead:
            initial["lead"] = str(share.department_id)
    return initial


@login_required
def task_update(request, pk: int):
    task = _task_to_manage(request, pk)
    if task.status == TaskStatus.ACCEPTED:
        raise Http404
    choices = task_form_choices(task.organisation, year=task.plan.year, cascade=False)
    initial = {
        "title": task.title,
        "description": task.description,
        "due_on": None if task.workdays else task.due_on,
        "workdays": task.workdays,
        "owner": task.owner_id,
        "duty": task.duty_id,
        "version": task.version,
        **_share_initial(task),
    }
    form = TaskForm(request.POST or None, initial=initial, units=None, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            services.task_update(task=task, version=form.cleaned_data["version"], actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The task was saved."))
            return redirect("duties:task_detail", pk=task.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "plan": task.plan, "task": task, "unit": task.organisation}
    return render(request, "duties/task_form.html", context, status=status)


@login_required
@require_POST
def task_remove(request, pk: int):
    task = _task_to_manage(request, pk)
    plan_id = task.plan_id
    try:
        services.task_remove(task=task, version=int_param(request.POST.get("version")), actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("duties:task_detail", pk=task.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("duties:task_detail", pk=task.pk)
    messages.success(request, _("The draft task was removed."))
    return redirect("duties:plan_detail", pk=plan_id)


@login_required
def task_cascade(request, pk: int):
    """Pass a task down to units below its own (its unit's managers): a general branch passes on what it got."""
    task = task_or_404(request.user, pk)
    if not services.task_may_cascade(request.user, task):
        raise Http404
    have = Task.objects.filter(pk__in=services.tree_ids(task)).values_list("organisation_id", flat=True)
    units = units_below(task.organisation, exclude_ids=have)
    form = CascadeForm(request.POST or None, units=units, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            children = services.task_cascade(
                task=task,
                units=list(data["units"]),
                all_below=data["all_below"],
                version=data["version"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The task was passed down to {n} units.").format(n=len(children)))
            return redirect("duties:task_detail", pk=task.pk)
    status = 422 if request.method == "POST" else 200
    late = task.status != TaskStatus.DRAFT and task.due_on < timezone.localdate()
    context = {"form": form, "task": task, "units": units, "late": late}
    return render(request, "duties/task_cascade.html", context, status=status)


@login_required
def evidence_file(request, pk: int):
    """An evidence file, through access control (never a public media address), under the name it was given."""
    row = TaskEvidence.objects.filter(pk=pk).exclude(file="").first()
    if row is None:
        raise Http404
    task_or_404(request.user, row.task_id)
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and row.content_type in IMAGE_TYPES
    response = FileResponse(handle, content_type=row.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(not inline, row.name)
    response["Cache-Control"] = "private, max-age=600"
    return response


urls = [
    path("tasks/", task_list, name="task_list"),
    path("tasks/<int:pk>/", task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", task_update, name="task_update"),
    path("tasks/<int:pk>/remove/", task_remove, name="task_remove"),
    path("tasks/<int:pk>/cascade/", task_cascade, name="task_cascade"),
    path("tasks/<int:pk>/report/", task_report, name="task_report"),
    path("tasks/<int:pk>/decide/", task_decide, name="task_decide"),
    path("tasks/<int:pk>/supervise/", task_supervise, name="task_supervise"),
    path("tasks/shares/<int:pk>/report/", share_report, name="share_report"),
    path("tasks/evidence/<int:pk>/", evidence_file, name="evidence_file"),
]
