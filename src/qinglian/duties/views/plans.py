"""Work plan pages: the scope's plans, one plan with its tasks as a tree (a chip per unit it was passed down to),
drawing up and publishing a plan, and setting a task in it (passed down at once, or joint with departments)."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.duties.forms.plans import PlanForm, TaskForm
from qinglian.duties.models import Duty, Plan, Task
from qinglian.duties.services import plans as services
from qinglian.duties.services import tasks as task_services
from qinglian.duties.vocab import PlanStatus, TaskStatus
from qinglian.orgs.access import can, get_visible_or_404, has_permission, holders
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Department, Member, Organisation, ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict

CHOICES = 300  # units, people and contacts offered on a form at most
YEARS_BACK = 5


def int_param(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def status_counts(plan_ids) -> dict[int, Counter]:
    """{plan id: Counter of its tasks by status} in one query."""
    rows = (
        Task.objects.filter(plan_id__in=list(plan_ids)).values("plan_id", "status").annotate(n=Count("pk")).order_by()
    )
    out: dict[int, Counter] = {}
    for row in rows:
        out.setdefault(row["plan_id"], Counter())[row["status"]] = row["n"]
    return out


@permission_required("duties.view")
def plan_list(request):
    root = scope_or_404(request)
    today = timezone.localdate()
    plans = Plan.objects.visible_to(request.user).in_subtree(root).select_related("organisation")
    year = int_param(request.GET.get("year"))
    if year:
        plans = plans.filter(year=year)
    page = id_page(plans.order_by("-year", "organisation__path", "-pk"), per_page=30, number=request.GET.get("page"))
    counts = status_counts(p.pk for p in page.object_list)
    for plan in page.object_list:
        plan.counts = counts.get(plan.pk, Counter())
        plan.total = sum(plan.counts.values())
    # Plans set above the scope that gave its units tasks: their people follow those tasks here.
    readable = task_services.tasks_readable(request.user).filter(subtree_q(root.path, "organisation__"))
    above = (
        Plan.objects.filter(pk__in=readable.values("plan_id"))
        .exclude(subtree_q(root.path, "organisation__"))
        .select_related("organisation")
        .order_by("-year", "-pk")[:20]
    )
    context = {
        "root": root,
        "page": page,
        "year": year,
        "years": list(range(today.year + 1, today.year - YEARS_BACK - 1, -1)),
        "above": list(above),
        "may_draw_up": has_permission(request.user, "duties.manage"),
        "statuses": TaskStatus,
    }
    return render(request, "duties/plan_list.html", context)


def _plan_units(request):
    units = (
        Organisation.objects.visible_to(request.user, "duties.manage").active().exclude(kind=Organisation.Kind.GROUP)
    )
    root = request.scope
    if root is not None:
        units = units.filter(subtree_q(root.path))
    return Organisation.objects.filter(pk__in=list(units.order_by("path").values_list("pk", flat=True)[:CHOICES]))


@permission_required("duties.manage")
def plan_create(request):
    units = _plan_units(request)
    if not units.exists():
        raise Http404
    today = timezone.localdate()
    initial = {"organisation": units.order_by("path").first(), "year": today.year}
    form = PlanForm(request.POST or None, units=units.order_by("path"), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        org = data.pop("organisation")
        try:
            plan = services.plan_create(org=org, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The plan was saved as a draft. Add its tasks, then publish it."))
            return redirect("duties:plan_detail", pk=plan.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "duties/plan_form.html", {"form": form, "plan": None}, status=status)


@permission_required("duties.manage")
def plan_update(request, pk: int):
    plan = get_visible_or_404(Plan.objects.select_related("organisation"), request.user, "duties.manage", pk=pk)
    initial = {"year": plan.year, "title": plan.title, "summary": plan.summary, "version": plan.version}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.plan_update(plan=plan, version=version, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("duties:plan_detail", pk=plan.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "duties/plan_form.html", {"form": form, "plan": plan}, status=status)


def plan_read(request, pk: int) -> tuple[Plan, list[Task], bool]:
    """The plan and its tasks the user may read: all of them where they read the plan's unit; else, for the units
    below, the plan with their own tasks only (404 when they have none in it)."""
    plan = Plan.objects.select_related("organisation").filter(pk=pk).first()
    if plan is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    whole = can(request.user, "duties.view", plan)
    tasks = Task.objects.filter(plan=plan).select_related("organisation")
    if not can(request.user, "duties.manage", plan):
        tasks = tasks.exclude(status=TaskStatus.DRAFT)
    if not whole:
        tasks = tasks.filter(pk__in=task_services.tasks_readable(request.user).filter(plan=plan).values("pk"))
    tasks = list(tasks)
    if not whole and not tasks:
        raise Http404(_("No such record, or it is not within your organisations."))
    return plan, tasks, whole


@permission_required("duties.view")
def plan_detail(request, pk: int):
    plan, tasks, whole = plan_read(request, pk)
    today = timezone.localdate()
    tree = services.plan_tree(tasks)
    counts = Counter(task.status for task in tasks)
    context = {
        "plan": plan,
        "tree": tree,
        "whole": whole,
        "today": today,
        "counts": [(status, label, counts.get(status, 0)) for status, label in TaskStatus.choices],
        "overdue": sum(1 for task in tasks if task.is_overdue(today)),
        "total": len(tasks),
        "may_manage": whole and can(request.user, "duties.manage", plan),
    }
    return render(request, "duties/plan_detail.html", context)


@permission_required("duties.manage")
@require_POST
def plan_publish(request, pk: int):
    plan = get_visible_or_404(Plan.objects.select_related("organisation"), request.user, "duties.manage", pk=pk)
    try:
        plan = services.plan_publish(plan=plan, version=int_param(request.POST.get("version")), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The plan is published and its tasks are assigned to their units."))
    return redirect("duties:plan_detail", pk=plan.pk)


# --- the task form ------------------------------------------------------------------------------------------


def task_form_choices(org: Organisation, *, year: int, cascade: bool) -> dict:
    """What a task form of `org` offers: units below, its people, its duties, the agency's departments, contacts."""
    people = Member.objects.on_register().in_subtree(org).order_by("name_pinyin", "pk")
    people = Member.objects.filter(pk__in=list(people.values_list("pk", flat=True)[:CHOICES])).order_by("name_pinyin")
    duties = (
        Duty.objects.filter(duty_list__organisation=org, duty_list__year=year)
        .select_related("duty_list")
        .order_by("order", "pk")
    )
    departments = Department.objects.filter(organisation__path__in=ancestor_paths(org.path), is_active=True).order_by(
        "order", "name"
    )
    # A department's contact is anyone whose role covers the unit: the share is theirs to report on.
    contact_ids = holders(org).values_list("pk", flat=True)[:CHOICES]
    contacts = get_user_model().objects.filter(pk__in=list(contact_ids)).order_by("first_name", "username")
    choices = {"people": people, "duties": duties, "departments": list(departments[:CHOICES]), "contacts": contacts}
    if cascade:
        choices["units"] = units_below(org)
    return choices


def units_below(org: Organisation, *, exclude_ids=()) -> object:
    """The active units under `org` a task may be passed down to (Party groups carry no tasks of their own)."""
    below = (
        Organisation.objects.subtree(org)
        .active()
        .exclude(pk=org.pk)
        .exclude(kind=Organisation.Kind.GROUP)
        .exclude(pk__in=list(exclude_ids))
    )
    ids = list(below.order_by("path").values_list("pk", flat=True)[:CHOICES])
    return Organisation.objects.filter(pk__in=ids).order_by("path")


@permission_required("duties.manage")
def task_create(request, pk: int):
    plan = get_visible_or_404(Plan.objects.select_related("organisation"), request.user, "duties.manage", pk=pk)
    org = plan.organisation
    choices = task_form_choices(org, year=plan.year, cascade=True)
    form = TaskForm(request.POST or None, **choices)
    if request.method == "POST" and form.is_valid():
        try:
            task = task_services.task_create(plan=plan, actor=request.user, **form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            n = task.children.count()
            if n:
                messages.success(request, _("The task was set and passed down to {n} units.").format(n=n))
            else:
                messages.success(request, _("The task was set."))
            return redirect("duties:task_detail", pk=task.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "plan": plan, "task": None, "unit": org, "published": plan.status == PlanStatus.PUBLISHED}
    return render(request, "duties/task_form.html", context, status=status)


urls = [
    path("plans/", plan_list, name="plan_list"),
    path("plans/new/", plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_update, name="plan_update"),
    path("plans/<int:pk>/publish/", plan_publish, name="plan_publish"),
    path("plans/<int:pk>/tasks/new/", task_create, name="task_create"),
]
