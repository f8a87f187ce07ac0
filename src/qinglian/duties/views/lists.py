"""Duty list pages: the lists of a scope, one list grouped by holder with what differs from the list it was
copied from, making and editing a list and its duties, publishing, copying to next year, the Word export,
and the duties of the logged-in member."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.duties.forms.lists import DutyForm, ListCreateForm, ListUpdateForm
from qinglian.duties.models import Duty, DutyList
from qinglian.duties.services import lists as services
from qinglian.duties.services.lists import Source
from qinglian.duties.vocab import Holder, ListStatus
from qinglian.orgs.access import can, get_visible_or_404, has_permission
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import CommitteePost, Organisation, ancestor_paths
from qinglian.orgs.services import Conflict
from qinglian.reports import docx

CHOICES = 500  # units offered on a form at most


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _manageable_units(user):
    ids = list(Organisation.objects.visible_to(user, "duties.manage").active().values_list("pk", flat=True)[:CHOICES])
    return Organisation.objects.filter(pk__in=ids).order_by("path")


@permission_required("duties.view")
def list_list(request):
    root = scope_or_404(request)
    lists = DutyList.objects.visible_to(request.user).in_subtree(root)
    years = sorted(set(lists.values_list("year", flat=True)), reverse=True)
    units = list(
        Organisation.objects.filter(pk__in=lists.values("organisation_id")[:CHOICES]).order_by("path").only("name")
    )
    year, unit = _int(request.GET.get("year")), _int(request.GET.get("unit"))
    if year:
        lists = lists.filter(year=year)
    if unit:
        lists = lists.filter(organisation_id=unit)
    lists = lists.select_related("organisation", "based_on__organisation").order_by("-year", "organisation__path")
    page = id_page(lists, per_page=30, number=request.GET.get("page"))
    counts = dict(
        Duty.objects.filter(duty_list_id__in=[d.pk for d in page.object_list])
        .values_list("duty_list_id")
        .annotate(n=Count("pk"))
        .values_list("duty_list_id", "n")
    )
    for duty_list in page.object_list:
        duty_list.duty_count = counts.get(duty_list.pk, 0)
    context = {
        "root": root,
        "page": page,
        "years": years,
        "year": year,
        "units": units,
        "unit": unit,
        "may_manage": has_permission(request.user, "duties.manage"),
        "from_above": _templates_above(request, root),
    }
    return render(request, "duties/list_list.html", context)


def _templates_above(request, root: Organisation) -> list[DutyList]:
    """The published templates of the units above the scope, which its units may inherit."""
    paths = ancestor_paths(root.path, include_self=False)
    if not paths or not can(request.user, "duties.view", root):
        return []
    return list(
        DutyList.objects.templates()
        .filter(organisation__path__in=paths)
        .select_related("organisation")
        .order_by("-year", "-organisation__path")[:10]
    )


def _list(request, pk: int, action: str = "duties.manage") -> DutyList:
    return get_visible_or_404(
        DutyList.objects.select_related("organisation", "based_on__organisation"), request.user, action, pk=pk
    )


def _list_read(request, pk: int) -> DutyList:
    """The list, for those who may read the unit's lists, or a published template above them for the people of
    the units below it, who inherit it."""
    duty_list = DutyList.objects.select_related("organisation", "based_on__organisation").filter(pk=pk).first()
    if duty_list is None or not services.may_read(request.user, duty_list):
        raise Http404(_("No such record, or it is not within your organisations."))
    return duty_list


@permission_required("duties.view")
def list_detail(request, pk: int):
    duty_list = _list_read(request, pk)
    groups, counts = services.list_groups(duty_list)
    may_manage = can(request.user, "duties.manage", duty_list)
    context = {
        "duty_list": duty_list,
        "groups": groups,
        "counts": counts,
        "duty_total": sum(len(g.duties) for g in groups),
        "may_manage": may_manage,
        "is_published": duty_list.status == ListStatus.PUBLISHED,
        "next_year_exists": may_manage
        and DutyList.objects.filter(organisation=duty_list.organisation, year=duty_list.year + 1).exists(),
        "based_on_template": duty_list.based_on is not None
        and duty_list.based_on.organisation_id != duty_list.organisation_id,
    }
    return render(request, "duties/list_detail.html", context)


@permission_required("duties.manage")
def list_create(request):
    units = _manageable_units(request.user)
    scope = request.scope
    first = units.filter(pk=scope.pk).first() if scope is not None else None
    initial = {"organisation": first or units.first(), "year": timezone.localdate().year, "source": Source.TEMPLATE}
    form = ListCreateForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            duty_list = services.list_create(org=data.pop("organisation"), actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The duty list was made as a draft. Adapt its duties, then publish it."))
            return redirect("duties:list_detail", pk=duty_list.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "duties/list_form.html", {"form": form, "duty_list": None}, status=status)


@permission_required("duties.manage")
def list_update(request, pk: int):
    duty_list = _list(request, pk)
    initial = {"title": duty_list.title, "is_template": duty_list.is_template, "version": duty_list.version}
    form = ListUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.list_update(duty_list=duty_list, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The duty list was saved."))
            return redirect("duties:list_detail", pk=duty_list.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "duties/list_form.html", {"form": form, "duty_list": duty_list}, status=status)


def _act(request, change, success: str):
    """Run a service from a button on the list's page and say how it went."""
    try:
        result = change()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
        return result
    return None


@require_POST
@permission_required("duties.manage")
def list_publish(request, pk: int):
    duty_list = _list(request, pk)
    version = _int(request.POST.get("version"))
    _act(
        request,
        lambda: services.list_publish(duty_list=duty_list, version=version, actor=request.user),
        _("The duty list is published."),
    )
    return redirect("duties:list_detail", pk=duty_list.pk)


@require_POST
@permission_required("duties.manage")
def list_copy_year(request, pk: int):
    duty_list = _list(request, pk)
    copy = _act(
        request,
        lambda: services.list_copy_year(duty_list=duty_list, actor=request.user),
        _("Next year's list was made from this one as a draft."),
    )
    return redirect("duties:list_detail", pk=copy.pk if copy else duty_list.pk)


@require_POST
@permission_required("duties.manage")
def list_delete(request, pk: int):
    duty_list = _list(request, pk)
    version = _int(request.POST.get("version"))
    done = _act(
        request,
        lambda: services.list_delete(duty_list=duty_list, version=version, actor=request.user) or True,
        _("The draft duty list was deleted."),
    )
    return redirect("duties:list_list") if done else redirect("duties:list_detail", pk=duty_list.pk)


@permission_required("duties.view")
def list_export(request, pk: int):
    duty_list = _list_read(request, pk)
    return docx.docx_response(services.list_document(duty_list), services.list_filename(duty_list))


# -- duties -----------------------------------------------------------------------------------------------


def _people(org: Organisation, duty: Duty | None):
    """Whom the form offers to name: the unit's own members and its committee (not the whole subtree of a
    large committee), and whoever the duty names already."""
    seated = CommitteePost.objects.holding().filter(term__organisation=org, term__closed_on__isnull=True)
    people = services.duty_people(org).filter(Q(organisation=org) | Q(pk__in=seated.values("member_id")))
    ids = list(people.values_list("pk", flat=True)[:CHOICES])
    if duty is not None and duty.person_id:
        ids.append(duty.person_id)
    return services.duty_people(org).filter(pk__in=ids)


def _duty(duty_list: DutyList, duty_pk: int) -> Duty:
    duty = Duty.objects.select_related("person").filter(pk=duty_pk, duty_list=duty_list).first()
    if duty is None:
        raise Http404
    return duty


@permission_required("duties.manage")
def duty_edit(request, pk: int, duty_pk: int | None = None):
    """Add a duty to the list (or change one)."""
    duty_list = _list(request, pk)
    duty = _duty(duty_list, duty_pk) if duty_pk is not None else None
    initial = {"version": duty_list.version}
    if duty is not None:
        initial.update({name: getattr(duty, name) for name in services.DUTY_FIELDS})
    elif request.GET.get("holder") in Holder.values:
        initial["holder"] = request.GET["holder"]
    form = DutyForm(request.POST or None, people=_people(duty_list.organisation, duty), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            if duty is None:
                services.duty_add(duty_list=duty_list, version=version, actor=request.user, **data)
            else:
                services.duty_update(duty=duty, version=version, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The duty was saved."))
            return redirect(f"{duty_list_url(duty_list)}#holder-{data['holder']}")
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "duty_list": duty_list, "duty": duty}
    return render(request, "duties/list_duty_form.html", context, status=status)


def duty_list_url(duty_list: DutyList) -> str:
    return reverse("duties:list_detail", args=[duty_list.pk])


@require_POST
@permission_required("duties.manage")
def duty_remove(request, pk: int, duty_pk: int):
    duty_list = _list(request, pk)
    duty = _duty(duty_list, duty_pk)
    version = _int(request.POST.get("version"))
    _act(
        request,
        lambda: services.duty_remove(duty=duty, version=version, actor=request.user),
        _("The duty was removed."),
    )
    return redirect(f"{duty_list_url(duty_list)}#holder-{duty.holder}")


@require_POST
@permission_required("duties.manage")
def duty_move(request, pk: int, duty_pk: int):
    """Move a duty up or down among its holder's; an htmx request gets the holder's group back."""
    duty_list = _list(request, pk)
    duty = _duty(duty_list, duty_pk)
    try:
        services.duty_move(duty=duty, direction=request.POST.get("direction", ""), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if not request.htmx:
        return redirect(f"{duty_list_url(duty_list)}#holder-{duty.holder}")
    duty_list.refresh_from_db(fields=["version"])
    groups, _counts = services.list_groups(duty_list)
    group = next(g for g in groups if g.holder == duty.holder)
    context = {"duty_list": duty_list, "group": group, "may_manage": True}
    return render(request, "duties/partials/list_group.html", context)


# -- mine -------------------------------------------------------------------------------------------------


@login_required
def my_duties(request):
    """The duties that fall to the logged-in member this year (or the year asked), by unit and holder."""
    member = getattr(request.user, "member", None)
    this_year = timezone.localdate().year
    year = _int(request.GET.get("year")) or this_year
    rows = services.member_duties(member, year) if member is not None else []
    units: list[dict] = []
    for row in rows:
        if not units or units[-1]["list"].pk != row.duty_list.pk:
            units.append({"list": row.duty_list, "rows": []})
        units[-1]["rows"].append(row)
    context = {
        "member": member,
        "year": year,
        "years": [this_year + 1, this_year, this_year - 1, this_year - 2],
        "units": units,
    }
    return render(request, "duties/list_mine.html", context)


urls = [
    path("lists/", list_list, name="list_list"),
    path("lists/new/", list_create, name="list_create"),
    path("lists/mine/", my_duties, name="my_duties"),
    path("lists/<int:pk>/", list_detail, name="list_detail"),
    path("lists/<int:pk>/edit/", list_update, name="list_update"),
    path("lists/<int:pk>/publish/", list_publish, name="list_publish"),
    path("lists/<int:pk>/copy/", list_copy_year, name="list_copy_year"),
    path("lists/<int:pk>/delete/", list_delete, name="list_delete"),
    path("lists/<int:pk>/export/", list_export, name="list_export"),
    path("lists/<int:pk>/duties/new/", duty_edit, name="duty_create"),
    path("lists/<int:pk>/duties/<int:duty_pk>/", duty_edit, name="duty_update"),
    path("lists/<int:pk>/duties/<int:duty_pk>/remove/", duty_remove, name="duty_remove"),
    path("lists/<int:pk>/duties/<int:duty_pk>/move/", duty_move, name="duty_move"),
]
