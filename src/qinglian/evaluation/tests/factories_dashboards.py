"""Score, cycle and analysis rows for the dashboard and report tests, built directly (no scoring run)."""

from __future__ import annotations

from django.utils import timezone

from qinglian.evaluation.models import Analysis, Cycle, Judgment, Score, WeightSet

LAYERS = {"work": 80.0, "results": 70.0, "perceptions": 75.0, "incidents": 2.0, "topsis": 0.61}


def cycle_make(org, year: int, *, name: str = "", weights: bool = False, frozen_by=None) -> Cycle:
    cycle = Cycle.objects.create(
        organisation=org, year=year, name=name or f"{year}年度党风廉政建设考评", scored_at=timezone.now()
    )
    if weights:
        ws = WeightSet.objects.create(
            cycle=cycle,
            kind="subjective",
            method="ahp-eigen",
            weights={
                "layers": {"work": 0.4, "results": 0.3, "perceptions": 0.3},
                "indicators": {"work.orglife.meetings": 0.6, "results.cases": 0.4},
            },
            consistency={"cr": 0.042},
            created_by=frozen_by,
        )
        cycle.weight_set, cycle.frozen_by, cycle.frozen_at = ws, frozen_by, timezone.now()
        cycle.layer_weights = {"work": 0.4, "results": 0.3, "perceptions": 0.3, "incident_cap": 10}
        cycle.status = "frozen"
        cycle.save()
        if frozen_by is not None:
            Judgment.objects.create(
                cycle=cycle,
                expert=frozen_by,
                node="",
                items=["work", "results", "perceptions"],
                matrix=[[1, 2, 2], [0.5, 1, 1], [0.5, 1, 1]],
                cr=0.0,
            )
    return cycle


def score_make(cycle, org, total, *, rank=None, peers=0, peer_group="branch", grade="", layers=None, detail=None):
    return Score.objects.create(
        cycle=cycle,
        organisation=org,
        total=total,
        layers=dict(LAYERS if layers is None else layers),
        grade=grade,
        rank=rank,
        peers=peers,
        peer_group=peer_group,
        detail=detail or {},
    )


DETAIL = {
    "work.orglife.meetings": {"raw": 0.9, "points": 80.0, "weight": 0.6, "source": "computed"},
    "results.cases": {"raw": None, "points": None, "weight": 0.4, "missing": "no survey this year"},
}

RESULT = {
    "estimates": [
        {"name": "学习时长", "coef": 0.42, "se": 0.1, "ci_low": 0.22, "ci_high": 0.62, "p_value": 0.001},
        {"name": "谈心谈话", "coef": -0.05, "se": 0.2, "ci_low": -0.45, "ci_high": 0.35, "p_value": 0.8},
    ],
    "n": 120,
    "units": 30,
    "periods": 4,
    "verdict": "学习时长与得分正相关。",
    "caveats": ["关联不等于因果。"],
}

EVENTS = {
    "estimates": [{"name": "ATT", "coef": 1.5, "ci_low": 0.2, "ci_high": 2.8, "p_value": 0.03}],
    "events": [
        {"e": -1, "att": 0.1, "ci_low": -0.5, "ci_high": 0.7},
        {"e": 0, "att": 1.2, "ci_low": 0.1, "ci_high": 2.3},
        {"e": 1, "att": "nan", "ci_low": None},
    ],
    "n": 80,
}


def analysis_make(org, *, kind="twfe", title="政治工作对廉洁得分的贡献", result=None, actor=None) -> Analysis:
    return Analysis.objects.create(
        organisation=org, kind=kind, title=title, result=RESULT if result is None else result, created_by=actor
    )


def board_make(cast):
    """Two years on the root: 2025 with the committee, the general branch and three branches ranked; 2024 with
    branch_a alone; and two analyses on the root. Returns (cycle 2025, cycle 2024)."""
    tree = cast.tree
    this = cycle_make(tree.root, 2025, weights=True, frozen_by=cast.office)
    last = cycle_make(tree.root, 2024)
    score_make(this, tree.root, 79.0, rank=1, peers=1, peer_group="committee:1", grade="一般")
    score_make(this, tree.gb, 81.0, rank=1, peers=1, peer_group="general_branch:2", grade="良好")
    score_make(
        this,
        tree.branch_b,
        91.25,
        rank=1,
        peers=3,
        grade="优秀",
        layers={**LAYERS, "work": 95.0, "results": 90.0, "perceptions": 88.0},
    )
    score_make(this, tree.branch_a, 75.5, rank=2, peers=3, grade="一般", detail=DETAIL)
    score_make(
        this,
        tree.branch_c,
        58.0,
        rank=3,
        peers=3,
        grade="较差",
        layers={**LAYERS, "work": 50.0, "results": 60.0, "perceptions": None},
    )
    score_make(
        last,
        tree.branch_a,
        70.0,
        rank=2,
        peers=3,
        grade="一般",
        layers={**LAYERS, "work": 72.0, "results": 65.0, "perceptions": 70.0},
    )
    analysis_make(tree.root, actor=cast.office)
    analysis_make(tree.root, kind="did", title="警示教育月的效果", result=EVENTS)
    return this, last
