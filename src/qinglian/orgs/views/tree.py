from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinglian.core.models import AuditEvent
from qinglian.core.views import permission_required
from qinglian.orgs import services
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.committee_reminders import notice_days
from qinglian.orgs.forms import (
    DissolveForm,
    MergeForm,
    MoveForm,
    OrganisationDetailsForm,
    OrganisationForm,
    PostAssignForm,
    RenameForm,
    TermStartForm,
)
from qinglian.orgs.middleware import SESSION_KEY, scope_or_404
from qinglian.orgs.models import CommitteeTerm, Department, Member, Organisation, subtree_q
from qinglian.orgs.vocab import PartyPost


def _children(user, org, *, dissolved: bool = False):
    children = Organisation.objects.visible_to(user).filter(parent=org)
    if not dissolved:
        children = children.filter(is_active=True)
    return children.annotate(n_children=Count("children", distinct=True)).order_by("-is_active", "path")


@permission_required("org.view")
def org_list(request):
    """The tree browser: starts at the scope and opens one level at a time (htmx)."""
    root = scope_or_404(request)
    q = request.GET.get("q", "").strip()
    dissolved = request.GET.get("dissolved") == "1"
    results = None
    if q:
        results = (
            Organisation.objects.visible_to(request.user)
            .filter(subtree_q(root.path))
            .filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(name_initials__startswith=q.lower()))
            .filter(Q() if dissolved else Q(is_active=True))
            .order_by("path")[:50]
        )
    return render(
        request,
        "orgs/org_list.html",
        {
            "root": root,
            "children": _children(request.user, root, dissolved=dissolved),
            "q": q,
            "results": results,
            "dissolved": dissolved,
        },
    )


@permission_required("org.view")
def org_children(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=pk)
    dissolved = request.GET.get("dissolved") == "1"
    children = _children(request.user, org, dissolved=dissolved)
    return render(request, "orgs/partials/org_children.html", {"children": children, "dissolved": dissolved})


# Labels of the organisation's history entries (audit actions).
HISTORY_LABELS = {
    "org.create": gettext_lazy("Organisation set up"),
    "org.rename": gettext_lazy("Renamed"),
    "org.update": gettext_lazy("Details changed"),
    "org.move": gettext_lazy("Moved"),
    "org.merge": gettext_lazy("Merged into another organisation"),
    "org.merge_in": gettext_lazy("Took over another organisation"),
    "org.dissolve": gettext_lazy("Dissolved"),
    "org.term_start": gettext_lazy("New committee term"),
    "org.post_assign": gettext_lazy("Committee post assigned"),
    "org.post_end": gettext_lazy("Committee post ended"),
    "demo.load_structure": gettext_lazy("Demo data loaded"),
    "demo.load": gettext_lazy("Demo data loaded"),
}


def _picked(user, value):
    """The organisation a picker field had chosen, to show it again when the form comes back."""
    if not str(value or "").isdigit():
        return None
    return Organisation.objects.visible_to(user, "org.manage").filter(pk=int(value)).first()


def _detail_context(request, org, **forms) -> dict:
    prefixes = [org.path[:i] for i in range(4, len(org.path), 4)]
    ancestors = [a for a in Organisation.objects.filter(path__in=prefixes) if can(request.user, "org.view", a)]
    term = CommitteeTerm.objects.filter(organisation=org, closed_on__isnull=True).first()
    history = AuditEvent.objects.filter(object_type="orgs.organisation", object_id=str(org.pk)).order_by("-seq")
    departments = Department.objects.filter(organisation__path__in=[*prefixes, org.path], is_active=True)
    details = {"short_name": org.short_name, "code": org.code, "founded_on": org.founded_on}
    details |= {"department": org.department_id, "is_village_or_community": org.is_village_or_community}
    forms.setdefault(
        "details_form", OrganisationDetailsForm(initial=details | {"version": org.version}, departments=departments)
    )
    for name, form_class in (("move_form", MoveForm), ("merge_form", MergeForm), ("dissolve_form", DissolveForm)):
        forms.setdefault(name, form_class(initial={"dissolved_on": timezone.localdate()}))
    forms.setdefault("term_form", TermStartForm(initial={"elected_on": timezone.localdate()}))
    forms.setdefault("post_form", PostAssignForm())
    picked = {
        name: _picked(request.user, form["target"].value()) for name, form in forms.items() if "target" in form.fields
    }
    member_id = str(forms["post_form"]["member"].value() or "")
    picked_member = Member.objects.in_subtree(org).filter(pk=member_id).first() if member_id.isdigit() else None
    today = timezone.localdate()
    return {
        "org": org,
        "ancestors": ancestors,
        "children": _children(request.user, org),
        "member_count": Member.objects.in_subtree(org).count(),
        "direct_members": Member.objects.filter(organisation=org).count(),
        "can_manage": can(request.user, "org.manage", org) and org.is_active,
        "create_form": OrganisationForm(),
        "rename_form": RenameForm(initial={"name": org.name, "short_name": org.short_name, "version": org.version}),
        "term": term,
        "posts": sorted(term.posts.holding().select_related("member"), key=_post_order) if term else [],
        "history": [(e, HISTORY_LABELS.get(e.action, e.action)) for e in history.select_related("actor")[:30]],
        "picked": {name: [o] if o else [] for name, o in picked.items()},
        "picked_member": [picked_member] if picked_member else [],
        "term_due": term and term.ends_on <= today + timedelta(days=notice_days(today)),
        "term_overdue": term and term.ends_on < today,
        "q": request.POST.get("q", ""),
        **forms,
    }


def _post_order(seat):
    return (PartyPost.values.index(seat.post), seat.starts_on)


@permission_required("org.view")
def org_detail(request, pk: int):
    org = get_visible_or_404(
        Organisation.objects.select_related("department", "successor"), request.user, "org.view", pk=pk
    )
    return render(request, "orgs/org_detail.html", _detail_context(request, org))


def _refuse(request, org, name, form, exc=None):
    """Show the organisation page again with the form as typed and what was wrong."""
    if exc is not None:
        form.add_error(None, exc)
    return render(request, "orgs/org_detail.html", _detail_context(request, org, **{name: form}), status=400)


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


@permission_required("org.manage")
@require_POST
def org_update(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    departments = Department.objects.filter(
        organisation__path__in=[org.path[:i] for i in range(4, len(org.path) + 1, 4)]
    )
    form = OrganisationDetailsForm(request.POST, departments=departments.filter(is_active=True))
    if not form.is_valid():
        return _refuse(request, org, "details_form", form)
    try:
        services.org_update(org=org, actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        return _refuse(request, org, "details_form", form, exc)
    messages.success(request, _("The details were saved."))
    return redirect("orgs:org_detail", pk=org.pk)


def _org_action(request, pk: int, form_class, name: str, act):
    """Shared body of move, merge and dissolve: bind, find the other unit within reach, act, report."""
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _refuse(request, org, name, form)
    target = None
    if form.cleaned_data.get("target") is not None:
        target = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=form.cleaned_data["target"])
    try:
        message = act(org, target, form.cleaned_data)
    except ValidationError as exc:
        return _refuse(request, org, name, form, exc)
    messages.success(request, message)
    return redirect("orgs:org_detail", pk=org.pk)


@permission_required("org.manage")
@require_POST
def org_move(request, pk: int):
    def act(org, target, data):
        services.org_move(org=org, new_parent=target, actor=request.user, reason=data["reason"])
        return _("“{name}” now sits under “{parent}”.").format(name=org.name, parent=target.name)

    return _org_action(request, pk, MoveForm, "move_form", act)


@permission_required("org.manage")
@require_POST
def org_merge(request, pk: int):
    def act(org, target, data):
        services.org_merge(source=org, target=target, actor=request.user, reason=data["reason"])
        return _("“{name}” was merged into “{target}”.").format(name=org.name, target=target.name)

    return _org_action(request, pk, MergeForm, "merge_form", act)


@permission_required("org.manage")
@require_POST
def org_dissolve(request, pk: int):
    def act(org, target, data):
        services.org_dissolve(
            org=org, on=data["dissolved_on"], successor=target, actor=request.user, reason=data["reason"]
        )
        return _("“{name}” was dissolved.").format(name=org.name)

    return _org_action(request, pk, DissolveForm, "dissolve_form", act)


@permission_required("org.manage")
def org_pick(request):
    """Search results for the forms that name another organisation: radio buttons (htmx)."""
    q = request.GET.get("q", "").strip()
    field = request.GET.get("field", "target")
    options = []
    if q:
        options = (
            Organisation.objects.visible_to(request.user, "org.manage")
            .active()
            .filter(
                Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code=q) | Q(name_initials__startswith=q.lower())
            )
            .exclude(pk=request.GET.get("exclude") if request.GET.get("exclude", "").isdigit() else None)
            .select_related("parent")
            .order_by("path")[:20]
        )
    return render(request, "orgs/partials/org_pick.html", {"options": options, "field": field, "q": q})


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
