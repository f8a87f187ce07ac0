"""The member register's API: the same filters, services and access control as the pages."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs import services
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.filters import MemberFilterForm
from qinglian.orgs.models import Department, Member, Organisation
from qinglian.orgs.vocab import MemberStatus

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    organisation_id: int
    name: str
    name_pinyin: str
    gender: str
    ethnicity: str
    birth_date: date | None
    id_number_masked: str
    native_place: str
    education: str
    phone: str
    department_id: int | None
    post: str
    rank: str
    party_post: str
    category: str
    joined_on: date | None
    full_member_on: date | None
    probation_extended_to: date | None
    status: str
    status_since: date | None
    is_mobile: bool
    is_lost_contact: bool
    is_cadre: bool
    cadre_level: str
    user_id: int | None
    version: int


class MemberFilters(Schema):
    q: str = ""
    category: str = ""
    status: str = ""
    gender: str = ""
    ethnicity: str = ""
    age_band: str = ""
    education: str = ""
    joined_year: int | None = None
    post: str = ""


class MemberFields(Schema):
    ethnicity: str = ""
    birth_date: date | None = None
    native_place: str = ""
    education: str = ""
    phone: str = ""
    department_id: int | None = None
    post: str = ""
    rank: str = ""
    party_post: str = ""
    category: Member.Category = Member.Category.FULL
    joined_on: date | None = None
    full_member_on: date | None = None
    is_mobile: bool = False
    is_lost_contact: bool = False
    is_cadre: bool = False
    cadre_level: str = ""


class MemberIn(MemberFields):
    name: str
    gender: Member.Gender
    id_number: str = ""


class MemberPatch(MemberFields):
    """Only the fields sent are changed; `version` is the one read, refused with 409 if stale."""

    version: int
    name: str | None = None
    gender: Member.Gender | None = None
    id_number: str | None = None


class StatusIn(Schema):
    status: MemberStatus
    effective_on: date
    reason: str
    version: int | None = None


class RevealIn(Schema):
    reason: str


class MemberRevealOut(Schema):
    id_number: str


class ConfirmIn(Schema):
    on: date
    version: int | None = None


class MemberExtendIn(Schema):
    until: date
    reason: str
    version: int | None = None


class MemberCancelIn(Schema):
    on: date
    reason: str
    version: int | None = None


def _member(request, member_id: int, action: str = "member.view") -> Member:
    return get_visible_or_404(Member.objects.select_related("organisation"), request.user, action, pk=member_id)


def _fields(payload: Schema, org: Organisation, *, only_sent: bool) -> dict:
    data = payload.dict(exclude_unset=only_sent)
    data.pop("version", None)
    if "department_id" in data:
        dept_id = data.pop("department_id")
        ancestors = [org.path[:i] for i in range(4, len(org.path) + 1, 4)]
        department = Department.objects.filter(pk=dept_id, organisation__path__in=ancestors).first()
        if dept_id is not None and department is None:
            raise ValidationError({"department_id": _("No such department above this organisation.")})
        data["department"] = department
    return data


@router.get("/{org_id}/members", response=list[MemberOut], summary="Members of an organisation and its subtree")
@paginate(IdPageNumberPagination)
def member_list(request, org_id: int, filters: Query[MemberFilters]):
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id)
    form = MemberFilterForm({k: v for k, v in filters.dict().items() if v not in ("", None)})
    if form.is_bound and not form.is_valid():
        raise ValidationError({field: errors for field, errors in form.errors.items()})
    return form.apply(Member.objects.visible_to(request.user).in_subtree(org)).order_by("name_pinyin", "id")


@router.post("/{org_id}/members", response={201: MemberOut}, summary="Put a member on an organisation's register")
def member_create(request, org_id: int, payload: MemberIn):
    org = get_visible_or_404(Organisation.objects, request.user, "member.manage", pk=org_id)
    member = services.member_create(organisation=org, actor=request.user, **_fields(payload, org, only_sent=False))
    return Status(201, member)


@router.get("/members/{member_id}", response=MemberOut, summary="One member (the ID number masked)")
def member_get(request, member_id: int):
    return _member(request, member_id)


@router.patch("/members/{member_id}", response=MemberOut, summary="Change a member's register entry")
def member_update(request, member_id: int, payload: MemberPatch):
    member = _member(request, member_id, "member.manage")
    fields = _fields(payload, member.organisation, only_sent=True)
    return services.member_update(member=member, actor=request.user, version=payload.version, **fields)


@router.post("/members/{member_id}/status", response=MemberOut, summary="Change a member's status from a date")
def member_status(request, member_id: int, payload: StatusIn):
    member = _member(request, member_id, "member.manage")
    services.member_change_status(member=member, actor=request.user, **payload.dict())
    return member


@router.post(
    "/members/{member_id}/id-number", response=MemberRevealOut, summary="The full ID number (audited, with reason)"
)
def member_reveal_id(request, member_id: int, payload: RevealIn):
    member = _member(request, member_id)
    if not can(request.user, "member.view_id", member):
        raise PermissionDenied
    number = services.member_reveal_id_number(member=member, actor=request.user, reason=payload.reason)
    return {"id_number": number}


@router.post("/members/{member_id}/probation/confirm", response=MemberOut, summary="Make a full member")
def member_confirm_full(request, member_id: int, payload: ConfirmIn):
    member = _member(request, member_id, "member.manage")
    return services.member_confirm_full(member=member, actor=request.user, **payload.dict())


@router.post("/members/{member_id}/probation/extend", response=MemberOut, summary="Extend probation once")
def member_extend_probation(request, member_id: int, payload: MemberExtendIn):
    member = _member(request, member_id, "member.manage")
    return services.member_extend_probation(member=member, actor=request.user, **payload.dict())


@router.post(
    "/members/{member_id}/probation/cancel", response=MemberOut, summary="Cancel the probationary qualification"
)
def member_cancel_probation(request, member_id: int, payload: MemberCancelIn):
    member = _member(request, member_id, "member.manage")
    services.member_cancel_probation(member=member, actor=request.user, **payload.dict())
    return member
