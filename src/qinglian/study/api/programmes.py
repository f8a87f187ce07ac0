"""Programmes over the API: the list and one programme with its topics and progress, setting and publishing one,
its topics, and what the caller has due."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import get_visible_or_404, scope_q
from qinglian.orgs.models import Member, Organisation
from qinglian.study.models import Exam, Material, Programme, ProgrammeItem
from qinglian.study.services import programmes as services
from qinglian.study.vocab import PublishStatus, TopicKind

router = Router(tags=["study"])


class ProgrammeOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    title: str
    description: str
    starts_on: date
    ends_on: date
    status: str
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class ProgrammeItemOut(Schema):
    id: int
    position: int
    topic: str
    title: str
    description: str
    starts_on: date
    due_on: date
    hours: Decimal
    material_ids: list[int]
    exam_id: int | None

    @staticmethod
    def resolve_material_ids(obj) -> list[int]:
        return [m.pk for m in obj.materials.all()]


class UnitProgressOut(Schema):
    organisation_id: int
    organisation_name: str
    members: int
    done: list[int]


class ProgrammeDetailOut(ProgrammeOut):
    unit_ids: list[int]
    member_ids: list[int]
    items: list[ProgrammeItemOut]
    progress: list[UnitProgressOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return obj.items_list


class ProgrammeIn(Schema):
    title: str = ""
    description: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    unit_ids: list[int] = []
    member_ids: list[int] = []


class ProgrammeCreateIn(ProgrammeIn):
    organisation_id: int


class ProgrammeUpdateIn(ProgrammeIn):
    version: int


class ProgrammeItemIn(Schema):
    version: int
    topic: TopicKind
    title: str = ""
    description: str = ""
    starts_on: date | None = None
    due_on: date | None = None
    hours: Decimal = Decimal(0)
    material_ids: list[int] = []
    exam_id: int | None = None


class ProgrammeTransitionIn(Schema):
    version: int
    status: PublishStatus


class ProgrammeDueOut(Schema):
    programme_id: int
    programme_title: str
    item: ProgrammeItemOut
    status: str


def _programme(request, programme_id: int, action: str = "study.view") -> Programme:
    return get_visible_or_404(Programme.objects.select_related("organisation"), request.user, action, pk=programme_id)


def _detail(programme: Programme) -> Programme:
    """The programme with its audience, topics and per-unit progress, for ProgrammeDetailOut."""
    items = list(programme.items.select_related("exam").prefetch_related("materials"))
    programme.unit_ids = list(programme.units.values_list("pk", flat=True))
    programme.member_ids = list(programme.members.values_list("pk", flat=True))
    programme.items_list = items
    programme.progress = [
        {
            "organisation_id": row["unit"].pk,
            "organisation_name": row["unit"].name,
            "members": row["members"],
            "done": row["cells"],
        }
        for row in services.programme_progress(programme, items)
    ]
    return programme


def _audience(request, payload: ProgrammeIn) -> dict:
    units = list(Organisation.objects.visible_to(request.user, "study.manage").filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise ValidationError({"unit_ids": _("Some of the units are not within your organisations.")})
    members = list(
        Member.objects.filter(scope_q(request.user, "study.manage", model=Member), pk__in=payload.member_ids)
    )
    if len(members) != len(set(payload.member_ids)):
        raise ValidationError({"member_ids": _("Some of the members are not within your organisations.")})
    return {
        "title": payload.title,
        "description": payload.description,
        "starts_on": payload.starts_on,
        "ends_on": payload.ends_on,
        "units": units,
        "members": members,
    }


@router.get("/programmes/mine", response=list[ProgrammeDueOut], summary="What the caller has to study")
def programmes_mine(request):
    """Each topic of the caller's published programmes with its status: upcoming, open, due_soon, overdue, done."""
    member = getattr(request.user, "member", None)
    if member is None:
        return []
    return [
        {"programme_id": p.pk, "programme_title": p.title, "item": item, "status": status}
        for p, item, status in services.programmes_due(member)
    ]


@router.get("/programmes", response=list[ProgrammeOut], summary="Programmes the caller may see")
@paginate(IdPageNumberPagination)
def programme_list(request, year: int | None = None):
    programmes = Programme.objects.visible_to(request.user, "study.view").select_related("organisation")
    if year is not None:
        programmes = programmes.filter(year=year)
    return programmes.order_by("-year", "-starts_on", "-pk")


@router.get("/programmes/{programme_id}", response=ProgrammeDetailOut, summary="A programme")
def programme_get(request, programme_id: int):
    return _detail(_programme(request, programme_id))


@router.post("/programmes", response={201: ProgrammeDetailOut}, summary="Set a programme (draft)")
def programme_create(request, payload: ProgrammeCreateIn):
    org = get_visible_or_404(Organisation.objects, request.user, "study.manage", pk=payload.organisation_id)
    programme = services.programme_create(org=org, actor=request.user, **_audience(request, payload))
    return Status(201, _detail(_programme(request, programme.pk)))


@router.post("/programmes/{programme_id}", response=ProgrammeDetailOut, summary="Change a programme")
def programme_update(request, programme_id: int, payload: ProgrammeUpdateIn):
    programme = _programme(request, programme_id, "study.manage")
    services.programme_update(
        programme=programme, version=payload.version, actor=request.user, **_audience(request, payload)
    )
    return _detail(_programme(request, programme_id))


@router.post("/programmes/{programme_id}/status", response=ProgrammeDetailOut, summary="Publish or withdraw")
def programme_transition(request, programme_id: int, payload: ProgrammeTransitionIn):
    programme = _programme(request, programme_id, "study.manage")
    if payload.status == PublishStatus.PUBLISHED:
        services.programme_publish(programme=programme, version=payload.version, actor=request.user)
    elif payload.status == PublishStatus.WITHDRAWN:
        services.programme_withdraw(programme=programme, version=payload.version, actor=request.user)
    else:
        raise ValidationError({"status": _("A programme can be published or withdrawn.")})
    return _detail(_programme(request, programme_id))


def _item_fields(programme: Programme, payload: ProgrammeItemIn) -> dict:
    materials = list(Material.objects.filter(pk__in=payload.material_ids))
    if len(materials) != len(set(payload.material_ids)):
        raise ValidationError({"material_ids": _("Some of the materials do not exist.")})
    exam = None
    if payload.exam_id is not None:
        exam = Exam.objects.filter(pk=payload.exam_id).first()
        near = exam is not None and (
            programme.organisation.is_within(exam.organisation) or exam.organisation.is_within(programme.organisation)
        )
        if not near:
            raise ValidationError({"exam_id": _("No such exam for this unit.")})
    data = payload.dict(exclude={"version", "material_ids", "exam_id"})
    return {**data, "materials": materials, "exam": exam}


@router.post("/programmes/{programme_id}/items", response={201: ProgrammeItemOut}, summary="Add a topic")
def item_create(request, programme_id: int, payload: ProgrammeItemIn):
    programme = _programme(request, programme_id, "study.manage")
    item = services.item_save(
        programme=programme, version=payload.version, actor=request.user, **_item_fields(programme, payload)
    )
    return Status(201, item)


def _item(programme: Programme, item_id: int) -> ProgrammeItem:
    item = ProgrammeItem.objects.filter(pk=item_id, programme=programme).first()
    if item is None:
        raise Http404
    return item


@router.post("/programmes/{programme_id}/items/{item_id}", response=ProgrammeItemOut, summary="Change a topic")
def item_update(request, programme_id: int, item_id: int, payload: ProgrammeItemIn):
    programme = _programme(request, programme_id, "study.manage")
    item = _item(programme, item_id)
    return services.item_save(
        programme=programme, version=payload.version, item=item, actor=request.user, **_item_fields(programme, payload)
    )


@router.delete("/programmes/{programme_id}/items/{item_id}", response={204: None}, summary="Remove a topic")
def item_delete(request, programme_id: int, item_id: int, version: int):
    programme = _programme(request, programme_id, "study.manage")
    services.item_remove(item=_item(programme, item_id), version=version, actor=request.user)
    return Status(204, None)
