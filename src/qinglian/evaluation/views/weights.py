"""A cycle's weights: the tree's nodes with the experts' judgments and their consistency, the weight sets with their
provenance, the pairwise form of one node with a live consistency check, computing sets and freezing one.

Readers hold evaluation.view on the cycle's organisation, experts evaluation.judge, managers evaluation.manage.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinglian.core.views import permission_required
from qinglian.evaluation.models import Cycle, Judgment, WeightSet
from qinglian.evaluation.permissions import JUDGE, MANAGE, VIEW
from qinglian.evaluation.services import weights as services
from qinglian.evaluation.vocab import CycleStatus, Layer, WeightKind
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.services import Conflict

ROOT_SLUG = "layers"  # the node "" in a URL

# "A is … than B", from 9 down to 1/9.
SCALE_WORDS = {
    "9": gettext_lazy("extremely more important than"),
    "8": gettext_lazy("very strongly to extremely more important than"),
    "7": gettext_lazy("very strongly more important than"),
    "6": gettext_lazy("strongly to very strongly more important than"),
    "5": gettext_lazy("strongly more important than"),
    "4": gettext_lazy("moderately to strongly more important than"),
    "3": gettext_lazy("moderately more important than"),
    "2": gettext_lazy("slightly more important than"),
    "1": gettext_lazy("as important as"),
    "1/2": gettext_lazy("slightly less important than"),
    "1/3": gettext_lazy("moderately less important than"),
    "1/4": gettext_lazy("moderately to strongly less important than"),
    "1/5": gettext_lazy("strongly less important than"),
    "1/6": gettext_lazy("strongly to very strongly less important than"),
    "1/7": gettext_lazy("very strongly less important than"),
    "1/8": gettext_lazy("very strongly to extremely less important than"),
    "1/9": gettext_lazy("extremely less important than"),
}
OBJECTIVE_LABELS = {"entropy": gettext_lazy("Entropy"), "critic": gettext_lazy("CRITIC")}
COMBINE_LABELS = {
    "linear": gettext_lazy("Linear (α × experts + (1 − α) × data)"),
    "multiplicative": gettext_lazy("Multiplicative"),
    "mdi": gettext_lazy("Minimum discrimination information"),
    "game": gettext_lazy("Game theory"),
}


def node_slug(code: str) -> str:
    return code or ROOT_SLUG


def _cycle(request, pk: int, action: str) -> Cycle:
    return get_visible_or_404(Cycle.objects.select_related("organisation", "weight_set"), request.user, action, pk=pk)


def _node(cycle: Cycle, slug: str):
    tree_node = services.weight_tree(cycle).node("" if slug == ROOT_SLUG else slug)
    if tree_node is None:
        raise Http404(_("This node has nothing to compare."))
    return tree_node


def _rows(tree_node, typed: dict[str, str]) -> list[dict]:
    """The pairs of a node as rows of the form, each with the value typed (or saved)."""
    return [
        {"name": f"a_{i}_{j}", "a": tree_node.items[i].name, "b": tree_node.items[j].name, "i": i, "j": j,
         "value": typed.get(f"a_{i}_{j}", "1")}
        for i, j in tree_node.pairs
    ]  # fmt: skip


def _typed_from_matrix(tree_node, matrix) -> dict[str, str]:
    return {f"a_{i}_{j}": services.scale_text(services.nearest_scale(matrix[i][j])) for i, j in tree_node.pairs}


def _check(cycle: Cycle, tree_node, values: list) -> tuple[services.Check | None, str]:
    try:
        return services.judgment_check(tree_node.items, values, settings=services.ahp_settings(cycle)), ""
    except ValidationError as error:
        return None, " ".join(error.messages)


@permission_required(VIEW)
def weights(request, pk: int):
    cycle = _cycle(request, pk, VIEW)
    tree = services.weight_tree(cycle)
    judgments = list(Judgment.objects.filter(cycle=cycle).select_related("expert").order_by("expert__username"))
    nodes = []
    for node in tree.nodes:
        rows = [j for j in judgments if j.node == node.code]
        nodes.append(
            {"node": node, "slug": node_slug(node.code), "judgments": rows,
             "mine": next((j for j in rows if j.expert_id == request.user.pk), None)}
        )  # fmt: skip
    sets = list(WeightSet.objects.filter(cycle=cycle).select_related("created_by"))
    names = {code: ind.name for code, ind in tree.indicators.items()}
    layer_names = dict(Layer.choices)
    for ws in sets:
        ws.layer_rows = [(layer_names.get(k, k), v) for k, v in ws.weights.get("layers", {}).items()]
        ws.indicator_rows = [
            (layer_names[layer], [(code, names.get(code, code), ws.weights["indicators"].get(code)) for code in codes])
            for layer, codes in tree.leaves.items()
            if codes
        ]
    frozen = cycle.status == CycleStatus.FROZEN
    context = {
        "cycle": cycle,
        "nodes": nodes,
        "sets": sets,
        "frozen": frozen,
        "may_judge": not frozen and can(request.user, JUDGE, cycle),
        "may_manage": not frozen and can(request.user, MANAGE, cycle),
        "settings": services.ahp_settings(cycle),
        "subjective_sets": [ws for ws in sets if ws.kind == WeightKind.SUBJECTIVE],
        "objective_sets": [ws for ws in sets if ws.kind == WeightKind.OBJECTIVE],
        "objective_methods": list(OBJECTIVE_LABELS.items()),
        "combine_methods": list(COMBINE_LABELS.items()),
    }
    return render(request, "evaluation/weights.html", context)


@permission_required(JUDGE)
def weights_judge(request, pk: int, node: str):
    cycle = _cycle(request, pk, JUDGE)
    tree_node = _node(cycle, node)
    mine = Judgment.objects.filter(cycle=cycle, expert=request.user, node=tree_node.code).first()
    error, status = "", 200
    if request.method == "POST":
        typed = {row["name"]: request.POST.get(row["name"], "") for row in _rows(tree_node, {})}
        try:
            services.judgment_save(
                cycle=cycle,
                expert=request.user,
                node=tree_node.code,
                values=[typed[f"a_{i}_{j}"] for i, j in tree_node.pairs],
                version=_int(request.POST.get("version")),
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        except Conflict as exc:
            error = exc.message
        else:
            messages.success(request, _("Your judgments were saved."))
            return redirect("evaluation:weights", pk=cycle.pk)
        status = 422
        version = request.POST.get("version", "")
    else:
        typed = _typed_from_matrix(tree_node, mine.matrix) if mine and mine.items == list(_codes(tree_node)) else {}
        version = mine.version if mine else ""
    rows = _rows(tree_node, typed)
    check, check_error = _check(cycle, tree_node, [row["value"] for row in rows])
    context = {
        "cycle": cycle,
        "node": tree_node,
        "slug": node_slug(tree_node.code),
        "rows": rows,
        "scale": list(SCALE_WORDS.items()),
        "version": version,
        "error": error,
        "check": check,
        "check_error": check_error,
        "frozen": cycle.status == CycleStatus.FROZEN,
    }
    return render(request, "evaluation/weights_judge.html", context, status=status)


def _codes(tree_node) -> list[str]:
    return [item.code for item in tree_node.items]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@permission_required(JUDGE)
@require_POST
def weights_check(request, pk: int, node: str):
    """The live consistency of the judgments in the form (htmx), before they are saved."""
    cycle = _cycle(request, pk, JUDGE)
    tree_node = _node(cycle, node)
    values = [request.POST.get(f"a_{i}_{j}", "") for i, j in tree_node.pairs]
    check, error = _check(cycle, tree_node, values)
    return render(request, "evaluation/partials/weights_check.html", {"check": check, "error": error})


@permission_required(MANAGE)
@require_POST
def weights_compute(request, pk: int):
    cycle = _cycle(request, pk, MANAGE)
    kind = request.POST.get("kind")
    try:
        if kind == WeightKind.SUBJECTIVE:
            services.subjective_weights(cycle, actor=request.user)
        elif kind == WeightKind.OBJECTIVE:
            services.objective_weights(cycle, method=request.POST.get("method", "entropy"), actor=request.user)
        elif kind == WeightKind.COMBINED:
            sets = WeightSet.objects.filter(cycle=cycle)
            subjective = sets.filter(pk=_int(request.POST.get("subjective"))).first()
            objective = sets.filter(pk=_int(request.POST.get("objective"))).first()
            if subjective is None or objective is None:
                raise ValidationError(_("Choose a set of expert weights and a set of weights from the data."))
            alpha = _float(request.POST.get("alpha"))
            services.combined_weights(
                cycle, subjective, objective, method=request.POST.get("method", "linear"), alpha=alpha,
                actor=request.user,
            )  # fmt: skip
        else:
            raise ValidationError(_("Choose which weights to compute."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The weight set was computed; its inputs are recorded with it."))
    return redirect("evaluation:weights", pk=cycle.pk)


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@permission_required(MANAGE)
@require_POST
def weights_freeze(request, pk: int):
    cycle = _cycle(request, pk, MANAGE)
    weight_set = WeightSet.objects.filter(cycle=cycle, pk=_int(request.POST.get("weight_set"))).first()
    try:
        if weight_set is None:
            raise ValidationError(_("Choose the weight set to freeze."))
        services.freeze(cycle, weight_set, version=_int(request.POST.get("version")), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The weights are frozen: scoring reads them, and they no longer change."))
    return redirect("evaluation:weights", pk=cycle.pk)


urls = [
    path("cycles/<int:pk>/weights/", weights, name="weights"),
    path("cycles/<int:pk>/weights/judge/<str:node>/", weights_judge, name="weights_judge"),
    path("cycles/<int:pk>/weights/judge/<str:node>/check/", weights_check, name="weights_check"),
    path("cycles/<int:pk>/weights/compute/", weights_compute, name="weights_compute"),
    path("cycles/<int:pk>/weights/freeze/", weights_freeze, name="weights_freeze"),
]
