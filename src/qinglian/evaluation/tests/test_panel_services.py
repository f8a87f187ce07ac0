"""The panel: periods, computed indicators read once per period for all units (a flow's quarter as the difference
of year-to-date values), survey values of exactly the period (a year from its quarters, marked), every missing
value with its reason, and the exports."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from qinglian.core.registry import registry
from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.services import panel as services
from qinglian.evaluation.services.panel import PanelError, build_panel, quarters, years

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1  # a year that has ended


@pytest.fixture
def fake(monkeypatch):
    """study.hours_per_member replaced by a year-to-date count of the days gone (branch_c: nothing to measure),
    recording every call."""
    calls = []

    def ytd(*, orgs, year, on=None):
        orgs = list(orgs)
        calls.append((tuple(o.pk for o in orgs), year, on))
        return {o.pk: (None if o.name == "直属党支部" else float((on - date(year, 1, 1)).days + 1)) for o in orgs}

    monkeypatch.setitem(registry.indicators, "study.hours_per_member", ytd)
    return calls


def test_periods(in_english):
    q = quarters(2024, 2025)
    assert [p.key for p in q][:2] == ["2024Q1", "2024Q2"] and len(q) == 8
    assert (q[1].start, q[1].end, q[1].year, q[1].quarter, q[1].label) == (
        date(2024, 4, 1), date(2024, 6, 30), 2024, 2, "2024 Q2")  # fmt: skip
    assert q[-1].end == date(2025, 12, 31)
    y = years(2023, 2025)
    assert (y[0].key, y[0].start, y[0].end, y[0].quarter) == ("2023", date(2023, 1, 1), date(2023, 12, 31), None)
    assert services.period_of("2025-Q3") == services.period_of("2025q3") == quarter_3()
    assert services.period_of("2025").end == date(2025, 12, 31)
    for bad in ("2025Q5", "soon", ""):
        with pytest.raises(PanelError):
            services.period_of(bad)
    with pytest.raises(PanelError, match="after"):
        quarters(2026, 2025)


def quarter_3():
    return services.Period("2025Q3", date(2025, 7, 1), date(2025, 9, 30), 2025, 3)


def test_units_default_to_the_active_branches(cast):
    tree = cast.tree
    assert services.default_units(tree.root) == [tree.branch_a, tree.branch_b, tree.branch_c]
    assert services.default_units(tree.branch_a) == [tree.branch_a]


def test_a_flow_quarter_is_the_difference_of_year_to_date_values(cast, fake):
    tree = cast.tree
    periods = quarters(YEAR, YEAR)
    panel = build_panel(scope=tree.root, periods=periods, codes=["work.study.hours"])
    # one call per quarter for the three units at once; the previous quarter's is not asked twice
    assert len(fake) == 4 and all(len(units) == 3 for units, _y, _on in fake)
    assert [on for _u, _y, on in fake] == [p.end for p in periods]
    days = [(p.end - p.start).days + 1 for p in periods]
    assert [panel.value(tree.branch_a, p, "work.study.hours") for p in periods] == [float(d) for d in days]
    # nothing to measure: None with the reason
    key = (tree.branch_c.pk, periods[1].key, "work.study.hours")
    assert panel.values[key] is None and panel.missing[key]
    assert (tree.branch_a.pk, periods[1].key, "work.study.hours") not in panel.missing


def test_a_year_reads_the_year_to_date_value(cast, fake):
    tree = cast.tree
    panel = build_panel(scope=tree.root, periods=years(YEAR, YEAR), codes=["work.study.hours"])
    assert panel.value(tree.branch_b, str(YEAR), "work.study.hours") == float(
        (date(YEAR, 12, 31) - date(YEAR, 1, 1)).days + 1)  # fmt: skip
    assert fake == [((tree.branch_a.pk, tree.branch_b.pk, tree.branch_c.pk), YEAR, date(YEAR, 12, 31))]


def test_periods_not_begun_and_running(cast, fake, in_english):
    tree = cast.tree
    today = timezone.localdate()
    panel = build_panel(scope=tree.root, periods=years(today.year, today.year + 1), codes=["work.study.hours"])
    key = (tree.branch_a.pk, str(today.year + 1), "work.study.hours")
    assert panel.values[key] is None and panel.missing[key] == "The period has not begun."
    assert [on for _u, _y, on in fake] == [today]  # the running year as seen today; the future not asked
    assert "So far" in panel.notes[(tree.branch_a.pk, str(today.year), "work.study.hours")]


def test_an_indicator_no_module_computes(cast, monkeypatch, in_english):
    monkeypatch.delitem(registry.indicators, "study.hours_per_member")
    panel = build_panel(scope=cast.tree.root, periods=years(YEAR, YEAR), codes=["work.study.hours"])
    key = (cast.tree.branch_a.pk, str(YEAR), "work.study.hours")
    assert panel.values[key] is None and "not installed" in panel.missing[key]


def test_survey_values_of_exactly_the_period(cast, in_english):
    tree = cast.tree
    internal = Indicator.objects.filter(code="perceptions.internal").first()
    q1, q2, q3, _q4 = quarters(YEAR, YEAR)
    for period, value in ((q1, 80.0), (q2, 84.0)):
        Value.objects.create(indicator=internal, organisation=tree.branch_a, period_start=period.start,
                             period_end=period.end, value=value, respondents=30, std_error=1.2)  # fmt: skip
    Value.objects.create(indicator=internal, organisation=tree.branch_b, period_start=date(YEAR, 1, 1),
                         period_end=date(YEAR, 12, 31), value=90.0)  # fmt: skip
    Value.objects.create(indicator=internal, organisation=tree.branch_b, period_start=q1.start, period_end=q1.end,
                         value=70.0)  # fmt: skip
    panel = build_panel(scope=tree.root, periods=[q1, q2, q3], codes=["perceptions.internal"])
    assert panel.value(tree.branch_a, q1, "perceptions.internal") == 80.0
    assert panel.value(tree.branch_a, q3, "perceptions.internal") is None
    assert panel.missing[(tree.branch_a.pk, q3.key, "perceptions.internal")] == (
        "No survey result entered for this period.")  # fmt: skip
    assert panel.value(tree.branch_b, q2, "perceptions.internal") is None  # the year's value is not a quarter's
    yearly = build_panel(scope=tree.root, periods=years(YEAR, YEAR), codes=["perceptions.internal"])
    assert yearly.value(tree.branch_a, str(YEAR), "perceptions.internal") == 82.0  # mean of the quarters, marked
    assert yearly.notes[(tree.branch_a.pk, str(YEAR), "perceptions.internal")] == "Mean of 2 quarterly values."
    assert yearly.value(tree.branch_b, str(YEAR), "perceptions.internal") == 90.0  # the year's own value wins
    assert (tree.branch_b.pk, str(YEAR), "perceptions.internal") not in yearly.notes
    assert yearly.value(tree.branch_c, str(YEAR), "perceptions.internal") is None


def test_bad_input(cast, in_english):
    with pytest.raises(PanelError, match="No indicator has the code nope"):
        build_panel(scope=cast.tree.root, periods=years(YEAR, YEAR), codes=["nope"])
    with pytest.raises(PanelError, match="at least one period"):
        build_panel(scope=cast.tree.root, periods=[], codes=["perceptions.internal"])
    with pytest.raises(PanelError, match="At most 40"):
        build_panel(scope=cast.tree.root, periods=quarters(2010, 2020), codes=["perceptions.internal"])


def test_default_indicators_are_those_on_offer(cast, fake):
    panel = build_panel(scope=cast.tree.branch_a, periods=years(YEAR, YEAR))
    codes = {i.code for i in panel.indicators}
    assert {"work.study.hours", "perceptions.internal", "perceptions.external"} <= codes
    assert all(i.source for i in panel.indicators)  # leaves only


def test_exports(cast, fake, in_english):
    tree = cast.tree
    internal = Indicator.objects.filter(code="perceptions.internal").first()
    Value.objects.create(indicator=internal, organisation=tree.branch_a, period_start=date(YEAR, 1, 1),
                         period_end=date(YEAR, 12, 31), value=88.5)  # fmt: skip
    panel = build_panel(
        scope=tree.root, periods=years(YEAR - 1, YEAR), codes=["work.study.hours", "perceptions.internal"]
    )
    rows = list(csv.reader(io.StringIO(services.panel_csv(panel))))
    assert rows[0][:3] == ["Unit id", "Unit", "Period"]
    assert len(rows) == 1 + 3 * 2 * 2
    by_key = {(r[1], r[2], r[5]): r for r in rows[1:]}
    assert by_key[("第一党支部", str(YEAR), "perceptions.internal")][7] == "88.5"
    missing = by_key[("直属党支部", str(YEAR), "work.study.hours")]
    assert missing[7] == "" and missing[9]
    book = CalamineWorkbook.from_filelike(io.BytesIO(services.panel_xlsx(panel)))
    assert book.sheet_names == ["Panel", "work.study.hours", "perceptions.internal"]
    wide = book.get_sheet_by_name("perceptions.internal").to_python()
    assert wide[0] == ["Unit", str(YEAR - 1), str(YEAR)]
    assert wide[1][0] == "第一党支部" and wide[1][2] == 88.5


def test_a_committee_without_its_own_survey_takes_the_respondent_weighted_mean_of_the_units_below(cast, in_english):
    tree = cast.tree
    internal = Indicator.objects.get(code="perceptions.internal")
    q1, q2 = quarters(YEAR, YEAR)[:2]
    for org, period, value, people in (
        (tree.branch_a, q1, 90.0, 30), (tree.branch_a, q2, 80.0, 10), (tree.branch_b, q1, 70.0, 20),
    ):  # fmt: skip
        Value.objects.create(indicator=internal, organisation=org, period_start=period.start,
                             period_end=period.end, value=value, respondents=people)  # fmt: skip
    units = [tree.root, tree.gb, tree.branch_a, tree.branch_b]
    panel = build_panel(scope=tree.root, periods=[q1, *years(YEAR, YEAR)], codes=[internal.code], units=units)
    # The first quarter: branch_a 90 (30 people) and branch_b 70 (20 people) under the root.
    assert panel.values[(tree.root.pk, q1.key, internal.code)] == pytest.approx((90 * 30 + 70 * 20) / 50)
    assert "weighted by their respondents" in panel.notes[(tree.root.pk, q1.key, internal.code)]
    # The year: branch_a's two quarters average 85 with 20 people on average, branch_b's one quarter 70 with 20.
    assert panel.values[(tree.root.pk, str(YEAR), internal.code)] == pytest.approx((85 * 20 + 70 * 20) / 40)
    # gb holds both branches; a branch is never filled from elsewhere.
    assert panel.values[(tree.gb.pk, q1.key, internal.code)] == pytest.approx(82.0)
    assert panel.values[(tree.branch_b.pk, q1.key, internal.code)] == 70.0
