"""The clue register over the API: the register with its filters and paging, my clues, one clue (an audited read)
with its history, handlers and repeats; registering a clue (and the earlier clues a new one may repeat); changing
its summary, category or owner; its handlers; linking it as a repeat; referral; the thread with a portal reporter;
and a reported person's history. Everyone outside discipline inspection gets 404, and a clue answers only its
handlers and those who lead discipline inspection over its unit. A stale `version` answers 409."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.audit import audit_sealed_read
from qinglian.core.paging import IdPageNumberPagination
from qinglian.discipline.models import Case, Clue, Outcome
from qinglian.discipline.services import clues as services
from qinglian.discipline.services import intake
from qinglian.discipline.services.access import can_open, clue_or_404, require_module
from qinglian.discipline.services.similarity import similar_clues
from qinglian.discipline.vocab import OPEN_CLUE_STATUSES, HandlerRole, Method, Source
from qinglian.orgs.models import Organisation

router = Router(tags=["discipline: clue register"])


# --- schemas -----------------------------------------------------------------------------------------------


class ClueOut(Schema):
    id: int
    number: str
    organisation_id: int
    year: int
    source: str
    received_on: date
    subject_member_id: int | None
    subject_name: str
    subject_unit_id: int | None
    subject_post: str
    category: str
    status: str
    method: str
    owner: str
    dispose_due: date | None
    dispose_overdue: bool
    referred_to: str
    referral_direction: str
    referral_due: date | None
    referred_on: date | None
    referral_overdue: bool
    repeat_of_id: int | None
    similarity: float | None
    is_anonymous: bool
    report_id: int | None
    version: int

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.get_username() if obj.owner_id else ""

    @staticmethod
    def resolve_dispose_overdue(obj) -> bool:
        return services.disposal_overdue(obj)

    @staticmethod
    def resolve_referral_overdue(obj) -> bool:
        return services.referral_overdue(obj)


class ClueEventOut(Schema):
    action: str
    label: str
    status_from: str
    status_to: str
    actor: str
    at: datetime
    note: str


class ClueHandlerOut(Schema):
    user_id: int
    username: str
    name: str
    role: str
    added_at: datetime

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.user.get_full_name()


class ClueRepeatOut(Schema):
    id: int
    number: str
    received_on: date
    source: str
    similarity: float | None
    may_open: bool


class ClueDetailSchema(ClueOut):
    summary: str
    events: list[ClueEventOut]
    handlers: list[ClueHandlerOut]
    repeats: list[ClueRepeatOut]
    may_change: bool
    leader: bool


class ClueCandidateOut(Schema):
    clue_id: int
    number: str
    received_on: date
    score: float
    text_score: float
    same_subject: bool
    suggested: bool
    may_open: bool
    subject_name: str = Field("", description="only for a clue the caller may open")
    summary: str = Field("", description="only for a clue the caller may open")


class ClueRegisterIn(Schema):
    subject_member_id: int | None = Field(None, description="a member of the unit's register")
    subject_name: str = Field("", description="when the person is not on the register")
    subject_unit_id: int | None = None
    subject_post: str = ""
    category: str = Field(
        description="political, organisational, integrity, masses, work, life, four_winds, duty_crime, other"
    )
    summary: str
    owner_id: int | None = Field(None, description="default: the caller")
    repeat_of_id: int | None = Field(None, description="an earlier clue (from /clues/similar) this one repeats")
    register_as_new: bool = Field(False, description="register it as new although earlier clues look alike")


class ClueReporterIn(Schema):
    name: str = ""
    phone: str = ""
    email: str = ""
    unit: str = ""
    address: str = ""
    id_number: str = ""


class ClueIn(ClueRegisterIn):
    organisation_id: int | None = Field(None, description="the unit that registers (default: the caller's first)")
    source: str = Field(description="letter, visit, phone, inspection, audit, referral or supervision")
    received_on: date
    reporter: ClueReporterIn | None = Field(None, description="a real-name letter, visit or call; sealed at once")


class ClueSimilarIn(Schema):
    organisation_id: int | None = None
    summary: str
    subject_member_id: int | None = None
    subject_name: str = ""


class CluePatch(Schema):
    version: int
    summary: str | None = None
    category: str | None = None
    owner_id: int | None = Field(None, description="one of the clue's handlers")


class ClueHandlerIn(Schema):
    version: int
    user_id: int
    role: str = Field(HandlerRole.HANDLER.value, description="handler or leader")


class ClueRepeatIn(Schema):
    version: int
    original_id: int


class ClueReferralIn(Schema):
    version: int
    to: str
    direction: str = Field(description="up (to a higher body) or down (to a lower body)")
    referred_on: date | None = Field(None, description="absent: decided, due by referral_due; given: sent that day")
    note: str = ""


class ClueMessageIn(Schema):
    body: str


class ClueFeedbackIn(Schema):
    version: int = Field(description="the report's version")
    body: str


class SubjectOutcomeOut(Schema):
    clue_id: int
    case_id: int | None
    measure: str
    form: int | None
    decided_on: date
    effect_ends_on: date | None


class SubjectCaseOut(Schema):
    id: int
    clue_id: int
    number: str
    filed_on: date
    stage: str


class SubjectHistoryOut(Schema):
    member_id: int
    name: str
    clues: list[ClueOut]
    cases: list[SubjectCaseOut]
    outcomes: list[SubjectOutcomeOut]


# --- helpers -----------------------------------------------------------------------------------------------


def _clue(request, clue_id: int) -> Clue:
    require_module(request.user)
    return clue_or_404(
        request.user,
        clue_id,
        queryset=Clue.objects.select_related("organisation", "owner", "repeat_of", "report", "subject_member"),
    )


def clue_out(request, clue: Clue) -> Clue:
    """The clue with what its detail schema shows."""
    user = request.user
    clue.events_list = [
        {
            "action": row["event"].action,
            "label": str(row["label"]),
            "status_from": row["event"].status_from,
            "status_to": row["event"].status_to,
            "actor": row["event"].actor.get_username() if row["event"].actor_id else "",
            "at": row["event"].at,
            "note": row["event"].note,
        }
        for row in services.event_rows(clue)
    ]
    clue.handlers_list = list(clue.handlers.select_related("user").order_by("role", "added_at"))
    clue.repeats_list = [
        {
            "id": r.pk,
            "number": r.number,
            "received_on": r.received_on,
            "source": r.source,
            "similarity": r.similarity,
            "may_open": can_open(user, r),
        }
        for r in clue.repeats.select_related("organisation").order_by("received_on", "pk")
    ]
    clue.may_change = services.may_work(user, clue)
    clue.is_lead = services.is_leader(user, clue)
    return clue


class ClueDetailOut(ClueDetailSchema):
    @staticmethod
    def resolve_events(obj):
        return obj.events_list

    @staticmethod
    def resolve_handlers(obj):
        return obj.handlers_list

    @staticmethod
    def resolve_repeats(obj):
        return obj.repeats_list

    @staticmethod
    def resolve_leader(obj):
        return obj.is_lead


def _candidates(request, found) -> list[dict]:
    rows = []
    for c in found:
        opens = can_open(request.user, c.clue)
        rows.append(
            {
                "clue_id": c.clue.pk,
                "number": c.clue.number,
                "received_on": c.clue.received_on,
                "score": c.score,
                "text_score": c.text_score,
                "same_subject": c.same_subject,
                "suggested": c.suggested,
                "may_open": opens,
                "subject_name": c.clue.subject_name if opens else "",
                "summary": c.clue.summary if opens else "",
            }
        )
    return rows


def _member(organisation: Organisation, member_id: int | None):
    if not member_id:
        return None
    member = services.unit_members(organisation).filter(pk=member_id).first()
    if member is None:
        raise ValidationError(
            {"subject_member_id": _("No such member on the register of {org}.").format(org=organisation.name)}
        )
    return member


def _unit(organisation: Organisation, unit_id: int | None):
    if not unit_id:
        return None
    unit = services.subject_units(organisation).filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError({"subject_unit_id": _("Choose a unit of {org}.").format(org=organisation.name)})
    return unit


def _user(user_id: int | None, field: str):
    if not user_id:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError({field: _("No such user.")})
    return user


def register_from(request, payload: ClueRegisterIn, *, organisation, report=None, version=None, **extra) -> Clue:
    """Register a clue from an API payload, refusing (422) when earlier clues look alike and the caller has not
    said whether it repeats one of them."""
    member = _member(organisation, payload.subject_member_id)
    found = similar_clues(
        organisation=organisation, summary=payload.summary, subject_member=member, subject_name=payload.subject_name
    )
    repeat_of = None
    if payload.repeat_of_id:
        repeat_of = next((c.clue for c in found if c.clue.pk == payload.repeat_of_id), None)
        if repeat_of is None:
            raise ValidationError({"repeat_of_id": _("No such clue among those this one may repeat.")})
    elif found and not payload.register_as_new:
        numbers = "、".join(f"{c.clue.number} ({c.score:.2f})" for c in found)
        raise ValidationError(
            {
                "repeat_of_id": _(
                    "Earlier clues look alike: {numbers}. Send repeat_of_id to link it as a repeat of one of them, or "
                    "register_as_new."
                ).format(numbers=numbers)
            }
        )
    fields = dict(
        organisation=organisation,
        actor=request.user,
        subject_member=member,
        subject_name=payload.subject_name,
        subject_unit=_unit(organisation, payload.subject_unit_id),
        subject_post=payload.subject_post,
        category=payload.category,
        summary=payload.summary,
        owner=_user(payload.owner_id, "owner_id"),
        repeat_of=repeat_of,
        **extra,
    )
    if report is not None:
        fields.update(
            source=Source.PORTAL, received_on=report.received_at.date(), report=report, report_version=version
        )
    return services.clue_register(**fields)


def _registering_unit(request, organisation_id: int | None) -> Organisation:
    units = services.intake_units(request.user)
    if not units:
        raise Http404
    if organisation_id is None:
        return units[0]
    unit = next((u for u in units if u.pk == organisation_id), None)
    if unit is None:
        raise Http404
    return unit


# --- reading -----------------------------------------------------------------------------------------------


@router.get("/clues", response=list[ClueOut], summary="The clues the caller may open")
@paginate(IdPageNumberPagination)
def clue_list(
    request,
    status: str = "",
    source: str = "",
    category: str = "",
    method: str = "",
    unit_id: int | None = None,
    year: int | None = None,
    overdue: bool = False,
    q: str = "",
):
    """`status`: a clue status or `open`; repeats are left out unless `status=repeated`. `unit_id`: the reported
    person's unit and those below it. `overdue`: disposal or referral past its deadline. `q`: number, person or
    words of the summary."""
    require_module(request.user)
    unit = Organisation.objects.filter(pk=unit_id).first() if unit_id else None
    qs = services.clue_filter(
        services.visible(request.user),
        status=status if status in services.STATUS_FILTERS else "",
        source=source,
        category=category,
        method=method if method in Method.values else "",
        unit=unit,
        year=year,
        overdue=overdue,
        text=q[:60],
    )
    return qs.select_related("owner").order_by("-received_on", "-seq", "-pk")


@router.get("/clues/mine", response=list[ClueOut], summary="The clues the caller handles or owns")
@paginate(IdPageNumberPagination)
def clue_mine(request, open_only: bool = True):
    require_module(request.user)
    qs = services.mine(request.user).select_related("owner")
    if open_only:
        qs = qs.filter(status__in=OPEN_CLUE_STATUSES)
    return qs.order_by("dispose_due", "-received_on", "-pk")


@router.post("/clues/similar", response=list[ClueCandidateOut], summary="Earlier clues a new summary may repeat")
def similar(request, payload: ClueSimilarIn):
    """Before registering: the clues of the unit at or above the rule's threshold, best first. Number, day and
    score are given for every one; the person and summary only for those the caller may open."""
    require_module(request.user)
    unit = _registering_unit(request, payload.organisation_id)
    found = similar_clues(
        organisation=unit,
        summary=payload.summary,
        subject_member=_member(unit, payload.subject_member_id),
        subject_name=payload.subject_name,
    )
    return _candidates(request, found)


@router.get("/clues/{clue_id}", response=ClueDetailOut, summary="One clue (an audited read)")
def clue_get(request, clue_id: int):
    clue = _clue(request, clue_id)
    audit_sealed_read(actor=request.user, obj=clue, reason="clues (API): read the clue")
    return clue_out(request, clue)


@router.get("/clues/{clue_id}/similar", response=list[ClueCandidateOut], summary="Earlier clues this one may repeat")
def clue_similar(request, clue_id: int):
    clue = _clue(request, clue_id)
    return _candidates(request, services.repeat_candidates(clue))


# --- writing -----------------------------------------------------------------------------------------------


@router.post("/clues", response={201: ClueDetailOut}, summary="Register a clue (letter, visit, call, inspection, …)")
def clue_create(request, payload: ClueIn):
    """A portal report is registered from /reports/{id}/register. `reporter` (a real-name letter, visit or call)
    is sealed at once and never returned."""
    require_module(request.user)
    unit = _registering_unit(request, payload.organisation_id)
    reporter = payload.reporter.dict() if payload.reporter is not None else None
    try:
        clue = register_from(
            request, payload, organisation=unit, source=payload.source, received_on=payload.received_on,
            reporter=reporter,
        )  # fmt: skip
    except PermissionDenied:
        raise Http404 from None
    return Status(201, clue_out(request, clue))


@router.patch("/clues/{clue_id}", response=ClueDetailOut, summary="Change the summary, category or owner")
def clue_update(request, clue_id: int, payload: CluePatch):
    clue = _clue(request, clue_id)
    owner = _user(payload.owner_id, "owner_id")
    services.clue_update(
        clue=clue,
        actor=request.user,
        version=payload.version,
        summary=payload.summary,
        category=payload.category,
        owner=owner,
    )
    return clue_out(request, _clue(request, clue_id))


@router.post("/clues/{clue_id}/handlers", response={201: ClueDetailOut}, summary="Assign a handler or leader in charge")
def handler_add(request, clue_id: int, payload: ClueHandlerIn):
    """Only those who lead discipline inspection over the clue's unit (404 for anyone else)."""
    clue = _clue(request, clue_id)
    if not services.is_leader(request.user, clue):
        raise Http404
    user = _user(payload.user_id, "user_id")
    services.clue_handler_add(clue=clue, user=user, role=payload.role, actor=request.user, version=payload.version)
    return Status(201, clue_out(request, _clue(request, clue_id)))


@router.delete("/clues/{clue_id}/handlers/{user_id}", response=ClueDetailOut, summary="Take someone off a clue")
def handler_remove(request, clue_id: int, user_id: int, version: int):
    clue = _clue(request, clue_id)
    if not services.is_leader(request.user, clue):
        raise Http404
    user = _user(user_id, "user_id")
    services.clue_handler_remove(clue=clue, user=user, actor=request.user, version=version)
    return clue_out(request, _clue(request, clue_id))


@router.post("/clues/{clue_id}/repeat", response=ClueDetailOut, summary="Link a clue as a repeat of an earlier one")
def clue_repeat(request, clue_id: int, payload: ClueRepeatIn):
    clue = _clue(request, clue_id)
    original = Clue.objects.filter(pk=payload.original_id, organisation=clue.organisation).first()
    if original is None:
        raise ValidationError({"original_id": _("No such clue among those this one may repeat.")})
    services.clue_link_repeat(clue=clue, original=original, actor=request.user, version=payload.version)
    return clue_out(request, _clue(request, clue_id))


@router.post("/clues/{clue_id}/referral", response=ClueDetailOut, summary="Refer a clue to a higher or lower body")
def clue_refer(request, clue_id: int, payload: ClueReferralIn):
    """Without `referred_on` the referral is decided and falls due by the rule's working days after the clue was
    received; with it, the clue is sent (status referred)."""
    clue = _clue(request, clue_id)
    services.clue_refer(
        clue=clue,
        actor=request.user,
        version=payload.version,
        to=payload.to,
        direction=payload.direction,
        referred_on=payload.referred_on,
        note=payload.note,
    )
    return clue_out(request, _clue(request, clue_id))


def _report_of(request, clue_id: int):
    clue = _clue(request, clue_id)
    if not clue.report_id:
        raise Http404
    return clue.report


@router.post("/clues/{clue_id}/messages", response={201: dict}, summary="A message to the clue's portal reporter")
def clue_message(request, clue_id: int, payload: ClueMessageIn):
    report = _report_of(request, clue_id)
    message = intake.report_reply(report=report, actor=request.user, body=payload.body)
    return Status(201, {"id": message.pk, "created_at": message.created_at.isoformat()})


@router.post("/clues/{clue_id}/feedback", response=ClueDetailOut, summary="Feedback to the clue's portal reporter")
def clue_feedback(request, clue_id: int, payload: ClueFeedbackIn):
    report = _report_of(request, clue_id)
    intake.report_feedback(report=report, actor=request.user, body=payload.body, version=payload.version)
    return clue_out(request, _clue(request, clue_id))


# --- a reported person's history ---------------------------------------------------------------------------


@router.get("/subjects/{member_id}/history", response=SubjectHistoryOut, summary="A member's clues, cases and outcomes")
def subject_history(request, member_id: int):
    """Only what the caller may open; the rest is not mentioned. An audited read."""
    require_module(request.user)
    member = services.subject_or_404(request.user, member_id)
    clues = list(services.visible(request.user).filter(subject_member=member).order_by("-received_on", "-pk"))
    ids = [c.pk for c in clues]
    audit_sealed_read(actor=request.user, obj=member, reason="clues (API): read the reported person's history")
    return {
        "member_id": member.pk,
        "name": member.name,
        "clues": clues,
        "cases": list(Case.objects.filter(clue__in=ids)),
        "outcomes": list(Outcome.objects.filter(clue__in=ids)),
    }
