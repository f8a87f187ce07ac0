"""The sealed compartment over the API: identity requests (ask, list, one, approve, refuse, and the identity itself —
each reading a sealed read in the audit trail) and retention (what is due, with why; a deletion run as a background
job, and its progress).

Only discipline roles reach these endpoints, a request only those who may open its clue, retention only holders of
discipline.retention: everyone else gets 404. A refused step answers 422 with the reason. The identity's answer is
never stored by the client (Cache-Control: no-store).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.core.models import Job
from qinglian.discipline.models import Clue, RevealRequest
from qinglian.discipline.permissions import RETENTION
from qinglian.discipline.services import retention
from qinglian.discipline.services import sealed as services
from qinglian.discipline.services.access import clue_or_404, require_module
from qinglian.discipline.vocab import RevealStatus
from qinglian.orgs import access

router = Router(tags=["discipline"])


# --- identity requests ---------------------------------------------------------------------------------------------


class SealedRevealOut(Schema):
    id: int
    clue_id: int
    clue_number: str
    requested_by: str
    reason: str
    status: str
    status_label: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    valid_until: datetime | None
    may_read: bool = Field(description="the requester may read the identity now")

    @staticmethod
    def resolve_clue_number(obj) -> str:
        return obj.clue.number

    @staticmethod
    def resolve_requested_by(obj) -> str:
        return obj.requested_by.get_username()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_decided_by(obj) -> str:
        return obj.decided_by.get_username() if obj.decided_by_id else ""

    @staticmethod
    def resolve_may_read(obj) -> bool:
        return services.viewing_window(obj).open


class AskIn(Schema):
    reason: str = Field(description=f"why the identity is needed (at least {services.REASON_MIN} characters)")


class SealedDecideIn(Schema):
    note: str = Field(description="with an approval, what it may be used for; with a refusal, why (required)")


class IdentityOut(Schema):
    request_id: int
    clue_number: str
    name: str
    phone: str
    email: str
    id_number: str
    address: str
    unit: str
    audit_seq: int | None = Field(None, description="the audit event of this reading")


def _request(request, request_id: int) -> RevealRequest:
    require_module(request.user)
    return services.request_or_404(request.user, request_id)


@router.post(
    "/clues/{clue_id}/identity-requests", response={201: SealedRevealOut}, summary="Ask for a reporter's identity"
)
def reveal_ask(request, clue_id: int, payload: AskIn):
    """A second person who leads discipline inspection over the clue's unit must approve before anything is shown.
    An anonymous clue, a short reason or a request already pending answer 422."""
    require_module(request.user)
    clue = clue_or_404(request.user, clue_id, queryset=Clue.objects.select_related("organisation", "report"))
    try:
        req = services.reveal_ask(clue=clue, actor=request.user, reason=payload.reason)
    except PermissionDenied:
        raise Http404 from None
    return Status(201, services.request_or_404(request.user, req.pk))


@router.get("/identity-requests", response=list[SealedRevealOut], summary="Identity requests")
@paginate(PageNumberPagination)
def reveal_list(request, box: str = "all", status: str = ""):
    """`box`: mine (asked by me), to_approve (others' requests awaiting my decision) or all (on the clues I may
    open); `status`: pending, approved, refused or expired."""
    require_module(request.user)
    user = request.user
    if box == "to_approve":
        requests = services.requests_to_approve(user)
    elif box == "mine":
        requests = services.requests_visible(user).filter(requested_by=user)
    else:
        requests = services.requests_visible(user)
    if status in RevealStatus.values:
        requests = requests.filter(status=status)
    return requests.select_related("clue", "requested_by", "decided_by").order_by("-created_at", "-pk")


@router.get("/identity-requests/{request_id}", response=SealedRevealOut, summary="One identity request")
def reveal_get(request, request_id: int):
    return _request(request, request_id)


@router.post("/identity-requests/{request_id}/approve", response=SealedRevealOut, summary="Approve (a second person)")
def reveal_approve(request, request_id: int, payload: SealedDecideIn):
    """Refused (422) for the requester, for one who does not lead discipline inspection over the clue's unit, and for
    a request already decided. Approving shows the approver nothing."""
    req = services.reveal_approve(req=_request(request, request_id), actor=request.user, note=payload.note)
    return services.request_or_404(request.user, req.pk)


@router.post("/identity-requests/{request_id}/refuse", response=SealedRevealOut, summary="Refuse (a second person)")
def reveal_refuse(request, request_id: int, payload: SealedDecideIn):
    req = services.reveal_refuse(req=_request(request, request_id), actor=request.user, note=payload.note)
    return services.request_or_404(request.user, req.pk)


@router.post(
    "/identity-requests/{request_id}/identity", response=IdentityOut, summary="Read the identity (audited, requester)"
)
def reveal_identity(request, request_id: int, response: HttpResponse):
    """Only the requester, after approval and until `valid_until`; each call is a sealed read in the audit trail
    with the request's reason. A wrong sealing key answers 422 and shows nothing."""
    req = _request(request, request_id)
    add_never_cache_headers(response)
    try:
        identity = services.reveal_open(req=req, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    read = services.reads_of(req).last()
    return {"request_id": req.pk, "clue_number": req.clue.number, "audit_seq": read.seq if read else None, **identity}


# --- retention -----------------------------------------------------------------------------------------------------


class SealedDueOut(Schema):
    key: str = Field(description="send it back in `items` to delete this record")
    kind: str
    id: int
    number: str
    organisation_id: int
    status: str
    ended_on: date
    rule: str
    years: int
    due_on: date
    why: str
    outcomes: int
    outcome_years: list[int]
    has_case: bool
    attachments: int
    blockers: list[str] = Field(description="why it may not be deleted now (empty: it may)")

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_organisation_id(obj) -> int:
        return obj.organisation.pk


class SealedRunIn(Schema):
    items: list[str] | None = Field(None, description='keys such as "clue-12", "report-3"; leave out for all due')


class RunOut(Schema):
    id: uuid.UUID
    title: str
    status: str
    done: int
    total: int
    message: str
    deleted: list[str]
    refused: list[dict]

    @staticmethod
    def resolve_deleted(obj) -> list[str]:
        return obj.params.get("deleted", [])

    @staticmethod
    def resolve_refused(obj) -> list[dict]:
        return obj.params.get("refused", [])


def _retention(request) -> None:
    require_module(request.user)
    if not access.has_permission(request.user, RETENTION):
        raise Http404


@router.get("/retention/due", response=list[SealedDueOut], summary="Records due for deletion (discipline.retention)")
@paginate(PageNumberPagination)
def retention_due(request, kind: str = "clues"):
    """`kind`: clues (closed, referred, repeated) or reports (not accepted); each with the rule that makes it due and
    anything that stands in the way."""
    _retention(request)
    due = retention.reports_due(request.user) if kind == "reports" else retention.clues_due(request.user)
    return _DueRows(due)


class _DueRows:
    """A due queryset that the paginator slices, described row by row only for the page it shows."""

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return retention.describe_due(self.queryset[index])


@router.post("/retention/runs", response={202: RunOut}, summary="Delete due records (a background job)")
def retention_run(request, payload: SealedRunIn):
    """Each record is checked again when its turn comes and deleted with its audit event, or left with the reason;
    poll the run for progress. Nothing due among the items answers 422."""
    _retention(request)
    keys = None if payload.items is None else retention.parse_keys(payload.items)
    job = retention.retention_start(actor=request.user, keys=keys, lang=get_language())
    return Status(202, Job.objects.get(pk=job.pk))


@router.get("/retention/runs/{run_id}", response=RunOut, summary="A deletion run's progress and result")
def retention_run_get(request, run_id: str):
    _retention(request)
    try:
        pk = uuid.UUID(run_id)
    except ValueError:
        raise Http404 from None
    job = retention.retention_job_or_none(request.user, pk)
    if job is None:
        raise Http404
    return job
