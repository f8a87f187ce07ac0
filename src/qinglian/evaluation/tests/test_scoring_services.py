"""Scoring a cycle: each rule type against fixed anchors, missing data, layers and total, grades, peer ranks, the
TOPSIS closeness, refusal while the weights are not frozen, and re-scoring that replaces the scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.models import AuditEvent
from qinglian.evaluation.models import Cycle, Indicator, Score, Value, WeightSet
from qinglian.evaluation.services import panel as panel_module
from qinglian.evaluation.services.scoring import cycle_create, points_for, score_cycle, score_cycle_start

YEAR = 2024


def _indicator(code, layer, **kw):
    kw.setdefault("source", "survey")
    kw.setdefault("direction", "benefit")
    return Indicator.objects.create(
        code=code, layer=layer, name_zh=code, name_en=code, effective_from=date(2020, 1, 1), order=900, **kw
    )


def freeze(cycle, indicators: dict, layers=None, cap=10):
    layers = layers or {"work": 0.4, "results": 0.3, "perceptions": 0.3}
    ws = WeightSet.objects.create(
        cycle=cycle, kind="subjective", method="test", weights={"layers": layers, "indicators": indicators}
    )
    cycle.weight_set = ws
    cycle.layer_weights = {**layers, "incident_cap": cap}
    cycle.status = "frozen"
    cycle.save()
    return cycle


@dataclass
class FakePanel:
    units: list
    periods: list
    indicators: list
    values: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)


@pytest.fixture
def fake_panel(monkeypatch):
    """Replace the panel with given raw values: {(org, code): value}."""
    state = {"values": {}}

    def build(*, scope, periods, codes=None, units=None, on=None):
        key = periods[0].key
        values = {(org.pk, key, code): state["values"].get((org.pk, code)) for org in units for code in codes}
        missing = {k: "not recorded" for k, v in values.items() if v is None}
        return FakePanel(list(units), list(periods), [], values, missing)

    monkeypatch.setattr(panel_module, "build_panel", build)
    return state


@pytest.fixture
def world(cast):
    ind = {
        "w": _indicator("t.work", "work", anchor_low=0, anchor_high=10),
        "w2": _indicator("t.work2", "work", anchor_low=0.5, anchor_high=1.0),
        "r": _indicator("t.cost", "results", direction="cost", anchor_low=180, anchor_high=15),
        "p": _indicator(
            "t.interval", "perceptions", direction="interval", interval_low=5, interval_high=6, anchor_low=2,
            anchor_high=10, rule={"type": "interval"},
        ),
        "d": _indicator("t.deduct", "incidents", direction="cost", rule={"type": "deduction", "per": 2, "cap": 6}),
    }  # fmt: skip
    cycle = cycle_create(organisation=cast.tree.root, year=YEAR, name="", actor=cast.office)
    freeze(cycle, {"t.work": 0.5, "t.work2": 0.5, "t.cost": 1.0, "t.interval": 1.0})
    return cycle, ind


def test_points_by_rule(cast):
    lin = _indicator("x.lin", "work", anchor_low=0, anchor_high=32)
    assert points_for(lin, 16)[0] == 50
    assert points_for(lin, 40)[0] == 100 and points_for(lin, -1)[0] == 0
    cost = _indicator("x.cost", "results", direction="cost", anchor_low=180, anchor_high=15)
    assert points_for(cost, 15)[0] == 100 and points_for(cost, 180)[0] == 0
    assert points_for(cost, 97.5)[0] == pytest.approx(50)
    flipped = _indicator("x.cost2", "results", direction="cost", anchor_low=15, anchor_high=180)
    assert points_for(flipped, 15)[0] == 100  # a cost indicator never scores more for a larger value
    interval = _indicator(
        "x.int", "work", direction="interval", interval_low=5, interval_high=6, anchor_low=3, anchor_high=10
    )
    assert points_for(interval, 5.5)[0] == 100
    assert points_for(interval, 4)[0] == pytest.approx(50)
    assert points_for(interval, 8)[0] == pytest.approx(50)
    assert points_for(interval, 2)[0] == 0 and points_for(interval, 11)[0] == 0
    deduction = _indicator("x.ded", "incidents", rule={"type": "deduction", "per": 2, "cap": 6})
    points, extra = points_for(deduction, 2)
    assert extra["deduction"] == 4 and points == pytest.approx(100 / 3)
    assert points_for(deduction, 10)[1]["deduction"] == 6
    no_anchor = _indicator("x.none", "work")
    points, extra = points_for(no_anchor, 3)
    assert points is None and extra["missing"]


def test_score_layers_total_grade_rank(world, fake_panel, cast):
    cycle, _ind = world
    t = cast.tree
    values = fake_panel["values"]
    for org, (w, w2, r, p, d) in {
        t.branch_a: (10, 1.0, 15, 5.5, 0),  # everything full: 100
        t.branch_b: (5, 0.75, 97.5, 8, 2),  # 50 everywhere, 4 points deducted
        t.branch_c: (10, 1.0, 15, 5.5, 5),  # 100 less the cap (10 deducted: per 2 × 5 capped at 6 → 6)
    }.items():
        values.update({(org.pk, "t.work"): w, (org.pk, "t.work2"): w2, (org.pk, "t.cost"): r})
        values.update({(org.pk, "t.interval"): p, (org.pk, "t.deduct"): d})
    n = score_cycle(cycle, actor=cast.office)
    scores = {s.organisation_id: s for s in Score.objects.filter(cycle=cycle)}
    assert n == 5 == len(scores)  # root, general branch, three branches (a Party group is not scored)
    a, b, c = scores[t.branch_a.pk], scores[t.branch_b.pk], scores[t.branch_c.pk]
    assert a.total == 100 and a.grade == "excellent"
    assert b.layers["work"] == pytest.approx(50) and b.layers["incidents"] == 4
    assert b.total == pytest.approx(46) and b.grade == "poor"
    assert c.total == pytest.approx(94) and c.layers["deductions"] == 6
    # peers: the same kind at the same depth — branch_c sits directly under the committee, alone at its level
    assert (a.rank, b.rank, a.peers, a.peer_group) == (1, 2, 2, "branch:3")
    assert (c.rank, c.peers, c.peer_group) == (1, 1, "branch:2")
    assert a.detail["t.cost"]["points"] == 100 and a.detail["t.cost"]["weight"] == 1.0
    assert a.detail["t.work"]["source"] == "survey"
    assert a.layers["topsis"] == pytest.approx(1.0)
    assert 0 < b.layers["topsis"] < 1
    # the general branch and the committee have no values: no total, and the reason is shown
    gb = scores[t.gb.pk]
    assert gb.total is None and gb.rank is None and set(gb.layers["missing"]) == {"work", "results", "perceptions"}
    assert gb.detail["t.work"]["missing"] == "not recorded"


def test_missing_indicator_renormalises_within_its_layer(world, fake_panel, cast):
    cycle, _ind = world
    org = cast.tree.branch_a
    fake_panel["values"].update({(org.pk, "t.work"): 5, (org.pk, "t.cost"): 15, (org.pk, "t.interval"): 5.5})
    score_cycle(cycle, actor=cast.office)
    score = Score.objects.get(cycle=cycle, organisation=org)
    assert score.detail["t.work2"]["missing"] and score.detail["t.work2"]["points"] is None
    assert score.detail["t.work"]["weight"] == 1.0  # 0.5 renormalised over what has a value
    assert score.layers["work"] == pytest.approx(50)
    assert score.total == pytest.approx(0.4 * 50 + 0.3 * 100 + 0.3 * 100)


def test_a_whole_layer_missing_gives_no_total(world, fake_panel, cast):
    cycle, _ind = world
    org = cast.tree.branch_a
    fake_panel["values"].update({(org.pk, "t.work"): 5, (org.pk, "t.cost"): 15})
    score_cycle(cycle, actor=cast.office)
    score = Score.objects.get(cycle=cycle, organisation=org)
    assert score.total is None and score.grade == "" and score.rank is None
    assert list(score.layers["missing"]) == ["perceptions"]
    assert score.layers["topsis"] is None


def test_anchors_make_years_comparable(cast, fake_panel):
    """The same raw value earns the same points in any year, whoever else is scored."""
    _indicator("t.a", "work", anchor_low=0, anchor_high=10)
    _indicator("t.b", "results", anchor_low=0, anchor_high=10)
    _indicator("t.c", "perceptions", anchor_low=0, anchor_high=10)
    totals = []
    for year, others in ((2023, 1), (2024, 9)):
        cycle = freeze(cycle_create(organisation=cast.tree.root, year=year, actor=None), {"t.a": 1, "t.b": 1, "t.c": 1})
        a, b = cast.tree.branch_a, cast.tree.branch_b
        fake_panel["values"] = {(a.pk, c): 7 for c in ("t.a", "t.b", "t.c")}
        fake_panel["values"].update({(b.pk, c): others for c in ("t.a", "t.b", "t.c")})
        score_cycle(cycle, actor=None)
        s = Score.objects.get(cycle=cycle, organisation=a)
        totals.append((s.total, s.layers["topsis"]))
    assert totals[0] == totals[1] and totals[0][0] == pytest.approx(70)


def test_refused_until_frozen_and_outside_scope(cast, fake_panel):
    cycle = cycle_create(organisation=cast.tree.root, year=YEAR, actor=cast.office)
    with pytest.raises(ValidationError, match=r"(?i)freeze|冻结"):
        score_cycle(cycle, actor=cast.office)
    with pytest.raises(ValidationError):
        score_cycle_start(cycle, actor=cast.office)
    assert not Score.objects.exists()
    with pytest.raises(PermissionDenied):
        cycle_create(organisation=cast.tree.branch_a, year=YEAR, actor=cast.secretary)


def test_one_cycle_per_organisation_and_year(cast):
    cycle_create(organisation=cast.tree.root, year=YEAR, actor=cast.office)
    with pytest.raises(ValidationError) as error:
        cycle_create(organisation=cast.tree.root, year=YEAR, actor=cast.office)
    assert "year" in error.value.message_dict
    assert Cycle.objects.count() == 1


def test_scoring_again_replaces_and_is_audited(world, fake_panel, cast):
    cycle, _ind = world
    org = cast.tree.branch_a
    fake_panel["values"].update(
        {(org.pk, "t.work"): 10, (org.pk, "t.work2"): 1, (org.pk, "t.cost"): 15, (org.pk, "t.interval"): 5.5}
    )
    score_cycle(cycle, actor=cast.office)
    fake_panel["values"][(org.pk, "t.work")] = 0
    assert score_cycle_start(cycle, actor=cast.office) == 5  # small tree: scored at once
    assert Score.objects.filter(cycle=cycle).count() == 5
    assert Score.objects.get(cycle=cycle, organisation=org).layers["work"] == pytest.approx(50)
    events = AuditEvent.objects.filter(action="evaluation.score_cycle")
    assert events.count() == 2 and events.order_by("seq").last().changes["replaced"] == 5


def test_large_tree_is_a_job(world, fake_panel, cast, monkeypatch, django_capture_on_commit_callbacks):
    from qinglian.evaluation.services import scoring

    cycle, _ind = world
    monkeypatch.setattr(scoring, "INLINE_UNITS", 2)
    with django_capture_on_commit_callbacks(execute=True):
        job = score_cycle_start(cycle, actor=cast.office)
    job.refresh_from_db()
    assert job.status == "done" and job.done == 5
    assert Score.objects.filter(cycle=cycle).count() == 5


def test_with_the_real_panel_survey_values(cast):
    """End to end: survey values entered for the year are read through the panel and scored."""
    cycle = freeze(
        cycle_create(organisation=cast.tree.root, year=YEAR, actor=None),
        {"perceptions.internal": 0.5, "perceptions.external": 0.5},
        layers={"work": 0, "results": 0, "perceptions": 1},
    )
    internal = Indicator.objects.get(code="perceptions.internal")
    Value.objects.create(
        indicator=internal, organisation=cast.tree.branch_a, period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 12, 31), value=80,
    )  # fmt: skip
    score_cycle(cycle, actor=None)
    score = Score.objects.get(cycle=cycle, organisation=cast.tree.branch_a)
    assert score.detail["perceptions.internal"]["points"] == pytest.approx(50)
    assert score.detail["perceptions.external"]["missing"]
    assert score.layers["perceptions"] == pytest.approx(50)
    assert score.total == pytest.approx(50)
