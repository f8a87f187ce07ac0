"""Membership transfers over the API: the same QuerySets and services as the pages."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Member, Organisation, Transfer
from qinglian.orgs.services import transfers as services
from qinglian.orgs.vocab import TransferKind, TransferScope, TransferStatus

router = Router(tags=["transfers"])
PERMISSION = services.PERMISSION


class TransferOut(Schema):
    id: UUID
    kind: str
    status: str
    member_id: int | None
    person_name: str
    from_org_id: int | None
    from_org_name: str
    to_org_id: int | None
    to_org_name: str
    external_unit: str
    letter_no: str
    scope: str
    valid_days: int
    dues_paid_until: date | None
    reason: str
    return_reason: str
    requested_on: date
    expires_on: date
    expired: bool
    version: int

    @staticmethod
    def resolve_from_org_name(obj) -> str:
        return obj.from_org.name if obj.from_org_id else ""

    @staticmethod
    def resolve_to_org_name(obj) -> str:
        return obj.to_org.name if obj.to_org_id else ""

    @staticmethod
    def resolve_expired(obj) -> bool:
        return obj.status == TransferStatus.PENDING and services.is_expired(obj)


class IncomingIn(Schema):
    name: str
    gender: str
    id_number: str
    category: str
    joined_on: date


class TransferIn(Schema):
    kind: TransferKind
    member_id: int | None = None
    incoming: IncomingIn | None = None
    to_org_id: int | None = None
    external_unit: str = ""
    letter_no: str = ""
    scope: TransferScope = TransferScope.COMMITTEE
    valid_days: int = 30
    dues_paid_until: date | None = None
    reason: str = ""


class TransferTransitionIn(Schema):
    to_status: TransferStatus
    version: int
    reason: str = ""


def _visible(request):
    return Transfer.objects.visible_to(request.user, PERMISSION).select_related("member", "from_org", "to_org")


def _get(request, transfer_id: UUID) -> Transfer:
    transfer = _visible(request).filter(pk=transfer_id).first()
    if transfer is None:
        raise Http404
    return transfer


@router.get("/transfers", response=list[TransferOut], summary="Transfers leaving or arriving at my organisations")
@paginate(PageNumberPagination)
def transfer_list(request, direction: str = "all", status: str = ""):
    qs = _visible(request)
    if direction == "incoming":
        qs = qs.incoming_to(request.user)
    elif direction == "outgoing":
        qs = qs.outgoing_from(request.user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_on", "-id")


@router.get("/transfers/{transfer_id}", response=TransferOut, summary="One transfer")
def transfer_get(request, transfer_id: UUID):
    return _get(request, transfer_id)


@router.post("/transfers", response={201: TransferOut}, summary="Issue a transfer letter")
def transfer_create(request, payload: TransferIn):
    member = None
    if payload.member_id is not None:
        member = get_visible_or_404(Member.objects, request.user, PERMISSION, pk=payload.member_id)
    to_org = None
    if payload.to_org_id is not None:
        # Any branch of the system, even a dissolved one, so that the service can say why it is refused.
        to_org = Organisation.objects.branches().filter(pk=payload.to_org_id).first()
        if to_org is None:
            raise Http404
    incoming = payload.incoming.dict() if payload.incoming else None
    if incoming:
        incoming["joined_on"] = incoming["joined_on"].isoformat()
    fields = payload.dict(exclude={"kind", "member_id", "incoming", "to_org_id"})
    transfer = services.transfer_request(
        kind=payload.kind, member=member, incoming=incoming, to_org=to_org, actor=request.user, **fields
    )
    return Status(201, _get(request, transfer.pk))


@router.post("/transfers/{transfer_id}/transition", response=TransferOut, summary="Accept, return or cancel")
def transfer_transition(request, transfer_id: UUID, payload: TransferTransitionIn):
    transfer = _get(request, transfer_id)
    services.transfer_transition(transfer=transfer, actor=request.user, **payload.dict())
    return _get(request, transfer_id)
