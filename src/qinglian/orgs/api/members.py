from datetime import date

from django.db.models import Q
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Member, Organisation

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    category: str
    organisation_id: int
    post: str
    joined_on: date | None


@router.get("/{org_id}/members", response=list[MemberOut], summary="Members of an organisation and its subtree")
@paginate(PageNumberPagination)
def member_list(request, org_id: int, q: str = ""):
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id)
    qs = Member.objects.visible_to(request.user).in_subtree(org)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()))
    return qs
