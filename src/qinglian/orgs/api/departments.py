"""Departments of agency Party committees: /api/v1/orgs/departments/..."""

from django.db.models import Count, Q
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs import services
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Department, Organisation
from qinglian.orgs.vocab import DepartmentKind

router = Router(tags=["departments"])


class DepartmentOut(Schema):
    id: int
    organisation_id: int
    name: str
    kind: str
    code: str
    order: int
    is_active: bool
    n_organisations: int = 0


class DepartmentIn(Schema):
    organisation_id: int
    name: str
    kind: DepartmentKind = DepartmentKind.OTHER
    code: str = ""
    order: int = 100


class DepartmentUpdateIn(Schema):
    name: str
    kind: DepartmentKind
    code: str = ""
    order: int = 100


class ActiveIn(Schema):
    is_active: bool
    reason: str = ""


def _counted(qs):
    return qs.annotate(n_organisations=Count("organisations", filter=Q(organisations__is_active=True)))


@router.get("/departments", response=list[DepartmentOut], summary="Departments I may see")
@paginate(PageNumberPagination)
def department_list(request, organisation_id: int | None = None, active: bool | None = None):
    qs = Department.objects.visible_to(request.user).order_by("organisation__path", "order", "name")
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return _counted(qs)


@router.post("/departments", response={201: DepartmentOut}, summary="Add a department to a Party committee")
def department_create(request, payload: DepartmentIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=payload.organisation_id)
    data = payload.dict(exclude={"organisation_id"})
    return Status(201, services.department_create(organisation=org, actor=request.user, **data))


@router.get("/departments/{department_id}", response=DepartmentOut, summary="One department")
def department_get(request, department_id: int):
    return get_visible_or_404(_counted(Department.objects), request.user, "org.view", pk=department_id)


@router.post("/departments/{department_id}", response=DepartmentOut, summary="Rename or reclassify")
def department_update(request, department_id: int, payload: DepartmentUpdateIn):
    department = get_visible_or_404(Department.objects, request.user, "org.manage", pk=department_id)
    return services.department_update(department=department, actor=request.user, **payload.dict())


@router.post("/departments/{department_id}/active", response=DepartmentOut, summary="Retire or bring back")
def department_active(request, department_id: int, payload: ActiveIn):
    department = get_visible_or_404(Department.objects, request.user, "org.manage", pk=department_id)
    if payload.is_active:
        return services.department_activate(department=department, actor=request.user)
    return services.department_deactivate(department=department, actor=request.user, reason=payload.reason)
