"""The planted truth (demo_truth): the analyses find the effect that is there and not the one that is not.

The cast's tree has three branches, too few for any honest estimate (the panel rule asks for ten units), so the
truth is planted under a committee of ten branches with two members each, over two years of quarters.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from qinglian.evaluation.demo_truth import plant
from qinglian.evaluation.services import contribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(cast):
    from qinglian.orgs.services import member_create, org_create

    scope = org_create(name="测试党委", kind="committee", parent=cast.tree.root, actor=None)
    for i in range(10):
        branch = org_create(name=f"测试第{i + 1}支部", kind="branch", parent=scope, actor=None)
        for j in range(2):
            member_create(organisation=branch, name=f"党员{i}{j}", gender="MF"[j], actor=None)
    return scope


def test_planted_effects_are_recovered(cast, committee):
    year = timezone.localdate().year
    truth = plant(scope=committee, first_year=year - 2, last_year=year - 1, effect=0.8, campaign_effect=3.0, seed=7)
    assert len(truth.units) == 10 and len(truth.periods) == 8
    office = cast.users["office"]

    fe = contribution.fixed_effects(
        scope=committee, outcome=truth.outcome, inputs=[truth.input], lag=1, periods=truth.periods, actor=office
    )
    est = fe.result["estimates"][0]
    assert est["ci_low"] < truth.effect < est["ci_high"]
    assert est["verdict"] == fe.result["verdict"] == "evidence"
    assert fe.result["inference"] == "wild_bootstrap_webb"  # ten units
    assert (fe.result["units"], fe.result["periods"], fe.result["grade"]) == (10, 7, "associational")

    null = contribution.fixed_effects(
        scope=committee, outcome=truth.null_outcome, inputs=[truth.input], lag=1, periods=truth.periods, actor=office
    )
    assert null.result["verdict"] == "no evidence"
    assert null.result["estimates"][0]["ci_low"] < 0 < null.result["estimates"][0]["ci_high"]

    did = contribution.campaign_effect(
        campaign=truth.campaign, outcome=truth.null_outcome, periods=truth.periods, actor=office
    )
    att = did.result["estimates"][0]
    assert att["ci_low"] < truth.campaign_effect < att["ci_high"]
    assert did.result["verdict"] == "evidence"
    assert did.result["treated_units"] == len(truth.starts)
    events = {e["e"]: e for e in did.result["events"]}
    assert events[-1]["att"] == 0.0
