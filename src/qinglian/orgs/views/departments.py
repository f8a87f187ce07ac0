"""The agency's functional departments: list, add, edit, retire, and the units linked to each."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.views import permission_required
from qinglian.orgs import services
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.forms import DepartmentForm, DepartmentLinkForm
from qinglian.orgs.models import Department, Organisation


def scope_committee(scope: Organisation | None) -> Organisation | None:
    """The agency Party committee the scope belongs to: the nearest committee at or above it."""
    if not scope:  # the request's lazy scope of a user with none is falsy, never `is None`
        return None
    prefixes = [scope.path[:i] for i in range(4, len(scope.path) + 1, 4)]
    return Organisation.objects.filter(path__in=prefixes, kind=Organisation.Kind.COMMITTEE).order_by("-path").first()


def _list(request, form, status=200):
    committee = scope_committee(request.scope)
    visible = committee is not None and can(request.user, "org.view", committee)
    departments = (
        Department.objects.visible_to(request.user)
        .filter(organisation=committee if visible else None)
        .annotate(n_orgs=Count("organisations", filter=Q(organisations__is_active=True)))
        .order_by("-is_active", "order", "name")
    )
    context = {
        "committee": committee if visible else None,
        "departments": departments,
        "form": form,
        "can_manage": visible and can(request.user, "org.manage", committee),
    }
    return render(request, "orgs/department_list.html", context, status=status)


@permission_required("org.view")
def department_list(request):
    return _list(request, DepartmentForm())


@permission_required("org.manage")
@require_POST
def department_create(request):
    committee = scope_committee(request.scope)
    committee = get_visible_or_404(
        Organisation.objects, request.user, "org.manage", pk=committee.pk if committee else 0
    )
    form = DepartmentForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        department = services.department_create(organisation=committee, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _list(request, form, status=400)
    messages.success(request, _("“{name}” was added.").format(name=department.name))
    return redirect("orgs:department_list")


def _detail(request, department, form=None, link_form=None, status=200):
    initial = {f: getattr(department, f) for f in ("name", "kind", "code", "order")}
    context = {
        "department": department,
        "organisations": department.organisations.visible_to(request.user).order_by("-is_active", "path")[:200],
        "form": form or DepartmentForm(initial=initial),
        "link_form": link_form or DepartmentLinkForm(),
        "can_manage": can(request.user, "org.manage", department),
        "q": request.POST.get("q", ""),
    }
    return render(request, "orgs/department_detail.html", context, status=status)


@permission_required("org.view")
def department_detail(request, pk: int):
    department = get_visible_or_404(Department.objects.select_related("organisation"), request.user, "org.view", pk=pk)
    if request.method != "POST":
        return _detail(request, department)
    department = get_visible_or_404(Department.objects, request.user, "org.manage", pk=pk)
    form = DepartmentForm(request.POST)
    if not form.is_valid():
        return _detail(request, department, form=form, status=400)
    try:
        services.department_update(department=department, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _detail(request, department, form=form, status=400)
    messages.success(request, _("The department was saved."))
    return redirect("orgs:department_detail", pk=pk)


@permission_required("org.manage")
@require_POST
def department_active(request, pk: int):
    """Retire a department, or bring it back (`active=1`)."""
    department = get_visible_or_404(Department.objects, request.user, "org.manage", pk=pk)
    try:
        if request.POST.get("active") == "1":
            services.department_activate(department=department, actor=request.user)
        else:
            services.department_deactivate(department=department, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("orgs:department_detail", pk=pk)


@permission_required("org.manage")
@require_POST
def department_link(request, pk: int):
    """Link an organisation to the department, or unlink it (`unlink=1`)."""
    department = get_visible_or_404(Department.objects, request.user, "org.manage", pk=pk)
    form = DepartmentLinkForm(request.POST)
    if not form.is_valid():
        return _detail(request, department, link_form=form, status=400)
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=form.cleaned_data["target"])
    unlink = request.POST.get("unlink") == "1"
    if unlink and org.department_id != department.pk:
        return redirect("orgs:department_detail", pk=pk)
    try:
        services.org_update(org=org, department=None if unlink else department, actor=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _detail(request, department, link_form=form, status=400)
    done = _("“{name}” was unlinked.") if unlink else _("“{name}” was linked.")
    messages.success(request, done.format(name=org.name))
    return redirect("orgs:department_detail", pk=pk)
