"""The member register's pages: list, profile, add and edit, status, probation, full ID number, login."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.registry import registry
from qinglian.core.views import permission_required
from qinglian.orgs import services
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.filters import MemberFilterForm
from qinglian.orgs.forms import (
    MemberForm,
    MemberLoginForm,
    MemberStatusForm,
    ProbationCancelForm,
    ProbationConfirmForm,
    ProbationExtendForm,
    RevealIdForm,
)
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import CommitteePost, Department, Member, Organisation, Transfer, subtree_q

PAGE_SIZE = 50
PROBATION_FORMS = {"confirm": ProbationConfirmForm, "extend": ProbationExtendForm, "cancel": ProbationCancelForm}
PROBATION_SERVICES = {
    "confirm": services.member_confirm_full,
    "extend": services.member_extend_probation,
    "cancel": services.member_cancel_probation,
}


def _member(request, pk: int, action: str = "member.view") -> Member:
    queryset = Member.objects.select_related("organisation", "department", "user")
    return get_visible_or_404(queryset, request.user, action, pk=pk)


def _departments(org: Organisation):
    """Departments of the member's organisation and of the organisations above it."""
    ancestors = [org.path[:i] for i in range(4, len(org.path) + 1, 4)]
    return Department.objects.filter(organisation__path__in=ancestors, is_active=True)


@permission_required("member.view")
def member_list(request):
    root = scope_or_404(request)
    form = MemberFilterForm(request.GET or None)
    members = form.apply(Member.objects.visible_to(request.user).in_subtree(root)).select_related("organisation")
    page = id_page(members.order_by("name_pinyin", "id"), per_page=PAGE_SIZE, number=request.GET.get("page"))
    template = "orgs/partials/member_rows.html" if request.htmx else "orgs/member_list.html"
    context = {"page": page, "form": form, "root": root, "can_add": can(request.user, "member.manage", root)}
    return render(request, template, context)


@permission_required("member.view")
def member_detail(request, pk: int):
    member = _member(request, pk)
    user = request.user
    sections = [
        (section.title, render_to_string(section.template, {"member": member, **section.context}, request=request))
        for _order, fn in registry.member_sections
        if (section := fn(member, user)) is not None
    ]
    context = {
        "member": member,
        "can_manage": can(user, "member.manage", member),
        "can_view_id": can(user, "member.view_id", member),
        "can_create_login": can(user, "role.assign", member) and can(user, "member.manage", member),
        "history": member.status_changes.select_related("actor").order_by("-effective_on", "-id"),
        "probation": services.probation_dates(member),
        "posts": CommitteePost.objects.filter(member=member).select_related("term__organisation"),
        "transfers": Transfer.objects.filter(member=member).select_related("from_org", "to_org"),
        "sections": sections,
        "reveal_form": RevealIdForm(),
        "status_form": MemberStatusForm(current=member.status, initial={"version": member.version}),
        "login_form": MemberLoginForm(),
        "today": timezone.localdate(),
    }
    if context["probation"]:
        initial = {"version": member.version, "on": context["probation"].ends_on}
        context["probation_forms"] = {name: form(initial=initial) for name, form in PROBATION_FORMS.items()}
    return render(request, "orgs/member_detail.html", context)


@permission_required("member.manage")
def member_create(request):
    root = scope_or_404(request)
    organisations = Organisation.objects.visible_to(request.user, "member.manage").filter(
        subtree_q(root.path), is_active=True
    )
    form = MemberForm(request.POST or None, organisations=organisations, departments=_departments(root))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        try:
            member = services.member_create(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _report_saved(request, member)
            return redirect("orgs:member_detail", pk=member.pk)
    return render(request, "orgs/member_form.html", {"form": form, "member": None})


@permission_required("member.manage")
def member_edit(request, pk: int):
    member = _member(request, pk, "member.manage")
    initial = {name: getattr(member, name) for name in services.people.EDITABLE} | {"version": member.version}
    form = MemberForm(
        request.POST or None, initial=initial, departments=_departments(member.organisation), editing=True
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            member = services.member_update(member=member, actor=request.user, **data)
        except services.Conflict as exc:
            conflict = True
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _report_saved(request, member)
            return redirect("orgs:member_detail", pk=member.pk)
    status = 409 if conflict else 200
    return render(request, "orgs/member_form.html", {"form": form, "member": member}, status=status)


def _report_saved(request, member: Member) -> None:
    messages.success(request, _("{name}'s record was saved.").format(name=member.name))
    for warning in getattr(member, "warnings", []):
        messages.warning(request, warning)


@permission_required("member.manage")
@require_POST
def member_status(request, pk: int):
    member = _member(request, pk, "member.manage")
    form = MemberStatusForm(request.POST, current=member.status)
    if form.is_valid():
        try:
            services.member_change_status(member=member, actor=request.user, **form.cleaned_data)
        except services.Conflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The status was changed."))
    else:
        messages.error(request, _("Choose the new status, its date and the reason."))
    return redirect("orgs:member_detail", pk=member.pk)


@permission_required("member.manage")
@require_POST
def member_probation(request, pk: int, step: str):
    member = _member(request, pk, "member.manage")
    if step not in PROBATION_FORMS:
        raise Http404
    form = PROBATION_FORMS[step](request.POST)
    if form.is_valid():
        try:
            PROBATION_SERVICES[step](member=member, actor=request.user, **form.cleaned_data)
        except services.Conflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The probation step was recorded."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("orgs:member_detail", pk=member.pk)


@never_cache
@permission_required("member.view_id")
@require_POST
def member_reveal_id(request, pk: int):
    member = _member(request, pk, "member.view_id")
    form = RevealIdForm(request.POST)
    number = None
    if form.is_valid():
        try:
            number = services.member_reveal_id_number(
                member=member, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {"member": member, "number": number, "reveal_form": form, "can_view_id": True}
    template = "orgs/partials/member_id.html" if request.htmx else "orgs/member_id.html"
    return render(request, template, context)


@permission_required("member.manage")
@require_POST
def member_login_create(request, pk: int):
    member = _member(request, pk, "member.manage")
    if not can(request.user, "role.assign", member):
        raise Http404
    form = MemberLoginForm(request.POST)
    if form.is_valid():
        try:
            user, password = services.member_create_login(
                member=member, username=form.cleaned_data["username"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Login “{login}” created. Its one-time password is {password}: pass it on in person.").format(
                    login=user.get_username(), password=password
                ),
            )
    return redirect("orgs:member_detail", pk=member.pk)
