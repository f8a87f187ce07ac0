"""Evaluation cycles and their scores.

A cycle is one year's evaluation of an organisation's subtree. Once its weights are frozen (`Cycle.weight_set`,
`Cycle.layer_weights`), `score_cycle` reads the year's panel and gives every active branch, general branch and
committee in the subtree a `Score`:

- each indicator earns 0–100 points against its fixed anchors (the same every year, so years compare) by its rule:
  `linear` (benefit or cost between the anchors, clipped), `interval` (100 inside [best from, best up to], falling
  linearly to 0 at the anchors), `deduction` (per occurrence × count, capped; counted in the incidents pool),
  `presence` (any → 100) and `target` (count ÷ target, at most 100);
- a missing value leaves the indicator out of that unit's layer, the other weights renormalised and the reason kept
  in `detail`; when a whole weighted layer has no value, the unit's total is not computed and `layers["missing"]`
  says why — never a made-up number;
- total = Σ layer weight × layer score − min(deductions, cap); grade by the rule `evaluation.grades`; rank among
  peers (same kind of organisation at the same depth); an absolute (anchored) TOPSIS closeness in
  `layers["topsis"]`.

`Score.layers` = {"work": s|None, "results": s|None, "perceptions": s|None, "incidents": points deducted,
"deductions": before the cap, "cap": cap, "topsis": c|None, "missing": {layer: reason}}.
`Score.detail` = {code: {"raw", "points", "weight", "missing"?, "source", "query", "layer", "rule", "anchors", ...}}.

Scoring a cycle again replaces its scores; both are audited. Large trees are scored by a background job.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _
from django_tasks import task

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create, job_enqueue, job_fail, job_finish, job_progress
from qinglian.core.models import Job
from qinglian.core.rules import RuleMissing, rule_value
from qinglian.evaluation.models import Cycle, Indicator, Score
from qinglian.evaluation.permissions import MANAGE
from qinglian.evaluation.vocab import CycleStatus, Direction, Layer
from qinglian.orgs.access import can
from qinglian.orgs.models import Organisation

log = logging.getLogger(__name__)

WEIGHTED_LAYERS = (Layer.WORK.value, Layer.RESULTS.value, Layer.PERCEPTIONS.value)
SCORED_KINDS = (Organisation.Kind.BRANCH, Organisation.Kind.GENERAL_BRANCH, Organisation.Kind.COMMITTEE)
INLINE_UNITS = 80  # above this many units a cycle is scored by a background job
JOB_KIND = "evaluation.score_cycle"
FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- cycles ------------------------------------------------------------------------------------------------------


def _may(actor, organisation: Organisation) -> None:
    if actor is not None and not can(actor, MANAGE, organisation):
        raise PermissionDenied


@transaction.atomic
def cycle_create(*, organisation: Organisation, year: int, name: str = "", actor) -> Cycle:
    """Open the evaluation of `organisation`'s subtree for `year` (one cycle per organisation and year)."""
    _may(actor, organisation)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Give the year as a number, e.g. 2025.")}) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("The year must be between {a} and {b}.").format(a=FIRST_YEAR, b=LAST_YEAR)})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("“{org}” is dissolved.").format(org=organisation.display_name)})
    name = (name or "").strip()[:100] or _("{year} evaluation of {org}").format(
        year=year, org=organisation.display_name
    )[:100]
    if Cycle.objects.filter(organisation=organisation, year=year).exists():
        raise ValidationError(
            {
                "year": _("{org} already has an evaluation cycle for {year}.").format(
                    org=organisation.display_name, year=year
                )
            }
        )
    try:
        with transaction.atomic():
            cycle = Cycle.objects.create(
                organisation=organisation, year=year, name=name, created_by=actor if actor else None
            )
    except IntegrityError:  # created meanwhile by someone else
        message = _("{org} already has an evaluation cycle for {year}.")
        raise ValidationError({"year": message.format(org=organisation.display_name, year=year)}) from None
    audit_record(actor=actor, action="evaluation.cycle_create", obj=cycle, changes={"year": year, "name": name})
    return cycle


def scored_units(cycle: Cycle):
    """The units a cycle scores: the active branches, general branches and committees of its subtree."""
    return Organisation.objects.subtree(cycle.organisation).active().filter(kind__in=SCORED_KINDS).order_by("path")


def peer_group(org: Organisation) -> str:
    return f"{org.kind}:{org.depth}"


def peer_group_label(key: str) -> str:
    kind, _sep, depth = key.partition(":")
    try:
        label = Organisation.Kind(kind).label
    except ValueError:
        label = kind
    return _("{kind}, level {depth}").format(kind=label, depth=depth)


# --- points --------------------------------------------------------------------------------------------------------


def rule_type(indicator: Indicator) -> str:
    kind = (indicator.rule or {}).get("type")
    if kind:
        return kind
    return "interval" if indicator.direction == Direction.INTERVAL else "linear"


def _clip(value: float) -> float:
    return max(0.0, min(100.0, value))


def points_for(indicator: Indicator, raw: float) -> tuple[float | None, dict]:
    """The points (0–100) a raw value earns by the indicator's rule, and what else to record (a deduction, a
    problem with the rule). Points of None come with a "missing" reason."""
    kind = rule_type(indicator)
    rule = indicator.rule or {}
    lo, hi = indicator.anchor_low, indicator.anchor_high
    if kind == "linear":
        if lo is None or hi is None or lo == hi:
            return None, {"missing": _("The indicator has no usable anchors (the values scoring 0 and 100).")}
        # anchor_low scores 0 and anchor_high 100; a cost indicator whose anchors are given low-to-high is read the
        # other way round, so that a larger value never scores more.
        reversed_ = lo < hi if indicator.direction == Direction.COST else lo > hi
        if indicator.direction != Direction.INTERVAL and reversed_:
            lo, hi = hi, lo
        return _clip((raw - lo) / (hi - lo) * 100.0), {}
    if kind == "interval":
        a, b = indicator.interval_low, indicator.interval_high
        if None in (a, b, lo, hi) or not (lo <= a <= b <= hi):
            message = _("The indicator's best range and anchors do not fit (need 0-point ≤ from ≤ to ≤ 0-point).")
            return None, {"missing": message}
        if a <= raw <= b:
            return 100.0, {}
        if raw < a:
            return (0.0 if raw <= lo or a == lo else _clip((raw - lo) / (a - lo) * 100.0)), {}
        return (0.0 if raw >= hi or hi == b else _clip((hi - raw) / (hi - b) * 100.0)), {}
    if kind == "deduction":
        per = float(rule.get("per") or 0)
        cap = rule.get("cap")
        deduction = per * max(raw, 0.0)
        if cap is not None:
            deduction = min(deduction, float(cap))
        points = 100.0 * (1 - deduction / float(cap)) if cap else (100.0 if deduction == 0 else 0.0)
        return _clip(points), {"deduction": deduction}
    if kind == "presence":
        return (100.0 if raw > 0 else 0.0), {}
    if kind == "target":
        target = float(rule.get("target") or 0)
        if target <= 0:
            return None, {"missing": _("The indicator's target is not a positive number.")}
        return _clip(raw / target * 100.0), {}
    return None, {"missing": _("Unknown scoring rule “{rule}”.").format(rule=kind)}


# --- one unit ------------------------------------------------------------------------------------------------------


@dataclass
class UnitResult:
    organisation: Organisation
    total: float | None
    layers: dict
    detail: dict
    grade: str = ""


def _layer_weights(cycle: Cycle) -> tuple[dict[str, float], float]:
    raw = cycle.layer_weights or {}
    weights = {layer: float(raw.get(layer) or 0) for layer in WEIGHTED_LAYERS}
    total = sum(weights.values())
    if total > 0:
        weights = {layer: w / total for layer, w in weights.items()}
    cap = raw.get("incident_cap")
    return weights, float(cap) if cap is not None else 10.0


def unit_score(
    *,
    raw: dict[str, float | None],
    reasons: dict[str, str],
    indicators: dict[str, Indicator],
    weights: dict[str, float],
    layer_weights: dict[str, float],
    cap: float,
    deduction_codes: list[str],
) -> tuple[float | None, dict, dict]:
    """One unit's total, layers and detail from its raw values (code → value or None, with `reasons` for None)."""
    detail: dict[str, dict] = {}
    sums: dict[str, list[float]] = {layer: [0.0, 0.0] for layer in WEIGHTED_LAYERS}  # Σ w·p, Σ w
    counted: dict[str, list[str]] = {layer: [] for layer in WEIGHTED_LAYERS}
    deductions = 0.0
    for code in [*weights, *[c for c in deduction_codes if c not in weights]]:
        indicator = indicators.get(code)
        value = raw.get(code)
        entry: dict = {"raw": value, "points": None, "weight": None}
        if indicator is None:
            entry["missing"] = reasons.get(code) or _("The indicator is not in force or not offered here.")
            detail[code] = entry
            continue
        kind = rule_type(indicator)
        entry.update(
            source=indicator.source,
            query=indicator.query,
            layer=indicator.layer,
            rule=kind,
            anchors=[indicator.anchor_low, indicator.anchor_high],
        )
        if kind == "interval":
            entry["best"] = [indicator.interval_low, indicator.interval_high]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            entry["raw"] = None
            entry["missing"] = reasons.get(code) or _("No value for this unit and year.")
        else:
            points, extra = points_for(indicator, float(value))
            entry.update(extra)
            entry["points"] = None if points is None else round(points, 4)
        is_deduction = kind == "deduction" or code not in weights
        if is_deduction:
            entry["pool"] = "incidents"
            deductions += entry.get("deduction") or 0.0
        elif indicator.layer in sums and entry["points"] is not None:
            w = float(weights[code])
            entry["weight_set"] = w
            if w > 0:
                sums[indicator.layer][0] += w * entry["points"]
                sums[indicator.layer][1] += w
                counted[indicator.layer].append(code)
        elif indicator.layer in sums:
            entry["weight_set"] = float(weights[code])
        detail[code] = entry
    # Renormalise within each layer over the indicators that have a value.
    layers: dict = {"missing": {}}
    for layer in WEIGHTED_LAYERS:
        num, den = sums[layer]
        for code in counted[layer]:
            detail[code]["weight"] = round(detail[code]["weight_set"] / den, 6)
        if den > 0:
            layers[layer] = round(num / den, 4)
        else:
            layers[layer] = None
            if layer_weights.get(layer, 0) > 0:
                weighted = [c for c, e in detail.items() if e.get("layer") == layer and "pool" not in e]
                layers["missing"][layer] = (
                    _("No indicator of this layer has a value for this unit.")
                    if weighted
                    else _("The frozen weights give this layer no indicator.")
                )
    applied = min(deductions, cap)
    layers.update(incidents=round(applied, 4), deductions=round(deductions, 4), cap=cap)
    if layers["missing"]:
        return None, layers, detail
    total = sum(layer_weights[layer] * (layers[layer] or 0.0) for layer in WEIGHTED_LAYERS) - applied
    return round(max(total, 0.0), 4), layers, detail


def grades_for(cycle: Cycle) -> list[dict]:
    try:
        grades = rule_value("evaluation.grades", org_path=cycle.organisation.path, on=date(cycle.year, 12, 31))
    except RuleMissing:
        return []
    return sorted(grades or [], key=lambda g: -float(g.get("min", 0)))


def grade_of(total: float | None, grades: list[dict]) -> str:
    if total is None:
        return ""
    for grade in grades:
        if total >= float(grade.get("min", 0)):
            return str(grade.get("code", ""))
    return ""


def grade_texts():
    """A function giving a score's grade in words, reading each cycle's grades rule once (for lists of scores)."""
    rules: dict[int, list[dict]] = {}

    def text(score) -> str:
        if not score.grade:
            return ""
        if score.cycle_id not in rules:
            rules[score.cycle_id] = grades_for(score.cycle)
        return grade_label(score.grade, rules[score.cycle_id])

    return text


def grade_label(code: str, grades: list[dict]) -> str:
    for grade in grades:
        if grade.get("code") == code:
            return grade.get("en" if (get_language() or "").startswith("en") else "zh") or code
    return code


def _topsis(detail: dict, layer_weights: dict[str, float]) -> float | None:
    """Absolute TOPSIS closeness of one unit: each scored indicator's points against the fixed anchors 0 and 100,
    weighted by layer weight × indicator weight (so it does not move when other units come or go)."""
    from qinglian.evaluation.methods.errors import MethodError
    from qinglian.evaluation.methods.topsis import topsis

    columns, weights = [], []
    for entry in detail.values():
        if entry.get("weight") and entry.get("points") is not None and "pool" not in entry:
            w = layer_weights.get(entry["layer"], 0) * entry["weight"]
            if w > 0:
                columns.append(entry["points"])
                weights.append(w)
    if not columns:
        return None
    total = sum(weights)
    try:
        result = topsis(
            [columns],
            [w / total for w in weights],
            directions=["benefit"] * len(columns),
            anchors=[(0.0, 100.0)] * len(columns),
        )
    except MethodError:
        return None
    return round(float(result.closeness[0]), 6)


def _rank(results: list[UnitResult]) -> dict[int, tuple[int | None, int, str]]:
    """Competition ranks (1, 1, 3) by total within each peer group; units without a total are not ranked."""
    groups: dict[str, list[UnitResult]] = {}
    for result in results:
        groups.setdefault(peer_group(result.organisation), []).append(result)
    ranks: dict[int, tuple[int | None, int, str]] = {}
    for key, members in groups.items():
        scored = sorted((r for r in members if r.total is not None), key=lambda r: -r.total)
        previous, rank = None, 0
        for position, result in enumerate(scored, start=1):
            if result.total != previous:
                rank, previous = position, result.total
            ranks[result.organisation.pk] = (rank, len(scored), key)
        for result in members:
            ranks.setdefault(result.organisation.pk, (None, len(scored), key))
    return ranks


# --- the cycle -----------------------------------------------------------------------------------------------------


def frozen_refusal(cycle: Cycle) -> ValidationError | None:
    if cycle.status != CycleStatus.FROZEN or cycle.weight_set_id is None:
        return ValidationError(
            _("Freeze the cycle's weights before scoring it: scores are computed with frozen weights only.")
        )
    weights = (cycle.weight_set.weights or {}).get("indicators") or {}
    if not weights:
        return ValidationError(_("The cycle's frozen weights name no indicator."))
    return None


def _indicators_for(cycle: Cycle, codes: list[str]) -> dict[str, Indicator]:
    from qinglian.evaluation.services.catalogue import in_force

    on = date(cycle.year, 12, 31)
    return {i.code: i for i in in_force(on) if i.code in codes and i.source}


def _deduction_codes(cycle: Cycle, weights: dict) -> list[str]:
    """The incidents indicators offered this year (each a deduction), besides any weighted deduction indicator."""
    from qinglian.evaluation.services.catalogue import offered

    return [
        i.code
        for i in offered(date(cycle.year, 12, 31))
        if i.code not in weights and (i.layer == Layer.INCIDENTS or rule_type(i) == "deduction")
    ]


def compute_scores(cycle: Cycle, *, progress=None) -> list[UnitResult]:
    """Every unit's result for a frozen cycle (nothing saved). The reasons for missing values are kept in English,
    the catalogue's words, so that each reader sees them in their own language (`reason_text`)."""
    with translation.override("en"):
        return _compute_scores(cycle, progress=progress)


def reason_text(reason: str) -> str:
    """A stored reason in the reader's language (a reason with a number in it stays as it was stored)."""
    return gettext(reason) if reason else ""


def _compute_scores(cycle: Cycle, *, progress=None) -> list[UnitResult]:
    from qinglian.evaluation.services.panel import PanelError, build_panel, years

    refusal = frozen_refusal(cycle)
    if refusal:
        raise refusal
    weights = {code: float(w) for code, w in (cycle.weight_set.weights.get("indicators") or {}).items()}
    deduction_codes = _deduction_codes(cycle, weights)
    codes = [*weights, *deduction_codes]
    units = list(scored_units(cycle))
    period = years(cycle.year, cycle.year)[0]
    try:
        panel = build_panel(scope=cycle.organisation, periods=[period], codes=codes, units=units)
    except PanelError as exc:
        raise ValidationError(str(exc)) from None
    indicators = _indicators_for(cycle, codes)
    indicators.update({i.code: i for i in getattr(panel, "indicators", []) if i.code in codes})
    missing = getattr(panel, "missing", {}) or {}
    layer_weights, cap = _layer_weights(cycle)
    grades = grades_for(cycle)
    results: list[UnitResult] = []
    for done, org in enumerate(units, start=1):
        raw, reasons = {}, {}
        for code in codes:
            raw[code] = panel.values.get((org.pk, period.key, code))
            reason = missing.get((org.pk, period.key, code)) or missing.get((org, period.key, code))
            if reason:
                reasons[code] = str(reason)
        total, layers, detail = unit_score(
            raw=raw,
            reasons=reasons,
            indicators=indicators,
            weights=weights,
            layer_weights=layer_weights,
            cap=cap,
            deduction_codes=deduction_codes,
        )
        layers["topsis"] = _topsis(detail, layer_weights) if total is not None else None
        results.append(UnitResult(org, total, layers, detail, grade_of(total, grades)))
        if progress and (done % 20 == 0 or done == len(units)):
            progress(done, len(units))
    return results


def score_cycle(cycle: Cycle, *, actor, progress=None) -> int:
    """Score every unit of a frozen cycle, replacing its earlier scores; returns how many units were scored."""
    cycle = Cycle.objects.select_related("organisation", "weight_set").get(pk=cycle.pk)
    _may(actor, cycle.organisation)
    results = compute_scores(cycle, progress=progress)
    ranks = _rank(results)
    now = timezone.now()
    with transaction.atomic():
        replaced = Score.objects.filter(cycle=cycle).count()
        Score.objects.filter(cycle=cycle).delete()
        Score.objects.bulk_create(
            [
                Score(
                    cycle=cycle,
                    organisation=r.organisation,
                    total=r.total,
                    layers=r.layers,
                    detail=r.detail,
                    grade=r.grade,
                    rank=ranks[r.organisation.pk][0],
                    peers=ranks[r.organisation.pk][1],
                    peer_group=ranks[r.organisation.pk][2],
                    computed_at=now,
                )
                for r in results
            ],
            batch_size=500,
        )
        Cycle.objects.filter(pk=cycle.pk).update(scored_at=now)
        audit_record(
            actor=actor,
            action="evaluation.score_cycle",
            obj=cycle,
            changes={
                "units": len(results),
                "with_total": sum(1 for r in results if r.total is not None),
                "replaced": replaced,
                "weight_set": cycle.weight_set_id,
            },
        )
    return len(results)


def score_cycle_start(cycle: Cycle, *, actor) -> Job | int:
    """Score a cycle now when its tree is small (returns the count), else queue a job (returns the Job)."""
    _may(actor, cycle.organisation)
    refusal = frozen_refusal(cycle)
    if refusal:
        raise refusal
    if scored_units(cycle).count() <= INLINE_UNITS:
        return score_cycle(cycle, actor=actor)
    job = job_create(
        owner=actor,
        kind=JOB_KIND,
        title=_("Scoring {cycle}").format(cycle=cycle.name),
        params={"cycle": cycle.pk, "lang": get_language()},
    )
    return job_enqueue(score_cycle_job, job)


@task()
def score_cycle_job(job_id: str) -> int:
    from django.utils.translation import override

    job = Job.objects.select_related("owner").get(pk=job_id)
    with override(job.params.get("lang") or None):
        try:
            cycle = Cycle.objects.get(pk=job.params["cycle"])

            def report(done: int, total: int) -> None:
                job_progress(job, done=done, total=total)

            n = score_cycle(cycle, actor=job.owner, progress=report)
            job_finish(job, message=_("{n} units scored.").format(n=n), done=n)
        except Exception as exc:
            log.exception("evaluation scoring %s failed", job.pk)
            job_fail(job, message=str(exc))
            raise
    return n
