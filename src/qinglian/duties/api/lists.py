"""Duty lists over the API: the lists the caller may see, one list with its duties, making a list (empty, from
the model list, from the template above or from last year), changing it and its duties, publishing, the Word
export, and the caller's own duties."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.duties.models import Duty, DutyList
from qinglian.duties.services import lists as services
from qinglian.duties.vocab import Frequency, Holder
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Member, Organisation
from qinglian.reports import docx

router = Router(tags=["duties"])


class ListOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    title: str
    is_template: bool
    status: str
    published_at: datetime | None
    based_on_id: int | None
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class DutyListPersonOut(Schema):
    id: int
    name: str


class DutyOut(Schema):
    id: int
    holder: str
    post: str
    person_id: int | None
    area: str
    content: str
    basis: str
    frequency: str
    evidence: str
    order: int
    template_duty_id: int | None


class DutyDetailOut(DutyOut):
    mark: str | None = None
    holders_now: list[DutyListPersonOut] = []


class DifferencesOut(Schema):
    added: int
    changed: int
    removed: list[DutyOut]


class ListDetailOut(ListOut):
    duties: list[DutyDetailOut]
    differences: DifferencesOut

    @staticmethod
    def resolve_duties(obj) -> list:
        return obj.duties_read


class ListCreateIn(Schema):
    organisation_id: int
    year: int
    source: Literal["empty", "default", "template", "last_year"] = "empty"
    title: str = ""
    is_template: bool = False


class ListPatchIn(Schema):
    version: int
    title: str | None = None
    is_template: bool | None = None


class DutyListVersionIn(Schema):
    version: int


class DutyIn(Schema):
    version: int
    holder: Holder
    content: str = ""
    post: str = ""
    person_id: int | None = None
    area: str = ""
    basis: str = ""
    frequency: Frequency = Frequency.ONCE
    evidence: str = ""


class DutyPatchIn(Schema):
    version: int
    holder: Holder | None = None
    content: str | None = None
    post: str | None = None
    person_id: int | None = None
    area: str | None = None
    basis: str | None = None
    frequency: Frequency | None = None
    evidence: str | None = None


class DutyListMoveIn(Schema):
    direction: Literal["up", "down"]


class MyDutyOut(Schema):
    list_id: int
    list_title: str
    organisation_id: int
    organisation_name: str
    year: int
    why: str
    post: str
    duty: DutyOut


def _list(request, list_id: int, action: str = "duties.manage") -> DutyList:
    return get_visible_or_404(
        DutyList.objects.select_related("organisation", "based_on__organisation"), request.user, action, pk=list_id
    )


def _list_read(request, list_id: int) -> DutyList:
    """A list the caller may read: their units' lists, and the published templates above them."""
    duty_list = DutyList.objects.select_related("organisation", "based_on__organisation").filter(pk=list_id).first()
    if duty_list is None or not services.may_read(request.user, duty_list):
        raise Http404
    return duty_list


def _detail(duty_list: DutyList) -> DutyList:
    """The list with its duties in groups by holder (`duties_read`) and its `differences`, for ListDetailOut."""
    groups, counts = services.list_groups(duty_list)
    duty_list.duties_read = [duty for group in groups for duty in group.duties]
    duty_list.differences = {
        "added": counts["added"],
        "changed": counts["changed"],
        "removed": [duty for group in groups for duty in group.removed],
    }
    return duty_list


def _person(duty_list: DutyList, person_id: int | None) -> Member | None:
    if person_id is None:
        return None
    person = services.duty_people(duty_list.organisation).filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person_id": _("No such member in {unit}.").format(unit=duty_list.organisation.name)})
    return person


def _duty(duty_list: DutyList, duty_id: int) -> Duty:
    duty = Duty.objects.select_related("person").filter(pk=duty_id, duty_list=duty_list).first()
    if duty is None:
        raise Http404
    return duty


@router.get("/lists", response=list[ListOut], summary="Duty lists the caller may see")
@paginate(IdPageNumberPagination)
def list_list(request, year: int | None = None, organisation_id: int | None = None, template: bool | None = None):
    lists = DutyList.objects.visible_to(request.user).select_related("organisation")
    if year is not None:
        lists = lists.filter(year=year)
    if organisation_id is not None:
        lists = lists.filter(organisation_id=organisation_id)
    if template is not None:
        lists = lists.filter(is_template=template)
    return lists.order_by("-year", "organisation__path", "pk")


@router.get("/lists/mine", response=list[MyDutyOut], summary="The caller's own duties")
def my_duties(request, year: int | None = None):
    """The duties of the published lists of the year (this year by default) that fall to the caller: naming
    them, of a committee post they hold, or the committee's collective duties where they sit on it."""
    member = getattr(request.user, "member", None)
    if member is None:
        return []
    return [
        {
            "list_id": row.duty_list.pk,
            "list_title": row.duty_list.title,
            "organisation_id": row.duty_list.organisation_id,
            "organisation_name": row.duty_list.organisation.name,
            "year": row.duty_list.year,
            "why": row.why,
            "post": row.post,
            "duty": row.duty,
        }
        for row in services.member_duties(member, year)
    ]


@router.get("/lists/{list_id}", response=ListDetailOut, summary="A duty list with its duties")
def list_get(request, list_id: int):
    """Each duty with `mark` (added / changed against the list it was copied from, or null) and who holds it
    now; `differences.removed` are the duties of that list this one dropped."""
    return _detail(_list_read(request, list_id))


@router.post("/lists", response={201: ListDetailOut}, summary="Make a unit's duty list for a year (draft)")
def list_create(request, payload: ListCreateIn):
    """`source`: empty; default (the model list shipped with the system); template (the published template of
    the nearest unit above); last_year (the unit's own list of the year before)."""
    org = get_visible_or_404(Organisation.objects, request.user, "duties.manage", pk=payload.organisation_id)
    duty_list = services.list_create(org=org, actor=request.user, **payload.dict(exclude={"organisation_id"}))
    return Status(201, _detail(_list_read(request, duty_list.pk)))


@router.patch("/lists/{list_id}", response=ListDetailOut, summary="Change a list's title or template flag")
def list_patch(request, list_id: int, payload: ListPatchIn):
    duty_list = _list(request, list_id)
    services.list_update(
        duty_list=duty_list,
        version=payload.version,
        title=duty_list.title if payload.title is None else payload.title,
        is_template=duty_list.is_template if payload.is_template is None else payload.is_template,
        actor=request.user,
    )
    return _detail(_list_read(request, list_id))


@router.post("/lists/{list_id}/publish", response=ListDetailOut, summary="Publish a draft list")
def list_publish(request, list_id: int, payload: DutyListVersionIn):
    duty_list = _list(request, list_id)
    services.list_publish(duty_list=duty_list, version=payload.version, actor=request.user)
    return _detail(_list_read(request, list_id))


@router.post("/lists/{list_id}/copy", response={201: ListDetailOut}, summary="Make next year's list from this one")
def list_copy_year(request, list_id: int):
    duty_list = _list(request, list_id)
    copy = services.list_copy_year(duty_list=duty_list, actor=request.user)
    return Status(201, _detail(_list_read(request, copy.pk)))


@router.delete("/lists/{list_id}", response={204: None}, summary="Delete a draft list")
def list_delete(request, list_id: int, version: int):
    services.list_delete(duty_list=_list(request, list_id), version=version, actor=request.user)
    return Status(204, None)


@router.get("/lists/{list_id}/export", summary="The list as a Word document (.docx)")
def list_export(request, list_id: int):
    duty_list = _list_read(request, list_id)
    return docx.docx_response(services.list_document(duty_list), services.list_filename(duty_list))


@router.post("/lists/{list_id}/duties", response={201: DutyOut}, summary="Add a duty")
def duty_create(request, list_id: int, payload: DutyIn):
    duty_list = _list(request, list_id)
    data = payload.dict(exclude={"version", "person_id"})
    duty = services.duty_add(
        duty_list=duty_list,
        version=payload.version,
        person=_person(duty_list, payload.person_id),
        actor=request.user,
        **data,
    )
    return Status(201, duty)


@router.patch("/lists/{list_id}/duties/{duty_id}", response=DutyOut, summary="Change a duty")
def duty_patch(request, list_id: int, duty_id: int, payload: DutyPatchIn):
    """Fields left out keep their value; `person_id` null clears the person named."""
    duty_list = _list(request, list_id)
    duty = _duty(duty_list, duty_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    if "person_id" in data:
        data["person"] = _person(duty_list, data.pop("person_id"))
    for name in ("holder", "frequency", "content", "area", "basis", "evidence", "post"):
        if name in data and data[name] is None:
            raise ValidationError({name: _("This cannot be null.")})
    return services.duty_update(duty=duty, version=payload.version, actor=request.user, **data)


@router.delete("/lists/{list_id}/duties/{duty_id}", response={204: None}, summary="Remove a duty")
def duty_delete(request, list_id: int, duty_id: int, version: int):
    duty_list = _list(request, list_id)
    services.duty_remove(duty=_duty(duty_list, duty_id), version=version, actor=request.user)
    return Status(204, None)


@router.post("/lists/{list_id}/duties/{duty_id}/move", response=list[DutyOut], summary="Move a duty up or down")
def duty_move(request, list_id: int, duty_id: int, payload: DutyListMoveIn):
    """Among the duties of the same holder; answers the list's duties in their new order."""
    duty_list = _list(request, list_id)
    services.duty_move(duty=_duty(duty_list, duty_id), direction=payload.direction, actor=request.user)
    return list(duty_list.duties.order_by("order", "pk"))
