"""Cases over the API: the list, one case with its stages and outcomes, filing, moving to the next stage, extending
a stage, the decision, transfer to judicial organs, an appeal and its result, closing, a rectification item, and the
sanctions in effect.

Only discipline roles reach these endpoints, and a case only those who may open its clue: everyone else gets 404.
Opening a case is a sealed read in the audit trail, as on the pages. A stale `version` answers 409; a refused move
answers 422 with the reason.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.audit import audit_sealed_read
from qinglian.core.paging import IdPageNumberPagination
from qinglian.discipline.models import Case, Outcome
from qinglian.discipline.services import cases as services
from qinglian.discipline.services.access import clue_or_404, require_module
from qinglian.discipline.vocab import CaseStage as St

router = Router(tags=["discipline"])


class OutcomeOut(Schema):
    id: int
    clue_id: int
    case_id: int | None
    case_number: str
    subject_name: str
    subject_member_id: int | None
    measure: str
    measure_label: str
    family: str
    form: int | None
    decided_on: date
    effect_months: int | None
    effect_ends_on: date | None
    superseded_by_id: int | None
    rectification_item_id: int | None
    note: str

    @staticmethod
    def resolve_case_number(obj) -> str:
        return obj.case.number if obj.case_id else ""

    @staticmethod
    def resolve_measure_label(obj) -> str:
        return str(obj.get_measure_display())


class StageOut(Schema):
    stage: str
    started_on: date
    due_on: date | None
    ended_on: date | None
    extended_days: int
    note: str


class CaseOut(Schema):
    id: int
    number: str
    clue_id: int
    clue_number: str
    subject_name: str
    subject_unit: str
    filed_on: date
    stage: str
    stage_started_on: date
    stage_due_on: date | None
    overdue: bool
    judicial_transfer_on: date | None
    closed_on: date | None
    version: int

    @staticmethod
    def resolve_clue_number(obj) -> str:
        return obj.clue.number

    @staticmethod
    def resolve_subject_name(obj) -> str:
        return obj.clue.subject_name

    @staticmethod
    def resolve_subject_unit(obj) -> str:
        return obj.clue.subject_unit.name if obj.clue.subject_unit_id else ""

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return services.is_overdue(obj)


class CaseDetailOut(CaseOut):
    stages: list[StageOut]
    outcomes: list[OutcomeOut]

    @staticmethod
    def resolve_stages(obj) -> list:
        return list(obj.stages.order_by("started_on", "pk"))

    @staticmethod
    def resolve_outcomes(obj) -> list:
        return list(obj.outcomes.select_related("case").order_by("decided_on", "pk"))


class FileIn(Schema):
    filed_on: date | None = Field(None, description="The day of filing (today when left out)")
    number: str = Field("", description="The case number; left empty, the next 纪立〔YYYY〕N号")
    version: int | None = Field(None, description="The clue's version, as last read")


class AdvanceIn(Schema):
    to: str = Field(description="The next stage (only the next one is accepted)")
    on: date | None = None
    note: str = ""
    version: int


class CaseCloseIn(Schema):
    on: date | None = None
    note: str = ""
    version: int


class CaseExtendIn(Schema):
    days: int
    reason: str
    version: int


class CaseDecideIn(Schema):
    decided_on: date
    party: str = Field("", description="A Party sanction, e.g. party_warning")
    party_months: int | None = Field(None, description="12 or 24, for party_probation only")
    admin: str = Field("", description="An administrative sanction, e.g. admin_demerit")
    organisational: str = Field("", description="org_adjustment or major_adjustment")
    note: str = ""
    version: int


class CaseTransferIn(Schema):
    on: date
    note: str = ""
    version: int


class AppealIn(Schema):
    on: date
    grounds: str
    version: int


class AppealEndIn(Schema):
    on: date
    result: str = Field(description="kept or changed")
    note: str
    outcome_id: int | None = Field(None, description="The outcome changed (result changed)")
    measure: str = Field("", description="What it becomes; clarified revokes it")
    months: int | None = None
    version: int


class CaseItemOut(Schema):
    id: int
    organisation: str
    status: str
    due_on: date


class RectifyIn(Schema):
    problem: str
    measures: str = ""
    owner_id: int
    due_on: date
    version: int


def _cases(request):
    require_module(request.user)
    return services.cases_visible_to(request.user).select_related("clue__subject_unit")


def _case(request, case_id: int) -> Case:
    require_module(request.user)
    return services.case_or_404(request.user, case_id)


def _fresh(request, case_id: int) -> Case:
    return services.case_or_404(request.user, case_id)


@router.get("/cases", response=list[CaseOut], summary="Cases of the clues the caller may open")
@paginate(IdPageNumberPagination)
def case_list(request, show: str = "open", q: str = ""):
    """`show`: open (default), overdue, closed or all; `q`: part of the case's or the clue's number or the
    person's name."""
    qs = _cases(request)
    text = q.strip()[:60]
    if text:
        qs = qs.filter(
            Q(number__icontains=text) | Q(clue__number__icontains=text) | Q(clue__subject_name__icontains=text)
        )
    if show == "overdue":
        return services.overdue(qs).order_by("stage_due_on", "pk")
    if show == "closed":
        return qs.filter(stage=St.CLOSED).order_by("-closed_on", "-pk")
    if show == "all":
        return qs.order_by("-filed_on", "-pk")
    return qs.exclude(stage=St.CLOSED).order_by("stage_due_on", "pk")


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="One case with its stages and outcomes")
def case_get(request, case_id: int):
    case = _case(request, case_id)
    audit_sealed_read(actor=request.user, obj=case, reason=_("Opened the case through the API"))
    return case


@router.post("/clues/{clue_id}/case", response={201: CaseDetailOut}, summary="File a case on a clue (leaders)")
def case_file(request, clue_id: int, payload: FileIn):
    """The clue's latest approved form must propose a case; the case starts its investigation with the deadline of
    the rule `discipline.case_stages`."""
    require_module(request.user)
    clue = clue_or_404(request.user, clue_id)
    case = services.case_file_proposed(
        clue=clue, actor=request.user, on=payload.filed_on, number=payload.number, version=payload.version
    )
    return Status(201, _fresh(request, case.pk))


@router.post("/cases/{case_id}/advance", response=CaseDetailOut, summary="Move a case on to its next stage")
def case_advance(request, case_id: int, payload: AdvanceIn):
    """Only the next stage is accepted (investigation → review → decision → announcement → execution → closed);
    a decision must be recorded before the announcement; closing needs a leader."""
    services.case_advance(case=_case(request, case_id), actor=request.user, **payload.dict())
    return _fresh(request, case_id)


@router.post("/cases/{case_id}/close", response=CaseDetailOut, summary="Close an executed case (leaders)")
def case_close(request, case_id: int, payload: CaseCloseIn):
    services.case_close(case=_case(request, case_id), actor=request.user, **payload.dict())
    return _fresh(request, case_id)


@router.post("/cases/{case_id}/extend", response=CaseDetailOut, summary="Extend the current stage (leaders)")
def case_extend(request, case_id: int, payload: CaseExtendIn):
    services.case_extend(case=_case(request, case_id), actor=request.user, **payload.dict())
    return _fresh(request, case_id)


@router.post(
    "/cases/{case_id}/decide", response={201: list[OutcomeOut]}, summary="Record the decision's sanctions (leaders)"
)
def case_decide(request, case_id: int, payload: CaseDecideIn):
    """At most one Party sanction, one administrative sanction and one organisational measure per case; each is an
    outcome with its form and effect period."""
    recorded = services.case_decide(case=_case(request, case_id), actor=request.user, **payload.dict())
    return Status(201, Outcome.objects.select_related("case").filter(pk__in=[o.pk for o in recorded]).order_by("pk"))


@router.post(
    "/cases/{case_id}/transfer", response={201: OutcomeOut}, summary="Transfer a case to judicial organs (leaders)"
)
def case_transfer(request, case_id: int, payload: CaseTransferIn):
    outcome = services.case_transfer(case=_case(request, case_id), actor=request.user, **payload.dict())
    return Status(201, outcome)


@router.post("/cases/{case_id}/appeal", response=CaseDetailOut, summary="Record an appeal (leaders)")
def case_appeal(request, case_id: int, payload: AppealIn):
    services.case_appeal(case=_case(request, case_id), actor=request.user, **payload.dict())
    return _fresh(request, case_id)


@router.post("/cases/{case_id}/appeal/end", response=CaseDetailOut, summary="Record the result of an appeal")
def case_appeal_end(request, case_id: int, payload: AppealEndIn):
    """`kept`, or `changed` with the outcome changed and what it becomes: the old outcome stays, pointing at the
    new one (`superseded_by_id`)."""
    case = _case(request, case_id)
    data = payload.dict()
    outcome_id = data.pop("outcome_id")
    outcome = case.outcomes.filter(pk=outcome_id).first() if outcome_id else None
    services.case_appeal_end(case=case, actor=request.user, outcome=outcome, **data)
    return _fresh(request, case_id)


@router.post(
    "/cases/{case_id}/rectification",
    response={201: CaseItemOut},
    summary="Open a rectification item for the reported person's unit (leaders)",
)
def case_rectify(request, case_id: int, payload: RectifyIn):
    """Answers the item's id, unit and status; the decision's outcomes are linked to it."""
    from qinglian.rectification.services.items import unit_people

    case = _case(request, case_id)
    unit = case.clue.subject_unit
    owner = unit_people(unit).filter(pk=payload.owner_id).first() if unit is not None else None
    data = payload.dict()
    data.pop("owner_id")
    item = services.case_rectify(case=case, actor=request.user, owner=owner, **data)
    return Status(201, {"id": item.pk, "organisation": item.organisation.name, "status": item.status,
                        "due_on": item.due_on})  # fmt: skip


@router.get("/sanctions", response=list[OutcomeOut], summary="Sanctions in effect, soonest end first")
@paginate(IdPageNumberPagination)
def sanction_list(request, ending_within: int | None = None):
    """`ending_within`: only those whose effect period ends within that many days."""
    require_module(request.user)
    today = timezone.localdate()
    qs = services.sanctions_in_effect(request.user, today).select_related("case")
    if ending_within is not None:
        if not 0 <= ending_within <= 36500:
            raise ValidationError({"ending_within": _("Give a number of days from 0 to 36500.")})
        qs = qs.filter(effect_ends_on__lte=today + timedelta(days=ending_within))
    return qs
