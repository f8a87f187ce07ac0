"""Rectification items over the API: the list with its filters, one item with its evidence and history,
recording and changing an item, progress notes, its workflow (report rectified, verify, send back, reopen),
evidence (a file sent as multipart, or a record already in the system) and the ledger by unit and source."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qinglian.core.links import records_resolve
from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Department, Member, Organisation
from qinglian.rectification.exports import ledger_items
from qinglian.rectification.models import Event, Evidence, Item
from qinglian.rectification.services import items as services
from qinglian.rectification.services.items import in_work_order, unit_departments, unit_people
from qinglian.rectification.stats import ledger_table
from qinglian.rectification.vocab import Source

router = Router(tags=["rectification"])
VIEW, MANAGE = services.VIEW, services.MANAGE


class RectificationItemOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    department_id: int | None
    source: str
    source_title: str
    source_kind: str
    source_id: int | None
    member_id: int | None
    member_name: str
    problem: str
    measures: str
    owner_id: int
    owner_name: str
    due_on: date
    status: str
    overdue: bool
    submitted_on: date | None
    result: str
    closed_on: date | None
    closed_by: str
    reopened: int
    created_on: date
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name if obj.member_id else ""

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_closed_by(obj) -> str:
        return obj.closed_by.get_username() if obj.closed_by_id else ""


class EvidenceOut(Schema):
    id: int
    note: str
    name: str
    size: int
    content_type: str
    record_kind: str
    record_id: int | None
    added_at: datetime
    file_url: str = ""

    @staticmethod
    def resolve_file_url(obj) -> str:
        return f"/api/v1/rectification/evidence/{obj.pk}/file" if obj.file else ""


class RectificationRecordOut(Schema):
    kind: str
    id: int
    label: str
    url: str


class LinkedEvidenceOut(EvidenceOut):
    record: RectificationRecordOut | None = None


class RectificationEventOut(Schema):
    kind: str
    comment: str
    actor: str
    at: datetime

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor.get_username() if obj.actor_id else ""


class ItemDetailOut(RectificationItemOut):
    source_record: RectificationRecordOut | None = None
    evidence: list[LinkedEvidenceOut]
    events: list[RectificationEventOut]


class RectificationItemIn(Schema):
    organisation_id: int
    source: Source
    problem: str
    owner_id: int | None = None
    due_on: date | None = None
    measures: str = ""
    member_id: int | None = None
    department_id: int | None = None
    source_title: str = ""
    source_kind: str = ""
    source_id: int | None = None
    found_on: date | None = None


class ItemPatch(Schema):
    version: int
    problem: str | None = None
    measures: str | None = None
    owner_id: int | None = None
    member_id: int | None = Field(None, description="0 clears it (the unit's problem as a whole)")
    department_id: int | None = Field(None, description="0 clears it")
    due_on: date | None = None
    source: Source | None = None
    source_title: str | None = None


class ProgressIn(Schema):
    comment: str


class RectificationTransitionIn(Schema):
    action: Literal["submit", "verify", "return", "reopen"]
    version: int
    result: str = Field("", description="what was done (submit)")
    comment: str = Field("", description="the verifier's note (verify) or the reason (return, reopen)")
    due_on: date | None = Field(None, description="a new deadline (return, reopen)")


class LedgerLineOut(Schema):
    organisation_id: int | None
    organisation_name: str
    source: str
    total: int
    open: int
    overdue: int
    submitted: int
    closed: int
    reopened: int
    closure_rate: float | None
    median_days_to_close: float | None


# --- reading -----------------------------------------------------------------------------------------------


def _items(request):
    return Item.objects.visible_to(request.user).select_related(
        "organisation", "owner", "owner__user", "member", "closed_by"
    )


def _item(request, item_id: int) -> Item:
    item = _items(request).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def _detail(request, item: Item) -> dict:
    evidence = list(item.evidence.order_by("added_at", "pk"))
    pairs = [(e.record_kind, e.record_id) for e in evidence if e.record_kind]
    if item.source_kind:
        pairs.append((item.source_kind, item.source_id))
    refs = records_resolve(request.user, pairs)
    for row in evidence:
        row.record = refs.get((row.record_kind, row.record_id)) if row.record_kind else None
    item.source_record = refs.get((item.source_kind, item.source_id)) if item.source_kind else None
    item.evidence_rows = evidence
    return item


class _RectificationDetail(ItemDetailOut):
    @staticmethod
    def resolve_evidence(obj):
        return obj.evidence_rows

    @staticmethod
    def resolve_events(obj):
        return list(Event.objects.filter(item=obj).select_related("actor").order_by("at", "pk"))


@router.get("/items", response=list[RectificationItemOut], summary="Rectification items the caller may see (or owns)")
@paginate(IdPageNumberPagination)
def item_list(
    request,
    status: str = "",
    source: str = "",
    org_id: int | None = None,
    owner_id: int | None = None,
    department_id: int | None = None,
    year: int | None = None,
    mine: bool = False,
):
    """`status`: open (being rectified), overdue, submitted (awaiting verification), closed, reopened (ever);
    `org_id`: that unit and those below it; `mine`: only the caller's own items."""
    qs = _items(request)
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id) if org_id else None
    qs = services.item_filter(
        qs, status=status, source=source, org=org, owner_id=owner_id, department_id=department_id, year=year
    )
    if mine:
        qs = qs.filter(services.owner_q(request.user))
    return in_work_order(qs)


@router.get("/items/{item_id}", response=_RectificationDetail, summary="One item with its evidence and history")
def item_get(request, item_id: int):
    return _detail(request, _item(request, item_id))


# --- writing -----------------------------------------------------------------------------------------------


def _person(org: Organisation, member_id: int | None, field: str) -> Member | None:
    """A member of the unit's register, looked up there only (never by id alone)."""
    if not member_id:
        return None
    member = unit_people(org).filter(pk=member_id).first()
    if member is None:
        raise ValidationError({field: _("No such member on the register of {org}.").format(org=org.name)})
    return member


def _department(org: Organisation, department_id: int | None) -> Department | None:
    if not department_id:
        return None
    department = unit_departments(org).filter(pk=department_id).first()
    if department is None:
        raise ValidationError({"department_id": _("No such active department above {org}.").format(org=org.name)})
    return department


@router.post("/items", response={201: _RectificationDetail}, summary="Record a problem on a unit's rectification list")
def item_create(request, payload: RectificationItemIn):
    org = get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=payload.organisation_id)
    item = services.item_create(
        org=org,
        source=payload.source,
        problem=payload.problem,
        owner=_person(org, payload.owner_id, "owner_id"),
        due_on=payload.due_on,
        measures=payload.measures,
        member=_person(org, payload.member_id, "member_id"),
        department=_department(org, payload.department_id),
        source_title=payload.source_title,
        source_kind=payload.source_kind,
        source_id=payload.source_id,
        found_on=payload.found_on,
        actor=request.user,
    )
    return Status(201, _detail(request, _item(request, item.pk)))


@router.patch(
    "/items/{item_id}", response=_RectificationDetail, summary="Change an item being rectified (send its version)"
)
def item_update(request, item_id: int, payload: ItemPatch):
    item = _item(request, item_id)
    if not can(request.user, MANAGE, item):
        raise Http404
    org = item.organisation
    sent = payload.model_fields_set
    member = item.member if "member_id" not in sent else _person(org, payload.member_id, "member_id")
    department = item.department if "department_id" not in sent else _department(org, payload.department_id)
    services.item_update(
        item=item,
        version=payload.version,
        actor=request.user,
        problem=payload.problem if payload.problem is not None else item.problem,
        measures=payload.measures if payload.measures is not None else item.measures,
        owner=_person(org, payload.owner_id, "owner_id") if payload.owner_id else item.owner,
        member=member,
        department=department,
        due_on=payload.due_on or item.due_on,
        source=payload.source,
        source_title=payload.source_title,
    )
    return _detail(request, _item(request, item_id))


@router.post(
    "/items/{item_id}/progress", response={201: RectificationEventOut}, summary="Note how the rectification is going"
)
def item_progress(request, item_id: int, payload: ProgressIn):
    item = _item(request, item_id)
    if not services.may_work(request.user, item):
        raise Http404
    return Status(201, services.item_progress(item=item, actor=request.user, comment=payload.comment))


@router.post(
    "/items/{item_id}/transitions", response=_RectificationDetail, summary="Report rectified, verify, send back, reopen"
)
def item_transition(request, item_id: int, payload: RectificationTransitionIn):
    """submit (the owner or managers; needs evidence and `result`), verify (rectification.verify, never the
    owner; needs evidence), return (a verifier; `comment` says why), reopen (managers or verifiers; `comment`
    says why). A stale `version` answers 409."""
    item = _item(request, item_id)
    common = {"item": item, "version": payload.version, "actor": request.user}
    if payload.action == "submit":
        if not services.may_work(request.user, item):
            raise Http404
        services.item_submit(result=payload.result, **common)
    elif payload.action == "verify":
        if not can(request.user, services.VERIFY, item):
            raise Http404
        services.item_verify(comment=payload.comment, **common)
    elif payload.action == "return":
        if not can(request.user, services.VERIFY, item):
            raise Http404
        services.item_return(reason=payload.comment, due_on=payload.due_on, **common)
    else:
        if not services.may_reopen(request.user, item):
            raise Http404
        services.item_reopen(reason=payload.comment, due_on=payload.due_on, **common)
    return _detail(request, _item(request, item_id))


# --- evidence ----------------------------------------------------------------------------------------------


@router.get("/items/{item_id}/evidence", response=list[LinkedEvidenceOut], summary="An item's evidence")
def evidence_list(request, item_id: int):
    return _detail(request, _item(request, item_id)).evidence_rows


@router.post(
    "/items/{item_id}/evidence",
    response={201: LinkedEvidenceOut},
    summary="Add evidence: a file (multipart), or record_kind and record_id of a record already in the system",
)
def evidence_add(
    request,
    item_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008
    record_kind: str = Form(""),
    record_id: int | None = Form(None),
    note: str = Form(""),
):
    item = _item(request, item_id)
    if not services.may_work(request.user, item):
        raise Http404
    evidence = services.evidence_add(
        item=item, actor=request.user, file=file, record_kind=record_kind, record_id=record_id, note=note
    )
    evidence.record = (
        records_resolve(request.user, [(evidence.record_kind, evidence.record_id)]).get(
            (evidence.record_kind, evidence.record_id)
        )
        if evidence.record_kind
        else None
    )
    return Status(201, evidence)


def _evidence(request, evidence_id: int) -> Evidence:
    evidence = (
        Evidence.objects.select_related("item__organisation", "item__owner")
        .filter(pk=evidence_id, item__in=Item.objects.visible_to(request.user))
        .first()
    )
    if evidence is None:
        raise Http404
    return evidence


@router.get("/evidence/{evidence_id}/file", response={200: None}, url_name="evidence_file", summary="Download a file")
def evidence_file(request, evidence_id: int):
    evidence = _evidence(request, evidence_id)
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type or "application/octet-stream",
    )


@router.delete("/evidence/{evidence_id}", response={204: None}, summary="Remove evidence from an item not yet closed")
def evidence_remove(request, evidence_id: int):
    evidence = _evidence(request, evidence_id)
    if not services.may_work(request.user, evidence.item):
        raise Http404
    services.evidence_remove(evidence=evidence, actor=request.user)
    return Status(204, None)


# --- the ledger --------------------------------------------------------------------------------------------


@router.get("/ledger", response=list[LedgerLineOut], summary="The ledger of a unit's subtree by unit and source")
def ledger(request, org_id: int, year: int | None = None):
    """One line per (unit, source) with items, then each unit's total (source "all"), each source's total over
    the units (organisation_id null) and the grand total. `year`: the year recorded (every year when absent)."""
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
    table = ledger_table(ledger_items(request.user, org, year), today=timezone.localdate())

    def line(org_id, name, source, stats):
        return {"organisation_id": org_id, "organisation_name": name, "source": source, **stats.as_dict()}

    out = []
    for unit in table.units:
        for value, _label in table.sources:
            if value in unit.cells:
                out.append(line(unit.organisation.pk, unit.organisation.name, value, unit.cells[value]))
        out.append(line(unit.organisation.pk, unit.organisation.name, "all", unit.total))
    for value, _label in table.sources:
        out.append(line(None, "", value, table.by_source[value]))
    out.append(line(None, "", "all", table.total))
    return out
