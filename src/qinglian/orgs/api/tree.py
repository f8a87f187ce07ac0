from django.db.models import Q
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs import services
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Organisation

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


class OrganisationIn(Schema):
    name: str
    kind: Organisation.Kind
    short_name: str = ""
    code: str = ""


class RenameIn(Schema):
    name: str
    short_name: str = ""
    version: int


class MoveIn(Schema):
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
    return 201, services.org_create(parent=parent, actor=request.user, **payload.dict())


@router.post("/{org_id}/rename", response=OrganisationOut, summary="Rename (with the version you read)")
def org_rename(request, org_id: int, payload: RenameIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    return services.org_rename(org=org, actor=request.user, **payload.dict())


@router.post("/{org_id}/move", response=OrganisationOut, summary="Move with the whole subtree")
def org_move(request, org_id: int, payload: MoveIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    parent = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=payload.new_parent_id)
    return services.org_move(org=org, new_parent=parent, actor=request.user, reason=payload.reason)
