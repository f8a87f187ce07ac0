"""The contribution analysis: does political work go with better clean-governance outcomes, and did a campaign
change them? Each analysis reads the unit × period panel, runs one method of `methods.panel`, and is stored as an
`Analysis` row with its parameters, estimates, intervals, sample size, inference method, evidence grade, verdict
and the caveats a reader must see. Reports quote the stored row rather than re-running.

Wording is deliberate: a fixed-effects estimate is an *association* (units that did more work did better than
themselves earlier, net of common shocks), never a cause; only the campaign analysis with clean pre-trends is
graded quasi-experimental. The verdict says "evidence" when the interval excludes 0, else "no evidence" — never
"no effect".

Campaigns (and each unit's start date) are written here too.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from qinglian.core.audit import audit_record
from qinglian.core.rules import rule_value
from qinglian.evaluation.methods import panel as methods
from qinglian.evaluation.methods.errors import MethodError
from qinglian.evaluation.models import Analysis, Campaign, CampaignStart, Indicator, Score
from qinglian.evaluation.services.panel import PanelError, Period, build_panel, default_units
from qinglian.evaluation.vocab import AnalysisKind, Layer, MeasureGroup, Role
from qinglian.orgs.models import Organisation

EVIDENCE, NO_EVIDENCE = "evidence", "no evidence"
ASSOCIATIONAL, QUASI, DESCRIPTIVE = "associational", "quasi-experimental", "descriptive"
PRE_TREND_ALPHA = 0.1  # below this the pre-periods differ and the campaign estimate is graded associational

CAVEATS = {
    "association": gettext_lazy(
        "An association is not a cause: units that did more of this work did better or worse than themselves "
        "earlier, but something else that changed at the same time may explain it."
    ),
    "detection": gettext_lazy(
        "Detection effect: more supervision and education find more problems, so reported problems can rise "
        "when the work is going well."
    ),
    "reverse": gettext_lazy(
        "Reverse causality: units with problems are often given more education and talks, which makes the work "
        "look linked to worse outcomes."
    ),
    "few_units": gettext_lazy(
        "Few units: with fewer than about 40 units ordinary intervals are too narrow, so a wild bootstrap was "
        "used; with very few units any estimate is fragile."
    ),
    "pre_trends": gettext_lazy(
        "Before the campaign started, the units that took part already moved differently from the others; the "
        "comparison may be biased."
    ),
    "no_pre_periods": gettext_lazy(
        "There are no periods before the start to check that the units moved alike beforehand."
    ),
    "descriptive": gettext_lazy(
        "Shares of explained variation describe the data; they do not say what would happen if the work changed, "
        "and correlated measures share credit unstably."
    ),
    "accounting": gettext_lazy(
        "This is an exact accounting of the score: it shows where the change came from, not why it happened."
    ),
}

GRADES = {
    ASSOCIATIONAL: gettext_lazy("Associational"),
    QUASI: gettext_lazy("Quasi-experimental"),
    DESCRIPTIVE: gettext_lazy("Descriptive"),
}
VERDICTS = {EVIDENCE: pgettext_lazy("finding", "Evidence"), NO_EVIDENCE: gettext_lazy("No evidence")}
INFERENCE = {
    "cluster": gettext_lazy("Standard errors clustered by unit (CR1), t distribution with G−1 degrees of freedom"),
    "wild_bootstrap_rademacher": gettext_lazy(
        "Wild cluster bootstrap-t with the null imposed (Rademacher weights); interval by percentile-t"
    ),
    "wild_bootstrap_webb": gettext_lazy(
        "Wild cluster bootstrap-t with the null imposed (Webb six-point weights); interval by percentile-t"
    ),
    "unit_bootstrap": gettext_lazy("Bootstrap resampling whole units; normal interval with the bootstrap SE"),
    "unit_bootstrap_percentile": gettext_lazy("Bootstrap resampling whole units; percentile interval"),
    "exact": gettext_lazy("Exact accounting identity"),
}


class ContributionError(ValueError):
    """An analysis that cannot be run on these data; the message says what and why."""


def estimate_label(name: str) -> str:
    """What an estimate's name means, in the reader's language (results keep names, never a runner's wording): a
    layer of a score change, a group of measures, an indicator, the campaign's average effect or the rest."""
    if name in Layer.values:
        return str(Layer(name).label)
    if name in MeasureGroup.values:
        return str(MeasureGroup(name).label)
    if name == "att":
        return _("Average effect on the units that took part")
    if name == "other":
        return _("Incident deduction and rounding")
    indicator = Indicator.objects.filter(code=name).order_by("-version").first()
    return indicator.name if indicator else name


def caveat_texts(keys) -> list[str]:
    return [str(CAVEATS[key]) for key in keys if key in CAVEATS]


def _settings(scope: Organisation) -> dict:
    value = dict(rule_value("evaluation.panel", org_path=scope.path))
    value.setdefault("min_units", 10)
    value.setdefault("min_periods", 4)
    value.setdefault("wild_bootstrap_below", 40)
    value.setdefault("webb_below", 13)
    value.setdefault("bootstrap_reps", 999)
    value.setdefault("ci", 0.95)
    return value


def _indicator(code: str, role: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).exclude(source="").order_by("-version").first()
    if indicator is None:
        raise ContributionError(_("No indicator has the code %(code)s.") % {"code": code})
    if indicator.role != role:
        raise ContributionError(
            _("%(name)s (%(code)s) is not marked as %(role)s in the indicator tree.")
            % {"name": indicator.name, "code": code, "role": Role(role).label}
        )
    return indicator


def _check_size(settings: dict, units: int, periods: int, what: str) -> None:
    if units < settings["min_units"] or periods < settings["min_periods"]:
        raise ContributionError(
            _(
                "Too little data for %(what)s: %(units)d units with %(periods)d periods of complete values; at least "
                "%(min_units)d units and %(min_periods)d periods are needed (rule evaluation.panel). Report the "
                "values descriptively instead."
            )
            % {"what": what, "units": units, "periods": periods, **settings}
        )


def _period_params(periods: list[Period]) -> dict:
    return {"periods": [p.key for p in periods], "first": periods[0].key, "last": periods[-1].key}


def _lagged_rows(panel, outcome: str, inputs: list[str], lag: int):
    """(unit ids, period keys, y, X) of complete rows: the outcome of period p with the inputs of p − lag."""
    units, times, ys, xs = [], [], [], []
    periods = panel.periods
    for unit in panel.units:
        for p in range(lag, len(periods)):
            y = panel.values.get((unit.pk, periods[p].key, outcome))
            x = [panel.values.get((unit.pk, periods[p - lag].key, code)) for code in inputs]
            if y is None or any(v is None for v in x):
                continue
            if not all(math.isfinite(v) for v in [y, *x]):
                continue
            units.append(unit.pk)
            times.append(periods[p].key)
            ys.append(float(y))
            xs.append([float(v) for v in x])
    return units, times, np.array(ys), np.array(xs).reshape(len(ys), len(inputs))


def _store(*, scope, kind, title, params, result, actor) -> Analysis:
    with transaction.atomic():
        analysis = Analysis.objects.create(
            organisation=scope,
            kind=kind,
            title=title[:200],
            params=params,
            result=result,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="evaluation.analysis_run",
            obj=analysis,
            changes={"kind": kind, "params": params, "verdict": result.get("verdict")},
        )
    return analysis


def _verdict(lo: float, hi: float) -> str:
    return EVIDENCE if (lo > 0 or hi < 0) else NO_EVIDENCE


def _num(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


# --------------------------------------------------------------------------------------------------------------------
# Fixed effects


def fixed_effects(
    *, scope: Organisation, outcome: str, inputs: list[str], lag: int = 1, periods: list[Period], actor,
    reps: int | None = None, seed: int = 0,
) -> Analysis:  # fmt: skip
    """Two-way fixed effects of the outcome on the inputs `lag` periods earlier, clustered by unit."""
    if not inputs:
        raise ContributionError(_("Choose at least one political-work measure."))
    if lag < 0 or lag >= len(periods):
        raise ContributionError(_("The lag must be between 0 and the number of periods minus one."))
    out = _indicator(outcome, Role.OUTCOME)
    ins = [_indicator(code, Role.INPUT) for code in inputs]
    settings = _settings(scope)
    try:
        panel = build_panel(scope=scope, periods=periods, codes=[outcome, *inputs])
    except PanelError as error:
        raise ContributionError(str(error)) from error
    units, times, y, X = _lagged_rows(panel, outcome, list(inputs), lag)
    _check_size(settings, len(set(units)), len(set(times)), _("a fixed-effects regression"))
    try:
        fit = methods.twfe(
            y, X, unit=units, time=times, names=list(inputs), level=settings["ci"],
            reps=reps or settings["bootstrap_reps"], seed=seed,
            wild_below=settings["wild_bootstrap_below"], webb_up_to=settings["webb_below"] - 1,
        )  # fmt: skip
    except MethodError as error:
        raise ContributionError(str(error)) from error
    names = {i.code: i.name for i in ins}
    estimates = []
    for code, est in fit.estimates.items():
        estimates.append(
            {
                "name": code,
                "label": names[code],
                "coef": est.coef,
                "se": est.se,
                "t": _num(est.t),
                "p_value": est.p_value,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "verdict": _verdict(est.ci_low, est.ci_high),
            }
        )
    caveats = ["association", "reverse", "detection"]
    if fit.inference != "cluster":
        caveats.append("few_units")
    result = {
        "estimates": estimates,
        "n": fit.n,
        "units": fit.units,
        "periods": fit.periods,
        "r2_within": fit.r2_within,
        "inference": fit.inference,
        "level": fit.level,
        "reps": fit.reps,
        "grade": ASSOCIATIONAL,
        "verdict": EVIDENCE if any(e["verdict"] == EVIDENCE for e in estimates) else NO_EVIDENCE,
        "caveats": caveats,
        "outcome": {"code": outcome, "label": out.name},
    }
    params = {"outcome": outcome, "inputs": list(inputs), "lag": lag, **_period_params(periods), "seed": seed}
    title = _("%(outcome)s on %(inputs)s (lag %(lag)d)") % {
        "outcome": out.name, "inputs": ", ".join(i.name for i in ins), "lag": lag}  # fmt: skip
    return _store(scope=scope, kind=AnalysisKind.FIXED_EFFECTS, title=title, params=params, result=result, actor=actor)


# --------------------------------------------------------------------------------------------------------------------
# Campaign (staggered difference-in-differences)


def _period_index(periods: list[Period], day: date) -> int:
    """The index of the period containing `day`; 0 before the first, len(periods) after the last."""
    for i, period in enumerate(periods):
        if period.start <= day <= period.end:
            return i
    return 0 if day < periods[0].start else len(periods)


def campaign_effect(
    *, campaign: Campaign, outcome: str, periods: list[Period], actor, reps: int | None = None, seed: int = 0
) -> Analysis:
    """Callaway–Sant'Anna ATT of a campaign: first treated period = the period containing the unit's start date."""
    out = _indicator(outcome, Role.OUTCOME)
    scope = campaign.organisation
    settings = _settings(scope)
    starts = {s.organisation_id: s.started_on for s in campaign.starts.all()}
    if not starts:
        raise ContributionError(_("No unit has a start date for this campaign yet."))
    units = default_units(scope)
    try:
        panel = build_panel(scope=scope, periods=periods, codes=[outcome], units=units)
    except PanelError as error:
        raise ContributionError(str(error)) from error
    rows_u, rows_t, ys, first = [], [], [], []
    for unit in units:
        g = _period_index(periods, starts[unit.pk]) if unit.pk in starts else None
        for i, period in enumerate(periods):
            value = panel.values.get((unit.pk, period.key, outcome))
            if value is None or not math.isfinite(value):
                continue
            rows_u.append(unit.pk)
            rows_t.append(i)
            ys.append(float(value))
            first.append(g)
    _check_size(settings, len(set(rows_u)), len(set(rows_t)), _("a campaign comparison"))
    try:
        fit = methods.staggered_did(
            ys, unit=rows_u, time=rows_t, first_treated=first, level=settings["ci"],
            reps=reps or settings["bootstrap_reps"], seed=seed,
        )  # fmt: skip
    except MethodError as error:
        raise ContributionError(str(error)) from error
    caveats = []
    if fit.pre_trend_p is None:
        grade = ASSOCIATIONAL
        caveats.append("no_pre_periods")
    elif fit.pre_trend_p < PRE_TREND_ALPHA:
        grade = ASSOCIATIONAL
        caveats.append("pre_trends")
    else:
        grade = QUASI
    caveats.append("detection")
    if fit.units < settings["wild_bootstrap_below"]:
        caveats.append("few_units")
    labels = {i: p.label for i, p in enumerate(periods)}
    result = {
        "estimates": [
            {
                "name": "att",
                "label": str(_("Average effect on the units that took part")),
                "coef": fit.att,
                "se": _num(fit.se),
                "p_value": _num(fit.p_value),
                "ci_low": _num(fit.ci_low),
                "ci_high": _num(fit.ci_high),
                "verdict": _verdict(fit.ci_low, fit.ci_high) if math.isfinite(fit.se) else NO_EVIDENCE,
            }
        ],
        "events": [
            {
                "e": ev.e,
                "att": ev.att,
                "se": _num(ev.se),
                "ci_low": _num(ev.ci_low),
                "ci_high": _num(ev.ci_high),
                "n": ev.n,
            }
            for ev in fit.events
        ],
        "pre_trend_p": fit.pre_trend_p,
        "n": fit.n,
        "units": fit.units,
        "treated_units": fit.treated_units,
        "periods": len(set(rows_t)),
        "inference": "unit_bootstrap",
        "level": fit.level,
        "reps": fit.reps,
        "grade": grade,
        "caveats": caveats,
        "outcome": {"code": outcome, "label": out.name},
        "starts": {str(pk): labels.get(_period_index(periods, day), "") for pk, day in starts.items()},
    }
    result["verdict"] = result["estimates"][0]["verdict"]
    params = {"campaign": campaign.pk, "outcome": outcome, **_period_params(periods), "seed": seed}
    title = _("%(campaign)s: effect on %(outcome)s") % {"campaign": campaign.name, "outcome": out.name}
    return _store(scope=scope, kind=AnalysisKind.EVENT_STUDY, title=title, params=params, result=result, actor=actor)


# --------------------------------------------------------------------------------------------------------------------
# Shapley shares of the within R²


def shapley_shares(
    *, scope: Organisation, outcome: str, groups: list[str], periods: list[Period], actor, lag: int = 1,
    reps: int | None = None, seed: int = 0,
) -> Analysis:  # fmt: skip
    """Shares of the within R² (unit and period effects partialled out) by measure group, with unit-bootstrap CIs."""
    from qinglian.evaluation.methods import shapley_r2

    out = _indicator(outcome, Role.OUTCOME)
    groups = [g for g in dict.fromkeys(groups) if g]
    if not groups:
        raise ContributionError(_("Choose at least one group of measures."))
    inputs = {}
    for indicator in (
        Indicator.objects.filter(role=Role.INPUT, group__in=groups).exclude(source="").order_by("code", "version")
    ):
        inputs[indicator.code] = indicator
    empty = [g for g in groups if not any(i.group == g for i in inputs.values())]
    if empty:
        raise ContributionError(
            _("No political-work measure is in the group %(groups)s.") % {"groups": ", ".join(empty)}
        )
    if len(groups) > 15:
        raise ContributionError(_("At most 15 groups can share the explained variation exactly."))
    codes = list(inputs)
    settings = _settings(scope)
    try:
        panel = build_panel(scope=scope, periods=periods, codes=[outcome, *codes])
    except PanelError as error:
        raise ContributionError(str(error)) from error
    # A measure this installation records for nobody in these periods (its module keeps no such records here) is
    # left out and named, rather than emptying the whole panel; a group left with no measure is refused.
    unread = [c for c in codes if all(v is None for (_u, _p, code), v in panel.values.items() if code == c)]
    codes = [c for c in codes if c not in unread]
    empty = [g for g in groups if not any(inputs[c].group == g for c in codes)]
    if empty:
        raise ContributionError(
            _("No measure of the group %(groups)s has any value in these periods.") % {"groups": ", ".join(empty)}
        )
    units, times, y, X = _lagged_rows(panel, outcome, codes, lag)
    _check_size(settings, len(set(units)), len(set(times)), _("shares of explained variation"))
    spec = {g: [c for c in codes if inputs[c].group == g] for g in groups}

    def run(unit_labels, rows):
        Z = methods.within(np.column_stack([y[rows], X[rows]]), unit=unit_labels, time=[times[r] for r in rows])
        return shapley_r2(Z[:, 0], Z[:, 1:], names=codes, groups=spec)

    try:
        fit = run(units, list(range(len(y))))
    except MethodError as error:
        raise ContributionError(str(error)) from error
    by_unit: dict[int, list[int]] = {}
    for row, pk in enumerate(units):
        by_unit.setdefault(pk, []).append(row)
    keys = list(by_unit)
    rng = np.random.default_rng(seed)
    reps = reps or settings["bootstrap_reps"]
    draws = {g: [] for g in groups}
    r2_draws = []
    for _b in range(reps):
        pick = rng.integers(0, len(keys), size=len(keys))
        rows, labels = [], []
        for copy, i in enumerate(pick):
            rows += by_unit[keys[i]]
            labels += [copy] * len(by_unit[keys[i]])
        try:
            boot = run(labels, rows)
        except MethodError:
            continue
        r2_draws.append(boot.r2)
        for g in groups:
            draws[g].append(boot.shares[g])
    alpha = (1 - settings["ci"]) / 2

    def interval(values):
        if len(values) < 10:
            return None, None
        return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))

    estimates = []
    for g in groups:
        lo, hi = interval(draws[g])
        estimates.append(
            {
                "name": g,
                "label": ", ".join(inputs[c].name for c in spec[g]),
                "coef": float(fit.shares[g]),
                "ci_low": lo,
                "ci_high": hi,
                # shares cannot be negative: "evidence" when the interval stays clear of 0 (to 3 decimals)
                "verdict": EVIDENCE if lo is not None and round(lo, 3) > 0 else NO_EVIDENCE,
            }
        )
    r2_lo, r2_hi = interval(r2_draws)
    result = {
        "estimates": estimates,
        "r2_within": float(fit.r2),
        "r2_ci": [r2_lo, r2_hi],
        "n": len(y),
        "units": len(keys),
        "periods": len(set(times)),
        "inference": "unit_bootstrap_percentile",
        "level": settings["ci"],
        "reps": len(r2_draws),
        "grade": DESCRIPTIVE,
        "verdict": EVIDENCE if any(e["verdict"] == EVIDENCE for e in estimates) else NO_EVIDENCE,
        "caveats": ["descriptive", "association", "reverse"],
        "outcome": {"code": outcome, "label": out.name},
        "left_out": [{"code": c, "label": inputs[c].name} for c in unread],
    }
    params = {"outcome": outcome, "groups": groups, "lag": lag, **_period_params(periods), "seed": seed}
    title = _("Shares of %(outcome)s explained by %(groups)s") % {
        "outcome": out.name, "groups": "、".join(estimate_label(g) for g in groups)}  # fmt: skip
    return _store(scope=scope, kind=AnalysisKind.SHAPLEY, title=title, params=params, result=result, actor=actor)


# --------------------------------------------------------------------------------------------------------------------
# Decomposition of a score change


def score_change(cycle_before, cycle_after, org: Organisation, *, actor=None) -> Analysis:
    """Where a unit's total score change came from, by layer: w̄·Δscore + Δw·scorē (exact); what the layers do not
    account for (the incident deduction) is its own line."""
    before = Score.objects.filter(cycle=cycle_before, organisation=org).first()
    after = Score.objects.filter(cycle=cycle_after, organisation=org).first()
    if before is None or after is None:
        raise ContributionError(
            _("%(org)s has no score in %(cycle)s.")
            % {"org": org.name, "cycle": (cycle_after if before else cycle_before).name}
        )
    if before.total is None or after.total is None:
        raise ContributionError(_("A total score is missing, so the change cannot be decomposed."))
    names = []
    wb, sb, wa, sa = [], [], [], []
    for layer in cycle_after.layer_weights or {}:
        if layer == "incident_cap":
            continue
        zb, za = (before.layers or {}).get(layer), (after.layers or {}).get(layer)
        if isinstance(zb, dict):
            zb = zb.get("score")
        if isinstance(za, dict):
            za = za.get("score")
        if zb is None or za is None:
            continue
        names.append(layer)
        wb.append(float((cycle_before.layer_weights or {}).get(layer, 0.0)))
        wa.append(float(cycle_after.layer_weights[layer]))
        sb.append(float(zb))
        sa.append(float(za))
    if not names:
        raise ContributionError(_("The two scores have no layer in common."))
    try:
        parts = methods.decompose_change(names, wb, sb, wa, sa)
    except MethodError as error:
        raise ContributionError(str(error)) from error
    change = float(after.total) - float(before.total)
    rest = change - sum(parts.values())
    from qinglian.evaluation.vocab import Layer

    estimates = [
        {"name": name, "label": str(Layer(name).label) if name in Layer.values else name, "coef": value,
         "performance": (wa[i] + wb[i]) / 2 * (sa[i] - sb[i]), "weights": (wa[i] - wb[i]) * (sa[i] + sb[i]) / 2}
        for i, (name, value) in enumerate(parts.items())
    ]  # fmt: skip
    if abs(rest) > 1e-9:
        estimates.append({"name": "other", "label": str(_("Incident deduction and rounding")), "coef": rest})
    result = {
        "estimates": estimates,
        "change": change,
        "before": float(before.total),
        "after": float(after.total),
        "n": 1,
        "units": 1,
        "periods": 2,
        "inference": "exact",
        "grade": DESCRIPTIVE,
        "verdict": "",  # an accounting identity: no interval, so no verdict
        "caveats": ["accounting"],
    }
    params = {"before": cycle_before.pk, "after": cycle_after.pk, "org": org.pk}
    title = _("Score change of %(org)s from %(before)s to %(after)s") % {
        "org": org.name, "before": cycle_before.year, "after": cycle_after.year}  # fmt: skip
    return _store(scope=org, kind=AnalysisKind.CHANGE, title=title, params=params, result=result, actor=actor)


# --------------------------------------------------------------------------------------------------------------------
# Campaigns


@transaction.atomic
def campaign_create(*, organisation: Organisation, name: str, description: str = "", actor) -> Campaign:
    name = (name or "").strip()
    if not name:
        raise ContributionError(_("Give the campaign a name."))
    campaign = Campaign.objects.create(
        organisation=organisation,
        name=name,
        description=description,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="evaluation.campaign_create", obj=campaign, changes={"name": name})
    return campaign


@transaction.atomic
def campaign_start_set(*, campaign: Campaign, organisation: Organisation, started_on: date | None, actor) -> None:
    """Record (or, with no date, remove) the day the campaign started in one unit of its subtree."""
    if not organisation.path.startswith(campaign.organisation.path):
        raise ContributionError(_("%(org)s is not within %(scope)s.") % {
            "org": organisation.name, "scope": campaign.organisation.name})  # fmt: skip
    if started_on is None:
        CampaignStart.objects.filter(campaign=campaign, organisation=organisation).delete()
    else:
        CampaignStart.objects.update_or_create(
            campaign=campaign, organisation=organisation, defaults={"started_on": started_on}
        )
    audit_record(
        actor=actor,
        action="evaluation.campaign_start",
        obj=campaign,
        changes={"organisation": organisation.pk, "started_on": started_on},
    )


__all__ = [
    "ContributionError",
    "campaign_create",
    "campaign_effect",
    "campaign_start_set",
    "caveat_texts",
    "fixed_effects",
    "score_change",
    "shapley_shares",
]
