"""Rectification items: the list of a scope with its filters, recording and changing an item, its page with
the problem, source, evidence and history, and the forms of its workflow (report rectified, verify and close,
send back, reopen).

The list and the forms that record items need rectification.view / .manage; an item's own page, its evidence
and its report are also open to the person responsible, whatever their roles.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import EvidenceForm, add_service_errors
from qinglian.core.links import records_resolve
from qinglian.core.paging import id_page
from qinglian.core.uploads import IMAGE_TYPES
from qinglian.core.views import permission_required
from qinglian.orgs.access import can
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Department, Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.rectification.forms import (
    ItemEditForm,
    ItemForm,
    ProgressForm,
    ReopenForm,
    ReturnForm,
    SubmitForm,
    VerifyForm,
)
from qinglian.rectification.models import Evidence, Item
from qinglian.rectification.services import items as services
from qinglian.rectification.services.items import in_work_order, unit_departments, unit_people
from qinglian.rectification.views.common import int_param, scope_for, units_for, year_param
from qinglian.rectification.vocab import ItemStatus, Source

VIEW, MANAGE = services.VIEW, services.MANAGE
PAGE_SIZE = 30
UNITS_MAX = 300


# --- the list ----------------------------------------------------------------------------------------------


def _filters(request, root: Organisation) -> dict:
    status = request.GET.get("status", "")
    source = request.GET.get("source", "")
    unit = None
    unit_id = int_param(request.GET.get("unit"))
    if unit_id:
        unit = Organisation.objects.filter(pk=unit_id).subtree(root).first()
    return {
        "status": status if status in services.STATUS_FILTERS else "",
        "source": source if source in Source.values else "",
        "unit": unit,
        "owner_id": int_param(request.GET.get("owner")),
        "department_id": int_param(request.GET.get("department")),
        "year": year_param(request.GET.get("year")),
    }


def _scoped(request, root: Organisation):
    return Item.objects.visible_to(request.user).filter(subtree_q(root.path, "organisation__"))


@permission_required(VIEW)
def item_list(request):
    """Every rectification item in the scope, with its filters and the counts by state."""
    root = scope_for(request, VIEW)
    today = timezone.localdate()
    base = _scoped(request, root)
    filters = _filters(request, root)
    others = {**filters, "status": "", "org": filters["unit"]}
    del others["unit"]
    narrowed = services.item_filter(base, today=today, **others)
    items = services.item_filter(narrowed, status=filters["status"], today=today)
    items = in_work_order(items.select_related("organisation", "owner", "member", "department"))
    page = id_page(items, per_page=PAGE_SIZE, number=request.GET.get("page"))
    counts = narrowed.aggregate(
        open=Count("pk", filter=Q(status=ItemStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=ItemStatus.OPEN, due_on__lt=today)),
        submitted=Count("pk", filter=Q(status=ItemStatus.SUBMITTED)),
        closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
    )
    context = {
        "root": root,
        "page": page,
        "counts": counts,
        "today": today,
        "statuses": [
            ("", _("All")),
            ("open", ItemStatus.OPEN.label),
            ("overdue", _("Overdue")),
            ("submitted", ItemStatus.SUBMITTED.label),
            ("closed", ItemStatus.CLOSED.label),
            ("reopened", _("Reopened")),
        ],
        "sources": Source.choices,
        "owners": Member.objects.filter(pk__in=base.values("owner_id")).order_by("name_pinyin", "pk"),
        "units": Organisation.objects.filter(pk__in=base.values("organisation_id")).order_by("path")[:UNITS_MAX],
        "departments": Department.objects.filter(pk__in=base.values("department_id")).order_by("order", "name"),
        "years": range(today.year, today.year - 6, -1),
        "can_add": units_for(request.user, root, MANAGE).exists(),
        **filters,
    }
    return render(request, "rectification/item_list.html", context)


# --- recording and changing --------------------------------------------------------------------------------


@permission_required(MANAGE)
def item_create(request):
    """A problem put on a unit's rectification list, from any source."""
    root = scope_or_404(request)
    units = list(units_for(request.user, root, MANAGE)[:UNITS_MAX])
    unit_id = int_param(request.POST.get("unit") or request.GET.get("unit"))
    unit = next((u for u in units if u.pk == unit_id), None) or next((u for u in units if u.pk == root.pk), None)
    unit = unit or (units[0] if units else None)
    if unit is None:
        raise Http404(_("You record rectification for no unit in this organisation."))
    kwargs = {"people": unit_people(unit), "departments": unit_departments(unit), "user": request.user}
    initial = {"source": request.GET.get("source", "")}
    form = ItemForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(org=unit, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"source_kind": "record_kind", "source_id": "record_id"})
        else:
            messages.success(request, _("The problem is on the rectification list."))
            return redirect("rectification:item_detail", pk=item.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "unit": unit, "units": units}
    return render(request, "rectification/item_form.html", context, status=status)


def _item_or_404(user, pk: int) -> Item:
    item = (
        Item.objects.visible_to(user)
        .select_related("organisation", "owner", "owner__user", "member", "department", "created_by", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return item


@permission_required(MANAGE)
def item_edit(request, pk: int):
    item = _item_or_404(request.user, pk)
    if not services.may_manage(request.user, item):
        raise Http404
    if item.status != ItemStatus.OPEN:
        messages.info(request, _("Only an item being rectified can be changed."))
        return redirect("rectification:item_detail", pk=item.pk)
    org = item.organisation
    initial = {
        "version": item.version,
        "source": item.source,
        "source_title": item.source_title,
        "problem": item.problem,
        "measures": item.measures,
        "member": item.member_id,
        "owner": item.owner_id,
        "department": item.department_id,
        "due_on": item.due_on,
    }
    form = ItemEditForm(
        request.POST or None, initial=initial, people=unit_people(org), departments=unit_departments(org)
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.item_update(item=item, actor=request.user, **form.cleaned_data)
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The item is saved."))
                return redirect("rectification:item_detail", pk=item.pk)
    return render(request, "rectification/item_edit.html", {"form": form, "item": item}, status=status)


# --- an item's page ----------------------------------------------------------------------------------------


def _evidence_pairs(user, rows) -> list:
    """(evidence, the record it points at as `user` may see it, or None), one query per kind of record."""
    rows = list(rows)
    found = records_resolve(user, [(row.record_kind, row.record_id) for row in rows if row.record_kind])
    return [(row, found.get((row.record_kind, row.record_id)) if row.record_kind else None) for row in rows]


def _detail(request, item: Item, *, status: int = 200, **forms):
    user = request.user
    today = timezone.localdate()
    is_open, is_closed = item.status == ItemStatus.OPEN, item.status == ItemStatus.CLOSED
    may_work = services.may_work(user, item)
    may_verify = services.may_verify(user, item)
    version = {"version": item.version}

    refused: list[str] = []

    def form(name, show, make):
        if not show:
            # A form sent back whose card is no longer offered (someone acted first; not the user's to use):
            # its refusal is shown above the page.
            if name in forms:
                refused.extend(e for errors in forms[name].errors.values() for e in errors)
            return None
        return forms.get(name) or make()

    source_ref = None
    if item.source_kind:
        source_ref = records_resolve(user, [(item.source_kind, item.source_id)]).get((item.source_kind, item.source_id))
    evidence = item.evidence.select_related("added_by").order_by("added_at", "pk")
    context = {
        "item": item,
        "today": today,
        "overdue": item.is_overdue(today),
        "source_ref": source_ref,
        "pairs": _evidence_pairs(user, evidence),
        "events": item.events.select_related("actor").order_by("at", "pk"),
        "is_owner": services.is_owner(user, item),
        "may_edit": is_open and services.may_manage(user, item),
        "may_remove_evidence": may_work and not is_closed,
        "progress_form": form("progress_form", may_work and not is_closed, ProgressForm),
        "evidence_form": form("evidence_form", may_work and not is_closed, lambda: EvidenceForm(user=user)),
        "submit_form": form(
            "submit_form", may_work and is_open, lambda: SubmitForm(initial={**version, "result": item.result})
        ),
        "verify_form": form(
            "verify_form", may_verify and item.status == ItemStatus.SUBMITTED, lambda: VerifyForm(initial=version)
        ),
        "return_form": form(
            "return_form", may_verify and item.status == ItemStatus.SUBMITTED, lambda: ReturnForm(initial=version)
        ),
        "reopen_form": form(
            "reopen_form", is_closed and services.may_reopen(user, item), lambda: ReopenForm(initial=version)
        ),
        "open_form": next(iter(forms), ""),
    }
    context["refused"] = refused
    return render(request, "rectification/item_detail.html", context, status=status)


@login_required
def item_detail(request, pk: int):
    return _detail(request, _item_or_404(request.user, pk))


@login_required
@require_POST
def item_progress(request, pk: int):
    item = _item_or_404(request.user, pk)
    if not services.may_work(request.user, item):
        raise Http404
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.item_progress(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The progress is recorded."))
            return redirect(_detail_url(item, "history"))
    return _detail(request, item, status=422, progress_form=form)


def _detail_url(item: Item, anchor: str = "") -> str:
    return reverse("rectification:item_detail", args=[item.pk]) + (f"#{anchor}" if anchor else "")


# --- evidence ----------------------------------------------------------------------------------------------


@login_required
@require_POST
def evidence_add(request, pk: int):
    item = _item_or_404(request.user, pk)
    if not services.may_work(request.user, item):
        raise Http404
    form = EvidenceForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            services.evidence_add(item=item, actor=request.user, **form.evidence_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The evidence is added."))
            return redirect(_detail_url(item, "evidence"))
    return _detail(request, item, status=422, evidence_form=form)


def _evidence_or_404(user, pk: int) -> Evidence:
    evidence = (
        Evidence.objects.select_related("item__organisation", "item__owner")
        .filter(pk=pk, item__in=Item.objects.visible_to(user))
        .first()
    )
    if evidence is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return evidence


@login_required
@require_POST
def evidence_remove(request, pk: int):
    evidence = _evidence_or_404(request.user, pk)
    item = evidence.item
    if not services.may_work(request.user, item):
        raise Http404
    try:
        services.evidence_remove(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The evidence is removed."))
    return redirect(_detail_url(item, "evidence"))


@login_required
def evidence_file(request, pk: int):
    """The file, through access control (never a public media address), under the name it was given."""
    evidence = _evidence_or_404(request.user, pk)
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except OSError:
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and evidence.content_type in IMAGE_TYPES
    response = FileResponse(handle, content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(not inline, evidence.name)
    response["Cache-Control"] = "private, max-age=600"
    return response


# --- the workflow ------------------------------------------------------------------------------------------


def _move(request, pk: int, *, name: str, form_class, allowed, call, success):
    item = _item_or_404(request.user, pk)
    if not allowed(request.user, item):
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(item, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _detail(request, _item_or_404(request.user, pk), status=409, **{name: form})
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(_detail_url(item))
    return _detail(request, item, status=422, **{name: form})


@login_required
@require_POST
def item_submit(request, pk: int):
    return _move(
        request,
        pk,
        name="submit_form",
        form_class=SubmitForm,
        allowed=services.may_work,
        call=lambda item, data: services.item_submit(item=item, actor=request.user, **data),
        success=_("The item is reported rectified; it awaits verification by someone else."),
    )


def _verifier(user, item) -> bool:
    # The owner is let through so that the service can say why they may not verify their own item.
    return can(user, services.VERIFY, item)


@login_required
@require_POST
def item_verify(request, pk: int):
    return _move(
        request,
        pk,
        name="verify_form",
        form_class=VerifyForm,
        allowed=_verifier,
        call=lambda item, data: services.item_verify(item=item, actor=request.user, **data),
        success=_("The rectification is verified and the item closed."),
    )


@login_required
@require_POST
def item_return(request, pk: int):
    return _move(
        request,
        pk,
        name="return_form",
        form_class=ReturnForm,
        allowed=_verifier,
        call=lambda item, data: services.item_return(item=item, actor=request.user, **data),
        success=_("The item is sent back to be rectified further."),
    )


@login_required
@require_POST
def item_reopen(request, pk: int):
    return _move(
        request,
        pk,
        name="reopen_form",
        form_class=ReopenForm,
        allowed=services.may_reopen,
        call=lambda item, data: services.item_reopen(item=item, actor=request.user, **data),
        success=_("The item is open again."),
    )


urls = [
    path("", item_list, name="item_list"),
    path("new/", item_create, name="item_create"),
    path("<int:pk>/", item_detail, name="item_detail"),
    path("<int:pk>/edit/", item_edit, name="item_edit"),
    path("<int:pk>/progress/", item_progress, name="item_progress"),
    path("<int:pk>/evidence/", evidence_add, name="evidence_add"),
    path("<int:pk>/submit/", item_submit, name="item_submit"),
    path("<int:pk>/verify/", item_verify, name="item_verify"),
    path("<int:pk>/return/", item_return, name="item_return"),
    path("<int:pk>/reopen/", item_reopen, name="item_reopen"),
    path("evidence/<int:pk>/file/", evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/remove/", evidence_remove, name="evidence_remove"),
]
