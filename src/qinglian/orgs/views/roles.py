from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.views import permission_required
from qinglian.orgs import services
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.forms import AssignmentForm
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation, Role, RoleAssignment


@permission_required("role.assign")
def assignment_list(request):
    root = scope_or_404(request)
    role = Role.objects.filter(code=request.GET.get("role", "")).first()
    assignments = RoleAssignment.objects.active().in_subtree(root).assignable_by(request.user)
    # Every member holds the member role; listing them all would drown the roles that matter.
    roles = list(Role.objects.all())
    shown = [role] if role else [r for r in roles if r.code != "member"]
    assignments = assignments.filter(role__in=shown).select_related("user", "role", "organisation")
    ordered = assignments.order_by("organisation__path", "role__order", "id")
    page = Paginator(ordered, 50).get_page(request.GET.get("page"))
    form = AssignmentForm(initial={"organisation": root.pk})
    context = {"page": page, "form": form, "root": root, "roles": roles, "role": role}
    return render(request, "orgs/assignment_list.html", context)


@permission_required("role.assign")
@require_POST
def assignment_create(request):
    form = AssignmentForm(request.POST)
    if form.is_valid():
        org = get_visible_or_404(
            Organisation.objects, request.user, "role.assign", pk=form.cleaned_data["organisation"]
        )
        try:
            services.role_assign(
                user=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                organisation=org,
                include_subtree=form.cleaned_data["include_subtree"],
                valid_to=form.cleaned_data["valid_to"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The role was assigned."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("orgs:assignment_list")


@permission_required("role.assign")
@require_POST
def assignment_revoke(request, pk: int):
    assignment = RoleAssignment.objects.select_related("organisation", "user", "role").filter(pk=pk).first()
    if assignment is None or not can(request.user, "role.assign", assignment.organisation):
        raise Http404
    services.role_revoke(assignment=assignment, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("The role was ended."))
    return redirect("orgs:assignment_list")
