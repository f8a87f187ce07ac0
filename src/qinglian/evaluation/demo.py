"""Evaluation in the demo agency: three years of quarterly records with a known planted effect, this year's
cycle with two experts' judgments, frozen weights and scores, last year's for the trend, and the contribution
analyses that recover the planted effect (and find none where none was planted).

- Ground truth (demo_truth.plant): every branch's members study on their own each quarter at a branch- and
  quarter-varying intensity (real study records); the internal appraisal (民主评议) of a branch rises by
  PLANTED_EFFECT points per hour of study per member in the quarter before; the service users' survey does not
  depend on study at all, but rises by CAMPAIGN_EFFECT points once the branch has started the warning-education
  campaign, which the branches started in different quarters.
- Experts: the committee office (`office`) and a discipline inspector (`inspector`) judged the layers and
  every group; the objective weights come from last year's data (entropy); the combined vector (0.7 the
  experts', 0.3 the data's) is frozen.

Deterministic; runs once, after every module whose records it reads.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Organisation

PLANTED_EFFECT = 0.8  # appraisal points per study hour per member in the previous quarter
CAMPAIGN_EFFECT = 3.0  # service users' satisfaction points once a branch has started the campaign
SEED = 2026

# The experts' judgments (upper triangle, row against column, Saaty's scale) for the layers and the groups.
JUDGMENTS = {
    "office": {
        "": [2, 1, 1 / 2],  # work : results, work : perceptions, results : perceptions
        "work": [1, 3, 2],  # organisational life : study, : responsibility, study : responsibility
        "work.study": [3, 4, 3, 3, 2, 1],  # hours, the norm, practice mastery, practising
    },
    "inspector": {
        "": [1, 1 / 2, 1 / 2],
        "work": [1 / 2, 2, 3],
        "work.study": [2, 4, 3, 3, 2, 1],
    },
}


def load(*, members: int = 300) -> dict:
    """Add the demo's evaluation unless it is there already (in the site's language)."""
    from qinglian.evaluation.models import Cycle

    with translation.override(settings.LANGUAGE_CODE):
        root = Organisation.objects.filter(code=ROOT_CODE).first()
        if root is None or Cycle.objects.filter(organisation=root).exists():
            return {"loaded": False}
        with transaction.atomic():
            return {"loaded": True, **_load(root)}


def _branches(root: Organisation) -> list[Organisation]:
    from qinglian.evaluation.services.panel import default_units

    return default_units(root)


def _if_enough(analyse, **arguments):
    """The analysis, or None when a small demo (--members) has too few units or periods for it."""
    from qinglian.evaluation.services.contribution import ContributionError

    try:
        return analyse(**arguments)
    except ContributionError:
        return None


def _load(root: Organisation) -> dict:
    from qinglian.evaluation.demo_truth import plant
    from qinglian.evaluation.services import contribution, scoring, weights
    from qinglian.evaluation.services.panel import quarters

    users = get_user_model().objects.in_bulk(["office", "inspector"], field_name="username")
    office = users["office"]
    year = timezone.localdate().year
    truth = plant(
        scope=root, first_year=year - 2, last_year=year, effect=PLANTED_EFFECT, campaign_effect=CAMPAIGN_EFFECT,
        seed=SEED,
    )  # fmt: skip
    cycles = []
    for cycle_year in (year - 1, year):
        cycle = scoring.cycle_create(
            organisation=root, year=cycle_year, name=f"{cycle_year}年度党风廉政建设考评", actor=office
        )
        for username, nodes in JUDGMENTS.items():
            for node, upper in nodes.items():
                weights.judgment_save(cycle=cycle, expert=users[username], node=node, values=upper, version=None,
                                      actor=users[username])  # fmt: skip
        subjective = weights.subjective_weights(cycle, actor=office)
        objective = weights.objective_weights(cycle, method="entropy", actor=office)
        combined = weights.combined_weights(cycle, subjective, objective, method="linear", alpha=0.7, actor=office)
        cycle.refresh_from_db()
        weights.freeze(cycle, combined, version=cycle.version, actor=office)
        cycle.refresh_from_db()
        scoring.score_cycle(cycle, actor=office)
        cycles.append(cycle)
    periods = quarters(year - 2, year)
    analyses = [
        _if_enough(contribution.fixed_effects, scope=root, outcome=truth.outcome, inputs=[truth.input], lag=1,
                   periods=periods, actor=office),
        _if_enough(contribution.fixed_effects, scope=root, outcome=truth.null_outcome, inputs=[truth.input], lag=1,
                   periods=periods, actor=office),
        _if_enough(contribution.campaign_effect, campaign=truth.campaign, outcome=truth.null_outcome, periods=periods,
                   actor=office),
        _if_enough(contribution.shapley_shares, scope=root, outcome=truth.outcome, groups=["study", "orglife"],
                   periods=periods, actor=office),
    ]  # fmt: skip
    analyses.extend(contribution.score_change(cycles[0], cycles[1], org, actor=office) for org in _branches(root)[:3])
    analyses = [analysis for analysis in analyses if analysis is not None]
    return {"cycles": len(cycles), "analyses": len(analyses)}
