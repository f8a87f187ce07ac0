"""The library over the API: list and search, a material, writing one (a form with an optional file, as the
page sends it), publishing and withdrawing, and a member marking one finished."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Organisation
from qinglian.study.models import Material
from qinglian.study.services import library as services
from qinglian.study.vocab import MaterialKind, PublishStatus, TopicKind

router = Router(tags=["study"])


class MaterialOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    kind: str
    title: str
    summary: str
    category: str
    topic: str
    status: str
    published_at: datetime | None
    file_name: str
    content_type: str
    file_size: int
    file_url: str | None
    url: str
    minutes: int
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.full_name if obj.category else ""

    @staticmethod
    def resolve_file_url(obj) -> str | None:
        return reverse("study:material_file", args=[obj.pk]) if obj.file else None


class MaterialDetailOut(MaterialOut):
    body: str
    tags: list[str]
    opened_at: datetime | None = None
    finished_at: datetime | None = None

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_opened_at(obj):
        return obj.reading.opened_at if obj.reading else None

    @staticmethod
    def resolve_finished_at(obj):
        return obj.reading.finished_at if obj.reading else None


class MaterialIn(Schema):
    kind: MaterialKind = MaterialKind.ARTICLE
    title: str = ""
    summary: str = ""
    body: str = ""
    url: str = ""
    category: str = ""
    tags: str = ""
    topic: TopicKind = TopicKind.CHARTER
    minutes: int = 0


class MaterialCreateIn(MaterialIn):
    organisation_id: int


class MaterialUpdateIn(MaterialIn):
    version: int


class LibraryTransitionIn(Schema):
    version: int
    status: PublishStatus


class FinishOut(Schema):
    material_id: int
    opened_at: datetime
    finished_at: datetime | None


def _material(request, material_id: int) -> Material:
    material = services.materials_readable(request.user).select_related("organisation", "category")
    material = material.filter(pk=material_id).first()
    if material is None:
        raise Http404
    return material


def _editable(request, material_id: int) -> Material:
    material = _material(request, material_id)
    if not services.material_may_edit(request.user, material):
        raise Http404
    return material


def _detail(request, material: Material) -> Material:
    """The material with the caller's reading record, for MaterialDetailOut."""
    member = getattr(request.user, "member", None)
    material.reading = material.readings.filter(member=member).first() if member is not None else None
    return material


@router.get("/library/materials", response=list[MaterialOut], summary="Materials the caller may read")
@paginate(IdPageNumberPagination)
def material_list(request, q: str = "", category: int | None = None, tag: str = "", topic: str = "", kind: str = ""):
    """Published materials of the caller's unit and the units above it, and every material where the caller
    holds study.manage; `q` searches titles and texts (Chinese too), best matches first."""
    materials, _filters = services.materials_filter(
        request.user, {"q": q, "category": category, "tag": tag, "topic": topic, "kind": kind}
    )
    return materials


@router.get("/library/materials/{material_id}", response=MaterialDetailOut, summary="A material")
def material_get(request, material_id: int):
    """The material; opening it records, once, that the caller's member record opened it."""
    material = _material(request, material_id)
    member = getattr(request.user, "member", None)
    if member is not None and material.status == PublishStatus.PUBLISHED:
        services.material_open(material=material, member=member)
    return _detail(request, material)


@router.post("/library/materials", response={201: MaterialDetailOut}, summary="Add a material (draft)")
def material_create(request, payload: Form[MaterialCreateIn], file: File[UploadedFile] = None):
    """A form (multipart when there is a file): documents, audio and video need `file`."""
    org = get_visible_or_404(Organisation.objects, request.user, "study.manage", pk=payload.organisation_id)
    data = payload.dict()
    data.pop("organisation_id")
    material = services.material_create(org=org, file=file, actor=request.user, **data)
    return Status(201, _detail(request, _material(request, material.pk)))


@router.post("/library/materials/{material_id}", response=MaterialDetailOut, summary="Change a material")
def material_update(request, material_id: int, payload: Form[MaterialUpdateIn], file: File[UploadedFile] = None):
    """Without `file` the material keeps its file; a stale `version` is refused (409)."""
    material = _editable(request, material_id)
    data = payload.dict()
    version = data.pop("version")
    services.material_update(material=material, version=version, file=file, actor=request.user, **data)
    return _detail(request, _material(request, material.pk))


@router.post(
    "/library/materials/{material_id}/status", response=MaterialDetailOut, summary="Publish or withdraw a material"
)
def material_transition(request, material_id: int, payload: LibraryTransitionIn):
    material = _editable(request, material_id)
    services.material_transition(material=material, version=payload.version, status=payload.status, actor=request.user)
    return _detail(request, _material(request, material.pk))


@router.post("/library/materials/{material_id}/finish", response=FinishOut, summary="I have finished studying it")
def material_finish(request, material_id: int):
    material = _material(request, material_id)
    member = getattr(request.user, "member", None)
    if member is None:
        raise PermissionDenied(_("Your login has no member record, so no study can be recorded for it."))
    record = services.material_finish(material=material, member=member, actor=request.user)
    return {"material_id": material.pk, "opened_at": record.opened_at, "finished_at": record.finished_at}
