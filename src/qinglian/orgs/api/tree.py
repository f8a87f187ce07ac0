from datetime import date

from django.db.models import Q
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs import services
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Department, Organisation

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    code: str
    parent_id: int | None
    path: str
    depth: int
    is_active: bool
    version: int
    founded_on: date | None
    department_id: int | None
    is_village_or_community: bool
    dissolved_on: date | None
    successor_id: int | None


class OrganisationIn(Schema):
    name: str
    kind: Organisation.Kind
    short_name: str = ""
    code: str = ""


class RenameIn(Schema):
    name: str
    short_name: str = ""
    version: int


class UpdateIn(Schema):
    """Only the fields sent change."""

    short_name: str | None = None
    code: str | None = None
    founded_on: date | None = None
    department_id: int | None = None
    is_village_or_community: bool | None = None
    version: int | None = None


class MergeIn(Schema):
    target_id: int
    reason: str


class DissolveIn(Schema):
    dissolved_on: date
    successor_id: int | None = None
    reason: str


class OrgMoveIn(Schema):
    new_parent_id: int
    reason: str = ""


@router.get("/", response=list[OrganisationOut], summary="Organisations I may see")
@paginate(PageNumberPagination)
def org_list(request, parent_id: int | None = None, q: str = ""):
    qs = Organisation.objects.visible_to(request.user).order_by("path")
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_initials__startswith=q.lower()))
    return qs


@router.get("/{org_id}", response=OrganisationOut, summary="One organisation")
def org_get(request, org_id: int):
    return get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id)


@router.post("/{org_id}/children", response={201: OrganisationOut}, summary="Add a subordinate organisation")
def org_create(request, org_id: int, payload: OrganisationIn):
    parent = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    return Status(201, services.org_create(parent=parent, actor=request.user, **payload.dict()))


@router.post("/{org_id}/rename", response=OrganisationOut, summary="Rename (with the version you read)")
def org_rename(request, org_id: int, payload: RenameIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    return services.org_rename(org=org, actor=request.user, **payload.dict())


@router.post("/{org_id}/move", response=OrganisationOut, summary="Move with the whole subtree")
def org_move(request, org_id: int, payload: OrgMoveIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    parent = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=payload.new_parent_id)
    return services.org_move(org=org, new_parent=parent, actor=request.user, reason=payload.reason)


@router.post("/{org_id}/update", response=OrganisationOut, summary="Change details (only the fields sent)")
def org_update(request, org_id: int, payload: UpdateIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    changes = payload.dict(exclude_unset=True)
    if "department_id" in changes:
        department_id = changes.pop("department_id")
        changes["department"] = department_id and get_visible_or_404(
            Department.objects, request.user, "org.view", pk=department_id
        )
    return services.org_update(org=org, actor=request.user, **changes)


@router.post("/{org_id}/merge", response=OrganisationOut, summary="Merge into another organisation (returns it)")
def org_merge(request, org_id: int, payload: MergeIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    target = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=payload.target_id)
    return services.org_merge(source=org, target=target, actor=request.user, reason=payload.reason)


@router.post("/{org_id}/dissolve", response=OrganisationOut, summary="Dissolve (no members, no active subordinates)")
def org_dissolve(request, org_id: int, payload: DissolveIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    successor = None
    if payload.successor_id is not None:
        successor = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=payload.successor_id)
    return services.org_dissolve(
        org=org, on=payload.dissolved_on, successor=successor, actor=request.user, reason=payload.reason
    )
