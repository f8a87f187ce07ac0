"""Disposal over the API: a clue's approval forms (list, submit), one form with its opinion chain, giving the opinion
due, withdrawing, the Word 呈批表, the forms awaiting the caller's opinion, a clue's talks and letters (list, record),
the reply to a letter, and the shelved clues due for review.

Only discipline roles reach these endpoints, and only on clues they may open; everyone else gets 404. Opening a form,
exporting it and listing a clue's talks and letters are sealed reads, as on the pages.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.discipline.models import ApprovalForm, Clue, Inquiry
from qinglian.discipline.services import disposal as services
from qinglian.discipline.services.access import clue_or_404, require_module
from qinglian.discipline.services.forms_docx import form_export as docx_export
from qinglian.discipline.services.forms_docx import form_filename
from qinglian.discipline.vocab import FormKind, InquiryMode
from qinglian.reports import docx

router = Router(tags=["discipline: disposal"])


# --- schemas ------------------------------------------------------------------------------------------------


class OpinionOut(Schema):
    level: int
    level_name: str = Field(description="The level's name in the caller's language")
    agree: bool
    text: str
    by: str
    at: datetime


class FormOut(Schema):
    id: int
    clue_id: int
    clue_number: str
    kind: str
    kind_label: str
    method: str
    measure: str
    proposal: str = Field(description="What the form proposes, in the caller's language")
    status: str
    level_due: str = Field(description="The level whose opinion is due (empty once decided)")
    created_by: str
    created_at: datetime
    decided_at: datetime | None
    version: int

    @staticmethod
    def resolve_clue_number(obj) -> str:
        return obj.clue.number

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_proposal(obj) -> str:
        return services.proposal_label(obj)

    @staticmethod
    def resolve_level_due(obj) -> str:
        level = services.due_level(obj)
        return level.name if level else ""

    @staticmethod
    def resolve_created_by(obj) -> str:
        return services.person(obj.created_by)


class FormDetailOut(FormOut):
    body: str = Field(description="The content (a verification report's checkers are in `checkers`)")
    checkers: list[str]
    opinions: list[OpinionOut]
    may_give_opinion: bool
    may_withdraw: bool

    @staticmethod
    def resolve_body(obj) -> str:
        return services.body_text(obj)

    @staticmethod
    def resolve_checkers(obj) -> list[str]:
        return services.checkers_of(obj)

    @staticmethod
    def resolve_opinions(obj) -> list[dict]:
        return [
            {
                "level": c["opinion"].level,
                "level_name": c["name"],
                "agree": c["opinion"].agree,
                "text": c["opinion"].text,
                "by": services.person(c["opinion"].user),
                "at": c["opinion"].at,
            }
            for c in services.opinion_chain(obj)
            if c["opinion"] is not None
        ]


class FormIn(Schema):
    kind: FormKind = Field(description="disposal, verify_plan, verify_report or inquiry_report")
    version: int | None = Field(None, description="The clue's version as last read")
    method: str = Field("", description="A disposal's method; a report's next method (or give `measure`)")
    measure: str = Field("", description="A report's proposed outcome (or give `method`)")
    body: str
    checkers: list[str] = Field(default_factory=list, description="A verification report's checkers (two or more)")


class OpinionIn(Schema):
    version: int | None = Field(None, description="The form's version as last read")
    agree: bool
    text: str


class DisposalVersionIn(Schema):
    version: int | None = None


class InquiryOut(Schema):
    id: int
    clue_id: int
    mode: str
    held_on: date
    record: str
    reply_due: date | None
    reply_on: date | None
    reply: str
    state: str = Field(description="talk; for a letter: awaiting, overdue, received or late")

    @staticmethod
    def resolve_state(obj) -> str:
        return services.inquiry_state(obj)


class InquiryIn(Schema):
    version: int | None = Field(None, description="The clue's version as last read")
    mode: InquiryMode
    held_on: date
    record: str


class ReplyIn(Schema):
    version: int | None = Field(None, description="The clue's version as last read")
    reply_on: date
    reply: str


class ShelvedOut(Schema):
    id: int
    number: str
    subject_name: str
    category: str
    touched_at: datetime
    idle_days: int

    @staticmethod
    def resolve_idle_days(obj) -> int:
        return (timezone.now() - obj.touched_at).days


# --- helpers ------------------------------------------------------------------------------------------------


def _clue(request, clue_id: int) -> Clue:
    require_module(request.user)
    return clue_or_404(request.user, clue_id)


def _form(request, form_id: int) -> ApprovalForm:
    require_module(request.user)
    return services.form_or_404(request.user, form_id)


def _detail(request, form: ApprovalForm) -> ApprovalForm:
    """The form re-read, with what the caller may do with it."""
    form = services.form_or_404(request.user, form.pk)
    pending = form.status == "pending"
    form.may_give_opinion = pending and not services.opinion_refusal(request.user, form)
    form.may_withdraw = pending and form.created_by_id == request.user.pk
    return form


def _guard(call):
    """Services refuse with PermissionDenied those who cannot open the clue: that is a 404 here, as on the pages."""
    try:
        return call()
    except PermissionDenied as exc:
        raise Http404 from exc


# --- forms --------------------------------------------------------------------------------------------------


@router.get("/forms/awaiting", response=list[FormOut], summary="Approval forms awaiting the caller's opinion")
@paginate(IdPageNumberPagination)
def forms_awaiting(request):
    require_module(request.user)
    ids = [form.pk for form in services.forms_awaiting(request.user)]
    return (
        ApprovalForm.objects.filter(pk__in=ids)
        .select_related("clue__organisation", "created_by")
        .order_by("created_at", "pk")
    )


@router.get("/clues/{clue_id}/forms", response=list[FormOut], summary="A clue's approval forms, newest first")
@paginate(IdPageNumberPagination)
def clue_forms(request, clue_id: int):
    clue = _clue(request, clue_id)
    return (
        clue.forms.filter(kind__in=services.KINDS)
        .select_related("clue__organisation", "created_by")
        .order_by("-created_at", "-pk")
    )


@router.post("/clues/{clue_id}/forms", response={201: FormDetailOut}, summary="Submit an approval form on a clue")
def form_submit(request, clue_id: int, payload: FormIn):
    """A disposal proposes a `method` (拟立案 only where the unit's rule adds it); a report proposes a `measure` or
    the next `method`; a verification report needs an approved work plan and its `checkers`. A transition the clue's
    status does not allow answers 422 with the reason; a stale `version` answers 409."""
    clue = _clue(request, clue_id)
    data = payload.dict()
    form = _guard(lambda: services.form_submit(clue=clue, actor=request.user, **data))
    return Status(201, _detail(request, form))


@router.get("/forms/{form_id}", response=FormDetailOut, summary="One approval form with its opinions")
def form_get(request, form_id: int):
    form = _form(request, form_id)
    services.form_view_record(form=form, actor=request.user)
    return _detail(request, form)


@router.post("/forms/{form_id}/opinion", response=FormDetailOut, summary="Give the opinion due on a form")
def form_opinion(request, form_id: int, payload: OpinionIn):
    """Agreeing passes the form to the next level, or at the last approves it and applies it to the clue;
    disagreeing returns it. Refused (422) for a decided form, a level the caller's roles do not cover, or the
    author's own last level; 409 on a stale `version`."""
    form = _form(request, form_id)
    form = _guard(lambda: services.form_opinion(form=form, actor=request.user, **payload.dict()))
    return _detail(request, form)


@router.post("/forms/{form_id}/withdraw", response=FormDetailOut, summary="Withdraw one's own pending form")
def form_withdraw(request, form_id: int, payload: DisposalVersionIn):
    form = _form(request, form_id)
    form = _guard(lambda: services.form_withdraw(form=form, actor=request.user, version=payload.version))
    return _detail(request, form)


@router.get("/forms/{form_id}/export", summary="The approval form as a Word 呈批表 (.docx)")
def form_export(request, form_id: int):
    form = _form(request, form_id)
    return docx.docx_response(docx_export(form=form, actor=request.user), form_filename(form))


# --- talks and letters --------------------------------------------------------------------------------------


@router.get("/clues/{clue_id}/inquiries", response=list[InquiryOut], summary="A clue's talks and letters")
@paginate(IdPageNumberPagination)
def clue_inquiries(request, clue_id: int):
    clue = _clue(request, clue_id)
    services.clue_view_record(clue=clue, actor=request.user)
    return Inquiry.objects.filter(clue=clue).order_by("-held_on", "-pk")


@router.post("/clues/{clue_id}/inquiries", response={201: InquiryOut}, summary="Record a talk or a letter")
def inquiry_create(request, clue_id: int, payload: InquiryIn):
    """For a letter the written reply falls due in the working days of the rule discipline.time_limits."""
    clue = _clue(request, clue_id)
    data = payload.dict()
    return Status(201, _guard(lambda: services.inquiry_record(clue=clue, actor=request.user, **data)))


@router.post("/inquiries/{inquiry_id}/reply", response=InquiryOut, summary="Record the written reply to a letter")
def inquiry_reply(request, inquiry_id: int, payload: ReplyIn):
    require_module(request.user)
    inquiry = services.inquiry_or_404(request.user, inquiry_id)
    return _guard(lambda: services.inquiry_reply(inquiry=inquiry, actor=request.user, **payload.dict()))


# --- shelved clues ------------------------------------------------------------------------------------------


@router.get("/shelved-for-review", response=list[ShelvedOut], summary="Shelved clues due for review")
@paginate(IdPageNumberPagination)
def shelved_for_review(request):
    """Shelved clues the caller may open, untouched for longer than their unit's `shelved_review_days`."""
    require_module(request.user)
    return services.shelved_for_review(request.user)
