"""The demo's evaluation: the planted effect of study on the internal appraisal is recovered inside its interval,
no effect is reported where none was planted, the campaign's effect is recovered, and this year's cycle stands
frozen and scored with the experts' judgments behind its weights."""

from __future__ import annotations

import pytest

from qinglian.evaluation import demo
from qinglian.evaluation.models import Analysis, Cycle, Judgment, Score
from qinglian.evaluation.vocab import AnalysisKind, CycleStatus
from qinglian.orglife import demo as orglife_demo
from qinglian.orgs import demo as orgs_demo
from qinglian.orgs import demo_structure


@pytest.fixture
def loaded(db, django_capture_on_commit_callbacks):
    orgs_demo.load(members=300)
    demo_structure.load()
    with django_capture_on_commit_callbacks(execute=True):
        orglife_demo.load()  # the meetings the variance shares set against study
    return demo.load()


def _estimate(analysis, name):
    (row,) = [e for e in analysis.result["estimates"] if e["name"] == name]
    return row


def test_the_demo_recovers_what_was_planted_and_nothing_else_and_scores_both_years(loaded):
    assert loaded["loaded"] and demo.load()["loaded"] is False
    effects = Analysis.objects.filter(kind=AnalysisKind.FIXED_EFFECTS)
    planted = effects.get(params__outcome="perceptions.internal")
    row = _estimate(planted, "work.study.hours")
    assert row["ci_low"] <= demo.PLANTED_EFFECT <= row["ci_high"]
    assert planted.result["verdict"] == "evidence" and row["ci_low"] > 0
    null = effects.get(params__outcome="perceptions.external")
    row = _estimate(null, "work.study.hours")
    assert row["ci_low"] <= 0 <= row["ci_high"] and null.result["verdict"] == "no evidence"
    campaign = Analysis.objects.get(kind=AnalysisKind.EVENT_STUDY)
    row = _estimate(campaign, "att")
    assert row["ci_low"] <= demo.CAMPAIGN_EFFECT <= row["ci_high"] and campaign.result["verdict"] == "evidence"
    for analysis in Analysis.objects.all():
        assert analysis.result["caveats"], analysis.kind  # every result says what it cannot show
    # Both cycles are frozen on the two experts' judgments and scored.
    for cycle in Cycle.objects.all():
        assert cycle.status == CycleStatus.FROZEN and cycle.weight_set.kind == "combined"
        assert set(Judgment.objects.filter(cycle=cycle).values_list("expert__username", flat=True)) == {
            "office",
            "inspector",
        }
        assert Score.objects.filter(cycle=cycle).exists()
