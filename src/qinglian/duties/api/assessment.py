"""Responsibility assessment over the API: score tables with their items, rounds and their workflow, unit
assessments with their item scores, self-scoring and assessor scoring (each write with the row's version), a
unit's result, and a round's results beside last year's. The same services and access rules as the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.duties.models import ItemScore, Round, ScoreItem, ScoreTable, UnitAssessment
from qinglian.duties.services import assessment as services
from qinglian.duties.vocab import RoundStatus, RuleKind, UnitStatus
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Organisation

router = Router(tags=["duties"])
VIEW, REPORT, ASSESS = services.VIEW, services.REPORT, services.ASSESS


# --- schemas ------------------------------------------------------------------------------------------------------


class GradeOut(Schema):
    grade: str
    min: float
    no_zero_item: bool = False


class AssessmentItemOut(Schema):
    id: int
    section_id: int | None
    code: str
    title: str
    points: Decimal
    evidence: str
    rule: str
    params: dict
    indicator: str
    order: int


class AssessmentTableOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    title: str
    grades: list[GradeOut]
    based_on_id: int | None
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class TableDetailOut(AssessmentTableOut):
    items: list[AssessmentItemOut]
    base_points: Decimal
    in_use: bool

    @staticmethod
    def resolve_items(obj) -> list:
        return services.table_items(obj)

    @staticmethod
    def resolve_base_points(obj) -> Decimal:
        return services.table_totals(obj)["base"]

    @staticmethod
    def resolve_in_use(obj) -> bool:
        return services.table_in_use(obj) is not None


class TableIn(Schema):
    organisation_id: int
    year: int
    title: str
    start: str = "default"  # "default" (the shipped table) or "blank"
    copy_from_id: int | None = None


class TableUpdateIn(Schema):
    title: str
    grades: list[GradeOut]
    version: int | None = None


class AssessmentItemIn(Schema):
    code: str
    title: str
    section_id: int | None = None  # none: a section heading
    points: Decimal = Decimal(0)
    rule: RuleKind = RuleKind.PRESENCE
    params: dict = {}
    evidence: str = ""
    indicator: str = ""
    order: int | None = None
    version: int | None = None  # the table's


class AssessmentRoundOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    table_id: int
    year: int
    title: str
    status: RoundStatus
    self_due: date | None
    assess_due: date | None
    finished_at: datetime | None
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class AssessmentUnitOut(Schema):
    id: int
    round_id: int
    organisation_id: int
    organisation_name: str
    status: UnitStatus
    self_total: Decimal | None
    total: Decimal | None
    grade: str
    vetoed: bool
    submitted_at: datetime | None
    assessed_at: datetime | None
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj["organisation_name"] if isinstance(obj, dict) else obj.organisation.name


class AssessmentRoundDetailOut(AssessmentRoundOut):
    units: list[AssessmentUnitOut]

    @staticmethod
    def resolve_units(obj) -> list:
        return list(obj.units.select_related("organisation").order_by("organisation__path"))


class AssessmentRoundIn(Schema):
    organisation_id: int
    table_id: int
    year: int
    title: str
    unit_ids: list[int]
    self_due: date | None = None
    assess_due: date | None = None


class AssessmentVersionIn(Schema):
    version: int | None = None


class AssessmentScoreOut(Schema):
    id: int
    item_id: int
    code: str
    rule: str
    points: Decimal
    measured: Decimal | None
    target: Decimal | None
    measured_note: str
    auto_score: Decimal | None
    self_score: Decimal | None
    self_note: str
    count: Decimal | None = None
    tier: str = ""
    score: Decimal | None = None
    comment: str = ""
    evidence: int
    version: int


class UnitDetailOut(AssessmentUnitOut):
    round_title: str
    feedback: str
    scores: list[AssessmentScoreOut]
    assessor_shown: bool


class SelfIn(Schema):
    self_score: Decimal | None = None
    self_note: str = ""
    version: int | None = None


class AssessIn(Schema):
    count: Decimal | None = None  # what the rule reads: achieved, occurrences, points taken off, cases
    tier: str = ""
    value: Decimal | None = None  # or the score by hand
    comment: str = ""
    version: int | None = None


class FinishIn(Schema):
    feedback: str = ""
    version: int | None = None


class AssessmentReturnIn(Schema):
    reason: str
    version: int | None = None


class ResultOut(Schema):
    unit_id: int
    organisation_id: int
    organisation_name: str
    status: UnitStatus
    self_total: Decimal | None
    total: Decimal | None
    grade: str
    vetoed: bool
    last_total: Decimal | None
    last_grade: str
    difference: Decimal | None


# --- helpers ------------------------------------------------------------------------------------------------------


def _table(request, table_id: int, action: str = VIEW) -> ScoreTable:
    return get_visible_or_404(ScoreTable.objects.select_related("organisation"), request.user, action, pk=table_id)


def _round(request, round_id: int, action: str = VIEW) -> Round:
    return get_visible_or_404(Round.objects.select_related("organisation", "table"), request.user, action, pk=round_id)


def _unit(request, unit_id: int) -> UnitAssessment:
    units = UnitAssessment.objects.select_related("organisation", "round", "round__organisation", "round__table")
    unit = get_visible_or_404(units, request.user, VIEW, pk=unit_id)
    if unit.round.status == RoundStatus.DRAFT and not can(request.user, ASSESS, unit.round):
        raise Http404
    return unit


def _score(request, score_id: int, action: str) -> ItemScore:
    scores = ItemScore.objects.select_related("item", "assessment__organisation", "assessment__round")
    score = get_visible_or_404(scores, request.user, VIEW, pk=score_id)
    if not can(request.user, action, score.assessment.round if action == ASSESS else score):
        raise Http404
    return score


# --- tables -------------------------------------------------------------------------------------------------------


@router.get("/assessment/tables", response=list[AssessmentTableOut], summary="Score tables the caller may see")
@paginate(IdPageNumberPagination)
def table_list(request, year: int | None = None, org_id: int | None = None):
    tables = ScoreTable.objects.visible_to(request.user).select_related("organisation")
    if year is not None:
        tables = tables.filter(year=year)
    if org_id is not None:
        tables = tables.in_subtree(get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id))
    return tables.order_by("-year", "organisation__path", "-pk")


@router.get("/assessment/tables/{table_id}", response=TableDetailOut, summary="A score table with its items")
def table_get(request, table_id: int):
    return _table(request, table_id)


@router.post("/assessment/tables", response={201: TableDetailOut}, summary="Make a score table")
def table_create(request, payload: TableIn):
    """From the shipped default table (100 points, every rule type), empty, or as a copy of another table."""
    org = get_visible_or_404(Organisation.objects, request.user, ASSESS, pk=payload.organisation_id)
    copy_from = _table(request, payload.copy_from_id) if payload.copy_from_id else None
    table = services.table_create(
        org=org, year=payload.year, title=payload.title, start=payload.start, copy_from=copy_from, actor=request.user
    )
    return Status(201, _table(request, table.pk))


@router.put("/assessment/tables/{table_id}", response=TableDetailOut, summary="Rename a table and set its grades")
def table_update(request, table_id: int, payload: TableUpdateIn):
    table = _table(request, table_id, ASSESS)
    grades = [g.dict() for g in payload.grades]
    services.table_update(table=table, title=payload.title, grades=grades, version=payload.version, actor=request.user)
    return _table(request, table_id)


def _section(table: ScoreTable, section_id: int | None) -> ScoreItem | None:
    if section_id is None:
        return None
    section = table.items.filter(pk=section_id, section__isnull=True).first()
    if section is None:
        raise ValidationError({"section_id": _("No such section in this table.")})
    return section


def _item_fields(payload: AssessmentItemIn, table: ScoreTable) -> dict:
    return {
        "code": payload.code,
        "title": payload.title,
        "section": _section(table, payload.section_id),
        "points": payload.points,
        "rule": payload.rule,
        "params": payload.params,
        "evidence": payload.evidence,
        "indicator": payload.indicator,
        "order": payload.order,
    }


@router.post(
    "/assessment/tables/{table_id}/items", response={201: AssessmentItemOut}, summary="Add a section or an item"
)
def item_create(request, table_id: int, payload: AssessmentItemIn):
    table = _table(request, table_id, ASSESS)
    item = services.item_save(table=table, version=payload.version, actor=request.user, **_item_fields(payload, table))
    return Status(201, item)


@router.put("/assessment/items/{item_id}", response=AssessmentItemOut, summary="Change a section or an item")
def item_update(request, item_id: int, payload: AssessmentItemIn):
    item = ScoreItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404
    table = _table(request, item.table_id, ASSESS)
    fields = _item_fields(payload, table)
    if item.section_id is None:
        fields["section"] = None
    return services.item_save(table=table, item=item, version=payload.version, actor=request.user, **fields)


@router.delete("/assessment/items/{item_id}", response={204: None}, summary="Remove a section (once empty) or item")
def item_delete(request, item_id: int, version: int | None = None):
    item = ScoreItem.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404
    _table(request, item.table_id, ASSESS)
    services.item_delete(item=item, version=version, actor=request.user)
    return Status(204, None)


# --- rounds -------------------------------------------------------------------------------------------------------


@router.get("/assessment/rounds", response=list[AssessmentRoundOut], summary="Assessment rounds the caller may see")
@paginate(IdPageNumberPagination)
def round_list(request, year: int | None = None, status: str = ""):
    rounds = Round.objects.visible_to(request.user).select_related("organisation")
    if year is not None:
        rounds = rounds.filter(year=year)
    if status:
        rounds = rounds.filter(status=status)
    return rounds.order_by("-year", "organisation__path", "-pk")


@router.get(
    "/assessment/rounds/{round_id}", response=AssessmentRoundDetailOut, summary="A round with each unit's progress"
)
def round_get(request, round_id: int):
    return _round(request, round_id)


@router.post("/assessment/rounds", response={201: AssessmentRoundDetailOut}, summary="Draw up a round")
def round_create(request, payload: AssessmentRoundIn):
    org = get_visible_or_404(Organisation.objects, request.user, ASSESS, pk=payload.organisation_id)
    table = _table(request, payload.table_id)
    units = list(Organisation.objects.filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise ValidationError({"unit_ids": _("No such unit.")})
    round = services.round_create(
        org=org,
        table=table,
        year=payload.year,
        title=payload.title,
        units=units,
        self_due=payload.self_due,
        assess_due=payload.assess_due,
        actor=request.user,
    )
    return Status(201, _round(request, round.pk))


def _step(name: str, call, summary: str):
    @router.post(f"/assessment/rounds/{{round_id}}/{name}", response=AssessmentRoundDetailOut, summary=summary)
    def step(request, round_id: int, payload: AssessmentVersionIn):
        call(round=_round(request, round_id, ASSESS), version=payload.version, actor=request.user)
        return _round(request, round_id)

    step.__name__ = f"round_{name}"
    return step


round_open = _step("open", services.round_open, "Open self-scoring (fills the items read from records)")
round_measure = _step("measure", services.round_measure, "Read the records again for the items filled from them")
round_advance = _step("advance", services.round_advance, "Close self-scoring and go on to assessor scoring")
round_finish = _step("finish", services.round_finish, "Finish the round: nothing in it is edited any more")


@router.get("/assessment/rounds/{round_id}/results", response=list[ResultOut], summary="Results beside last year's")
def round_results(request, round_id: int):
    rows, _before = services.round_results(_round(request, round_id))
    return [
        {
            "unit_id": r.unit.pk,
            "organisation_id": r.unit.organisation_id,
            "organisation_name": r.unit.organisation.name,
            "status": r.unit.status,
            "self_total": r.unit.self_total,
            "total": r.unit.total,
            "grade": r.unit.grade,
            "vetoed": r.unit.vetoed,
            "last_total": r.previous.total if r.previous else None,
            "last_grade": r.previous.grade if r.previous else "",
            "difference": r.difference,
        }
        for r in rows
    ]


# --- unit assessments and scores ---------------------------------------------------------------------------------


@router.get("/assessment/units", response=list[AssessmentUnitOut], summary="Unit assessments the caller may see")
@paginate(IdPageNumberPagination)
def unit_list(request, round_id: int | None = None, year: int | None = None, status: str = ""):
    units = (
        UnitAssessment.objects.visible_to(request.user)
        .exclude(round__status=RoundStatus.DRAFT)
        .select_related("organisation")
    )
    if round_id is not None:
        units = units.filter(round_id=round_id)
    if year is not None:
        units = units.filter(round__year=year)
    if status:
        units = units.filter(status=status)
    return units.order_by("-round__year", "organisation__path", "pk")


def _detail(request, unit_id: int) -> dict:
    unit = _unit(request, unit_id)
    shown = can(request.user, ASSESS, unit.round) or unit.status in (UnitStatus.ASSESSED, UnitStatus.FINISHED)
    rows = unit.scores.select_related("item").annotate(n_evidence=Count("evidence")).order_by("item__order", "item__pk")
    scores = []
    for row in rows:
        out = {
            "id": row.pk,
            "item_id": row.item_id,
            "code": row.item.code,
            "rule": row.item.rule,
            "points": row.item.points,
            "measured": row.measured,
            "target": row.target,
            "measured_note": row.measured_note,
            "auto_score": row.auto_score,
            "self_score": row.self_score,
            "self_note": row.self_note,
            "evidence": row.n_evidence,
            "version": row.version,
        }
        if shown:
            out.update(count=row.count, tier=row.tier, score=row.score, comment=row.comment)
        scores.append(out)
    return {
        "id": unit.pk,
        "round_id": unit.round_id,
        "organisation_id": unit.organisation_id,
        "organisation_name": unit.organisation.name,
        "status": unit.status,
        "self_total": unit.self_total,
        "total": unit.total if shown else None,
        "grade": unit.grade if shown else "",
        "vetoed": unit.vetoed if shown else False,
        "submitted_at": unit.submitted_at,
        "assessed_at": unit.assessed_at,
        "version": unit.version,
        "round_title": unit.round.title,
        "feedback": unit.feedback if shown else "",
        "scores": scores,
        "assessor_shown": shown,
    }


@router.get("/assessment/units/{unit_id}", response=UnitDetailOut, summary="A unit's assessment with its item scores")
def unit_get(request, unit_id: int):
    """The assessor's scores, comments and the result are shown to the unit once it has its result."""
    return _detail(request, unit_id)


@router.put(
    "/assessment/scores/{score_id}/self", response=AssessmentScoreOut, summary="The unit's self-score of an item"
)
def score_self(request, score_id: int, payload: SelfIn):
    score = _score(request, score_id, REPORT)
    services.score_self(
        score=score, self_score=payload.self_score, self_note=payload.self_note, version=payload.version,
        actor=request.user,
    )  # fmt: skip
    return _score_out(request, score_id)


@router.put(
    "/assessment/scores/{score_id}/assess", response=AssessmentScoreOut, summary="The assessor's score of an item"
)
def score_assess(request, score_id: int, payload: AssessIn):
    """Give what the rule reads (`count`, or `tier`) and the score follows; or give the score (`value`)."""
    score = _score(request, score_id, ASSESS)
    services.score_assess(
        score=score,
        count=payload.count,
        tier=payload.tier,
        value=payload.value,
        comment=payload.comment,
        version=payload.version,
        actor=request.user,
    )
    return _score_out(request, score_id)


def _score_out(request, score_id: int) -> dict:
    score = ItemScore.objects.select_related("assessment").get(pk=score_id)
    detail = _detail(request, score.assessment_id)
    return next(s for s in detail["scores"] if s["id"] == score_id)


def _unit_step(request, unit_id: int, action: str, call, **kwargs) -> dict:
    unit = _unit(request, unit_id)
    if not can(request.user, action, unit.round if action == ASSESS else unit):
        raise Http404
    call(assessment=unit, actor=request.user, **kwargs)
    return _detail(request, unit_id)


@router.post("/assessment/units/{unit_id}/submit", response=UnitDetailOut, summary="Submit the self-scoring")
def unit_submit(request, unit_id: int, payload: AssessmentVersionIn):
    return _unit_step(request, unit_id, REPORT, services.unit_submit, version=payload.version)


@router.post("/assessment/units/{unit_id}/return", response=UnitDetailOut, summary="Send a self-scoring back")
def unit_return(request, unit_id: int, payload: AssessmentReturnIn):
    return _unit_step(request, unit_id, ASSESS, services.unit_return, reason=payload.reason, version=payload.version)


@router.post("/assessment/units/{unit_id}/finish", response=UnitDetailOut, summary="Give the unit its result")
def unit_finish(request, unit_id: int, payload: FinishIn):
    """Total and grade by the table's rules (with any veto), the feedback, and a notice to the unit."""
    return _unit_step(
        request, unit_id, ASSESS, services.unit_finish, feedback=payload.feedback, version=payload.version
    )


@router.post("/assessment/units/{unit_id}/reopen", response=UnitDetailOut, summary="Take a result back")
def unit_reopen(request, unit_id: int, payload: AssessmentVersionIn):
    return _unit_step(request, unit_id, ASSESS, services.unit_reopen, version=payload.version)
