"""Programme pages: the list of a scope's programmes, one programme with its topics and each unit's progress,
setting and publishing one, its topics one form at a time, and the member's own study plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
from qinglian.orgs.access import can, get_visible_or_404, has_permission, scope_q
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import PATH_END, Member, Organisation, ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.study.forms.programmes import ItemForm, ProgrammeForm
from qinglian.study.models import Exam, Material, Programme, ProgrammeItem
from qinglian.study.services import programmes as services
from qinglian.study.vocab import PublishStatus

CHOICES = 500  # units, members and materials offered on a form at most


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@permission_required("study.view")
def programme_list(request):
    root = scope_or_404(request)
    programmes = (
        Programme.objects.visible_to(request.user, "study.view")
        .in_subtree(root)
        .select_related("organisation")
        .order_by("-year", "-starts_on", "-pk")
    )
    year = _int(request.GET.get("year"))
    if year:
        programmes = programmes.filter(year=year)
    page = id_page(programmes, per_page=30, number=request.GET.get("page"))
    counts = dict(
        ProgrammeItem.objects.filter(programme_id__in=[p.pk for p in page.object_list])
        .values_list("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    for programme in page.object_list:
        programme.item_count = counts.get(programme.pk, 0)
    context = {
        "root": root,
        "page": page,
        "year": year,
        "may_set": has_permission(request.user, "study.manage"),
        "from_above": _set_above(request, root),
    }
    return render(request, "study/programme_list.html", context)


def _choices(user):
    units = Organisation.objects.filter(
        pk__in=list(
            Organisation.objects.visible_to(user, "study.manage").active().values_list("pk", flat=True)[:CHOICES]
        )
    ).order_by("path")
    member_ids = Member.objects.filter(scope_q(user, "study.manage", model=Member), status__in=ON_REGISTER)
    members = Member.objects.filter(pk__in=list(member_ids.values_list("pk", flat=True)[:CHOICES])).order_by("name")
    return units, members


def _programme(request, pk: int, action: str) -> Programme:
    return get_visible_or_404(Programme.objects.select_related("organisation"), request.user, action, pk=pk)


def _set_above(request, root):
    """Published programmes that units above `root` set for it: its people follow their own members' progress."""
    if not can(request.user, "study.view", root):
        return []
    return list(
        Programme.objects.published()
        .filter(units__path__in=ancestor_paths(root.path))
        .exclude(organisation__path__gte=root.path, organisation__path__lt=root.path + PATH_END)
        .select_related("organisation")
        .distinct()
        .order_by("-year", "-starts_on", "-pk")[:20]
    )


def _programme_read(request, pk: int) -> tuple[Programme, Organisation | None]:
    """The programme and the unit whose progress the user reads: all of it for those who may read where it was
    set; for a unit's people below, a published programme addressed to their unit, for their scope only."""
    programme = Programme.objects.select_related("organisation").filter(pk=pk).first()
    if programme is not None and can(request.user, "study.view", programme):
        return programme, None
    root = scope_or_404(request)
    if (
        programme is None
        or programme.status != PublishStatus.PUBLISHED
        or not can(request.user, "study.view", root)
        or not programme.units.filter(path__in=ancestor_paths(root.path)).exists()
    ):
        raise Http404(_("No such record, or it is not within your organisations."))
    return programme, root


@permission_required("study.manage")
def programme_create(request):
    units, members = _choices(request.user)
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today.replace(month=12, day=31), "organisation": units.first()}
    form = ProgrammeForm(request.POST or None, units=units, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        org = data.pop("organisation")
        try:
            programme = services.programme_create(org=org, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The programme was saved as a draft. Add its topics, then publish it."))
            return redirect("study:programme_detail", pk=programme.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "study/programme_form.html", {"form": form, "programme": None}, status=status)


@permission_required("study.manage")
def programme_update(request, pk: int):
    programme = _programme(request, pk, "study.manage")
    units, members = _choices(request.user)
    units = units.filter(path__gte=programme.organisation.path)
    initial = {
        "organisation": programme.organisation,
        "title": programme.title,
        "description": programme.description,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "units": list(programme.units.all()),
        "members": list(programme.members.all()),
        "version": programme.version,
    }
    form = ProgrammeForm(request.POST or None, units=units, members=members, initial=initial)
    form.fields["organisation"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("organisation")
        version = data.pop("version")
        try:
            services.programme_update(programme=programme, version=version, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("study:programme_detail", pk=programme.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "study/programme_form.html", {"form": form, "programme": programme}, status=status)


def _item_choices(programme: Programme):
    org = programme.organisation
    materials = Material.objects.filter(organisation__path__in=ancestor_paths(org.path)) | Material.objects.in_subtree(
        org
    )
    materials = Material.objects.filter(pk__in=list(materials.values_list("pk", flat=True)[:CHOICES]))
    exams = Exam.objects.filter(organisation__path__in=ancestor_paths(org.path)) | Exam.objects.filter(
        organisation__path__gte=org.path, organisation__path__lt=org.path + "~"
    )
    return materials.order_by("title"), exams.order_by("-pk")


@permission_required("study.view")
def programme_detail(request, pk: int):
    programme, within = _programme_read(request, pk)
    items = list(programme.items.select_related("exam").prefetch_related("materials"))
    may_manage = within is None and can(request.user, "study.manage", programme)
    item_form = None
    if may_manage:
        materials, exams = _item_choices(programme)
        item_form = ItemForm(
            materials=materials,
            exams=exams,
            initial={"starts_on": programme.starts_on, "due_on": programme.ends_on, "version": programme.version},
        )
    context = {
        "programme": programme,
        "items": items,
        "units": list(programme.units.all()),
        "members": list(
            programme.members.filter(subtree_q(within.path, "organisation__")) if within else programme.members.all()
        ),
        "progress": services.programme_progress(programme, items, within),
        "within": within,
        "may_manage": may_manage,
        "item_form": item_form,
    }
    return render(request, "study/programme_detail.html", context)


@permission_required("study.manage")
def item_edit(request, pk: int, item_pk: int | None = None):
    """Add a topic to the programme (or change one)."""
    programme = _programme(request, pk, "study.manage")
    item = None
    if item_pk is not None:
        item = ProgrammeItem.objects.filter(pk=item_pk, programme=programme).first()
        if item is None:
            raise Http404
    materials, exams = _item_choices(programme)
    initial = {"version": programme.version}
    if item is not None:
        initial.update(
            topic=item.topic, title=item.title, description=item.description, starts_on=item.starts_on,
            due_on=item.due_on, hours=item.hours, materials=list(item.materials.all()), exam=item.exam,
        )  # fmt: skip
    form = ItemForm(request.POST or None, materials=materials, exams=exams, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.item_save(programme=programme, version=version, item=item, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The topic was saved."))
            return redirect("study:programme_detail", pk=programme.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "programme": programme, "item": item}
    return render(request, "study/programme_item_form.html", context, status=status)


@require_POST
@permission_required("study.manage")
def item_remove(request, pk: int, item_pk: int):
    programme = _programme(request, pk, "study.manage")
    item = ProgrammeItem.objects.filter(pk=item_pk, programme=programme).first()
    if item is None:
        raise Http404
    try:
        services.item_remove(item=item, version=_int(request.POST.get("version")), actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The topic was removed."))
    return redirect("study:programme_detail", pk=programme.pk)


@require_POST
@permission_required("study.manage")
def programme_transition(request, pk: int):
    programme = _programme(request, pk, "study.manage")
    version = _int(request.POST.get("version"))
    change = services.programme_withdraw if request.POST.get("status") == PublishStatus.WITHDRAWN else (
        services.programme_publish
    )  # fmt: skip
    try:
        programme = change(programme=programme, version=version, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The programme is now {status}.").format(status=programme.get_status_display()))
    return redirect("study:programme_detail", pk=programme.pk)


@login_required
def my_programmes(request):
    """What the logged-in member has to study, with each topic's status."""
    member = getattr(request.user, "member", None)
    rows = services.programmes_due(member) if member is not None else []
    context = {
        "member": member,
        "rows": [
            {
                "programme": programme,
                "item": item,
                "status": status,
                "label": services.ItemStatus.labels[status],
                "badge": services.ItemStatus.badges[status],
            }
            for programme, item, status in rows
        ],
    }
    return render(request, "study/my_programmes.html", context)


urls = [
    path("programmes/", programme_list, name="programme_list"),
    path("programmes/new/", programme_create, name="programme_create"),
    path("programmes/mine/", my_programmes, name="my_programmes"),
    path("programmes/<int:pk>/", programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", programme_update, name="programme_update"),
    path("programmes/<int:pk>/status/", programme_transition, name="programme_transition"),
    path("programmes/<int:pk>/topics/new/", item_edit, name="programme_item_create"),
    path("programmes/<int:pk>/topics/<int:item_pk>/", item_edit, name="programme_item_update"),
    path("programmes/<int:pk>/topics/<int:item_pk>/remove/", item_remove, name="programme_item_remove"),
]
