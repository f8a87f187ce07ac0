"""Integrity opinion replies over the API: the list with its filters, compiling a reply on a cadre, one reply
with the facts it was compiled from, changing a draft, signing it, deleting it, and the letter as .docx.

Only holders of risks.opinion at the cadre's unit see or touch a reply; anybody else gets 404. Opening a reply
and exporting it are audit events, as on the pages.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import can
from qinglian.orgs.models import Member
from qinglian.reports import docx
from qinglian.risks.exports_opinion import reply_export, reply_filename
from qinglian.risks.models import OpinionReply
from qinglian.risks.services import opinion as services
from qinglian.risks.vocab import ReplyPurpose, ReplyStatus

router = Router(tags=["risks"])
OPINION = services.OPINION


class ReplyOut(Schema):
    id: int
    member_id: int
    member_name: str
    organisation_name: str
    purpose: str
    requested_by: str
    number: str
    status: str
    concerns: list[str]
    created_at: datetime
    created_by: str
    signed_at: datetime | None
    signed_by: str
    signer_title: str
    version: int

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.member.organisation.name

    @staticmethod
    def resolve_concerns(obj) -> list[str]:
        return list((obj.facts or {}).get("concerns", []))

    @staticmethod
    def resolve_created_by(obj) -> str:
        return obj.created_by.get_username()

    @staticmethod
    def resolve_signed_by(obj) -> str:
        return obj.signed_by.get_username() if obj.signed_by_id else ""


class ReplyDetailOut(ReplyOut):
    body: str
    facts: dict = Field(description="What the reply was compiled from: files, declarations, person facts, conflicts")


class CompileIn(Schema):
    member_id: int
    purpose: ReplyPurpose
    requested_by: str
    years: int = Field(3, description="How many years to look back, this year included (1 to 10)")


class ReplyPatch(Schema):
    version: int
    body: str | None = None
    number: str | None = None
    requested_by: str | None = None


class SignIn(Schema):
    version: int
    number: str
    signer_title: str


def _replies(request):
    return services.replies_visible_to(request.user).select_related("member__organisation", "created_by", "signed_by")


def _reply(request, reply_id: int) -> OpinionReply:
    reply = _replies(request).filter(pk=reply_id).first()
    if reply is None:
        raise Http404
    return reply


@router.get("/opinions", response=list[ReplyOut], summary="Integrity opinion replies the caller may see")
@paginate(IdPageNumberPagination)
def opinion_list(request, status: str = "", purpose: str = "", year: int | None = None, q: str = ""):
    """`status`: draft or signed; `purpose`: promotion, commendation, other; `year`: the year compiled; `q`: the
    cadre's name or pinyin."""
    qs = _replies(request)
    if status in ReplyStatus.values:
        qs = qs.filter(status=status)
    if purpose in ReplyPurpose.values:
        qs = qs.filter(purpose=purpose)
    if year:
        qs = qs.filter(created_at__year=year)
    if q.strip():
        text = q.strip()
        qs = qs.filter(Q(member__name__icontains=text) | Q(member__name_pinyin__icontains=text.lower()))
    return qs.order_by("-created_at", "-pk")


@router.post("/opinions", response={201: ReplyDetailOut}, summary="Compile a draft reply on a cadre")
def opinion_compile(request, payload: CompileIn):
    member = Member.objects.select_related("organisation").filter(pk=payload.member_id).first()
    if member is None or not can(request.user, OPINION, member):
        raise Http404
    reply = services.reply_compile(
        member=member,
        purpose=payload.purpose,
        requested_by=payload.requested_by,
        years=payload.years,
        actor=request.user,
    )
    return Status(201, _reply(request, reply.pk))


@router.get("/opinions/{reply_id}", response=ReplyDetailOut, summary="One reply with the facts it was compiled from")
def opinion_get(request, reply_id: int):
    reply = _reply(request, reply_id)
    services.reply_view_record(reply=reply, actor=request.user)
    return reply


@router.patch("/opinions/{reply_id}", response=ReplyDetailOut, summary="Change a draft (send its version)")
def opinion_update(request, reply_id: int, payload: ReplyPatch):
    reply = _reply(request, reply_id)
    services.reply_update(
        reply=reply,
        body=payload.body if payload.body is not None else reply.body,
        number=payload.number if payload.number is not None else reply.number,
        requested_by=payload.requested_by if payload.requested_by is not None else reply.requested_by,
        version=payload.version,
        actor=request.user,
    )
    return _reply(request, reply_id)


@router.post("/opinions/{reply_id}/sign", response=ReplyDetailOut, summary="Sign a draft with its number")
def opinion_sign(request, reply_id: int, payload: SignIn):
    """The number must be unique among the replies signed this year; a signed reply no longer changes. A stale
    `version` answers 409."""
    reply = _reply(request, reply_id)
    data = payload.dict()
    services.reply_sign(reply=reply, actor=request.user, **data)
    return _reply(request, reply_id)


@router.delete("/opinions/{reply_id}", response={204: None}, summary="Delete a draft reply")
def opinion_delete(request, reply_id: int, version: int | None = None):
    services.reply_delete(reply=_reply(request, reply_id), version=version, actor=request.user)
    return Status(204, None)


@router.get("/opinions/{reply_id}/export", summary="The reply as a Word letter (.docx)")
def opinion_export(request, reply_id: int):
    reply = _reply(request, reply_id)
    return docx.docx_response(reply_export(reply=reply, actor=request.user), reply_filename(reply))
