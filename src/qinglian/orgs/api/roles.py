from datetime import date

from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Organisation, RoleAssignment

router = Router(tags=["roles"])


class AssignmentOut(Schema):
    id: int
    username: str
    role: str
    organisation_id: int
    include_subtree: bool
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_username(obj):
        return obj.user.username

    @staticmethod
    def resolve_role(obj):
        return obj.role.code


@router.get("/{org_id}/roles", response=list[AssignmentOut], summary="Role assignments in a subtree")
@paginate(PageNumberPagination)
def assignment_list(request, org_id: int, role: str = ""):
    org = get_visible_or_404(Organisation.objects, request.user, "role.assign", pk=org_id)
    qs = RoleAssignment.objects.active().in_subtree(org).assignable_by(request.user)
    qs = qs.filter(role__code=role) if role else qs
    return qs.select_related("user", "role").order_by("organisation__path", "id")
