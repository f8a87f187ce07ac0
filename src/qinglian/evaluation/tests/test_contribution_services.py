"""The contribution services on a simulated panel (the panel reader is replaced; demo_truth tests the real one)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from qinglian.core.models import AuditEvent
from qinglian.evaluation.models import Analysis, Campaign, CampaignStart, Cycle, Score
from qinglian.evaluation.services import contribution as services
from qinglian.evaluation.services.panel import Panel, default_units, quarters

pytestmark = pytest.mark.django_db

OUTCOME, INPUT, INPUT2 = "perceptions.internal", "work.study.hours", "work.orglife.meetings"


@pytest.fixture
def committee(cast):
    from qinglian.orgs.services import org_create

    scope = org_create(name="测试党委", kind="committee", parent=cast.tree.root, actor=None)
    for i in range(12):
        org_create(name=f"测试第{i + 1}支部", kind="branch", parent=scope, actor=None)
    return scope


def _fake_panel(monkeypatch, *, beta=0.8, campaign=None, seed=0):
    """Replace the panel reader: y_it = α_i + λ_t + β·x_i,t−1 + campaign·D_it + ε; x2 has no effect."""
    rng = np.random.default_rng(seed)

    def build(*, scope, periods, codes=None, units=None, on=None):
        units = default_units(scope) if units is None else list(units)
        panel = Panel(units=units, periods=list(periods), indicators=[])
        starts = {s.organisation_id: s.started_on for s in CampaignStart.objects.all()}
        for unit in units:
            a = rng.normal() * 3
            x_prev = None
            for t, period in enumerate(periods):
                x, x2 = rng.normal() + a / 3, rng.normal()
                treated = campaign and unit.pk in starts and starts[unit.pk] <= period.end
                y = 70 + a + 0.5 * t + (beta * x_prev if x_prev is not None else 0) + rng.normal() * 0.5
                y += (campaign or 0) * bool(treated)
                panel.values[(unit.pk, period.key, INPUT)] = x
                panel.values[(unit.pk, period.key, INPUT2)] = x2
                for code in codes or []:  # any other measure asked for: noise
                    if (unit.pk, period.key, code) not in panel.values:
                        panel.values[(unit.pk, period.key, code)] = rng.normal()
                panel.values[(unit.pk, period.key, OUTCOME)] = y if x_prev is not None or campaign else None
                x_prev = x
        return panel

    monkeypatch.setattr(services, "build_panel", build)


def test_fixed_effects_estimates_stores_and_audits(cast, committee, monkeypatch):
    _fake_panel(monkeypatch, beta=0.8)
    periods = quarters(2021, 2022)
    analysis = services.fixed_effects(
        scope=committee, outcome=OUTCOME, inputs=[INPUT, INPUT2], lag=1, periods=periods, actor=cast.office, reps=299
    )
    result = analysis.result
    est = {e["name"]: e for e in result["estimates"]}
    assert est[INPUT]["ci_low"] < 0.8 < est[INPUT]["ci_high"]
    assert est[INPUT]["verdict"] == "evidence" == result["verdict"]
    assert est[INPUT2]["verdict"] == "no evidence"
    assert (result["n"], result["units"], result["periods"]) == (12 * 7, 12, 7)
    assert result["inference"] == "wild_bootstrap_webb"  # 12 units
    assert result["grade"] == "associational"
    assert {"association", "reverse", "detection", "few_units"} <= set(result["caveats"])
    assert analysis.kind == "twfe" and analysis.created_by == cast.office
    assert analysis.params["inputs"] == [INPUT, INPUT2] and analysis.params["first"] == "2021Q1"
    assert AuditEvent.objects.filter(action="evaluation.analysis_run", object_id=str(analysis.pk)).exists()
    assert all(services.caveat_texts(result["caveats"]))


def test_fixed_effects_refuses_too_few_units_and_wrong_roles(cast, monkeypatch):
    _fake_panel(monkeypatch)
    periods = quarters(2021, 2022)
    with pytest.raises(services.ContributionError, match=r"3 units .* at least 10 units"):
        services.fixed_effects(
            scope=cast.tree.root, outcome=OUTCOME, inputs=[INPUT], periods=periods, actor=cast.office
        )
    with pytest.raises(services.ContributionError, match="not marked as"):
        services.fixed_effects(scope=cast.tree.root, outcome=INPUT, inputs=[INPUT], periods=periods, actor=None)
    with pytest.raises(services.ContributionError, match="No indicator has the code nope"):
        services.fixed_effects(scope=cast.tree.root, outcome=OUTCOME, inputs=["nope"], periods=periods, actor=None)
    with pytest.raises(services.ContributionError, match="at least one"):
        services.fixed_effects(scope=cast.tree.root, outcome=OUTCOME, inputs=[], periods=periods, actor=None)
    assert not Analysis.objects.exists()


def test_campaign_effect_from_start_dates(cast, committee, monkeypatch):
    campaign = services.campaign_create(organisation=committee, name="警示教育月", actor=cast.office)
    branches = default_units(committee)
    for i, branch in enumerate(branches[:8]):
        services.campaign_start_set(
            campaign=campaign, organisation=branch, started_on=date(2021, 4 + 3 * (i % 3), 15), actor=cast.office
        )
    _fake_panel(monkeypatch, beta=0.0, campaign=3.0)
    analysis = services.campaign_effect(
        campaign=campaign, outcome=OUTCOME, periods=quarters(2020, 2022), actor=cast.office, reps=199
    )
    result = analysis.result
    att = result["estimates"][0]
    assert att["ci_low"] < 3.0 < att["ci_high"] and result["verdict"] == "evidence"
    assert result["treated_units"] == 8 and result["units"] == 12
    assert result["grade"] in ("quasi-experimental", "associational")
    events = {e["e"]: e for e in result["events"]}
    assert events[-1]["att"] == 0.0 and min(events) < -1
    assert analysis.kind == "did"


def test_campaign_starts_stay_within_the_campaign_unit(cast):
    campaign = services.campaign_create(organisation=cast.tree.gb, name="专题学习", actor=cast.office)
    with pytest.raises(services.ContributionError, match="is not within"):
        services.campaign_start_set(
            campaign=campaign, organisation=cast.tree.branch_c, started_on=date(2024, 1, 1), actor=cast.office
        )
    services.campaign_start_set(
        campaign=campaign, organisation=cast.tree.branch_a, started_on=date(2024, 1, 1), actor=cast.office
    )
    services.campaign_start_set(
        campaign=campaign, organisation=cast.tree.branch_a, started_on=date(2024, 2, 1), actor=cast.office
    )
    assert CampaignStart.objects.get().started_on == date(2024, 2, 1)
    services.campaign_start_set(campaign=campaign, organisation=cast.tree.branch_a, started_on=None, actor=cast.office)
    assert not CampaignStart.objects.exists()
    with pytest.raises(services.ContributionError, match="name"):
        services.campaign_create(organisation=cast.tree.gb, name=" ", actor=cast.office)
    assert Campaign.objects.count() == 1


def test_shapley_shares_by_group(cast, committee, monkeypatch):
    _fake_panel(monkeypatch, beta=0.8)
    analysis = services.shapley_shares(
        scope=committee, outcome=OUTCOME, groups=["study", "orglife"], periods=quarters(2021, 2022),
        actor=cast.office, reps=99,
    )  # fmt: skip
    result = analysis.result
    shares = {e["name"]: e for e in result["estimates"]}
    assert sum(e["coef"] for e in shares.values()) == pytest.approx(result["r2_within"])
    assert shares["study"]["coef"] > shares["orglife"]["coef"]
    assert shares["study"]["ci_low"] is not None and result["grade"] == "descriptive"


def test_score_change_decomposes_exactly(cast):
    before = Cycle.objects.create(
        organisation=cast.tree.root, year=2023, name="2023", layer_weights={"work": 0.5, "results": 0.5}
    )
    after = Cycle.objects.create(
        organisation=cast.tree.root,
        year=2024,
        name="2024",
        layer_weights={"work": 0.4, "results": 0.6, "incident_cap": 10},
    )
    b = cast.tree.branch_b
    Score.objects.create(cycle=before, organisation=b, total=65 - 2, layers={"work": 60, "results": 70})
    Score.objects.create(cycle=after, organisation=b, total=69.2, layers={"work": 65, "results": 72})
    analysis = services.score_change(before, after, b, actor=cast.office)
    parts = {e["name"]: e["coef"] for e in analysis.result["estimates"]}
    assert sum(parts.values()) == pytest.approx(69.2 - 63)
    assert parts["other"] == pytest.approx(2.0)  # the deduction of the year before
    assert analysis.result["grade"] == "descriptive"
    assert analysis.result["verdict"] == ""  # an accounting identity has no interval to judge
    with pytest.raises(services.ContributionError, match="has no score"):
        services.score_change(before, after, cast.tree.branch_a)
