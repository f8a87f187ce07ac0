"""What the evaluation dashboard, its API and the reports show, read within the viewer's scope.

Everything here reads Score and Analysis rows the viewer may see (evaluation.view through orgs.access): a branch
secretary sees their branch's score, its rank among its peers (the stored rank, not the others' scores) and its
trend; the committee office sees the whole tree. Numbers are passed on as computed; a missing one stays None and is
shown as a dash, never as 0. Analyses are quoted from their stored results, read defensively: a key the analysis did
not write is simply absent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qinglian.core.rules import RuleMissing, rule_value
from qinglian.evaluation.models import Analysis, Cycle, Indicator, Score
from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services.contribution import estimate_label
from qinglian.evaluation.services.scoring import grade_texts, reason_text
from qinglian.evaluation.vocab import AnalysisKind, Layer
from qinglian.orgs.access import can, scope_q
from qinglian.orgs.models import Organisation
from qinglian.orgs.models.tree import ancestor_paths, subtree_q

# The layers drawn on the radar (0–100 points each); incidents are a deduction and TOPSIS a closeness in [0, 1],
# so they are shown in the table beside it rather than on the same axes.
RADAR_LAYERS = (Layer.WORK, Layer.RESULTS, Layer.PERCEPTIONS)
TABLE_EXTRA = ("incidents", "topsis")
LATEST_ANALYSES = 4
DEFAULT_GRADES = [
    {"code": "excellent", "min": 90, "zh": "优秀", "en": "Excellent"},
    {"code": "good", "min": 80, "zh": "良好", "en": "Good"},
    {"code": "fair", "min": 60, "zh": "一般", "en": "Fair"},
    {"code": "poor", "min": 0, "zh": "较差", "en": "Poor"},
]
# Band colours from the best grade down: green, blue, amber, red (and grey for more grades than colours).
BAND_COLOURS = ["#2e7d32", "#1565c0", "#ef6c00", "#b71c1c", "#6d4c41", "#546e7a"]
NO_SCORE_COLOUR = "#bdbdbd"
# What each kind of analysis can support (evaluation-methods §3.7 item 6), when the result does not say.
EVIDENCE = {
    AnalysisKind.FIXED_EFFECTS: "associational",
    AnalysisKind.EVENT_STUDY: "quasi-experimental",
    AnalysisKind.SHAPLEY: "descriptive",
    AnalysisKind.CHANGE: "descriptive",
}


def _contribution():
    """The contribution service's wording (caveats, grades, verdicts), or None where it is not installed."""
    try:
        from qinglian.evaluation.services import contribution
    except ImportError:
        return None
    return contribution


def evidence_label(code: str) -> str:
    module = _contribution()
    grades = getattr(module, "GRADES", {}) if module else {}
    if code in grades:
        return str(grades[code])
    return {
        "descriptive": _("Descriptive"),
        "associational": _("Associational"),
        "quasi-experimental": _("Quasi-experimental"),
    }.get(code, code)


def verdict_label(code: str) -> str:
    module = _contribution()
    verdicts = getattr(module, "VERDICTS", {}) if module else {}
    return str(verdicts.get(code, code))


def caveat_text(key: str) -> str:
    """A caveat stored as a key (the contribution service's) in words; a stored sentence as it is."""
    module = _contribution()
    caveats = getattr(module, "CAVEATS", {}) if module else {}
    return str(caveats.get(key, key))


def layer_label(key: str) -> str:
    if key == "incidents":
        return _("Incidents (deduction)")
    if key == "topsis":
        return _("TOPSIS closeness")
    try:
        return str(Layer(key).label)
    except ValueError:
        return key


def number(value) -> float | None:
    """A finite float, or None for anything else (a missing, non-numeric, NaN or infinite value)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def rounded(value, digits: int = 2) -> float | None:
    value = number(value)
    return None if value is None else round(value, digits)


# --- what the viewer may see -------------------------------------------------------------------------------------


def scores_in_scope(user):
    return Score.objects.filter(scope_q(user, VIEW, model=Score))


def cycles_visible(user):
    """Cycles the viewer may read: those of an organisation in their scope, or holding a score in it."""
    return Cycle.objects.filter(
        Q(scope_q(user, VIEW, model=Cycle)) | Q(pk__in=scores_in_scope(user).values("cycle_id"))
    ).select_related("organisation")


def cycle_latest(user) -> Cycle | None:
    return cycles_visible(user).order_by("-year", "organisation__path", "pk").first()


def scores_visible(user, cycle: Cycle) -> list[Score]:
    """The cycle's scores the viewer may see, in tree order."""
    return list(scores_in_scope(user).filter(cycle=cycle).select_related("organisation").order_by("organisation__path"))


def unit_default(scores: list[Score]) -> Score | None:
    """The viewer's topmost unit: the committee for the office, the branch for its secretary."""
    return min(scores, key=lambda s: (len(s.organisation.path), s.organisation.path), default=None)


# --- grades and colours ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    low: float
    high: float | None
    label: str
    colour: str


def bands(cycle: Cycle) -> list[Band]:
    """The grade bands of the cycle's rules, best first, each with its colour on the map."""
    try:
        grades = rule_value("evaluation.grades", org_path=cycle.organisation.path, on=date(cycle.year, 12, 31))
    except RuleMissing:  # the rule is not loaded (a bare database): the shipped defaults
        grades = DEFAULT_GRADES
    grades = sorted((g for g in grades or DEFAULT_GRADES if number(g.get("min")) is not None), key=lambda g: -g["min"])
    english = (get_language() or "").startswith("en")
    result, high = [], None
    for i, grade in enumerate(grades):
        label = grade.get("en" if english else "zh") or grade.get("code", "")
        result.append(Band(float(grade["min"]), high, label, BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)]))
        high = float(grade["min"])
    return result


def colour_of(total, cycle_bands: list[Band]) -> str:
    total = number(total)
    if total is None:
        return NO_SCORE_COLOUR
    for band in cycle_bands:
        if total >= band.low:
            return band.colour
    return cycle_bands[-1].colour if cycle_bands else NO_SCORE_COLOUR


# --- the charts' data (each also the rows of the table beside it) -------------------------------------------------


def peer_groups(scores: list[Score]) -> list[str]:
    groups: dict[str, int] = {}
    for score in scores:
        groups[score.peer_group] = groups.get(score.peer_group, 0) + 1
    return sorted(groups, key=lambda g: (-groups[g], g))


def peer_group_label(code: str) -> str:
    """ "branch:3" in words (the scoring service's wording where it has one)."""
    try:
        from qinglian.evaluation.services.scoring import peer_group_label as scoring_label
    except ImportError:
        scoring_label = None
    if scoring_label and ":" in code:
        return str(scoring_label(code))
    kinds = dict(Organisation.Kind.choices)
    kind, _sep, level = code.partition(":")
    if kind in kinds:
        return f"{kinds[kind]} · {_('level {n}').format(n=level)}" if level else str(kinds[kind])
    return code or _("All units")


def ranking(scores: list[Score], peer_group: str | None = None) -> dict:
    """The units of one peer group, best first: name, total, grade, rank of peers (the stored rank)."""
    grade_text = grade_texts()
    groups = peer_groups(scores)
    if peer_group is None or peer_group not in groups:
        peer_group = groups[0] if groups else ""
    rows = [s for s in scores if s.peer_group == peer_group]
    rows.sort(key=lambda s: (s.rank is None, s.rank or 0, -(number(s.total) or 0), s.organisation.path))
    return {
        "peer_group": peer_group,
        "peer_group_label": peer_group_label(peer_group),
        "groups": [{"code": g, "label": peer_group_label(g)} for g in groups],
        "rows": [
            {
                "org_id": s.organisation_id,
                "name": s.organisation.display_name,
                "total": rounded(s.total),
                "grade": grade_text(s),
                "rank": s.rank,
                "peers": s.peers,
            }
            for s in rows
        ],
    }


def radar(score: Score | None, scores: list[Score]) -> dict | None:
    """One unit's layers beside the mean of the other peers the viewer can see (None when they see none)."""
    grade_text = grade_texts()
    if score is None:
        return None
    peers = [s for s in scores if s.peer_group == score.peer_group and s.pk != score.pk]
    rows = []
    for key in (*RADAR_LAYERS, *TABLE_EXTRA):
        value = rounded((score.layers or {}).get(key), 4 if key == "topsis" else 2)
        others = [number((s.layers or {}).get(key)) for s in peers]
        others = [v for v in others if v is not None]
        mean = round(sum(others) / len(others), 4 if key == "topsis" else 2) if others else None
        rows.append(
            {
                "key": str(key),
                "label": layer_label(key),
                "value": value,
                "peer_mean": mean,
                "on_radar": key in RADAR_LAYERS,
            }
        )
    return {
        "org_id": score.organisation_id,
        "name": score.organisation.display_name,
        "total": rounded(score.total),
        "grade": grade_text(score),
        "rank": score.rank,
        "peers": score.peers,
        "peer_count": len(peers),
        "rows": rows,
    }


def trend(user, organisation: Organisation) -> dict:
    """The unit's total and layers in every cycle the viewer may see, oldest first."""
    grade_text = grade_texts()
    scores = (
        scores_in_scope(user)
        .filter(organisation=organisation)
        .select_related("cycle")
        .order_by("cycle__year", "cycle__pk")
    )
    keys = [str(k) for k in (*RADAR_LAYERS, "incidents")]
    rows = [
        {
            "year": s.cycle.year,
            "cycle_id": s.cycle_id,
            "total": rounded(s.total),
            "grade": grade_text(s),
            "rank": s.rank,
            "peers": s.peers,
            **{k: rounded((s.layers or {}).get(k)) for k in keys},
        }
        for s in scores
    ]
    return {
        "org_id": organisation.pk,
        "name": organisation.display_name,
        "series": [{"key": "total", "label": _("Total")}] + [{"key": k, "label": layer_label(k)} for k in keys],
        "rows": rows,
    }


def tree(scores: list[Score], cycle: Cycle) -> dict:
    """The visible units nested by the organisation tree, coloured by total; a unit whose parent the viewer does
    not see hangs from its nearest visible ancestor, or stands at the top."""
    grade_text = grade_texts()
    cycle_bands = bands(cycle)
    by_path = {s.organisation.path: s for s in scores}
    nodes: dict[str, dict] = {}
    roots: list[dict] = []
    rows = []
    for path in sorted(by_path):
        s = by_path[path]
        total = rounded(s.total)
        node = {
            "name": s.organisation.display_name,
            "value": total,
            "org_id": s.organisation_id,
            "grade": grade_text(s),
            "itemStyle": {"color": colour_of(total, cycle_bands)},
            "children": [],
        }
        nodes[path] = node
        parent = next((p for p in reversed(ancestor_paths(path, include_self=False)) if p in nodes), None)
        (nodes[parent]["children"] if parent else roots).append(node)
        depth = len(ancestor_paths(path, include_self=False)) - (len(ancestor_paths(cycle.organisation.path)) - 1)
        rows.append(
            {
                "org_id": s.organisation_id,
                "name": s.organisation.display_name,
                "depth": max(depth, 0),
                "total": total,
                "grade": grade_text(s),
                "colour": node["itemStyle"]["color"],
            }
        )
    return {
        "roots": roots,
        "rows": rows,
        "bands": [{"low": b.low, "high": b.high, "label": b.label, "colour": b.colour} for b in cycle_bands],
    }


def analyses_visible(user, cycle: Cycle):
    """Stored analyses the viewer may see, of the cycle's organisation, one above it, or one inside it."""
    path = cycle.organisation.path
    return (
        Analysis.objects.filter(scope_q(user, VIEW, model=Analysis))
        .filter(subtree_q(path, "organisation__") | Q(organisation__path__in=ancestor_paths(path)))
        .select_related("organisation", "created_by")
        .order_by("-created_at", "-pk")
    )


def _estimates(items) -> list[dict]:
    rows = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        rows.append(
            {
                "name": str(item.get("name", "")),
                "label": estimate_label(str(item.get("name", ""))),
                "coef": rounded(item.get("coef"), 4),
                "se": rounded(item.get("se"), 4),
                "ci_low": rounded(item.get("ci_low"), 4),
                "ci_high": rounded(item.get("ci_high"), 4),
                "p_value": rounded(item.get("p_value"), 4),
                "verdict": verdict_label(str(item.get("verdict") or "")),
            }
        )
    return rows


def _events(items) -> list[dict]:
    rows = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or number(item.get("e")) is None:
            continue
        rows.append(
            {
                "e": int(number(item["e"])),
                "att": rounded(item.get("att"), 4),
                "ci_low": rounded(item.get("ci_low"), 4),
                "ci_high": rounded(item.get("ci_high"), 4),
            }
        )
    return sorted(rows, key=lambda r: r["e"])


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return []


def finding(analysis: Analysis) -> dict:
    """An analysis as the dashboard and the reports quote it; absent keys give empty lists and None."""
    result = analysis.result if isinstance(analysis.result, dict) else {}
    evidence = str(result.get("grade") or result.get("evidence") or EVIDENCE.get(analysis.kind, "descriptive"))
    n, units, periods = (number(result.get(k)) for k in ("n", "units", "periods"))
    return {
        "id": analysis.pk,
        "title": analysis.title,
        "kind": analysis.kind,
        "kind_label": str(analysis.get_kind_display()),
        "organisation": analysis.organisation.display_name,
        "created_at": analysis.created_at,
        "created_by": (analysis.created_by.get_full_name() or analysis.created_by.username)
        if analysis.created_by
        else "",
        "evidence": evidence,
        "evidence_label": evidence_label(evidence),
        "n": None if n is None else int(n),
        "units": None if units is None else int(units),
        "periods": None if periods is None else int(periods),
        "verdict": verdict_label(str(result.get("verdict") or "")),
        "caveats": [caveat_text(c) for c in _texts(result.get("caveats"))],
        "estimates": _estimates(result.get("estimates")),
        "events": _events(result.get("events")),
        "error": str(result.get("error") or ""),
    }


def contribution(user, cycle: Cycle) -> list[dict]:
    """The latest analysis of each kind (at most LATEST_ANALYSES), as findings."""
    findings, kinds = [], set()
    for analysis in analyses_visible(user, cycle)[:50]:
        if analysis.kind in kinds:
            continue
        kinds.add(analysis.kind)
        findings.append(finding(analysis))
        if len(findings) >= LATEST_ANALYSES:
            break
    return findings


def indicator_names(codes, year: int) -> dict[str, Indicator]:
    """The indicator in force in the cycle's year for each code (the latest version that had started by then)."""
    on = date(year, 12, 31)
    found: dict[str, Indicator] = {}
    for indicator in Indicator.objects.filter(code__in=list(codes)).order_by("code", "version"):
        if indicator.effective_from <= on or indicator.code not in found:
            found[indicator.code] = indicator
    return found


def indicator_rows(score: Score, names: dict[str, Indicator]) -> list[dict]:
    """The score's indicators: raw value, points, weight, and why a value is missing."""
    rows = []
    for code, item in (score.detail or {}).items():
        item = item if isinstance(item, dict) else {}
        indicator = names.get(code)
        rows.append(
            {
                "code": code,
                "name": indicator.name if indicator else code,
                "layer": layer_label(indicator.layer) if indicator else "",
                "unit": indicator.unit if indicator else "",
                "raw": rounded(item.get("raw"), 4),
                "points": rounded(item.get("points")),
                "weight": rounded(item.get("weight"), 4),
                "missing": reason_text(str(item.get("missing") or "")),
                "order": indicator.order if indicator else 10_000,
            }
        )
    rows.sort(key=lambda r: (r["order"], r["code"]))
    return rows


# --- the page ----------------------------------------------------------------------------------------------------


@dataclass
class Board:
    cycle: Cycle
    scores: list[Score]
    unit: Score | None
    ranking: dict
    radar: dict | None
    trend: dict | None
    tree: dict
    contribution: list[dict]
    may_see_cycle: bool
    cycles: list[Cycle] = field(default_factory=list)
    units: list[Score] = field(default_factory=list)


def board_read(*, user, cycle: Cycle, org_id: int | None = None, peer_group: str | None = None) -> Board:
    """Everything the dashboard shows for one cycle, within the viewer's scope."""
    scores = scores_visible(user, cycle)
    unit = next((s for s in scores if s.organisation_id == org_id), None) if org_id else None
    unit = unit or unit_default(scores)
    if peer_group is None and unit is not None:
        peer_group = unit.peer_group
    return Board(
        cycle=cycle,
        scores=scores,
        unit=unit,
        ranking=ranking(scores, peer_group),
        radar=radar(unit, scores),
        trend=trend(user, unit.organisation) if unit else None,
        tree=tree(scores, cycle),
        contribution=contribution(user, cycle),
        may_see_cycle=can(user, VIEW, cycle),
        cycles=list(cycles_visible(user).order_by("-year", "organisation__path")),
        units=scores,
    )


def chart_data(board: Board) -> dict:
    """The charts' data for the page's script (the same numbers as the tables)."""
    return {
        "labels": {
            "total": _("Total"),
            "peer_mean": _("Mean of peers shown"),
            "estimate": _("Estimate"),
            "interval": _("Interval (95%)"),
            "att": _("Effect"),
            "event_time": _("Periods from start"),
        },
        "ranking": board.ranking,
        "radar": board.radar,
        "trend": board.trend,
        "tree": {"roots": board.tree["roots"]},
        "contribution": [
            {"id": f["id"], "title": f["title"], "estimates": f["estimates"], "events": f["events"]}
            for f in board.contribution
        ],
    }
