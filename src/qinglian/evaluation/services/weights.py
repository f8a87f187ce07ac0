"""The weights of a cycle: experts' pairwise judgments (AHP) node by node of the indicator tree, the weight sets
computed from them, from last year's data (entropy, CRITIC) or from both, and the one set frozen for scoring.

The tree judged: node "" compares the three weighted layers (work done, results, perceptions — incidents are a
deduction pool, not weighted); then every group node compares its children. A node with one child needs no
judgment. Every set keeps its provenance: who, when, the method and all of its inputs.

WeightSet.weights = {"layers": {"work": w, "results": w, "perceptions": w},
                     "indicators": {code: weight within its layer}}  (each layer's weights sum to 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.rules import rule_value
from qinglian.evaluation import methods
from qinglian.evaluation.models import Cycle, Indicator, Judgment, WeightSet
from qinglian.evaluation.permissions import JUDGE, MANAGE
from qinglian.evaluation.services.catalogue import in_force, offered
from qinglian.evaluation.vocab import CycleStatus, Direction, Layer, WeightKind
from qinglian.orgs.access import can
from qinglian.orgs.services import Conflict

__all__ = [
    "ROOT",
    "SCALE",
    "Conflict",
    "combined_weights",
    "freeze",
    "judgment_check",
    "judgment_save",
    "objective_weights",
    "subjective_weights",
    "weight_tree",
]  # fmt: skip

ROOT = ""  # the node comparing the layers
LAYERS = (Layer.WORK, Layer.RESULTS, Layer.PERCEPTIONS)
OBJECTIVE_METHODS = ("entropy", "critic")
COMBINE_METHODS = ("linear", "multiplicative", "mdi", "game")
SCALE = (9, 8, 7, 6, 5, 4, 3, 2, 1, Fraction(1, 2), Fraction(1, 3), Fraction(1, 4), Fraction(1, 5),
         Fraction(1, 6), Fraction(1, 7), Fraction(1, 8), Fraction(1, 9))  # fmt: skip
# A column missing for more than this share of the units is left out rather than dropping most units.
MAX_MISSING_SHARE = 0.5


# --- the tree -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    code: str
    name: str


@dataclass
class TreeNode:
    """A node to judge: its children (the items compared)."""

    code: str
    name: str
    layer: str
    depth: int
    items: tuple[Item, ...]

    @property
    def pairs(self) -> list[tuple[int, int]]:
        n = len(self.items)
        return [(i, j) for i in range(n) for j in range(i + 1, n)]


@dataclass
class Tree:
    nodes: list[TreeNode]  # those with two children or more, in tree order
    children: dict[str, list[str]]  # every kept node's kept children ("" → the layers)
    leaves: dict[str, list[str]]  # layer → its leaves' codes
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def node(self, code: str) -> TreeNode | None:
        return next((n for n in self.nodes if n.code == code), None)


def cycle_day(cycle: Cycle) -> date:
    """The day whose indicators a cycle weighs: the last of its year."""
    return date(cycle.year, 12, 31)


def weight_tree(cycle: Cycle) -> Tree:
    """The cycle's tree: the indicators in force at the end of its year that this installation can fill, and the
    groups above them (a group left without any such leaf is left out)."""
    on = cycle_day(cycle)
    everything = {i.code: i for i in in_force(on)}
    leaves = {i.code for i in offered(on)}
    by_parent: dict[str, list[Indicator]] = {}
    for indicator in everything.values():
        parent = indicator.parent.code if indicator.parent_id else ROOT
        by_parent.setdefault(parent, []).append(indicator)
    children: dict[str, list[str]] = {}
    kept: set[str] = set()

    def walk(code: str) -> bool:
        kids = [k for k in sorted(by_parent.get(code, []), key=lambda i: (i.order, i.code)) if walk_child(k)]
        children[code] = [k.code for k in kids]
        return bool(kids)

    def walk_child(indicator: Indicator) -> bool:
        keep = indicator.code in leaves if indicator.source else walk(indicator.code)
        if keep:
            kept.add(indicator.code)
        return keep

    layer_names = dict(Layer.choices)
    tops = {i.code: i for i in by_parent.get(ROOT, []) if i.layer in LAYERS}
    children[ROOT] = [layer for layer in LAYERS]
    for layer in LAYERS:
        if layer in tops:
            walk(layer)
    nodes = [TreeNode(ROOT, _("The layers"), "", 0, tuple(Item(layer, str(layer_names[layer])) for layer in LAYERS))]
    layer_leaves: dict[str, list[str]] = {}

    def collect(code: str, layer: str, depth: int):
        kids = children.get(code, [])
        if len(kids) > 1:
            nodes.append(
                TreeNode(code, everything[code].name, layer, depth, tuple(Item(k, everything[k].name) for k in kids))
            )
        for kid in kids:
            if everything[kid].source:
                layer_leaves[layer].append(kid)
            else:
                collect(kid, layer, depth + 1)

    for layer in LAYERS:
        layer_leaves[layer] = []
        if layer in tops:
            collect(layer, layer, 1)
    return Tree(nodes, children, layer_leaves, everything)


# --- judgments ----------------------------------------------------------------------------------------------


def ahp_settings(cycle: Cycle) -> dict:
    """The AHP settings in force for the cycle's organisation (rule evaluation.ahp)."""
    settings = rule_value("evaluation.ahp", org_path=cycle.organisation.path)
    return {
        "method": settings.get("method", "eigen"),
        "ri": settings.get("ri", "saaty1980"),
        "cr_limit": float(settings.get("cr_limit", 0.1)),
        "combine": settings.get("combine", "linear"),
        "alpha": float(settings.get("alpha", 0.5)),
    }


def parse_judgment(value) -> float | None:
    """A judgment as typed: 3, "3", "1/3", 0.333…; None when blank or not a number."""
    if value is None or value == "":
        return None
    try:
        number = float(Fraction(str(value).strip()))
    except (ValueError, ZeroDivisionError):
        return None
    return number


def _pair_label(items, i: int, j: int) -> str:
    return _("“{a}” compared with “{b}”").format(a=items[i].name, b=items[j].name)


def matrix_from_values(items, values) -> list[list[float]]:
    """The full reciprocal matrix from the upper triangle's judgments, given pair by pair (row by row: a₁₂, a₁₃,
    …, a₂₃, …). A missing, zero or negative judgment is refused, naming the pair."""
    n = len(items)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    values = list(values or [])
    if len(values) != len(pairs):
        raise ValidationError(
            _("{n} items need {k} judgments, one for each pair; {got} were given.").format(
                n=n, k=len(pairs), got=len(values)
            )
        )
    matrix = [[1.0] * n for _i in range(n)]
    for (i, j), raw in zip(pairs, values, strict=True):
        value = parse_judgment(raw)
        if value is None:
            raise ValidationError(
                _("{pair}: give a judgment (a number from 1/9 to 9).").format(pair=_pair_label(items, i, j))
            )
        if not value > 0 or not math.isfinite(value):
            raise ValidationError(
                _("{pair}: {value} is not a positive judgment; use a number from 1/9 to 9.").format(
                    pair=_pair_label(items, i, j), value=raw
                )
            )
        matrix[i][j], matrix[j][i] = value, 1.0 / value
    return matrix


def _check_matrix(items, matrix) -> list[list[float]]:
    """A full matrix as given, checked here for its shape and cells so that the refusal names the items."""
    n = len(items)
    if not isinstance(matrix, list | tuple) or len(matrix) != n or any(len(row) != n for row in matrix):
        raise ValidationError(_("The judgment matrix must have {n} rows of {n} values.").format(n=n))
    out = []
    for i, row in enumerate(matrix):
        cells = []
        for j, raw in enumerate(row):
            value = parse_judgment(raw)
            where = _("row {i} ({a}), column {j} ({b})").format(i=i + 1, a=items[i].name, j=j + 1, b=items[j].name)
            if value is None or not value > 0 or not math.isfinite(value):
                raise ValidationError(_("{where}: {value} is not a positive judgment.").format(where=where, value=raw))
            if i == j and abs(value - 1) > 1e-9:
                raise ValidationError(_("{where}: an item compared with itself must be 1.").format(where=where))
            cells.append(value)
        out.append(cells)
    for i in range(n):
        for j in range(i + 1, n):
            if abs(out[i][j] * out[j][i] - 1) > 1e-6:
                raise ValidationError(
                    _(
                        "row {j} ({b}), column {i} ({a}): {value} is not the reciprocal of {other} (row {i}, column "
                        "{j}); it should be 1/{other}."
                    ).format(i=i + 1, j=j + 1, a=items[i].name, b=items[j].name, value=matrix[j][i], other=matrix[i][j])
                )
    return out


@dataclass
class Check:
    """The consistency of one set of judgments, and the judgment to look at first when it is not acceptable."""

    cr: float
    acceptable: bool
    cr_limit: float
    weights: dict[str, float]
    worst: dict | None  # {"a", "b", "i", "j", "judged", "implied", "suggested"}
    matrix: list[list[float]]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> list[tuple[str, float]]:
        return [(self.names.get(code, code), w) for code, w in self.weights.items()]


def nearest_scale(value: float) -> Fraction | int:
    """The step of the 1/9…9 scale nearest to a value (on a log scale)."""
    return min(SCALE, key=lambda s: abs(math.log(float(s)) - math.log(value)))


def scale_text(value) -> str:
    """A scale value as the form shows it: 3, 1/3."""
    fraction = Fraction(value).limit_denominator(9) if not isinstance(value, Fraction) else value
    return str(fraction.numerator) if fraction.denominator == 1 else f"1/{fraction.denominator}"


def _ahp(matrix, settings):
    try:
        return methods.ahp(matrix, method=settings["method"], ri=settings["ri"])
    except methods.MethodError as error:
        raise ValidationError(str(error)) from error


def judgment_check(items, values=None, *, matrix=None, settings: dict | None = None) -> Check:
    """The consistency ratio of judgments (upper triangle `values`, or a full `matrix`), whether it is acceptable,
    the weights, and the judgment that deviates most from the weights with the value that would be consistent."""
    settings = settings or {"method": "eigen", "ri": "saaty1980", "cr_limit": 0.1}
    items = [i if isinstance(i, Item) else Item(str(i), str(i)) for i in items]
    full = matrix_from_values(items, values) if matrix is None else _check_matrix(items, matrix)
    result = _ahp(full, settings)
    cr = float(result.cr)
    acceptable = cr < settings["cr_limit"]
    worst = None
    found = methods.ahp_most_inconsistent(full, result.weights) if len(items) > 2 else None
    if found is not None:
        implied = float(found.indirect)  # what the other judgments imply: following it fixes a 3 × 3 at once
        worst = {
            "i": found.i,
            "j": found.j,
            "a": items[found.i].name,
            "b": items[found.j].name,
            "judged": float(found.judged),
            "implied": implied,
            "suggested": scale_text(nearest_scale(implied)),
        }
    weights = {item.code: float(w) for item, w in zip(items, result.weights, strict=True)}
    return Check(cr, acceptable, settings["cr_limit"], weights, worst, full, {i.code: i.name for i in items})


def cycle_lock(cycle: Cycle, version: int | None = None) -> Cycle:
    fresh = Cycle.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=cycle.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this cycle while you were working, so nothing was saved. Reload the page to "
                "see their change, then try again."
            )
        )
    return fresh


def _not_frozen(cycle: Cycle) -> None:
    if cycle.status == CycleStatus.FROZEN:
        raise ValidationError(
            _("The weights of “{cycle}” are frozen: judgments and weight sets can no longer change.").format(
                cycle=cycle.name
            )
        )


@transaction.atomic
def judgment_save(
    *, cycle: Cycle, expert, node: str, matrix=None, values=None, version: int | None = None, actor
) -> Judgment:
    """Save one expert's judgments for one node: the full matrix or the upper triangle's values. Refused once the
    cycle is frozen, for a node not in the tree, for a judgment that is not positive or not reciprocal (the cell
    named), and when someone else saved this expert's judgments of the node meanwhile (`version`)."""
    cycle = cycle_lock(cycle)
    if not can(expert, JUDGE, cycle):
        raise PermissionDenied(_("Only experts of {unit} may judge its weights.").format(unit=cycle.organisation))
    if actor is not None and actor != expert and not can(actor, MANAGE, cycle):
        raise PermissionDenied(_("Only the expert or the cycle's managers may save an expert's judgments."))
    _not_frozen(cycle)
    tree_node = weight_tree(cycle).node(node)
    if tree_node is None:
        raise ValidationError({"node": _("“{node}” is not a node of this cycle's tree to judge.").format(node=node)})
    if (matrix is None) == (values is None):
        raise ValidationError(_("Give either the whole judgment matrix or the judgments of each pair."))
    check = judgment_check(tree_node.items, values, matrix=matrix, settings=ahp_settings(cycle))
    judgment = Judgment.objects.select_for_update().filter(cycle=cycle, expert=expert, node=node).first()
    if judgment is not None and judgment.version != version:
        raise Conflict(
            _(
                "These judgments were saved by someone else (or in another window) while you were editing, so yours "
                "were not saved. Reload the page to see them, then make your changes again."
            )
        )
    if judgment is None:
        judgment = Judgment(cycle=cycle, expert=expert, node=node, version=0)
    before = judgment.matrix
    judgment.items = [item.code for item in tree_node.items]
    judgment.matrix = check.matrix
    judgment.cr = check.cr
    judgment.updated_at = timezone.now()
    judgment.version += 1
    judgment.save()
    audit_record(
        actor=actor,
        action="evaluation.judgment_save",
        obj=judgment,
        changes={"cycle": cycle.pk, "node": node, "expert": expert.get_username(), "matrix": [before, check.matrix],
                 "cr": check.cr},
    )  # fmt: skip
    return judgment


# --- weight sets --------------------------------------------------------------------------------------------


def _manager(cycle: Cycle, actor) -> None:
    if actor is not None and not can(actor, MANAGE, cycle):
        raise PermissionDenied(
            _("Only the managers of {unit} may compute its weights.").format(unit=cycle.organisation)
        )


def _layer_rule(cycle: Cycle) -> dict:
    return rule_value("evaluation.layers", org_path=cycle.organisation.path)


def _username(user) -> str:
    return user.get_username() if user is not None else ""


def _by_layer(tree: Tree, leaf_weights: dict[str, float]) -> dict[str, float]:
    """Leaf weights renormalised within each layer (a layer's weights sum to 1)."""
    out: dict[str, float] = {}
    for layer in LAYERS:
        codes = tree.leaves[layer]
        total = sum(leaf_weights.get(code, 0.0) for code in codes)
        for code in codes:
            out[code] = leaf_weights.get(code, 0.0) / total if total > 0 else 0.0
    return out


def _audit_set(actor, ws: WeightSet) -> None:
    audit_record(
        actor=actor,
        action="evaluation.weights_compute",
        obj=ws.cycle,
        changes={"weight_set": ws.pk, "kind": ws.kind, "method": ws.method, "weights": ws.weights},
    )


@transaction.atomic
def subjective_weights(cycle: Cycle, actor) -> WeightSet:
    """Weights from the experts' judgments: at each node the experts' matrices are aggregated by their
    element-wise geometric mean (AIJ), the local weights taken from the aggregate, and a leaf's weight is the
    product of the local weights along its path, renormalised within its layer. A node nobody judged gets equal
    weights (recorded)."""
    cycle = cycle_lock(cycle)
    _manager(cycle, actor)
    _not_frozen(cycle)
    settings = ahp_settings(cycle)
    tree = weight_tree(cycle)
    judgments = list(
        Judgment.objects.filter(cycle=cycle).select_related("expert").order_by("node", "expert__username", "pk")
    )
    local: dict[str, dict[str, float]] = {}
    consistency: dict[str, dict] = {}
    equal: list[str] = []
    stale: list[dict] = []
    used: list[dict] = []
    for node in tree.nodes:
        codes = [item.code for item in node.items]
        rows = [j for j in judgments if j.node == node.code]
        fitting = [j for j in rows if j.items == codes]
        for j in rows:
            if j.items != codes:
                stale.append({"node": node.code, "expert": j.expert.get_username(), "items": j.items})
        if not fitting:
            local[node.code] = {code: 1.0 / len(codes) for code in codes}
            equal.append(node.code)
            continue
        for j in fitting:
            used.append({
                "node": node.code, "expert": j.expert.get_username(), "expert_id": j.expert_id, "items": j.items,
                "matrix": j.matrix, "cr": j.cr, "version": j.version, "updated_at": j.updated_at.isoformat(),
            })  # fmt: skip
        try:
            aggregate = methods.ahp_aggregate([j.matrix for j in fitting])
        except methods.MethodError as error:
            raise ValidationError(f"{node.name}: {error}") from error
        check = judgment_check(node.items, matrix=[list(r) for r in aggregate], settings=settings)
        local[node.code] = check.weights
        consistency[node.code] = {
            "experts": len(fitting),
            "cr": check.cr,
            "acceptable": check.acceptable,
            "aggregate": [[float(v) for v in row] for row in aggregate],
            "weights": check.weights,
            "expert_cr": {j.expert.get_username(): j.cr for j in fitting},
        }

    def local_weight(code: str, parent: str) -> float:
        return local[parent][code] if parent in local else 1.0  # a node with one child passes its weight on

    leaf_weights: dict[str, float] = {}

    def descend(code: str, weight: float) -> None:
        for kid in tree.children.get(code, []):
            w = weight * local_weight(kid, code)
            if tree.indicators[kid].source:
                leaf_weights[kid] = w
            else:
                descend(kid, w)

    for layer in LAYERS:
        descend(layer, 1.0)
    layers = {layer: float(local[ROOT][layer]) for layer in LAYERS}
    ws = WeightSet.objects.create(
        cycle=cycle,
        kind=WeightKind.SUBJECTIVE,
        method=f"ahp-{settings['method']}",
        params={
            "rule": "evaluation.ahp",
            "method": settings["method"],
            "ri": settings["ri"],
            "ri_table": [float(v) for v in methods.RI_TABLES[settings["ri"]]],
            "cr_limit": settings["cr_limit"],
            "aggregation": "geometric mean of the experts' judgments (AIJ)",
            "equal_weights": equal,
        },
        inputs={"judgments": used, "ignored": stale, "tree": {k: v for k, v in tree.children.items() if v}},
        weights={"layers": layers, "indicators": _by_layer(tree, leaf_weights)},
        consistency=consistency,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit_set(actor, ws)
    return ws


def _interval_distance(value: float, indicator: Indicator) -> float:
    low = indicator.interval_low if indicator.interval_low is not None else -math.inf
    high = indicator.interval_high if indicator.interval_high is not None else math.inf
    return max(low - value, 0.0, value - high)


@transaction.atomic
def objective_weights(cycle: Cycle, method: str = "entropy", actor=None) -> WeightSet:
    """Weights from the data of the year before the cycle's (entropy or CRITIC), within each layer; the layer
    weights are the rule's (evaluation.layers), since data cannot say how much a layer matters.

    Missing values, explicitly: a column missing for more than half of the units (or with fewer than two values)
    is left out with weight 0 and its reason; then, within a layer, the units missing any of the remaining columns
    are dropped (CRITIC's correlations need the same units in every column) and named in the inputs. An interval
    indicator enters as its distance from the best range, lower being better."""
    from qinglian.evaluation.services.panel import build_panel, years

    if method not in OBJECTIVE_METHODS:
        raise ValidationError({"method": _("Choose entropy or CRITIC.")})
    cycle = cycle_lock(cycle)
    _manager(cycle, actor)
    _not_frozen(cycle)
    tree = weight_tree(cycle)
    year = cycle.year - 1
    codes = [code for layer in LAYERS for code in tree.leaves[layer]]
    try:
        panel = build_panel(scope=cycle.organisation, periods=years(year, year), codes=codes)
    except ValueError as error:  # the panel's own refusal (PanelError), in plain words
        raise ValidationError(str(error)) from error
    period = panel.periods[0].key if panel.periods else str(year)
    units = list(panel.units)
    if len(units) < 2:
        raise ValidationError(
            _("{method} weights need the data of at least two units; {unit} has {n} for {year}.").format(
                method=method, unit=cycle.organisation, n=len(units), year=year
            )
        )
    fn = methods.entropy_weights if method == "entropy" else methods.critic_weights
    weights: dict[str, float] = {}
    columns: dict[str, dict] = {}
    excluded: dict[str, str] = {}
    dropped: dict[str, list[dict]] = {}
    details: dict[str, dict] = {}
    missing_reasons = getattr(panel, "missing", {}) or {}
    for layer in LAYERS:
        kept = []
        for code in tree.leaves[layer]:
            indicator = tree.indicators[code]
            values = {u.pk: panel.values.get((u.pk, period, code)) for u in units}
            have = [v for v in values.values() if v is not None]
            columns[code] = {
                "direction": indicator.direction,
                "values": {str(k): v for k, v in values.items()},
                "missing": {
                    str(u.pk): str(missing_reasons.get((u.pk, period, code), "")) for u in units if values[u.pk] is None
                },
            }
            if len(have) < 2 or len(have) < (1 - MAX_MISSING_SHARE) * len(units):
                excluded[code] = _("values for {have} of {n} units only").format(have=len(have), n=len(units))
                weights[code] = 0.0
                continue
            kept.append(code)
        complete = [u for u in units if all(columns[c]["values"][str(u.pk)] is not None for c in kept)]
        dropped[layer] = [
            {"unit": u.pk, "name": str(u), "missing": [c for c in kept if columns[c]["values"][str(u.pk)] is None]}
            for u in units
            if u not in complete
        ]
        if not kept:
            if tree.leaves[layer]:
                _equal(weights, details, layer, tree.leaves[layer], _(
                    "No indicator of this layer has values for enough units in {year}."
                ).format(year=year))  # fmt: skip
            continue
        if len(kept) == 1:
            weights[kept[0]] = 1.0
            continue
        if len(complete) < 2:
            raise ValidationError(
                _("{layer}: only {n} unit has every value of {year}; {method} weights need at least two.").format(
                    layer=Layer(layer).label, n=len(complete), year=year, method=method
                )
            )
        matrix, directions = [], []
        for code in kept:
            indicator = tree.indicators[code]
            directions.append(Direction.BENEFIT if indicator.direction == Direction.BENEFIT else Direction.COST)
        for u in complete:
            row = []
            for code in kept:
                value = float(columns[code]["values"][str(u.pk)])
                indicator = tree.indicators[code]
                row.append(_interval_distance(value, indicator) if indicator.direction == Direction.INTERVAL else value)
            matrix.append(row)
        try:
            result = fn(matrix, directions=[str(d) for d in directions])
        except methods.MethodError as error:
            _equal(weights, details, layer, kept, str(error))
            continue
        for code, w in zip(kept, result.weights, strict=True):
            weights[code] = float(w)
        details[layer] = _plain(result.details)
    rule = _layer_rule(cycle)
    ws = WeightSet.objects.create(
        cycle=cycle,
        kind=WeightKind.OBJECTIVE,
        method=method,
        params={
            "method": method,
            "year": year,
            "max_missing_share": MAX_MISSING_SHARE,
            "missing": "columns missing for more than half of the units are left out (weight 0); within a layer, "
            "units missing any remaining column are dropped",
            "interval": "an interval indicator enters as its distance from its best range (lower is better)",
            "layers_from": "rule evaluation.layers (objective methods weigh indicators within a layer only)",
        },
        inputs={
            "period": period,
            "units": [{"id": u.pk, "name": str(u)} for u in units],
            "columns": columns,
            "excluded": excluded,
            "dropped_units": dropped,
            "details": details,
        },
        weights={"layers": {layer: float(rule[layer]) for layer in LAYERS}, "indicators": _by_layer(tree, weights)},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit_set(actor, ws)
    return ws


def _equal(weights: dict, details: dict, layer: str, codes, reason: str) -> None:
    """Equal weights within a layer whose data cannot weigh it, with the reason kept in the set's provenance (the
    method is undefined there: a made-up vector would be worse than saying so)."""
    codes = list(codes)
    for code in codes:
        weights[code] = 1 / len(codes)
    details[layer] = {"fallback": "equal", "reason": reason}


def _plain(value):
    """numpy arrays and scalars as lists and floats, for JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


@transaction.atomic
def combined_weights(
    cycle: Cycle, subjective: WeightSet, objective: WeightSet, method: str = "linear", alpha: float = 0.5, actor=None
) -> WeightSet:
    """The experts' and the data's weights combined within each layer (linear with α for the experts'
    weights, multiplicative, minimum discrimination information, or game theory); the layer weights stay the
    experts'."""
    cycle = cycle_lock(cycle)
    _manager(cycle, actor)
    _not_frozen(cycle)
    if method not in COMBINE_METHODS:
        raise ValidationError({"method": _("Choose linear, multiplicative, minimum information or game theory.")})
    if subjective.cycle_id != cycle.pk or subjective.kind != WeightKind.SUBJECTIVE:
        raise ValidationError({"subjective": _("Choose a set of this cycle's expert weights.")})
    if objective.cycle_id != cycle.pk or objective.kind != WeightKind.OBJECTIVE:
        raise ValidationError({"objective": _("Choose a set of this cycle's weights from the data.")})
    if method == "linear" and not (alpha is not None and 0 <= alpha <= 1):
        raise ValidationError({"alpha": _("α, the experts' share, is between 0 and 1.")})
    tree = weight_tree(cycle)
    s, o = subjective.weights["indicators"], objective.weights["indicators"]
    weights: dict[str, float] = {}
    coefficients: dict[str, list[float]] = {}
    for layer in LAYERS:
        codes = tree.leaves[layer]
        if not codes:
            continue
        vs = [float(s.get(c, 0.0)) for c in codes]
        vo = [float(o.get(c, 0.0)) for c in codes]
        try:
            result = methods.combine_weights(vs, vo, method=method, alpha=alpha)
        except methods.MethodError as error:
            raise ValidationError(f"{Layer(layer).label}: {error}") from error
        for code, w in zip(codes, result.weights, strict=True):
            weights[code] = float(w)
        coefficients[layer] = [float(c) for c in result.coefficients]
    ws = WeightSet.objects.create(
        cycle=cycle,
        kind=WeightKind.COMBINED,
        method=method,
        params={
            "method": method,
            "alpha": alpha if method == "linear" else None,
            "layers_from": "the experts' set (data do not weigh layers)",
        },
        inputs={"subjective": subjective.pk, "objective": objective.pk, "coefficients": coefficients},
        weights={"layers": dict(subjective.weights["layers"]), "indicators": _by_layer(tree, weights)},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _audit_set(actor, ws)
    return ws


@transaction.atomic
def freeze(cycle: Cycle, weight_set: WeightSet, version: int | None, actor) -> Cycle:
    """Freeze a weight set as the cycle's: scoring reads it, and judgments and sets no longer change."""
    cycle = cycle_lock(cycle, version)
    _manager(cycle, actor)
    if cycle.status == CycleStatus.FROZEN:
        raise ValidationError(_("The weights of “{cycle}” are already frozen.").format(cycle=cycle.name))
    if weight_set.cycle_id != cycle.pk:
        raise ValidationError({"weight_set": _("Choose one of this cycle's weight sets.")})
    rule = _layer_rule(cycle)
    cycle.weight_set = weight_set
    cycle.layer_weights = {**weight_set.weights["layers"], "incident_cap": rule.get("incident_cap")}
    cycle.status = CycleStatus.FROZEN
    cycle.frozen_at = timezone.now()
    cycle.frozen_by = actor if getattr(actor, "is_authenticated", False) else None
    cycle.version += 1
    cycle.save()
    audit_record(
        actor=actor,
        action="evaluation.weights_freeze",
        obj=cycle,
        changes={"weight_set": weight_set.pk, "kind": weight_set.kind, "method": weight_set.method,
                 "layer_weights": cycle.layer_weights},
    )  # fmt: skip
    return cycle
