"""The responsibility dashboard: its numbers against direct counts and hand-worked figures, the page, the
export, the API, who is refused, and a query count that does not grow with the units."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qinglian.duties.dashboards import OVERDUE, TOTAL, dashboard_read
from qinglian.duties.models import Task
from qinglian.duties.tests.factories import dash_item, dash_plan, dash_result, dash_round, dash_share, dash_task
from qinglian.orgs.models import PATH_END
from qinglian.orgs.services import department_create, org_create

YEAR = timezone.localdate().year


def today():
    """The day the test runs (a run can cross midnight after collection)."""
    return timezone.localdate()


def past():
    return today() - timedelta(days=3)


# Items recorded early in the year, so that every "days to close" stays within it.
RECORDED = date(YEAR, 1, 2)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def tasks(cast):
    """Tasks of this year's plans across the tree in every status, some overdue; one of last year's."""
    t = cast.tree
    root_plan, gb_plan, a_plan = dash_plan(t.root), dash_plan(t.gb), dash_plan(t.branch_a)
    b_plan, c_plan = dash_plan(t.branch_b), dash_plan(t.branch_c)
    parent = dash_task(root_plan, t.root, status="assigned", title="党委任务")
    dash_task(root_plan, t.root, status="draft")
    for org, plan in ((t.branch_a, a_plan), (t.branch_b, b_plan), (t.branch_c, c_plan)):
        dash_task(plan, org, parent=parent, status="in_progress", title="分解任务")
    dash_task(gb_plan, t.gb, status="submitted", due_on=past())  # submitted: waits on the assigner, not overdue
    dash_task(a_plan, t.branch_a, status="assigned", due_on=past())  # overdue
    dash_task(a_plan, t.group_a, status="returned", due_on=past())  # overdue, two levels down
    dash_task(a_plan, t.group_a, status="accepted", due_on=past())  # accepted: never overdue
    dash_task(b_plan, t.branch_b, status="in_progress", due_on=past())  # overdue
    dash_task(c_plan, t.branch_c, status="accepted")
    old = dash_plan(t.branch_a, year=YEAR - 1)
    dash_task(old, t.branch_a, status="assigned", due_on=past())  # another year's: not counted
    return t


def _subtree(org):
    return Task.objects.filter(
        plan__year=YEAR, organisation__path__gte=org.path, organisation__path__lt=org.path + PATH_END
    )


def test_tasks_by_status_and_unit_equal_direct_counts(tasks, cast):
    t = tasks
    board = dashboard_read(user=cast.office, scope=t.root, year=YEAR)
    rows = {("self" if r.is_self else "total" if r.is_total else r.organisation.name): r for r in board.tasks}
    assert list(rows) == ["self", "第一党总支", "直属党支部", "total"]
    for name, org in (("第一党总支", t.gb), ("直属党支部", t.branch_c), ("total", t.root)):
        counts = rows[name].counts
        for status in ("draft", "assigned", "in_progress", "submitted", "accepted", "returned"):
            assert counts[status] == _subtree(org).filter(status=status).count(), (name, status)
        assert counts[TOTAL] == _subtree(org).count()
        assert counts[OVERDUE] == _subtree(org).overdue(today()).count()
    assert rows["self"].counts == {**rows["self"].counts, "assigned": 1, "draft": 1, TOTAL: 2, OVERDUE: 0}
    assert rows["第一党总支"].counts[OVERDUE] == 3
    assert rows["total"].counts[TOTAL] == 11 and rows["total"].counts[OVERDUE] == 3


def test_a_unit_opened_counts_inside_it(tasks, cast):
    board = dashboard_read(user=cast.office, scope=tasks.gb, year=YEAR)
    rows = {("self" if r.is_self else "total" if r.is_total else r.organisation.name): r.counts for r in board.tasks}
    assert list(rows) == ["self", "第一党支部", "第二党支部", "total"]
    assert rows["第一党支部"][TOTAL] == 4 and rows["第一党支部"][OVERDUE] == 2
    assert rows["第二党支部"][TOTAL] == 2 and rows["第二党支部"][OVERDUE] == 1
    assert rows["self"]["submitted"] == 1


def test_units_a_user_cannot_read_are_not_listed(tasks, cast):
    def units(user):
        return [r.organisation.name if r.organisation else "total" for r in dashboard_read(
            user=user, scope=tasks.branch_a, year=YEAR).tasks]  # fmt: skip

    assert units(cast.secretary) == ["第一党支部", "第一党小组", "total"]  # the branch with its subtree
    assert units(cast.member) == ["第一党支部", "total"]  # the branch alone: its group's tasks are not theirs
    member_total = dashboard_read(user=cast.member, scope=tasks.branch_a, year=YEAR).task_total.counts[TOTAL]
    assert member_total == Task.objects.filter(plan__year=YEAR, organisation=tasks.branch_a).count() == 2


def test_overdue_by_department_counts_shares_and_items(tasks, cast, in_english):
    t = tasks
    audit = department_create(organisation=t.root, name="审计处", code="SJ", actor=None)
    finance = department_create(organisation=t.root, name="财务处", code="CW", actor=None)
    plan = dash_plan(t.root, title="联合任务计划")
    late = dash_task(plan, t.root, status="in_progress", due_on=past(), is_joint=True)
    dash_share(late, audit, is_lead=True)
    dash_share(late, finance, done_on=past())  # done: not overdue
    on_time = dash_task(plan, t.root, status="in_progress", is_joint=True)
    dash_share(on_time, finance)  # deadline not passed
    a1 = cast.members["a1"]
    dash_item(t.branch_a, a1, created_on=RECORDED, due_on=past(), department=finance)
    dash_item(t.branch_a, a1, created_on=RECORDED, due_on=past(), department=finance)
    dash_item(t.branch_a, a1, created_on=RECORDED, due_on=past())  # names no department
    dash_item(t.branch_a, a1, created_on=RECORDED, due_on=today() + timedelta(days=5), department=audit)
    board = dashboard_read(user=cast.office, scope=t.root, year=YEAR)
    assert [(r.name, r.shares, r.items) for r in board.departments] == [
        ("审计处", 1, 0),
        ("财务处", 0, 2),
        ("No department named", 0, 1),
    ]


@pytest.fixture
def items(cast):
    """4 closed items taking 3, 5, 10 and 20 days and 2 open (one overdue), all in branch_a's subtree."""
    t, a1 = cast.tree, cast.members["a1"]
    dash_item(t.branch_a, a1, created_on=RECORDED, closed_after=3, source="inspection")
    dash_item(t.group_a, a1, created_on=RECORDED, closed_after=5, source="inspection")
    dash_item(t.branch_a, a1, created_on=RECORDED, closed_after=10, source="audit")
    dash_item(t.branch_a, a1, created_on=RECORDED, closed_after=20, source="audit")
    dash_item(t.branch_a, a1, created_on=RECORDED, source="audit", due_on=past())
    dash_item(t.branch_a, a1, created_on=RECORDED, source="life_meeting", status="submitted")
    dash_item(t.branch_a, a1, created_on=date(YEAR - 1, 6, 1), closed_after=100)  # last year's: not counted
    return t


def test_closure_rate_and_median_days_are_worked_out_by_hand(items, cast):
    rect = dashboard_read(user=cast.office, scope=items.root, year=YEAR).rectification
    assert rect.shown
    total = rect.total.stats
    assert (total.total, total.closed, total.open, total.submitted, total.overdue) == (6, 4, 1, 1, 1)
    assert rect.total.percent == pytest.approx(100 * 4 / 6)
    assert total.median_days == 7.5  # (5 + 10) / 2
    by_source = {r.key: r for r in rect.by_source if not r.is_total}
    assert list(by_source) == ["life_meeting", "inspection", "audit"]  # in the vocabulary's order
    assert (by_source["inspection"].percent, by_source["inspection"].stats.median_days) == (100.0, 4.0)
    assert by_source["audit"].percent == pytest.approx(200 / 3) and by_source["audit"].stats.median_days == 15.0
    assert by_source["life_meeting"].stats.median_days is None and by_source["life_meeting"].percent == 0.0
    by_unit = {r.label: r.stats for r in rect.by_unit}
    assert by_unit["第一党总支"].total == 6 and by_unit["第一党总支"].median_days == 7.5
    assert by_unit["直属党支部"].total == 0 and by_unit["直属党支部"].closure_rate is None
    assert rect.by_unit[-1].is_total and rect.by_source[-1].is_total


def test_closure_by_unit_adds_up_each_subtree(items, cast):
    rect = dashboard_read(user=cast.office, scope=items.gb, year=YEAR).rectification
    by_unit = {r.label: r.stats for r in rect.by_unit if not r.is_total}
    assert list(by_unit) == ["第一党支部", "第二党支部"]
    assert by_unit["第一党支部"].total == 6 and sorted(by_unit["第一党支部"].days) == [3, 5, 10, 20]
    assert by_unit["第二党支部"].total == 0


def test_the_page_shows_the_closure_rate_and_median_with_one_decimal(items, cast, login, english):
    page = login(cast.office).get(reverse("duties:dashboard"), {"org": items.root.pk}).content.decode()
    assert '<div class="ql-stat" data-figure="closure-rate">66.7%</div>' in page
    assert '<div class="ql-stat" data-figure="median-days">7.5</div>' in page
    assert "Closure rate (4 of 6 closed)" in page
    assert ">15.0<" in page and ">0.0%<" in page  # audit's median; nothing from life meetings closed


@pytest.fixture
def rounds(cast):
    """The root's finished round of last year and this year's under way, assessing the three units below."""
    t = cast.tree
    last = dash_round(t.root, year=YEAR - 1)
    dash_result(last, t.gb, total=Decimal("85"), grade="良好")
    dash_result(last, t.branch_c, total=Decimal("70"), grade="合格")
    this = dash_round(t.root, year=YEAR, status="assessing")
    dash_result(this, t.gb, total=Decimal("92.5"), grade="优秀", status="finished")
    dash_result(this, t.branch_a, total=Decimal("88"), grade="良好", status="finished")
    dash_result(this, t.branch_c, total=Decimal("81"), grade="良好", status="assessed")
    return t


def test_assessment_results_beside_last_year(rounds, cast):
    board = dashboard_read(user=cast.office, scope=rounds.root, year=YEAR)
    a = board.assessment
    assert a.round.year == YEAR
    rows = {r.organisation.name: r for r in a.rows}
    assert list(rows) == ["第一党总支", "第一党支部", "直属党支部"]
    gb = rows["第一党总支"]
    assert (gb.total, gb.grade, gb.last_total, gb.last_grade, gb.change) == (
        Decimal("92.5"), "优秀", Decimal("85"), "良好", Decimal("7.5"))  # fmt: skip
    assert rows["第一党支部"].last_total is None and rows["第一党支部"].change is None
    assert rows["直属党支部"].total == Decimal("81")  # the office assesses: it sees a result not yet fed back
    assert a.grades == [("优秀", 1), ("良好", 2)]  # in the table's order


def test_a_result_not_fed_back_is_hidden_from_those_who_do_not_assess(rounds, cast):
    a = dashboard_read(user=cast.auditor, scope=rounds.root, year=YEAR).assessment
    rows = {r.organisation.name: r for r in a.rows}
    assert rows["直属党支部"].total is None and rows["直属党支部"].grade == ""
    assert rows["直属党支部"].last_total == Decimal("70")
    assert a.grades == [("优秀", 1), ("良好", 1)]


def test_a_branch_sees_its_own_result_in_the_round_above(rounds, cast):
    a = dashboard_read(user=cast.secretary, scope=rounds.branch_a, year=YEAR).assessment
    assert a.round.organisation == rounds.root
    assert [(r.organisation.name, r.total) for r in a.rows] == [("第一党支部", Decimal("88"))]
    assert dashboard_read(user=cast.office, scope=rounds.root, year=YEAR - 1).assessment.round.year == YEAR - 1


def test_the_page_shows_every_table(tasks, items, rounds, cast, login, english):
    response = login(cast.office).get(reverse("duties:dashboard"), {"org": tasks.root.pk, "year": YEAR})
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Tasks by status and unit",
        "Overdue by department",
        "Rectification",
        "Assessment results",
        "第一党总支",
        "机关党委 itself",
        'id="dashboard-data" type="application/json"',
        "echarts.min.js",
        "duties/dashboard.js",
        f"Score {YEAR - 1}",
        "+7.5",
    ):
        assert text in page, text
    data = response.context["charts"]
    assert data["tasks"]["units"] == ["机关党委 itself", "第一党总支", "直属党支部"]
    overdue = next(s for s in data["tasks"]["series"] if s["stack"] == "overdue")
    assert overdue["values"] == [0, 3, 0]
    assert data["rectification"]["rate"] == [0.0, 100.0, 66.7]
    assert data["rectification"]["median"] == [None, 4.0, 15.0]
    assert data["assessment"]["grades"] == [{"name": "优秀", "value": 1}, {"name": "良好", "value": 2}]


def test_empty_dashboard_says_so(cast, login, english):
    page = login(cast.office).get(reverse("duties:dashboard"), {"year": YEAR}).content.decode()
    assert f"No tasks in {YEAR} yet." in page
    assert f"Nothing overdue in {YEAR}." in page
    assert f"No rectification items recorded in {YEAR} yet." in page
    assert f"No assessment round of 机关党委 up to {YEAR} yet." in page


def test_a_member_sees_tasks_but_not_the_rectification_ledger(tasks, items, cast, login, english):
    response = login(cast.member).get(reverse("duties:dashboard"))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["board"].scope == tasks.branch_a
    assert "Rectification figures are shown to those who may read the rectification ledger." in page
    assert response.context["charts"]["rectification"] is None
    assert "duties_dashboard" in [entry["item"].key for entry in response.context["nav_items"]()]


def test_a_user_is_refused_a_unit_outside_their_own(tasks, cast, login):
    client = login(cast.secretary_b)
    assert client.get(reverse("duties:dashboard"), {"org": tasks.root.pk}).status_code == 404
    assert client.get(reverse("duties:dashboard"), {"org": tasks.branch_a.pk}).status_code == 404
    assert client.get(reverse("duties:dashboard_export"), {"org": tasks.branch_a.pk}).status_code == 404
    assert login(cast.outsider).get(reverse("duties:dashboard")).status_code == 404
    response = login(cast.secretary_b).get(reverse("duties:dashboard"))
    assert response.status_code == 200 and response.context["board"].scope == tasks.branch_b


def _world(tree, units: int):
    """`units` more branches under the general branch, each with tasks, shares, items and a result."""
    from qinglian.orgs.models import Department, Member

    department = Department.objects.get_or_create(organisation=tree.root, name="办公室")[0]
    the_round = dash_round(tree.root, year=YEAR) if units == 0 else None
    from qinglian.duties.models import Round

    the_round = the_round or Round.objects.get(organisation=tree.root, year=YEAR)
    for i in range(units):
        org = org_create(name=f"新支部{i}", kind="branch", parent=tree.gb, actor=None)
        owner = Member.objects.create(organisation=org, name=f"成员{i}", gender="M")
        plan = dash_plan(org)
        task = dash_task(plan, org, status="in_progress", due_on=past(), is_joint=True)
        dash_share(task, department)
        dash_item(org, owner, created_on=RECORDED, closed_after=i + 1, department=department)
        dash_item(org, owner, created_on=RECORDED, due_on=past())
        dash_result(the_round, org, total=Decimal(80 + i), grade="良好")


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["duties:dashboard", "duties:dashboard_export"])
def test_the_query_count_does_not_grow_with_the_units(name, cast, login):
    client = login(cast.office)
    url, params = reverse(name), {"org": cast.tree.root.pk, "year": YEAR}
    _world(cast.tree, 0)
    _world(cast.tree, 2)
    client.get(url, params)  # the first request of a session renews it
    few = _queries(client, url, params)
    _world(cast.tree, 8)
    many = _queries(client, url, params)
    assert many == few
    assert few <= 22  # the session, user, grants and scope, then 14 reads


def test_the_api_answers_with_the_four_tables(tasks, items, rounds, cast, client):
    client.force_login(cast.office)
    response = client.get("/api/v1/duties/dashboard", {"org_id": tasks.root.pk, "year": YEAR})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["organisation_id"] == tasks.root.pk and data["year"] == YEAR
    total = data["tasks"][-1]
    assert total["is_total"] and total["counts"]["total"] == 11 and total["counts"]["overdue"] == 3
    rect = data["rectification"]
    assert rect["shown"] and rect["total"]["closure_percent"] == 66.7 and rect["total"]["median_days"] == 7.5
    assert [r["key"] for r in rect["by_source"]] == ["life_meeting", "inspection", "audit", ""]
    assessment = data["assessment"]
    assert assessment["year"] == YEAR and assessment["grades"] == {"优秀": 1, "良好": 2}
    assert assessment["rows"][0]["last_total"] == "85.00" or float(assessment["rows"][0]["last_total"]) == 85


def test_the_api_refuses_a_unit_outside_the_callers(tasks, cast, client):
    client.force_login(cast.secretary_b)
    response = client.get("/api/v1/duties/dashboard", {"org_id": tasks.root.pk})
    assert response.status_code == 404
    assert client.get("/api/v1/duties/dashboard", {"year": 1900}).status_code == 422
    response = client.get("/api/v1/duties/dashboard")
    assert response.status_code == 200 and response.json()["organisation_id"] == tasks.branch_b.pk


def test_the_export_has_the_four_tables(tasks, items, rounds, cast, login, english):
    from qinglian.core.models import AuditEvent

    response = login(cast.office).get(reverse("duties:dashboard_export"), {"org": tasks.root.pk, "year": YEAR})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[:5] == [
        "Tasks by unit",
        "Overdue by department",
        "Rectification by source",
        "Rectification by unit",
        "Assessment results",
    ]
    tasks_rows = list(book["Tasks by unit"].values)
    assert tasks_rows[0][0] == "Organisation" and tasks_rows[-1][0] == "Total"
    assert tasks_rows[-1][-2:] == (11, 3)
    source_rows = list(book["Rectification by source"].values)
    assert source_rows[0][:8] == ("Source", "Recorded", "Being rectified", "Awaiting verification", "Overdue", "Closed",
                                  "Closure rate", "Median days to close")  # fmt: skip
    assert source_rows[-1] == ("Total", 6, 1, 1, 1, 4, "66.7%", "7.5")
    results = list(book["Assessment results"].values)
    assert results[1][0] == "第一党总支" and results[1][4] == 85
    assert AuditEvent.objects.filter(action="duties.dashboard_export").count() == 1
