"""Journeys through the evaluation module in a real Chromium.

1. An expert of the committee office judges the layers of a cycle in the pairwise form: the consistency ratio
   updates as the scale values are chosen, the judgment that contradicts the others is pointed out, the expert
   corrects it as suggested and saves; a second expert's form is their own, and both show on the weights page.
2. The office computes the experts' weight set, freezes it and scores the cycle: the score table has ranks and
   grades; the first branch's score drills down from layer to indicator to the meeting and the study session
   behind it, and the meeting's link opens the meeting.
3. The dashboard draws its charts (ECharts, each beside its table) on a desktop and on a phone; a branch
   secretary sees their branch only; a member gets 404.
4. A survey workbook with a value out of range is refused with its row named and nothing saved; the corrected
   workbook is accepted; a fixed-effects analysis run from the contribution page shows the estimate with its
   interval and the caveats.

Every page visited keeps a clean console and asks nothing of another host.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_duties_journeys import _as, _message
from tests.browser.test_risks_journeys import _failed_loads

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["Unit", "Period", "Indicator code", "Value", "Respondents", "Standard error"]


def _catalogue() -> None:
    """The shipped indicators (loaded after migrate; loading again adds nothing)."""
    from qinglian.evaluation.services.catalogue import catalogue_load

    catalogue_load()


def _cycle(cast, year: int | None = None):
    from qinglian.evaluation.services import scoring

    _catalogue()
    return scoring.cycle_create(
        organisation=cast.tree.root, year=year or timezone.localdate().year, name="", actor=cast.users["office"]
    )


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _drawn(page, selector: str) -> int:
    """How many shapes ECharts drew in the chart's element (SVG paths or a painted canvas); 0 when nothing."""
    return page.evaluate(
        """(sel) => {
            const el = document.querySelector(sel);
            if (!el) return -1;
            const box = el.getBoundingClientRect();
            if (box.width < 50 || box.height < 50) return 0;
            const svg = el.querySelector("svg");
            if (svg) return svg.querySelectorAll("path, text, circle, rect, polyline, polygon").length;
            const canvas = el.querySelector("canvas");
            if (!canvas || !canvas.width || !canvas.height) return 0;
            const ctx = canvas.getContext("2d");
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i]) painted++;
            return painted;
        }""",
        selector,
    )


def _choose(page, select, value: str) -> None:
    """Choose a scale value and wait for the live check to answer, as the expert reads it before going on."""
    select = page.locator(select) if isinstance(select, str) else select
    with page.expect_response(lambda r: r.url.endswith("/check/") and r.request.method == "POST") as answer:
        select.select_option(value)
    assert answer.value.status == 200
    page.wait_for_function("() => !document.querySelector('#consistency.htmx-swapping, #consistency.htmx-settling')")


def _cr(consistency) -> float:
    text = consistency.locator(".ql-mono.fs-5").inner_text()  # "CR 0.187"
    return float(text.split()[1])


def _workbook(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- 1. an expert's pairwise judgments, checked as they are chosen ------------------------------------------------


def test_an_expert_judges_the_layers_and_fixes_the_judgment_pointed_out(open_page, cast):
    from qinglian.evaluation.models import Judgment

    cycle = _cycle(cast)
    office = _as(open_page, "office")
    page = office.page
    page.goto(office.url(reverse("evaluation:weights", args=[cycle.pk])))
    layers_row = page.locator("section[aria-labelledby=nodes-head] tbody tr").first
    expect(layers_row).to_contain_text("No judgment yet: equal weights")
    layers_row.get_by_role("link", name="Judge").click()
    expect(page).to_have_url(office.url(reverse("evaluation:weights_judge", args=[cycle.pk, "layers"])))

    # Three layers, three pairs; nothing judged yet: all equal, perfectly consistent.
    selects = page.locator("#judge-form select")
    expect(selects).to_have_count(3)
    consistency = page.locator("#consistency")
    expect(consistency).to_contain_text("CR 0.000")
    expect(consistency).to_contain_text("acceptable")
    expect(consistency).not_to_contain_text("least consistent")

    # Work done a little above results, results a little above perceptions — yet work only as important as
    # perceptions: the judgments contradict each other, and one pair is pointed out with the step to choose.
    _choose(page, "#id_a_0_1", "2")
    expect(consistency).to_contain_text("acceptable")
    _choose(page, "#id_a_1_2", "2")
    expect(consistency).to_contain_text("not acceptable (must be below 0.1)")
    crs = [_cr(consistency)]
    assert crs[0] > 0.1, crs

    # The expert follows the pointer: each correction lowers the ratio, live, until it is acceptable.
    for _round in range(3):
        pointed = consistency.get_by_text("The judgment least consistent with the others")
        expect(pointed).to_be_visible()
        sentence = pointed.inner_text()
        found = re.search(r"“(.+?)” compared with “(.+?)”.*the nearest step of the scale is (\S+)\.", sentence)
        assert found, sentence
        first, second, suggested = found.groups()
        _choose(page, page.get_by_label(f"“{first}” compared with “{second}”"), suggested)
        crs.append(_cr(consistency))
        if "not acceptable" not in consistency.inner_text():
            break
    assert crs == sorted(crs, reverse=True) and crs[-1] < 0.1, crs
    expect(consistency).to_contain_text("acceptable")
    expect(consistency).not_to_contain_text("least consistent")
    expect(consistency.locator("table tbody tr")).to_have_count(3)

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(office.url(reverse("evaluation:weights", args=[cycle.pk])))
    expect(_message(page)).to_contain_text("Your judgments were saved.")
    mine = Judgment.objects.get(cycle=cycle, expert=cast.users["office"], node="")
    assert mine.cr < 0.1 and mine.version == 1
    layers_row = page.locator("section[aria-labelledby=nodes-head] tbody tr").first
    expect(layers_row).to_contain_text("office")
    expect(layers_row.get_by_role("link", name="Change my judgments")).to_be_visible()
    office.assert_clean()

    # A second expert (discipline inspection) has a form of their own: nothing of the office's judgments in it.
    inspector = _as(open_page, "inspector")
    other = inspector.page
    other.goto(inspector.url(reverse("evaluation:weights", args=[cycle.pk])))
    row = other.locator("section[aria-labelledby=nodes-head] tbody tr").first
    expect(row).to_contain_text("office")
    row.get_by_role("link", name="Judge").click()
    for name in ("a_0_1", "a_0_2", "a_1_2"):
        expect(other.locator(f"#id_{name}")).to_have_value("1")
    # Quick successive choices: each is checked in turn, the last one shown, and the console stays clean.
    other.select_option("#id_a_0_1", "3")
    other.select_option("#id_a_0_2", "3")
    other.select_option("#id_a_1_2", "1")
    expect(other.locator("#consistency")).to_contain_text("CR 0.000")
    expect(other.locator("#consistency")).not_to_contain_text("not acceptable")
    other.get_by_role("button", name="Save").click()
    expect(_message(other)).to_contain_text("Your judgments were saved.")
    row = other.locator("section[aria-labelledby=nodes-head] tbody tr").first
    expect(row).to_contain_text("inspector")
    expect(row).to_contain_text("office")
    assert Judgment.objects.filter(cycle=cycle, node="").count() == 2
    assert Judgment.objects.get(cycle=cycle, expert=cast.users["office"], node="").matrix == mine.matrix
    inspector.assert_clean()

    # The office's own form still holds its own judgments.
    page.goto(office.url(reverse("evaluation:weights_judge", args=[cycle.pk, "layers"])))
    saved = [page.locator(f"#id_{name}").input_value() for name in ("a_0_1", "a_0_2", "a_1_2")]
    assert saved != ["3", "1", "1"] and saved != ["1", "1", "1"], saved
    expect(page.locator("#consistency")).not_to_contain_text("not acceptable")
    office.assert_clean()


# --- 2. weights computed and frozen, the cycle scored, a score drilled down to its records ------------------------


def test_the_office_freezes_weights_scores_the_cycle_and_drills_down_to_the_records(open_page, cast):
    from qinglian.evaluation.models import Indicator, Score, Value
    from qinglian.orglife.tests.factories import meeting_counted
    from qinglian.orglife.vocab import MeetingKind
    from qinglian.study.services import hours

    tree, members = cast.tree, cast.members
    today = timezone.localdate()
    cycle = _cycle(cast)
    meeting = meeting_counted(
        tree.branch_a, MeetingKind.GENERAL_MEETING, today - timedelta(days=6), title="党纪学习教育专题党员大会"
    )
    session = hours.session_create(
        org=tree.branch_a, title="集中学习：新修订的纪律处分条例", held_on=today - timedelta(days=5), hours=2,
        members=[members["a1"], members["a2"]], actor=None,
    )  # fmt: skip
    # The perceptions layer is a survey's: every branch's internal appraisal this year.
    internal = Indicator.objects.filter(code="perceptions.internal").order_by("-version").first()
    for org, value in ((tree.branch_a, 93), (tree.branch_b, 78), (tree.branch_c, 64)):
        Value.objects.create(
            indicator=internal, organisation=org, period_start=date(cycle.year, 1, 1),
            period_end=date(cycle.year, 12, 31), value=value, respondents=40,
        )  # fmt: skip

    office = _as(open_page, "office")
    page = office.page
    page.goto(office.url(reverse("evaluation:cycle_list")))
    page.get_by_role("link", name=cycle.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(cycle.name)
    expect(page.get_by_role("button", name="Score the units")).to_be_disabled()
    expect(page.get_by_role("cell", name="Not scored yet.")).to_be_visible()

    # The weights: the experts' set (nobody judged: equal weights), frozen.
    page.get_by_role("link", name="Go to the weights").click()
    expect(page.get_by_text("No weight set has been computed yet.")).to_be_visible()
    page.get_by_role("button", name="Compute the experts' weights").click()
    expect(_message(page)).to_contain_text("The weight set was computed")
    card = page.locator("section[aria-labelledby=sets-head] .card").first
    expect(card).to_contain_text("Layers")
    card.get_by_role("button", name="Freeze").click()  # the confirm dialog is accepted
    expect(_message(page)).to_contain_text("The weights are frozen")
    expect(page.get_by_text("Frozen for scoring")).to_be_visible()
    expect(page.get_by_role("button", name="Compute the experts' weights")).to_have_count(0)

    # Scoring, from the cycle's page.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=cycle.name).click()
    page.get_by_role("button", name="Score the units").click()
    expect(_message(page)).to_contain_text("units scored")
    assert Score.objects.filter(cycle=cycle).count() == 5
    table = page.locator("section[aria-labelledby=scores-head] table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(5)
    branches = {}
    for name in ("第一党支部", "第二党支部", "直属党支部"):
        row = rows.filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row).to_have_count(1)
        cells = row.locator("td")
        rank = cells.first.inner_text().strip()
        assert re.fullmatch(r"\d+/\d+", rank), (name, rank)
        total = float(row.locator("td.fw-semibold").inner_text())
        grade = cells.nth(-2).inner_text().strip()
        assert grade in {"Excellent", "Good", "Fair", "Poor"}, (name, grade)
        branches[name] = (rank, total, grade)
    # Peers are units of the same kind at the same level: the two branches under the general branch.
    assert branches["直属党支部"][0] == "1/1"
    (a_rank, a_total, _a), (b_rank, b_total, _b) = branches["第一党支部"], branches["第二党支部"]
    assert {a_rank, b_rank} == {"1/2", "2/2"} and (a_rank == "1/2") == (a_total >= b_total), branches
    office.assert_clean()

    # Drill-down: branch_a's score → the layer → the indicator → the records behind it.
    page.get_by_role("link", name="第一党支部", exact=True).click()
    score = Score.objects.get(cycle=cycle, organisation=tree.branch_a)
    expect(page).to_have_url(office.url(reverse("evaluation:score_detail", args=[score.pk])))
    expect(page.get_by_role("heading", level=1)).to_contain_text("第一党支部")
    expect(page.locator(".card", has_text="Grade").first).to_contain_text(branches["第一党支部"][2])
    work = page.locator("section[aria-labelledby=layer-work]")
    expect(work).to_contain_text("Layer score")
    meetings_row = work.locator("tr", has_text="work.orglife.meetings")
    expect(meetings_row).to_contain_text("orglife.meeting_compliance_rate")
    behind = work.locator("details", has_text=re.compile(r"records? behind this value")).first
    meeting_details = work.locator("details").filter(has=page.locator("a", has_text=meeting.title))
    study_details = work.locator("details").filter(has=page.locator("a", has_text=session.title))
    expect(behind).to_be_visible()
    expect(meeting_details.first).to_be_visible()
    expect(study_details.first).to_be_visible()
    study_details.first.locator("summary").click()
    expect(study_details.first.get_by_role("link", name=re.compile(session.title))).to_be_visible()
    expect(study_details.first).to_contain_text("2 h × 2 members")
    meeting_details.first.locator("summary").click()
    link = meeting_details.first.get_by_role("link", name=re.compile(meeting.title))
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(office.url(reverse("orglife:meeting_detail", args=[meeting.pk])))
    expect(page.get_by_role("heading", level=1)).to_contain_text(meeting.title)
    office.assert_clean()


# --- 3. the dashboard's charts, on a desktop and a phone, within each reader's scope ------------------------------

CHARTS = ("#chart-ranking", "#chart-radar", "#chart-trend", "#chart-tree")
TABLES = ("#table-ranking", "#table-radar", "#table-trend", "#table-tree")


def _charts_drawn(visit) -> None:
    page = visit.page
    for selector in CHARTS:
        expect(page.locator(selector)).to_be_visible()
        page.wait_for_function(
            "(sel) => { const el = document.querySelector(sel); return el && el.querySelector('svg, canvas'); }",
            arg=selector,
        )
        assert _drawn(page, selector) >= 2, f"{selector} is empty"
    for selector in TABLES:
        expect(page.locator(f"{selector} tbody tr").first).to_be_visible()


def test_the_dashboard_draws_its_charts_for_each_reader_within_their_scope(open_page, cast):
    from qinglian.evaluation.tests.factories_dashboards import board_make

    this, _last = board_make(cast)
    url = reverse("evaluation:dashboard")

    office = _as(open_page, "office")
    page = office.page
    page.locator("#sidebar").get_by_role("link", name="Evaluation dashboard").click()
    expect(page).to_have_url(re.compile(re.escape(url)))
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(this.year))
    _charts_drawn(office)
    # The committee first, alone among its peers; the tree holds every unit.
    expect(page.locator("#table-ranking tbody tr")).to_have_count(1)
    expect(page.locator("#table-tree tbody tr")).to_have_count(5)
    for chart in page.locator("[id^=chart-estimates-], [id^=chart-events-]").all():
        assert _drawn(page, f"#{chart.get_attribute('id')}") > 5
    expect(page.locator("section[aria-labelledby=dash-contribution]")).to_contain_text("[0.22, 0.62]")

    # Choosing the first branch in the tree: the branches ranked, its layers, its two years.
    page.locator("#table-tree").get_by_role("link", name="第一党支部").click()
    expect(page.locator("section[aria-labelledby=dash-radar] .card-header")).to_contain_text("第一党支部")
    _charts_drawn(office)
    ranking = page.locator("#table-ranking tbody tr")
    expect(ranking).to_have_count(3)
    expect(ranking.first).to_contain_text("第二党支部")
    expect(ranking.first).to_contain_text("1 of 3")
    expect(page.locator("#table-trend tbody tr")).to_have_count(2)  # 2024 and 2025
    # … and another branch from the ranking.
    page.locator("#table-ranking").get_by_role("link", name="直属党支部").click()
    expect(page.locator("section[aria-labelledby=dash-radar] .card-header")).to_contain_text("直属党支部")
    _charts_drawn(office)
    office.assert_clean()

    # On a phone: the same charts, drawn, and nothing wider than the screen.
    phone = _as(open_page, "office", phone=True)
    phone.page.goto(phone.url(url))
    _charts_drawn(phone)
    assert _fits(phone.page)
    phone.assert_clean()

    # The first branch's secretary sees the first branch only.
    secretary = _as(open_page, "secretary", phone=True)
    page = secretary.page
    page.goto(secretary.url(url))
    _charts_drawn(secretary)
    expect(page.locator("#table-ranking tbody tr")).to_have_count(1)
    expect(page.locator("#table-ranking")).to_contain_text("第一党支部")
    expect(page.locator("#table-ranking")).to_contain_text("2 of 3")
    expect(page.locator("#table-tree tbody tr")).to_have_count(1)
    for other in ("第二党支部", "直属党支部", "第一党总支"):
        expect(page.locator("main")).not_to_contain_text(other)
    assert _fits(page)
    secretary.assert_clean()

    # A member: no such page.
    member = _as(open_page, "member")
    response = member.page.goto(member.url(url))
    assert response.status == 404
    _failed_loads(member, 404)
    response = member.page.goto(member.url(reverse("evaluation:dashboard_cycle", args=[this.pk])))
    assert response.status == 404
    _failed_loads(member, 404)
    expect(member.page.locator("#sidebar a[href^='/evaluation/']")).to_have_count(0)
    member.assert_clean()


# --- 4. a survey import refused then accepted; a fixed-effects analysis with its interval and caveats -------------


def test_a_survey_import_is_refused_by_row_then_accepted_and_a_contribution_analysis_is_run(open_page, cast):
    from qinglian.evaluation.demo_truth import plant
    from qinglian.evaluation.models import Analysis, Value
    from qinglian.orgs.services import member_create, org_create

    _catalogue()
    year = timezone.localdate().year
    office = _as(open_page, "office")
    page = office.page

    # A workbook whose third row says 104 %: refused, the row and the reason named, nothing saved.
    page.goto(office.url(reverse("evaluation:value_list")))
    page.get_by_role("link", name="Import survey results").click()
    rows = [
        ["ROOT", str(year), "perceptions.internal", 91.5, 120, 1.2],
        ["第一党支部", str(year), "perceptions.internal", 104, 35, 2.1],
        ["第二党支部", str(year), "perceptions.internal", 86, 30, 2.4],
    ]
    page.get_by_label("Workbook (.xlsx)").set_input_files(
        files=[{"name": "民主测评结果.xlsx", "mimeType": XLSX, "buffer": _workbook(rows)}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("1 problem found: nothing was saved.")
    problems = page.locator("section[aria-labelledby=err-head] tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td").first).to_have_text("3")
    expect(problems.first).to_contain_text("104")
    expect(problems.first).to_contain_text("between 0 and 100")
    expect(page.get_by_role("button", name="Save the values")).to_have_count(0)
    assert not Value.objects.exists()

    # The corrected workbook: checked, previewed, saved.
    rows[1][3] = 94
    page.goto(office.url(reverse("evaluation:value_import")))
    page.get_by_label("Workbook (.xlsx)").set_input_files(
        files=[{"name": "民主测评结果（更正）.xlsx", "mimeType": XLSX, "buffer": _workbook(rows)}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("status")).to_contain_text("All 3 rows are right")
    expect(page.locator("section[aria-labelledby=prev-head] tbody tr")).to_have_count(3)
    page.get_by_role("button", name="Save the values").click()
    expect(page).to_have_url(office.url(reverse("evaluation:value_list")))
    expect(_message(page)).to_contain_text("3 values saved.")
    assert sorted(Value.objects.values_list("value", flat=True)) == [86, 91.5, 94]
    expect(page.locator("section[aria-labelledby=values-head] tbody tr", has_text="第一党支部")).to_contain_text("94")
    office.assert_clean()

    # Ten branches with a known effect of study on the internal appraisal (0.8 points per hour a quarter later).
    committee = org_create(name="市直机关第二党委", kind="committee", parent=cast.tree.root, actor=None)
    for i in range(10):
        branch = org_create(name=f"第二党委第{i + 1}支部", kind="branch", parent=committee, actor=None)
        for j in range(2):
            member_create(organisation=branch, name=f"党员{i}-{j}", gender="MF"[j], actor=None)
    truth = plant(scope=committee, first_year=year - 2, last_year=year - 1, effect=0.8, seed=7)
    assert len(truth.units) == 10

    page.goto(office.url(reverse("evaluation:contribution_list")))
    page.get_by_role("link", name="Run an analysis").click()
    page.get_by_label("Analysis", exact=True).select_option("twfe")
    page.get_by_label("Units under").select_option(str(committee.pk))
    page.get_by_label("Outcome").select_option(truth.outcome)
    page.locator(f"input[name=inputs][value='{truth.input}']").check()
    page.get_by_label("Lag (periods)").fill("1")
    page.get_by_label("Periods", exact=True).select_option("q")
    page.get_by_label("From year").fill(str(year - 2))
    page.get_by_label("To year").fill(str(year - 1))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(_message(page)).to_contain_text("The analysis was run and stored.")
    analysis = Analysis.objects.get()
    expect(page).to_have_url(office.url(reverse("evaluation:contribution_detail", args=[analysis.pk])))

    estimate = analysis.result["estimates"][0]
    assert estimate["ci_low"] < truth.effect < estimate["ci_high"]
    row = page.locator("section[aria-labelledby=est-head] tbody tr").first
    expect(row).to_contain_text(f"{estimate['coef']:.3f}")
    expect(row).to_contain_text(f"[{estimate['ci_low']:.3f}, {estimate['ci_high']:.3f}]")
    expect(row).to_contain_text("Evidence")
    expect(page.locator("main div[role=status].alert")).to_contain_text("interval excludes 0")
    caveats = page.locator("section[aria-labelledby=cav-head] li")
    assert caveats.count() >= 2
    expect(page.locator("section[aria-labelledby=cav-head]")).to_contain_text("An association is not a cause")
    page.wait_for_function("() => document.querySelector('#chart-estimates svg, #chart-estimates canvas')")
    assert _drawn(page, "#chart-estimates") > 5
    expect(page.locator("section[aria-labelledby=data-head]")).to_contain_text("Wild cluster bootstrap")
    office.assert_clean()
