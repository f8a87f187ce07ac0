from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.views import permission_required
from qinglian.orgs import services
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.forms import OrganisationForm, RenameForm
from qinglian.orgs.middleware import SESSION_KEY
from qinglian.orgs.models import Member, Organisation, subtree_q


def _children(user, org):
    return (
        Organisation.objects.visible_to(user)
        .filter(parent=org)
        .annotate(n_children=Count("children", distinct=True))
        .order_by("path")
    )


@permission_required("org.view")
def org_list(request):
    """The tree browser: starts at the scope and opens one level at a time (htmx)."""
    root = request.scope
    if root is None:
        raise Http404
    q = request.GET.get("q", "").strip()
    results = None
    if q:
        results = (
            Organisation.objects.visible_to(request.user)
            .filter(subtree_q(root.path))
            .filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(name_initials__startswith=q.lower()))
            .order_by("path")[:50]
        )
    return render(
        request,
        "orgs/org_list.html",
        {"root": root, "children": _children(request.user, root), "q": q, "results": results},
    )


@permission_required("org.view")
def org_children(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=pk)
    return render(request, "orgs/partials/org_children.html", {"children": _children(request.user, org)})


@permission_required("org.view")
def org_detail(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=pk)
    ancestors = [
        a
        for a in Organisation.objects.filter(path__in=[org.path[:i] for i in range(4, len(org.path), 4)])
        if can(request.user, "org.view", a)
    ]
    context = {
        "org": org,
        "ancestors": ancestors,
        "children": _children(request.user, org),
        "member_count": Member.objects.in_subtree(org).count(),
        "direct_members": Member.objects.filter(organisation=org).count(),
        "can_manage": can(request.user, "org.manage", org),
        "create_form": OrganisationForm(),
        "rename_form": RenameForm(initial={"name": org.name, "short_name": org.short_name, "version": org.version}),
    }
    return render(request, "orgs/org_detail.html", context)


@permission_required("org.manage")
@require_POST
def org_create(request, pk: int):
    parent = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    form = OrganisationForm(request.POST)
    if form.is_valid():
        try:
            org = services.org_create(parent=parent, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("“{name}” was created.").format(name=org.name))
            return redirect("orgs:org_detail", pk=org.pk)
    else:
        messages.error(request, _("Check the new organisation's name and type."))
    return redirect("orgs:org_detail", pk=parent.pk)


@permission_required("org.manage")
@require_POST
def org_rename(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            services.org_rename(org=org, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The name was saved."))
    else:
        messages.error(request, _("The name cannot be empty or longer than 120 characters."))
    return redirect("orgs:org_detail", pk=org.pk)


@login_required
@require_POST
def scope_set(request):
    chosen = request.POST.get("organisation", "")
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=int(chosen) if chosen.isdigit() else 0)
    request.session[SESSION_KEY] = org.pk
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
