"""The evaluation report as a workbook: the scores, every indicator's raw value, points and weight, the weights with
their provenance, and the analyses' estimates. Headers in the language active when it is asked for."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qinglian.evaluation.services import dashboards
from qinglian.evaluation.services.reports import Report
from qinglian.evaluation.services.scoring import grade_texts
from qinglian.reports.xlsx import Sheet, workbook_bytes

LAYER_KEYS = ("work", "results", "perceptions", "incidents", "topsis")


def _when(value) -> str:
    return date_format(value, "Y-m-d H:i") if value else ""


def _scores(report: Report) -> Sheet:
    grade_text = grade_texts()
    rows = [
        [
            s.organisation.display_name,
            s.organisation.code,
            dashboards.number(s.total),
            *[dashboards.number((s.layers or {}).get(k)) for k in LAYER_KEYS],
            grade_text(s),
            s.rank,
            s.peers,
            dashboards.peer_group_label(s.peer_group),
        ]
        for s in report.scores
    ]
    return Sheet(
        _("Scores"),
        [
            _("Unit"),
            _("Code"),
            _("Total"),
            *[dashboards.layer_label(k) for k in LAYER_KEYS],
            _("Grade"),
            _("Rank"),
            _("Peers"),
            _("Peer group"),
        ],
        rows,
        widths=[24, 10, 10, 12, 12, 12, 14, 12, 10, 8, 8, 20],
    )


def _detail(report: Report) -> Sheet:
    names = dashboards.indicator_names({c for s in report.scores for c in (s.detail or {})}, report.cycle.year)
    names = {**{i.code: i for i in report.catalogue}, **names}
    rows = []
    for s in report.scores:
        for r in dashboards.indicator_rows(s, names):
            rows.append(
                [
                    s.organisation.display_name,
                    r["code"],
                    r["name"],
                    r["layer"],
                    r["raw"],
                    r["unit"],
                    r["points"],
                    r["weight"],
                    r["missing"],
                ]
            )
    return Sheet(
        _("Indicators"),
        [
            _("Unit"),
            _("Code"),
            _("Indicator"),
            _("Layer"),
            _("Raw value"),
            _("Unit of measure"),
            _("Points"),
            _("Weight"),
            _("Missing because"),
        ],
        rows,
        widths=[24, 28, 30, 14, 12, 10, 10, 10, 30],
    )


def _weights(report: Report) -> Sheet:
    ws, cycle = report.weight_set, report.cycle
    names = {i.code: i for i in report.catalogue}
    rows = [
        [_("layer"), dashboards.layer_label(k), "", dashboards.number(v)]
        for k, v in report.layer_weights.items()
        if k != "incident_cap"
    ]
    if ws is not None and isinstance(ws.weights, dict):
        for code, w in (ws.weights.get("indicators") or {}).items():
            rows.append([_("indicator"), names[code].name if code in names else code, code, dashboards.number(w)])
    notes = []
    if ws is not None:
        notes = [
            _("Kind: {kind}").format(kind=ws.get_kind_display()),
            _("Method: {method}").format(method=ws.method),
            _("Set by {who} on {when}").format(who=_user(ws.created_by), when=_when(ws.created_at)),
            _("Frozen by {who} on {when}").format(who=_user(cycle.frozen_by), when=_when(cycle.frozen_at)),
        ]
        cr = ws.consistency.get("cr") if isinstance(ws.consistency, dict) else None
        if dashboards.number(cr) is not None:
            notes.append(_("Consistency ratio of the combined judgments: {cr}").format(cr=f"{float(cr):.3f}"))
    else:
        notes = [_("The cycle's weights are not frozen yet.")]
    for j in report.judgments:
        cr = "—" if j.cr is None else f"{j.cr:.3f}"
        notes.append(
            _("Judgment of {who} on {node}: consistency ratio {cr}").format(
                who=_user(j.expert), node=j.node or _("the layers"), cr=cr
            )
        )
    # The provenance follows the weights on the same sheet (a notes sheet would come between the weights and the
    # analyses).
    rows += [[], *[["", note] for note in notes]]
    return Sheet(_("Weights"), [_("Level"), _("Name"), _("Code"), _("Weight")], rows, widths=[12, 60, 28, 10])


def _analyses(report: Report) -> Sheet:
    rows = []
    for f in report.findings:
        for e in f["estimates"]:
            rows.append(
                [
                    f["title"],
                    f["kind_label"],
                    f["evidence_label"],
                    e["label"],
                    e["coef"],
                    e["se"],
                    e["ci_low"],
                    e["ci_high"],
                    e["p_value"],
                    f["n"],
                    f["units"],
                    f["periods"],
                ]
            )
        for e in f["events"]:
            rows.append(
                [
                    f["title"],
                    f["kind_label"],
                    f["evidence_label"],
                    _("{e} periods from start").format(e=e["e"]),
                    e["att"],
                    None,
                    e["ci_low"],
                    e["ci_high"],
                    None,
                    f["n"],
                    f["units"],
                    f["periods"],
                ]
            )
        for caveat in f["caveats"]:
            rows.append([f["title"], f["kind_label"], f["evidence_label"], _("Caveat: {text}").format(text=caveat)])
    return Sheet(
        _("Analyses"),
        [
            _("Analysis"),
            _("Kind"),
            _("Evidence grade"),
            pgettext("analysis", "Measure"),
            _("Estimate"),
            _("Standard error"),
            _("Lower bound (95%)"),
            _("Upper bound (95%)"),
            _("p-value"),
            _("Observations"),
            _("Units"),
            _("Periods"),
        ],
        rows,
        widths=[30, 24, 24, 30, 10, 10, 12, 12, 10, 12, 8, 8],
    )


def _user(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


def report_xlsx(report: Report) -> bytes:
    # Rows of a sheet are padded to the headers' length by openpyxl; shorter rows (the caveats) are fine.
    return workbook_bytes([_scores(report), _detail(report), _weights(report), _analyses(report)])
