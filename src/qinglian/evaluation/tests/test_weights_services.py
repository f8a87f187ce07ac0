"""Weights: the tree's nodes, experts' judgments (refusals naming the cell, versions), the experts' weights
aggregated by geometric mean with their provenance, weights from last year's data with missing values handled
explicitly, combined weights, and freezing."""

from __future__ import annotations

import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.evaluation import methods
from qinglian.evaluation.models import Cycle, Judgment
from qinglian.evaluation.services import weights as services
from qinglian.orgs.services import Conflict

YEAR = timezone.localdate().year


@pytest.fixture
def cycle(cast):
    return Cycle.objects.create(organisation=cast.tree.root, year=YEAR, name="年度考评")


def expert_of(django_user_model, org, username="expert_a"):
    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    user = django_user_model.objects.create_user(username, f"{username}@example.cn", "pw")
    role_assign(user=user, role=Role.objects.get(code="discipline_staff"), organisation=org, include_subtree=True,
                actor=None)  # fmt: skip
    return user


def test_the_tree_to_judge(cycle):
    tree = services.weight_tree(cycle)
    root = tree.nodes[0]
    assert root.code == "" and [i.code for i in root.items] == ["work", "results", "perceptions"]
    assert all(len(node.items) > 1 for node in tree.nodes)  # a node with one child needs no judgment
    assert not any(node.layer == "incidents" or node.code.startswith("incidents") for node in tree.nodes)
    assert "incidents" not in tree.leaves
    assert tree.leaves["perceptions"] == ["perceptions.internal", "perceptions.external"]


def test_two_experts_aggregated_by_geometric_mean(cast, cycle, in_english):
    # office: work 2× results, 4× perceptions, results 2× perceptions; inspector: 8, 4, 1/2.
    services.judgment_save(cycle=cycle, expert=cast.office, node="", values=[2, 4, 2], actor=cast.office)
    services.judgment_save(cycle=cycle, expert=cast.inspector, node="", values=["8", "4", "1/2"], actor=cast.inspector)
    ws = services.subjective_weights(cycle, actor=cast.office)
    # the element-wise geometric mean is (4, 4, 1): consistent, weights 4/6, 1/6, 1/6
    layers = ws.weights["layers"]
    assert layers["work"] == pytest.approx(2 / 3, abs=1e-6)
    assert layers["results"] == pytest.approx(1 / 6, abs=1e-6) and layers["perceptions"] == pytest.approx(1 / 6)
    assert ws.consistency[""]["cr"] == pytest.approx(0, abs=1e-9) and ws.consistency[""]["experts"] == 2
    assert ws.consistency[""]["aggregate"][0][1] == pytest.approx(4)
    # provenance: every expert's matrix and CR, the method, the RI table (rule evaluation.ahp)
    assert sorted(j["expert"] for j in ws.inputs["judgments"]) == ["inspector", "office"]
    assert all(j["matrix"] and j["cr"] is not None for j in ws.inputs["judgments"])
    assert ws.params["ri"] == "saaty1980" and ws.params["ri_table"] == list(methods.RI_TABLES["saaty1980"])
    assert ws.created_by == cast.office and ws.method == "ahp-eigen"
    # nodes nobody judged: equal weights, recorded; each layer's weights sum to 1
    tree = services.weight_tree(cycle)
    assert set(ws.params["equal_weights"]) == {n.code for n in tree.nodes if n.code}
    for layer, codes in tree.leaves.items():
        if codes:
            assert sum(ws.weights["indicators"][c] for c in codes) == pytest.approx(1)
    assert ws.weights["indicators"]["perceptions.internal"] == pytest.approx(0.5)
    assert AuditEvent.objects.filter(action="evaluation.weights_compute").count() == 1


def test_weights_multiply_along_the_path(cast, cycle):
    tree = services.weight_tree(cycle)
    work = tree.node("work")
    if work is None or len(work.items) < 2:
        pytest.skip("the work layer has a single group here")
    n = len(work.items)
    values = [3] * (n * (n - 1) // 2)  # each earlier group 3× the later ones
    services.judgment_save(cycle=cycle, expert=cast.inspector, node="work", values=values, actor=cast.inspector)
    ws = services.subjective_weights(cycle, actor=cast.office)
    local = methods.ahp(Judgment.objects.get(node="work").matrix).weights
    first = work.items[0].code
    leaves = tree.children[first]
    expected = local[0] / len(leaves) if all(tree.indicators[c].source for c in leaves) else None
    if expected is not None:
        assert ws.weights["indicators"][leaves[0]] == pytest.approx(expected, rel=1e-6)


def test_refusals_name_the_cell(cast, cycle, in_english):
    with pytest.raises(ValidationError) as zero:
        services.judgment_save(cycle=cycle, expert=cast.office, node="", values=[3, 0, 2], actor=cast.office)
    assert "“Work done” compared with “Perceptions”" in zero.value.messages[0] and "positive" in zero.value.messages[0]
    matrix = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 2, 1]]  # row 3, column 2 should be 1/2
    with pytest.raises(ValidationError) as odd:
        services.judgment_save(cycle=cycle, expert=cast.office, node="", matrix=matrix, actor=cast.office)
    assert "row 3 (Perceptions), column 2 (Results)" in odd.value.messages[0]
    assert "reciprocal" in odd.value.messages[0]
    with pytest.raises(ValidationError):
        services.judgment_save(cycle=cycle, expert=cast.office, node="incidents", values=[1], actor=cast.office)
    assert not Judgment.objects.exists()


def test_check_names_the_most_inconsistent_judgment(cycle, in_english):
    node = services.weight_tree(cycle).nodes[0]
    check = services.judgment_check(node.items, [3, "1/3", 3])
    assert check.cr > 0.1 and not check.acceptable
    worst = check.worst
    assert {worst["a"], worst["b"]} <= {"Work done", "Results", "Perceptions"}
    assert worst["suggested"] in {services.scale_text(s) for s in services.SCALE}
    consistent = services.judgment_check(node.items, [2, 4, 2])
    assert consistent.cr == pytest.approx(0, abs=1e-9) and consistent.acceptable
    assert math.isclose(sum(consistent.weights.values()), 1)


def test_versions_and_other_subtrees(cast, cycle, django_user_model):
    first = services.judgment_save(cycle=cycle, expert=cast.office, node="", values=[2, 4, 2], actor=cast.office)
    with pytest.raises(Conflict):  # saved meanwhile in another window
        services.judgment_save(cycle=cycle, expert=cast.office, node="", values=[1, 1, 1], actor=cast.office)
    again = services.judgment_save(
        cycle=cycle, expert=cast.office, node="", values=[1, 1, 1], version=first.version, actor=cast.office
    )
    assert again.version == first.version + 1 and again.cr == pytest.approx(0)
    with pytest.raises(Conflict):
        services.judgment_save(
            cycle=cycle, expert=cast.office, node="", values=[2, 2, 1], version=first.version, actor=cast.office
        )
    outsider = expert_of(django_user_model, cast.tree.branch_a)  # an expert of branch_a's subtree only
    with pytest.raises(PermissionDenied):
        services.judgment_save(cycle=cycle, expert=outsider, node="", values=[2, 4, 2], actor=outsider)
    with pytest.raises(PermissionDenied):
        services.subjective_weights(cycle, actor=cast.inspector)  # an expert does not compute sets


class FakePanel:
    def __init__(self, units, period, values):
        self.units, self.values, self.missing = units, values, {}
        self.periods = [period]


def test_objective_weights_from_last_year(cast, cycle, monkeypatch):
    from qinglian.evaluation.services import panel as panel_services

    tree = services.weight_tree(cycle)
    period = panel_services.years(YEAR - 1, YEAR - 1)[0]
    units = [cast.tree.branch_a, cast.tree.branch_b, cast.tree.branch_c, cast.tree.group_a]
    results = tree.leaves["results"]
    values = {}
    for k, unit in enumerate(units):
        for n, code in enumerate(tree.leaves["work"] + tree.leaves["perceptions"] + results):
            values[(unit.pk, period.key, code)] = float(10 + k * (n + 1) + (k * k if n % 2 else 0))
    values[(units[0].pk, period.key, results[0])] = None  # branch_a dropped from the results layer
    values[(units[0].pk, period.key, results[1])] = None
    values[(units[1].pk, period.key, results[1])] = None
    values[(units[2].pk, period.key, results[1])] = None  # 3 of 4 units missing: the column is left out
    seen = {}

    def fake_build_panel(*, scope, periods, codes=None, units=None, on=None):
        seen.update(scope=scope, periods=[p.key for p in periods], codes=codes)
        return FakePanel(units_list, period, values)

    units_list = units
    monkeypatch.setattr(panel_services, "build_panel", fake_build_panel)
    ws = services.objective_weights(cycle, method="entropy", actor=cast.office)
    assert seen["periods"] == [str(YEAR - 1)] and seen["scope"] == cast.tree.root
    assert results[1] in ws.inputs["excluded"] and ws.weights["indicators"][results[1]] == 0
    assert [d["unit"] for d in ws.inputs["dropped_units"]["results"]] == [units[0].pk]
    assert ws.inputs["dropped_units"]["results"][0]["missing"] == [results[0]]
    assert sum(ws.weights["indicators"][c] for c in results) == pytest.approx(1)
    assert ws.weights["layers"] == {"work": 0.4, "results": 0.3, "perceptions": 0.3}  # the rule's
    assert "evaluation.layers" in ws.params["layers_from"]
    critic = services.objective_weights(cycle, method="critic", actor=cast.office)
    assert critic.method == "critic"
    subjective = services.subjective_weights(cycle, actor=cast.office)
    combined = services.combined_weights(cycle, subjective, ws, method="linear", alpha=0.5, actor=cast.office)
    code = results[0]
    expected = 0.5 * subjective.weights["indicators"][code] + 0.5 * ws.weights["indicators"][code]
    assert combined.weights["indicators"][code] == pytest.approx(expected)
    assert combined.inputs["subjective"] == subjective.pk and combined.weights["layers"] == subjective.weights["layers"]
    with pytest.raises(ValidationError):
        services.objective_weights(cycle, method="variance", actor=cast.office)


def test_freeze(cast, cycle, in_english):
    services.judgment_save(cycle=cycle, expert=cast.office, node="", values=[2, 4, 2], actor=cast.office)
    ws = services.subjective_weights(cycle, actor=cast.office)
    with pytest.raises(Conflict):
        services.freeze(cycle, ws, version=cycle.version + 5, actor=cast.office)
    frozen = services.freeze(cycle, ws, version=cycle.version, actor=cast.office)
    assert frozen.status == "frozen" and frozen.weight_set == ws and frozen.frozen_by == cast.office
    assert frozen.layer_weights == {**ws.weights["layers"], "incident_cap": 10}
    assert AuditEvent.objects.filter(action="evaluation.weights_freeze", object_id=str(cycle.pk)).exists()
    with pytest.raises(ValidationError, match="already frozen"):
        services.freeze(frozen, ws, version=frozen.version, actor=cast.office)
    judgment = Judgment.objects.get()
    with pytest.raises(ValidationError, match="frozen"):
        services.judgment_save(
            cycle=frozen, expert=cast.office, node="", values=[1, 1, 1], version=judgment.version, actor=cast.office
        )
    with pytest.raises(ValidationError, match="frozen"):
        services.subjective_weights(frozen, actor=cast.office)
