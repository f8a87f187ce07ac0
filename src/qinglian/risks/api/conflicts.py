"""Conflict-of-interest checks over the API: the supplier register (list, add, change, remove, import with its
check and confirmation), checks (run, list, one with its progress) and their possible conflicts (list, decide).

Everything needs risks.conflicts; a caller without it anywhere gets 404 on every endpoint, like the pages.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import get_language
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from qinglian.core.models import Job
from qinglian.core.paging import IdPageNumberPagination
from qinglian.core.registry import registry
from qinglian.orgs.access import can, get_visible_or_404, scope_q
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.risks.models import ConflictCheck, ConflictMatch, Supplier
from qinglian.risks.names import normalise_company, normalise_credit_code
from qinglian.risks.services import conflicts as services
from qinglian.risks.services.conflicts import shareholder_names
from qinglian.risks.vocab import MatchBasis, MatchStatus, SupplierKind

router = Router(tags=["risks"])
CONFLICTS = services.CONFLICTS


def _allowed(request) -> None:
    if not registry.has_permission(request.user, CONFLICTS):
        raise Http404


# --- schemas ----------------------------------------------------------------------------------------------------


class SupplierOut(Schema):
    id: int
    organisation_id: int
    name: str
    name_key: str
    credit_code: str
    kind: str
    legal_representative: str
    legal_rep_id_masked: str
    shareholders: list[str]
    business: str
    batch: str
    created_at: datetime
    token: str = Field(description="send it back when changing the supplier")

    @staticmethod
    def resolve_shareholders(obj) -> list[str]:
        return list(shareholder_names(obj.shareholders))

    @staticmethod
    def resolve_token(obj) -> str:
        return services.supplier_token(obj)


class SupplierIn(Schema):
    organisation_id: int
    name: str
    credit_code: str = ""
    kind: SupplierKind = SupplierKind.SUPPLIER
    legal_representative: str = ""
    legal_rep_id_number: str = Field("", description="kept only as a digest and a masked copy")
    shareholders: str = Field("", description="names separated by 、 or commas")
    business: str = ""


class SupplierPatch(Schema):
    token: str
    name: str | None = None
    credit_code: str | None = None
    kind: SupplierKind | None = None
    legal_representative: str | None = None
    legal_rep_id_number: str = Field("", description="empty keeps the number on record")
    shareholders: str | None = None
    business: str | None = None


class ConflictImportOut(Schema):
    id: UUID
    file_name: str
    state: str
    total: int
    updates: int
    error_count: int
    errors: list[dict]
    preview: list[dict]
    created: int
    updated: int
    progress_done: int
    progress_total: int

    @staticmethod
    def resolve_file_name(obj) -> str:
        return obj.params.get("file_name", "")

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.params.get("state", "")

    @staticmethod
    def resolve_total(obj) -> int:
        return obj.params.get("total", 0)

    @staticmethod
    def resolve_updates(obj) -> int:
        return obj.params.get("updates", 0)

    @staticmethod
    def resolve_error_count(obj) -> int:
        return obj.params.get("error_count", 0)

    @staticmethod
    def resolve_errors(obj) -> list[dict]:
        return obj.params.get("errors", [])

    @staticmethod
    def resolve_preview(obj) -> list[dict]:
        return obj.params.get("preview", [])

    @staticmethod
    def resolve_created(obj) -> int:
        return obj.params.get("created", 0)

    @staticmethod
    def resolve_updated(obj) -> int:
        return obj.params.get("updated", 0)

    @staticmethod
    def resolve_progress_done(obj) -> int:
        return obj.done

    @staticmethod
    def resolve_progress_total(obj) -> int:
        return obj.total


class ConflictCheckOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    started_at: datetime
    started_by: str
    finished_at: datetime | None
    state: str = Field(description="running, done or failed")
    progress_done: int
    progress_total: int
    message: str
    declarations: int
    suppliers: int
    matches: int
    pending: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_started_by(obj) -> str:
        return obj.started_by.get_username()

    @staticmethod
    def resolve_state(obj) -> str:
        return services.check_state(obj)

    @staticmethod
    def resolve_progress_done(obj) -> int:
        return obj.job.done if obj.job_id else 0

    @staticmethod
    def resolve_progress_total(obj) -> int:
        return obj.job.total if obj.job_id else 0

    @staticmethod
    def resolve_message(obj) -> str:
        return obj.job.message if obj.job_id else ""

    @staticmethod
    def resolve_pending(obj) -> int:
        pending = getattr(obj, "pending", None)
        return pending if pending is not None else obj.found.filter(status=MatchStatus.PENDING).count()


class ConflictCheckIn(Schema):
    organisation_id: int


class MatchOut(Schema):
    id: int
    check_id: int = Field(alias="check_run_id")
    organisation_id: int
    member_id: int
    member_name: str
    supplier_id: int
    supplier_name: str
    declared: str
    relation: str
    basis: str
    score: float
    evidence: dict
    status: str
    note: str
    decided_by: str
    decided_at: datetime | None
    version: int

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_supplier_name(obj) -> str:
        return obj.supplier.name

    @staticmethod
    def resolve_decided_by(obj) -> str:
        return obj.decided_by.get_username() if obj.decided_by_id else ""


class ConflictDecideIn(Schema):
    status: MatchStatus = Field(description="confirmed or dismissed")
    note: str = Field(description="what was checked and why it was decided so (required)")
    version: int


# --- the supplier register --------------------------------------------------------------------------------------


def _supplier(request, supplier_id: int) -> Supplier:
    _allowed(request)
    return get_visible_or_404(Supplier.objects.select_related("organisation"), request.user, CONFLICTS, pk=supplier_id)


@router.get("/suppliers", response=list[SupplierOut], summary="The supplier register (risks.conflicts)")
@paginate(IdPageNumberPagination)
def supplier_list(request, q: str = "", org_id: int | None = None):
    """`q`: part of the name, the normalised name or the start of the credit code; `org_id`: that agency's
    subtree."""
    _allowed(request)
    suppliers = Supplier.objects.visible_to(request.user)
    if org_id:
        org = get_visible_or_404(Organisation.objects, request.user, CONFLICTS, pk=org_id)
        suppliers = suppliers.filter(subtree_q(org.path, "organisation__"))
    q = q.strip()[:100]
    if q:
        key = normalise_company(q)
        match = Q(name__icontains=q) | Q(credit_code__startswith=normalise_credit_code(q))
        suppliers = suppliers.filter(match | Q(name_key__contains=key) if key else match)
    return suppliers


@router.post("/suppliers", response={201: SupplierOut}, summary="Add a supplier")
def supplier_create(request, payload: SupplierIn):
    _allowed(request)
    org = get_visible_or_404(Organisation.objects, request.user, CONFLICTS, pk=payload.organisation_id)
    values = payload.dict(exclude={"organisation_id"})
    return Status(201, services.supplier_create(organisation=org, actor=request.user, **values))


@router.get("/suppliers/{supplier_id}", response=SupplierOut, summary="One supplier")
def supplier_get(request, supplier_id: int):
    return _supplier(request, supplier_id)


@router.patch("/suppliers/{supplier_id}", response=SupplierOut, summary="Change a supplier (send its token)")
def supplier_update(request, supplier_id: int, payload: SupplierPatch):
    """A stale `token` (someone changed the supplier since it was read) answers 409."""
    supplier = _supplier(request, supplier_id)
    sent = payload.dict(exclude_unset=True)
    fields = ("name", "credit_code", "kind", "legal_representative", "shareholders", "business")
    values = {name: sent[name] if sent.get(name) is not None else getattr(supplier, name) for name in fields}
    return services.supplier_update(
        supplier=supplier, actor=request.user, token=payload.token,
        legal_rep_id_number=payload.legal_rep_id_number, **values,
    )  # fmt: skip


@router.delete("/suppliers/{supplier_id}", response={204: None}, summary="Take a supplier off the register")
def supplier_delete(request, supplier_id: int):
    services.supplier_delete(supplier=_supplier(request, supplier_id), actor=request.user)
    return Status(204, None)


def _import(request, import_id: UUID) -> Job:
    _allowed(request)
    job = Job.objects.filter(owner=request.user, kind=services.IMPORT_KIND, pk=import_id).first()
    if job is None or not can(request.user, CONFLICTS, services.import_organisation(job)):
        raise Http404
    return job


@router.post(
    "/supplier-imports",
    response={201: ConflictImportOut},
    summary="Upload a supplier file (.xlsx) to check: ready with a preview, or invalid with errors by row",
)
def supplier_import_upload(request, org_id: int = Form(...), file: UploadedFile = File(...)):  # noqa: B008
    """Nothing is saved until the import is confirmed. A file that is not the template's (not an .xlsx, other
    headers, no rows) answers 422 naming the problem."""
    _allowed(request)
    org = get_visible_or_404(Organisation.objects, request.user, CONFLICTS, pk=org_id)
    job = services.supplier_import_upload(
        organisation=org, actor=request.user, name=file.name, data=file.read(), lang=get_language()
    )
    return Status(201, job)


@router.get("/supplier-imports/{import_id}", response=ConflictImportOut, summary="An import's state and progress")
def supplier_import_get(request, import_id: UUID):
    return _import(request, import_id)


@router.post("/supplier-imports/{import_id}/confirm", response=ConflictImportOut, summary="Save a checked import")
def supplier_import_confirm(request, import_id: UUID):
    """All rows or none; a small file is saved at once (state done), a large one by the worker (state importing:
    poll the import)."""
    job = _import(request, import_id)
    try:
        job = services.supplier_import_confirm(job=job, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    return services.supplier_import_start(job=job, actor=request.user)


# --- checks and their possible conflicts ------------------------------------------------------------------------


def _checks(request):
    _allowed(request)
    return ConflictCheck.objects.filter(scope_q(request.user, CONFLICTS, model=ConflictCheck)).select_related(
        "organisation", "job", "started_by"
    )


def _check(request, check_id: int) -> ConflictCheck:
    check = _checks(request).filter(pk=check_id).first()
    if check is None:
        raise Http404
    return check


@router.get("/conflicts/checks", response=list[ConflictCheckOut], summary="Conflict-of-interest checks, latest first")
@paginate(PageNumberPagination)  # not the id-first pagination, which would drop the count of pending matches
def check_list(request, org_id: int | None = None):
    checks = _checks(request).annotate(pending=Count("found", filter=Q(found__status=MatchStatus.PENDING)))
    checks = checks.order_by("-started_at", "-pk")  # GROUP BY drops the model's ordering
    if org_id:
        org = get_visible_or_404(Organisation.objects, request.user, CONFLICTS, pk=org_id)
        checks = checks.filter(subtree_q(org.path, "organisation__"))
    return checks


@router.post("/conflicts/checks", response={201: ConflictCheckOut}, summary="Run a check now (a background job)")
def check_run(request, payload: ConflictCheckIn):
    """Compares the agency's cadres' declarations with its supplier register; poll the check until `state` is
    done. A check already running there answers 422."""
    _allowed(request)
    org = get_visible_or_404(Organisation.objects, request.user, CONFLICTS, pk=payload.organisation_id)
    check = services.check_run(organisation=org, actor=request.user, lang=get_language())
    return Status(201, _check(request, check.pk))


@router.get("/conflicts/checks/{check_id}", response=ConflictCheckOut, summary="One check, with its progress")
def check_get(request, check_id: int):
    return _check(request, check_id)


@router.get("/conflicts/checks/{check_id}/matches", response=list[MatchOut], summary="A check's possible conflicts")
@paginate(IdPageNumberPagination)
def match_list(request, check_id: int, status: str = "", basis: str = ""):
    """Each with its evidence: what was declared, what the supplier register says, and every reason. `status`:
    pending, confirmed or dismissed; `basis`: credit_code, person_id, name_exact, name_similar or person_name."""
    check = _check(request, check_id)
    matches = ConflictMatch.objects.visible_to(request.user).filter(check_run=check)
    if status in MatchStatus.values:
        matches = matches.filter(status=status)
    if basis in MatchBasis.values:
        matches = matches.filter(basis=basis)
    return services.in_work_order(matches.select_related("member", "supplier", "decided_by"))


@router.post("/conflicts/matches/{match_id}/decide", response=MatchOut, summary="Confirm or dismiss, with a note")
def match_decide(request, match_id: int, payload: ConflictDecideIn):
    """A stale `version` answers 409; a decision may be changed later with a new note."""
    _allowed(request)
    match = get_visible_or_404(
        ConflictMatch.objects.select_related("organisation", "member", "supplier"), request.user, CONFLICTS,
        pk=match_id,
    )  # fmt: skip
    return services.match_decide(
        match=match, status=payload.status, note=payload.note, actor=request.user, version=payload.version
    )
