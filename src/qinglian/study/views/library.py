"""Library pages: the list and search, a material's page with its player or download, the file itself (with
byte ranges, so video can be sought), writing and publishing a material, and who read it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import has_permission
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict
from qinglian.study.forms.library import MaterialForm
from qinglian.study.models import Category, Material, ReadingRecord
from qinglian.study.services import library as services
from qinglian.study.vocab import MaterialKind, PublishStatus, TopicKind

PER_PAGE = 20
UNIT_CHOICES = 300
CHUNK = 64 * 1024


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _material_or_404(user, pk: int) -> Material:
    material = services.materials_readable(user).select_related("organisation", "category").filter(pk=pk).first()
    if material is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return material


@login_required
def library(request):
    """Materials the user may read, searchable: member-friendly cards."""
    member = getattr(request.user, "member", None)
    editor = has_permission(request.user, "study.manage")
    materials, filters = services.materials_filter(request.user, request.GET)
    page = id_page(materials, per_page=PER_PAGE, number=request.GET.get("page"))
    finished = set()
    if member is not None:
        finished = set(
            ReadingRecord.objects.filter(
                member=member, material_id__in=[m.pk for m in page.object_list], finished_at__isnull=False
            ).values_list("material_id", flat=True)
        )
    for material in page.object_list:
        text = material.summary or material.search_text
        material.snippet = mark_safe(services.snippet(text, filters["q"]))  # escaped by snippet()
        material.finished = material.pk in finished
    context = {
        **filters,
        "page": page,
        "member": member,
        "editor": editor,
        "categories": Category.objects.all()[:500],
        "topics": TopicKind.choices,
        "kinds": MaterialKind.choices,
    }
    return render(request, "study/material_list.html", context)


@login_required
def material_detail(request, pk: int):
    material = _material_or_404(request.user, pk)
    member = getattr(request.user, "member", None)
    record = None
    if member is not None and material.status == PublishStatus.PUBLISHED:
        record = services.material_open(material=material, member=member)
    context = {
        "material": material,
        "record": record,
        "member": member,
        "tags": list(material.tags.all()),
        "may_edit": services.material_may_edit(request.user, material),
        "kinds": MaterialKind,
    }
    return render(request, "study/material_detail.html", context)


@login_required
def material_file(request, pk: int):
    """The material's file with its type; a `Range` request gets the bytes asked for (206)."""
    material = _material_or_404(request.user, pk)
    if not material.file:
        raise Http404
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    size = material.file.size
    content_type = material.content_type or "application/octet-stream"
    inline = material.kind in (MaterialKind.AUDIO, MaterialKind.VIDEO) or request.GET.get("download") != "1"
    try:
        wanted = services.file_stream_range(request.headers.get("Range", ""), size)
    except ValueError:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is None:
        response = FileResponse(handle, content_type=content_type)
    else:
        first, last = wanted
        handle.seek(first)

        def chunks(remaining=last - first + 1):
            try:
                while remaining > 0:
                    data = handle.read(min(CHUNK, remaining))
                    if not data:
                        break
                    remaining -= len(data)
                    yield data
            finally:
                handle.close()

        response = StreamingHttpResponse(chunks(), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = content_disposition_header(not inline, material.file_name or "file")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def material_finish(request, pk: int):
    material = _material_or_404(request.user, pk)
    member = getattr(request.user, "member", None)
    if member is None:
        messages.error(request, _("Your login has no member record, so no study can be recorded for it."))
    else:
        try:
            services.material_finish(material=material, member=member, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Recorded: you have finished studying this material."))
    return redirect("study:material_detail", pk=material.pk)


def _units(user):
    return Organisation.objects.visible_to(user, "study.manage").active().order_by("path")[:UNIT_CHOICES]


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("organisation", None)
    data.pop("version", None)
    data["minutes"] = data.get("minutes") or 0
    return data


@permission_required("study.manage")
def material_create(request):
    units = Organisation.objects.filter(pk__in=[u.pk for u in _units(request.user)])
    form = MaterialForm(request.POST or None, request.FILES or None, units=units,
                        initial={"organisation": units.first()})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            material = services.material_create(
                org=form.cleaned_data["organisation"], actor=request.user, **_form_data(form)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The material was saved as a draft."))
            return redirect("study:material_detail", pk=material.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "study/material_form.html", {"form": form, "material": None}, status=status)


@permission_required("study.manage")
def material_update(request, pk: int):
    material = _material_or_404(request.user, pk)
    if not services.material_may_edit(request.user, material):
        raise Http404
    units = Organisation.objects.filter(pk=material.organisation_id)
    initial = {
        "organisation": material.organisation,
        "kind": material.kind,
        "title": material.title,
        "summary": material.summary,
        "body": material.body,
        "url": material.url,
        "category": material.category.full_name if material.category else "",
        "tags": ", ".join(t.name for t in material.tags.all()),
        "topic": material.topic,
        "minutes": material.minutes,
        "version": material.version,
    }
    form = MaterialForm(request.POST or None, request.FILES or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.material_update(
                material=material, version=form.cleaned_data["version"], actor=request.user, **_form_data(form)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The material was saved."))
            return redirect("study:material_detail", pk=material.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "study/material_form.html", {"form": form, "material": material}, status=status)


@require_POST
@permission_required("study.manage")
def material_transition(request, pk: int):
    material = _material_or_404(request.user, pk)
    if not services.material_may_edit(request.user, material):
        raise Http404
    try:
        material = services.material_transition(
            material=material,
            version=_int(request.POST.get("version")),
            status=request.POST.get("status", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The material is now {status}.").format(status=material.get_status_display()))
    return redirect("study:material_detail", pk=material.pk)


@permission_required("study.view")
def material_stats(request, pk: int):
    """How many members in the user's scope opened and finished the material, per unit."""
    material = _material_or_404(request.user, pk)
    stats = services.material_reading_stats(material, request.user)
    return render(request, "study/material_stats.html", {"material": material, "stats": stats})


urls = [
    path("library/", library, name="library"),
    path("library/new/", material_create, name="material_create"),
    path("library/<int:pk>/", material_detail, name="material_detail"),
    path("library/<int:pk>/file/", material_file, name="material_file"),
    path("library/<int:pk>/finish/", material_finish, name="material_finish"),
    path("library/<int:pk>/edit/", material_update, name="material_update"),
    path("library/<int:pk>/status/", material_transition, name="material_transition"),
    path("library/<int:pk>/readers/", material_stats, name="material_stats"),
]
