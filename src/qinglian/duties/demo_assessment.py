"""Responsibility assessment in the demo agency, through the services: last year's round on the default table,
finished (every general branch and branch scored, one struck by a veto), and this year's on a copy of it, under
way — some units with their result, some submitted, the rest still scoring themselves.

Called by `duties.demo.load` with its context (root, office, secretary, today, a seeded random generator), after
the plans. The services stamp the clock; last year's dates are put back on the days they would have fallen.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from qinglian.duties.models import ItemScore, Round, UnitAssessment
from qinglian.duties.scoring import cents
from qinglian.duties.services import assessment as services
from qinglian.duties.vocab import RuleKind, UnitStatus
from qinglian.orgs.models import Organisation

COMMENTS = {
    RuleKind.DEDUCTION: ["抽查发现{n}处问题，按标准扣分。", "有{n}次未按规定执行，已当面反馈。"],
    RuleKind.DISCRETIONARY: ["制度内容照搬上级文件，结合实际不够，酌情扣分。", "汇报记录不完整，酌情扣分。"],
    RuleKind.COUNT: ["年内只开展了{n}次，未达到要求。"],
    RuleKind.PRESENCE: ["未提供相关佐证材料。"],
}
NOTES = ["已按要求完成，详见佐证材料。", "已完成，附会议记录。", "按计划推进，材料已归档。"]


def _on(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _units(root: Organisation) -> list[Organisation]:
    kinds = (Organisation.Kind.GENERAL_BRANCH, Organisation.Kind.BRANCH)
    return list(services.units_assessable(root).filter(kind__in=kinds))


def _self_score(row: ItemScore, rng) -> Decimal | None:
    item, points = row.item, row.item.points
    if row.self_score is not None:
        return row.self_score  # filled from the records
    if item.rule == RuleKind.BONUS:
        return cents(min(points, Decimal(str(item.params.get("per", 1))) * rng.choice([0, 0, 1])))
    if item.rule == RuleKind.TIER:
        tiers = item.params.get("tiers") or {}
        return cents(Decimal(str(max(tiers.values())))) if tiers else None
    return points


def _self(unit: UnitAssessment, rng, *, submit: bool, share: float = 1.0) -> UnitAssessment:
    rows = list(unit.scores.select_related("item").order_by("item__order"))
    for row in rows[: max(1, int(len(rows) * share))]:
        if row.item.rule == RuleKind.VETO:
            continue
        value = _self_score(row, rng)
        services.score_self(score=row, self_score=value, self_note=rng.choice(NOTES), version=row.version, actor=None)
    unit.refresh_from_db()
    if submit:
        unit = services.unit_submit(assessment=unit, version=unit.version, actor=None)
    return unit


def _assess_row(row: ItemScore, rng, actor, *, veto: bool, model: bool) -> None:
    """Score one item: a unit held up as a model loses nothing by hand and earns a bonus; `veto` strikes the
    mildest veto item (the one whose ceiling is highest)."""
    item, params = row.item, row.item.params or {}
    given: dict = {"comment": ""}
    if item.rule == RuleKind.VETO:
        given["count"] = 1 if veto else 0
        if veto:
            given["comment"] = "年内发生一起造成不良影响的问题，按规定本年度考核等次不高于{grade}。".format(
                grade=params.get("grade", "")
            )
    elif item.indicator and row.score is not None:
        return  # scored from the records
    elif model and item.rule == RuleKind.BONUS:
        given["count"] = 2
    elif model and item.rule == RuleKind.TIER:
        given["tier"] = "A"
    elif model and item.rule in (RuleKind.DEDUCTION, RuleKind.DISCRETIONARY):
        given["count"] = 0
    elif model:
        given["value"] = item.points
    elif item.rule == RuleKind.DEDUCTION:
        n = rng.choice([0, 0, 0, 1, 1, 2])
        given.update(count=n, comment=rng.choice(COMMENTS[item.rule]).format(n=n) if n else "")
    elif item.rule == RuleKind.DISCRETIONARY:
        n = rng.choice([0, 0, 1, 1, 2])
        n = min(n, int(Decimal(str(params.get("max", item.points)))))
        given.update(count=n, comment=rng.choice(COMMENTS[item.rule]) if n else "")
    elif item.rule == RuleKind.TIER:
        given["tier"] = rng.choice(["A", "A", "A", "B", "C"])
    elif item.rule == RuleKind.BONUS:
        given["count"] = rng.choice([0, 0, 0, 1, 2])
    elif item.rule == RuleKind.COUNT and params.get("target"):
        target = int(Decimal(str(params["target"])))
        n = rng.choice([target, target, target, max(0, target - 1)])
        given.update(count=n, comment=COMMENTS[RuleKind.COUNT][0].format(n=n) if n < target else "")
    elif item.rule == RuleKind.PRESENCE:
        done = rng.random() > 0.08
        given.update(value=item.points if done else 0, comment="" if done else COMMENTS[RuleKind.PRESENCE][0])
    else:  # a count from records the records could not give: scored by hand
        given["value"] = item.points
    services.score_assess(score=row, version=row.version, actor=actor, **given)


def _assess(
    unit: UnitAssessment, rng, actor, *, veto: bool = False, model: bool = False, finish: bool = True
) -> UnitAssessment:
    rows = list(unit.scores.select_related("item").order_by("item__order"))
    grades = [g["grade"] for g in unit.round.table.grades]
    vetoes = [r for r in rows if r.item.rule == RuleKind.VETO]
    mildest = min(vetoes, key=lambda r: grades.index(r.item.params.get("grade")) if r.item.params.get("grade") in
                  grades else len(grades), default=None)  # fmt: skip
    for row in rows:
        _assess_row(row, rng, actor, veto=veto and row is mildest, model=model)
    unit.refresh_from_db()
    if not finish:
        return unit
    unit = UnitAssessment.objects.select_related("organisation", "round", "round__table").get(pk=unit.pk)
    tally = services.unit_tally(unit)
    lost = [r.item.code for r in services.unit_lost(unit) if r.item.rule != RuleKind.VETO]
    if lost:
        items = "、".join(lost[:5])
        feedback = f"总体完成年度党风廉政建设任务。在第{items}项失分，请对照评分细则逐项整改，于下季度报送整改情况。"
    else:
        feedback = "各项工作扎实有效，台账规范完整，请继续保持。"
    if tally.vetoed:
        feedback = f"触发一票否决项，本年度考核等次为{tally.grade}。" + feedback
    return services.unit_finish(assessment=unit, feedback=feedback, version=unit.version, actor=actor)


def _date_last_year(round: Round, year: int) -> None:
    """Put last year's round on its days: self-scoring by 10 December, results by 22 December."""
    Round.objects.filter(pk=round.pk).update(finished_at=_on(date(year, 12, 28)), created_at=_on(date(year, 11, 20)))
    UnitAssessment.objects.filter(round=round).update(
        submitted_at=_on(date(year, 12, 8)), assessed_at=_on(date(year, 12, 20))
    )
    ItemScore.objects.filter(assessment__round=round).update(scored_at=_on(date(year, 12, 18)))


def load(ctx) -> dict:
    """Add last year's finished round and this year's under way (called once, by duties.demo)."""
    root, rng, office, today = ctx.root, ctx.rng, ctx.office, ctx.today
    if Round.objects.filter(organisation=root).exists():
        return {}
    units = _units(root)
    if not units:
        return {}
    last, this = today.year - 1, today.year
    with transaction.atomic():
        table = services.table_create(
            org=root, year=last, title=f"{last}年度党风廉政建设责任制考核评分表", actor=office
        )
        round = services.round_create(
            org=root, table=table, year=last, title=f"{last}年度党风廉政建设责任制考核", units=units,
            self_due=date(last, 12, 10), assess_due=date(last, 12, 25), actor=office,
        )  # fmt: skip
        round = services.round_open(round=round, version=round.version, actor=office)
        for i, unit in enumerate(round.units.select_related("organisation").order_by("organisation__path")):
            unit = _self(unit, rng, submit=True)
            _assess(unit, rng, office, veto=i == len(units) - 1, model=i % 4 == 2)
        round.refresh_from_db()
        round = services.round_advance(round=round, version=round.version, actor=office)
        round = services.round_finish(round=round, version=round.version, actor=office)
        _date_last_year(round, last)

        copy = services.table_create(
            org=root, year=this, title=f"{this}年度党风廉政建设责任制考核评分表", copy_from=table, actor=office
        )
        current = services.round_create(
            org=root, table=copy, year=this, title=f"{this}年度党风廉政建设责任制考核", units=units,
            self_due=today + timedelta(days=14), assess_due=today + timedelta(days=35), actor=office,
        )  # fmt: skip
        current = services.round_open(round=current, version=current.version, actor=office)
        rows = list(current.units.select_related("organisation").order_by("organisation__path"))
        for i, unit in enumerate(rows):
            stage = i % 4  # a result, scored but not yet given, submitted, still scoring itself
            if stage == 3:
                _self(unit, rng, submit=False, share=0.5)
                continue
            unit = _self(unit, rng, submit=True)
            if stage in (0, 1):
                _assess(unit, rng, office, model=i % 8 == 0, finish=stage == 0)
    done = UnitAssessment.objects.filter(round=current, status=UnitStatus.ASSESSED).count()
    return {"assessment_rounds": 2, "assessment_units": len(units), "assessment_results_this_year": done}
