"""The yearly evaluation report as a Word document: of one unit or of the whole organisation, with charts as
pictures, the tables (layers, indicators, ranking, trend), the contribution findings with their intervals and
caveats, and an appendix on the method. Written in the language active when it is asked for.
"""

from __future__ import annotations

import io

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx.shared import Cm

from qinglian.evaluation.services import dashboards
from qinglian.evaluation.services import report_charts as charts
from qinglian.evaluation.services.reports import Report
from qinglian.evaluation.services.scoring import grade_texts
from qinglian.evaluation.vocab import Direction
from qinglian.reports.docx import (
    add_page_break,
    add_page_numbers,
    add_paragraph,
    add_table,
    add_title,
    document_bytes,
    document_new,
)

PICTURE_CM = 15


def num(value, digits: int = 2) -> str:
    value = dashboards.number(value)
    return "—" if value is None else f"{value:.{digits}f}"


def _when(value) -> str:
    return date_format(value, "Y-m-d H:i") if value else "—"


def _heading(doc, text: str) -> None:
    add_paragraph(doc, text, size=15, bold=True)


def _picture(doc, png: bytes, width_cm: float = PICTURE_CM) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(width_cm))


def _user(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def report_docx(report: Report) -> bytes:
    doc = document_new()
    cycle = report.cycle
    title = (
        _("{org}: clean-governance evaluation report {year}")
        if not report.whole
        else _("{org} and its units: clean-governance evaluation report {year}")
    ).format(org=report.organisation.display_name, year=cycle.year)
    add_title(doc, title, size=18)
    add_paragraph(
        doc,
        _(
            "Cycle “{cycle}”, scored {scored}; written {now}. It covers the units within the reader's organisations."
        ).format(cycle=cycle.name, scored=_when(cycle.scored_at), now=_when(report.generated_at)),
        size=11,
        align="center",
    )
    section = 0

    def heading(text: str) -> None:
        nonlocal section
        section += 1
        _heading(doc, f"{section}. {text}")

    heading(_("Summary"))
    _summary(doc, report)
    if report.unit:
        heading(_("Layer scores"))
        _layers(doc, report)
    if report.ranking and any(r["rows"] for r in report.ranking):
        heading(_("Ranking among peers"))
        _ranking(doc, report)
    if report.whole and len(report.scores) > 1:
        heading(_("Scores of the units"))
        _units(doc, report)
    if report.indicators:
        heading(_("Indicators"))
        _indicators(doc, report)
    if report.trend and report.trend["rows"]:
        heading(_("Trend over the years"))
        _trend(doc, report)
    heading(_("Contribution of political work"))
    _findings(doc, report)
    add_page_break(doc)
    _heading(doc, _("Appendix: the method"))
    _method(doc, report)
    add_page_numbers(doc, before="— ", after=" —")
    return document_bytes(doc)


def _summary(doc, report: Report) -> None:
    unit = report.unit
    if unit is not None:
        text = _("{org} scored {total} points in {year} ({grade}).").format(
            org=report.organisation.display_name,
            total=num(unit.total),
            year=report.cycle.year,
            grade=grade_texts()(unit) or "—",
        )
        if unit.rank:
            text += " " + _("It ranks {rank} of {peers} among its peers ({group}).").format(
                rank=unit.rank, peers=unit.peers, group=dashboards.peer_group_label(unit.peer_group)
            )
        add_paragraph(doc, text, indent=True)
    else:
        add_paragraph(doc, _("The organisation itself has no score in this cycle."), indent=True)
    if report.whole:
        totals = [dashboards.number(s.total) for s in report.scores]
        totals = [t for t in totals if t is not None]
        if totals:
            add_paragraph(
                doc,
                _("{n} units scored; mean total {mean}, from {low} to {high}.").format(
                    n=len(totals), mean=num(sum(totals) / len(totals)), low=num(min(totals)), high=num(max(totals))
                ),
                indent=True,
            )
        counts: dict[str, int] = {}
        grade_text = grade_texts()
        for s in report.scores:
            counts[grade_text(s) or "—"] = counts.get(grade_text(s) or "—", 0) + 1
        if counts:
            add_table(doc, [_("Grade"), _("Units")], sorted(counts.items(), key=lambda kv: -kv[1]), widths_cm=[8, 4])


def _layers(doc, report: Report) -> None:
    radar = report.radar
    rows = [
        [
            r["label"],
            num(r["value"], 4 if r["key"] == "topsis" else 2),
            num(r["peer_mean"], 4 if r["key"] == "topsis" else 2),
        ]
        for r in radar["rows"]
    ]
    add_table(doc, [_("Layer"), radar["name"], _("Mean of peers shown")], rows, widths_cm=[7, 4.5, 4.5])
    on_radar = [r for r in radar["rows"] if r["on_radar"]]
    if any(r["value"] is not None for r in on_radar):
        png = charts.radar_chart(
            [r["label"] for r in on_radar],
            [r["value"] for r in on_radar],
            peer=[r["peer_mean"] for r in on_radar],
            names=(radar["name"], _("Mean of peers shown")),
        )
        _picture(doc, png, 10)
    add_paragraph(
        doc,
        _(
            "Work done, results and perceptions are 0–100 points; incidents are points deducted from the "
            "total; TOPSIS closeness (0–1) is shown for comparison."
        ),
        size=10,
    )


def _ranking(doc, report: Report) -> None:
    highlight = report.unit.organisation_id if report.unit else None
    for r in report.ranking:
        if not r["rows"]:
            continue
        add_paragraph(doc, r["peer_group_label"], size=12, bold=True)
        labels = [row["name"] for row in r["rows"]]
        values = [row["total"] for row in r["rows"]]
        index = next((i for i, row in enumerate(r["rows"]) if row["org_id"] == highlight), None)
        _picture(doc, charts.bar_chart(labels, values, highlight=index if len(labels) > 1 else None))
        add_table(
            doc,
            [_("Rank"), _("Unit"), _("Total"), _("Grade")],
            [
                [
                    f"{row['rank']}/{row['peers']}" if row["rank"] else "—",
                    row["name"],
                    num(row["total"]),
                    row["grade"] or "—",
                ]
                for row in r["rows"]
            ],
            widths_cm=[2.5, 7.5, 3, 3],
        )
        if len(r["rows"]) < max((row["peers"] for row in r["rows"]), default=0):
            add_paragraph(
                doc,
                _("The rank counts all the peers; the report shows only the units within the reader's organisations."),
                size=10,
            )


def _units(doc, report: Report) -> None:
    keys = [str(k) for k in (*dashboards.RADAR_LAYERS, "incidents")]
    base = len(report.organisation.path)
    rows = []
    grade_text = grade_texts()
    for s in report.scores:
        indent = "　" * max((len(s.organisation.path) - base) // 4, 0)
        rows.append(
            [
                indent + s.organisation.display_name,
                num(s.total),
                *[num((s.layers or {}).get(k)) for k in keys],
                grade_text(s) or "—",
            ]
        )
    add_table(doc, [_("Unit"), _("Total"), *[dashboards.layer_label(k) for k in keys], _("Grade")], rows, size=9)


def _indicators(doc, report: Report) -> None:
    rows = []
    for r in report.indicators:
        raw = num(r["raw"], 4)  # as computed (a rate is a fraction): the workbook has the unit of measure
        rows.append(
            [
                r["name"],
                r["layer"],
                raw,
                num(r["points"]),
                num(r["weight"], 3),
                r["missing"] and _("Missing: {reason}").format(reason=r["missing"]),
            ]
        )
    add_table(
        doc,
        [_("Indicator"), _("Layer"), _("Raw value"), _("Points"), _("Weight"), _("Note")],
        rows,
        widths_cm=[5, 2.2, 2.5, 1.8, 1.6, 2.9],
        size=9,
    )


def _trend(doc, report: Report) -> None:
    t = report.trend
    years = [r["year"] for r in t["rows"]]
    if len(years) > 1:
        png = charts.trend_chart(years, [(s["label"], [r[s["key"]] for r in t["rows"]]) for s in t["series"]])
        _picture(doc, png)
    add_table(
        doc,
        [_("Year"), *[s["label"] for s in t["series"]], _("Grade")],
        [[r["year"], *[num(r[s["key"]]) for s in t["series"]], r["grade"] or "—"] for r in t["rows"]],
        size=9,
    )


def _findings(doc, report: Report) -> None:
    if not report.findings:
        add_paragraph(doc, _("No contribution analysis has been stored yet for these units."), indent=True)
        return
    for f in report.findings:
        add_paragraph(doc, f"{f['title']} ({f['kind_label']})", size=12, bold=True)
        facts = [_("Evidence: {grade}").format(grade=f["evidence_label"])]
        for key, label in (("n", _("{n} observations")), ("units", _("{n} units")), ("periods", _("{n} periods"))):
            if f[key] is not None:
                facts.append(label.format(n=f[key]))
        facts.append(_("run on {day}").format(day=_when(f["created_at"])))
        add_paragraph(doc, "; ".join(facts) + ".", size=11)
        if f["error"]:
            add_paragraph(doc, f["error"], size=11)
        if f["verdict"]:
            add_paragraph(doc, f["verdict"], indent=True)
        if f["estimates"]:
            plotted = [e for e in f["estimates"] if e["coef"] is not None]
            if plotted:
                _picture(doc, charts.forest_chart(plotted, key="label"))
            add_table(
                doc,
                [
                    pgettext("analysis", "Measure"),
                    _("Estimate"),
                    _("Standard error"),
                    _("Interval (95%)"),
                    _("p-value"),
                ],
                [
                    [e["label"], num(e["coef"], 4), num(e["se"], 4), _interval(e), num(e["p_value"], 4)]
                    for e in f["estimates"]
                ],
                widths_cm=[5, 2.6, 2.6, 3.6, 2.2],
                size=9,
            )
        if f["events"]:
            _picture(doc, charts.event_chart(f["events"], xlabel=_("Periods from start")))
            add_table(
                doc,
                [_("Periods from start"), _("Effect"), _("Interval (95%)")],
                [[e["e"], num(e["att"], 4), _interval(e)] for e in f["events"]],
                widths_cm=[4, 4, 6],
                size=9,
            )
        if f["caveats"]:
            add_paragraph(doc, _("Caveats:"), size=11, bold=True)
            for caveat in f["caveats"]:
                add_paragraph(doc, f"• {caveat}", size=11)


def _interval(row: dict) -> str:
    if row.get("ci_low") is None or row.get("ci_high") is None:
        return "—"
    return f"[{num(row['ci_low'], 4)}, {num(row['ci_high'], 4)}]"


def _method(doc, report: Report) -> None:
    cycle, ws = report.cycle, report.weight_set
    add_paragraph(doc, _("A.1 Layers and grades"), size=12, bold=True)
    layers = report.layer_weights
    rows = [[dashboards.layer_label(k), num(v, 3)] for k, v in layers.items() if k != "incident_cap"]
    if rows:
        add_table(doc, [_("Layer"), _("Weight")], rows, widths_cm=[8, 4])
    if "incident_cap" in layers:
        add_paragraph(
            doc,
            _("Incidents are deducted from the total, at most {cap} points.").format(
                cap=num(layers["incident_cap"], 0)
            ),
            size=11,
        )
    add_table(
        doc, [_("Grade"), _("From (points)")], [[b.label, num(b.low, 0)] for b in report.grades], widths_cm=[8, 4]
    )

    add_paragraph(doc, _("A.2 Weights and who set them"), size=12, bold=True)
    if ws is None:
        add_paragraph(doc, _("The cycle's weights are not frozen yet."), size=11)
    else:
        facts = [
            _("Kind: {kind}").format(kind=ws.get_kind_display()),
            _("Method: {method}").format(method=ws.method),
            _("Set by {who} on {when}").format(who=_user(ws.created_by), when=_when(ws.created_at)),
            _("Frozen by {who} on {when}").format(who=_user(cycle.frozen_by), when=_when(cycle.frozen_at)),
        ]
        cr = (ws.consistency or {}).get("cr") if isinstance(ws.consistency, dict) else None
        if dashboards.number(cr) is not None:
            facts.append(_("Consistency ratio of the combined judgments: {cr}").format(cr=num(cr, 3)))
        for fact in facts:
            add_paragraph(doc, fact, size=11)
        weights = (ws.weights or {}).get("indicators", {}) if isinstance(ws.weights, dict) else {}
        names = {i.code: i for i in report.catalogue}
        if weights:
            add_table(
                doc,
                [_("Indicator"), _("Layer"), _("Weight within its layer")],
                [
                    [
                        names[c].name if c in names else c,
                        dashboards.layer_label(names[c].layer) if c in names else "",
                        num(w, 4),
                    ]
                    for c, w in weights.items()
                ],
                widths_cm=[9, 3.5, 3.5],
                size=9,
            )
    if report.judgments:
        add_paragraph(doc, _("Experts' judgments"), size=11, bold=True)
        add_table(
            doc,
            [_("Expert"), _("Compared"), _("Consistency ratio"), _("Updated")],
            [[_user(j.expert), j.node or _("the layers"), num(j.cr, 3), _when(j.updated_at)] for j in report.judgments],
            widths_cm=[4, 5, 3, 4],
            size=9,
        )
        add_paragraph(doc, _("A consistency ratio below 0.10 is acceptable (Saaty)."), size=10)

    add_paragraph(doc, _("A.3 Indicators, anchors and scoring rules"), size=12, bold=True)
    add_paragraph(
        doc,
        _(
            "Each indicator's raw value is turned into 0–100 points against fixed anchors, the same every "
            "year so that years compare: the value scoring 0 and the value scoring 100 (reversed where "
            "lower is better; full points within a range for a range indicator). A missing value is "
            "never counted as zero: it is reported with its reason."
        ),
        size=11,
    )
    leaves = [i for i in report.catalogue if i.is_leaf]
    add_table(
        doc,
        [_("Indicator"), _("Direction"), _("Scores 0"), _("Scores 100"), _("Rule"), _("Source")],
        [
            [i.name, _direction(i), num(i.anchor_low, 3), num(i.anchor_high, 3), _rule(i), i.get_source_display()]
            for i in leaves
        ],
        widths_cm=[5, 2.5, 1.8, 1.8, 2.5, 2.4],
        size=8,
    )

    add_paragraph(doc, _("A.4 What the analyses can and cannot say"), size=12, bold=True)
    for text in (
        _(
            "A fixed-effects panel regression compares each unit with itself over time; its estimates are associations "
            "with political-work measures, not proof that the work caused the change."
        ),
        _(
            "A staggered difference-in-differences compares units that started a campaign with those that had not yet; "
            "it comes close to a causal effect only when the periods before the start show no difference."
        ),
        _(
            "Each estimate is shown with its interval (95%); an interval that crosses zero means the data cannot tell "
            "the effect's sign. With few units the intervals come from a wild cluster bootstrap."
        ),
        _(
            "Below about 20 units and 4 periods, or without variation within units, only descriptive results are "
            "given. Scores and ranks carry the uncertainty of their inputs: differences between close scores should "
            "not be read as real differences."
        ),
    ):
        add_paragraph(doc, text, size=11, indent=True)


def _direction(indicator) -> str:
    if indicator.direction == Direction.INTERVAL and indicator.interval_low is not None:
        return _("best from {low} to {high}").format(
            low=num(indicator.interval_low, 3), high=num(indicator.interval_high, 3)
        )
    return str(indicator.get_direction_display())


def _rule(indicator) -> str:
    rule = indicator.rule if isinstance(indicator.rule, dict) else {}
    kind = rule.get("type") or "linear"
    if kind == "deduction":
        return _("{per} per case, at most {cap}").format(per=rule.get("per", "—"), cap=rule.get("cap", "—"))
    return {"linear": _("linear"), "interval": _("range")}.get(kind, str(kind))
