"""A known truth planted in real records, so that the demo and the tests can show that the contribution analysis
finds what is there — and does not find what is not.

The model (for each active Party branch b under `scope` and each quarter t of first_year..last_year that has ended):

- Study (the input). Every member on b's register records self-study in quarter t of
  h_mbt = clip(level_b + shock_bt + u_mbt, 0.5, 3.0) hours, rounded to the half hour, where level_b ~ U(0.5, 2.0)
  is the branch's habit, shock_bt ~ N(0, 0.5) the branch's quarter and u_mbt ~ N(0, 0.25) the member's. Three
  hours a quarter at most keeps a year's self-study within the rule's cap (12 h), so every hour counts. These are
  StudyRecord rows like those members enter (source "self-study"); the input the analysis sees, x_bt, is read back
  from them by the panel (indicator "work.study.hours": study.hours_per_member, quarter = year-to-date difference),
  so it includes any other study hours the unit already had.
- Internal appraisal (the outcome that depends on study): for t after the first quarter,
  y_bt = 74 + α_b + λ_t + effect × x_b,t−1 + ε_bt, ε ~ N(0, 1): last quarter's study hours per member raise this
  quarter's appraisal by `effect` points per hour. (The first quarter has no previous quarter and gets no value.)
- Service users' satisfaction (the null outcome): z_bt = 84 + α_b + λ_t + campaign_effect × D_bt + ε_bt, where D_bt
  is 1 from the quarter in which the campaign "以案促改警示教育" started in b: it does not depend on study hours.
- α_b ~ N(0, 3) and λ_t ~ N(0, 1.5) are branch and quarter effects shared by both outcomes. The campaign starts in
  about two thirds of the branches, staggered over the quarters after the first year; the others never start it.
- Survey values carry respondents (20–60) and a standard error sd/√n with sd ~ 8 points.

Everything is drawn from random.Random(seed): the same seed plants the same records and values.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from qinglian.evaluation.models import Campaign, CampaignStart, Indicator, Value
from qinglian.evaluation.services.catalogue import catalogue_load
from qinglian.evaluation.services.panel import build_panel, default_units, quarters
from qinglian.orgs.models import Member, Organisation
from qinglian.study.models import StudyRecord
from qinglian.study.vocab import RecordSource

INPUT, OUTCOME, NULL_OUTCOME = "work.study.hours", "perceptions.internal", "perceptions.external"
CAMPAIGN = "以案促改警示教育"
SELF_STUDY_TITLE = "个人自学：党章党规和警示教育读本"


@dataclass
class Truth:
    effect: float
    campaign_effect: float
    outcome: str = OUTCOME
    null_outcome: str = NULL_OUTCOME
    input: str = INPUT
    campaign: Campaign | None = None
    units: list = field(default_factory=list)
    periods: list = field(default_factory=list)
    starts: dict = field(default_factory=dict)  # org id -> date the campaign started there
    hours: dict = field(default_factory=dict)  # (org id, period key) -> study hours per member read back


def _half(value: float) -> Decimal:
    return Decimal(round(value * 2)) / 2


@transaction.atomic
def plant(*, scope: Organisation, first_year: int, last_year: int, effect: float = 0.8,
          campaign_effect: float = 3.0, seed: int = 7) -> Truth:  # fmt: skip
    """Plant the model above under `scope` (see the module's docstring) and return what was planted."""
    rng = random.Random(seed)
    today = timezone.localdate()
    periods = [p for p in quarters(first_year, last_year) if p.end < today]
    units = default_units(scope)
    truth = Truth(effect=effect, campaign_effect=campaign_effect, units=units, periods=periods)
    if not periods or not units:
        return truth
    if not Indicator.objects.filter(code=OUTCOME).exists():
        catalogue_load()
    members_of = {
        unit.pk: list(Member.objects.on_register().in_subtree(unit).order_by("pk").values_list("pk", "organisation_id"))
        for unit in units
    }
    # 1. study records
    records = []
    for unit in units:
        level = rng.uniform(0.5, 2.0)
        for period in periods:
            shock = rng.gauss(0, 0.5)
            span = (period.end - period.start).days
            for member_id, org_id in members_of[unit.pk]:
                hours = _half(min(3.0, max(0.5, level + shock + rng.gauss(0, 0.25))))
                day = period.start + timedelta(days=rng.randrange(span + 1))
                records.append(
                    StudyRecord(
                        member_id=member_id,
                        organisation_id=org_id,
                        source=RecordSource.SELF,
                        title=SELF_STUDY_TITLE,
                        studied_on=day,
                        year=day.year,
                        hours=hours,
                    )
                )
    StudyRecord.objects.bulk_create(records, batch_size=2000)
    # 2. the input as the analysis will read it
    panel = build_panel(scope=scope, periods=periods, codes=[INPUT], units=units)
    truth.hours = {(u.pk, p.key): panel.value(u, p, INPUT) for u in units for p in periods}
    # 3. the campaign, staggered
    campaign = Campaign.objects.create(
        organisation=scope, name=CAMPAIGN, description="以案为鉴、以案促改：专题警示教育，各支部分批开展。"
    )
    truth.campaign = campaign
    later = periods[4:] or periods[1:] or periods
    order = list(units)
    rng.shuffle(order)
    starting = order[: max(1, round(len(order) * 2 / 3))]
    starts = []
    for i, unit in enumerate(starting):
        period = later[(i * len(later)) // len(starting)]
        day = period.start + timedelta(days=rng.randrange(20))
        starts.append(CampaignStart(campaign=campaign, organisation=unit, started_on=day))
        truth.starts[unit.pk] = day
    CampaignStart.objects.bulk_create(starts)
    # 4. survey values
    internal = Indicator.objects.filter(code=OUTCOME).order_by("-version").first()
    external = Indicator.objects.filter(code=NULL_OUTCOME).order_by("-version").first()
    branch_effect = {unit.pk: rng.gauss(0, 3) for unit in units}
    quarter_effect = {period.key: rng.gauss(0, 1.5) for period in periods}
    values = []
    for unit in units:
        for i, period in enumerate(periods):
            base = branch_effect[unit.pk] + quarter_effect[period.key]
            previous = truth.hours.get((unit.pk, periods[i - 1].key)) if i else None
            if previous is not None:
                y = 74 + base + effect * previous + rng.gauss(0, 1.0)
                values.append(_value(rng, internal, unit, period, y))
            started = truth.starts.get(unit.pk)
            treated = 1.0 if started is not None and started <= period.end else 0.0
            z = 84 + base + campaign_effect * treated + rng.gauss(0, 1.0)
            values.append(_value(rng, external, unit, period, z))
    Value.objects.bulk_create(values)
    return truth


def _value(rng: random.Random, indicator: Indicator, unit, period, value: float) -> Value:
    respondents = rng.randint(20, 60)
    return Value(
        indicator=indicator,
        organisation=unit,
        period_start=period.start,
        period_end=period.end,
        value=round(min(100.0, max(0.0, value)), 2),
        respondents=respondents,
        std_error=round(8.0 / math.sqrt(respondents), 2),
        note="demo survey (planted model, see evaluation/demo_truth.py)",
    )


__all__ = ["Truth", "plant"]
