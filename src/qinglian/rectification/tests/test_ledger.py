"""The ledger by unit and source: its counts, closure rate and median days, the page, its .xlsx and .docx
exports, and the indicators evaluation reads."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from qinglian.core.models import Job
from qinglian.core.registry import registry
from qinglian.core.tests.web import count_queries
from qinglian.rectification.models import Item
from qinglian.rectification.services import items as services
from qinglian.rectification.stats import closure_stats, ledger_rows, ledger_table
from qinglian.rectification.tests.factories import day, item_closed, item_make, item_submitted

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def items(cast):
    """branch_a: two inspection items closed after 4 and 10 days, one being rectified and overdue, one awaiting
    verification from an audit; group_a: one audit item being rectified; branch_b: one closed after 7 days."""
    a, g, b = cast.tree.branch_a, cast.tree.group_a, cast.tree.branch_b
    first = item_closed(cast, problem="第一支部已销号一")
    second = item_closed(cast, problem="第一支部已销号二")
    Item.objects.filter(pk=first.pk).update(created_on=day(-4))
    Item.objects.filter(pk=second.pk).update(created_on=day(-10))
    item_make(cast, problem="第一支部逾期", days=-1, found_on=day(-20))
    item_submitted(cast, problem="第一支部待核验", source="audit")
    item_make(cast, org=g, owner=cast.members["a2"], problem="党小组整改中", source="audit")
    third = item_closed(cast, org=b, owner=cast.members["b1"], problem="第二支部已销号")
    Item.objects.filter(pk=third.pk).update(created_on=day(-7))
    return {"a": a, "g": g, "b": b}


def test_closure_stats_count_every_state_with_the_rate_and_the_median(items):
    stats = closure_stats(Item.objects.all())
    assert (stats.total, stats.open, stats.overdue, stats.submitted, stats.closed) == (6, 2, 1, 1, 3)
    assert stats.closure_rate == pytest.approx(3 / 6)
    assert sorted(stats.days) == [4, 7, 10] and stats.median_days == 7


def test_ledger_rows_by_unit_and_source_in_two_queries(items, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = ledger_rows(Item.objects.all())
    by = {(row.organisation_id, row.source): row.stats for row in rows}
    a_inspection = by[(items["a"].pk, "inspection")]
    assert (a_inspection.total, a_inspection.closed, a_inspection.overdue) == (3, 2, 1)
    assert a_inspection.median_days == 7  # of 4 and 10
    assert by[(items["a"].pk, "audit")].submitted == 1
    assert by[(items["g"].pk, "audit")].open == 1
    assert by[(items["b"].pk, "inspection")].closure_rate == 1


def test_the_ledger_table_adds_up_by_unit_and_by_source(items):
    table = ledger_table(Item.objects.all())
    assert [line.organisation.name for line in table.units] == ["第一党支部", "第一党小组", "第二党支部"]
    assert [value for value, _label in table.sources] == ["inspection", "audit"]
    assert table.units[0].total.total == 4
    assert table.by_source["audit"].total == 2
    assert table.total.closure_rate == pytest.approx(0.5)


def test_the_ledger_page_shows_only_what_the_reader_may_see(items, cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("rectification:ledger")).content.decode()
    assert "第一党支部</a>" in page and "第一党小组</a>" in page and "第二党支部" not in page
    assert "40%" in page  # 2 of the branch's and group's 5 items closed
    office = login(cast.office)
    page = office.get(reverse("rectification:ledger"), {"org": items["b"].pk}).content.decode()
    assert "第二党支部</a>" in page and "第一党小组</a>" not in page and "100%" in page
    assert login(cast.secretary).get(reverse("rectification:ledger"), {"org": items["b"].pk}).status_code == 404


def test_the_ledger_page_reads_a_constant_number_of_queries(cast, login):
    client = login(cast.office)
    item_make(cast)
    url = reverse("rectification:ledger")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for n in range(6):
        item_closed(cast, problem=f"问题{n}", org=cast.tree.branch_b, owner=cast.members["b1"], source="audit")
        item_make(cast, problem=f"问题{n}", org=cast.tree.group_a, owner=cast.members["a2"], source="case")
    assert count_queries(lambda: client.get(url)) == one


def _export(client, org, fmt, capture, year=None) -> bytes:
    client.cookies["django_language"] = "en"
    with capture(execute=True):
        response = client.post(
            reverse("rectification:ledger_export"), {"org": org.pk, "format": fmt, "year": year or day(0).year}
        )
    job = Job.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert job.status == Job.Status.DONE, job.message
    return (settings.EXPORT_DIR / job.result_file).read_bytes()


def test_the_xlsx_export_opens_with_the_ledger_and_every_item(items, cast, login, django_capture_on_commit_callbacks):
    data = _export(login(cast.office), cast.tree.root, "xlsx", django_capture_on_commit_callbacks)
    book = load_workbook(io.BytesIO(data), read_only=True)
    ledger, listing = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets[:2])
    assert ("第一党支部", "Inspection tour (巡视巡察)", 3, 1, 1, 0, 2, "67%", "7") in ledger
    assert ledger[-1][:7] == ("All units", "All sources", 6, 2, 1, 1, 3)
    problems = {row[3] for row in listing[1:]}
    assert {"第一支部逾期", "党小组整改中", "第二支部已销号"} <= problems and len(listing) == 7


def test_the_docx_export_is_the_chinese_ledger(items, cast, login, django_capture_on_commit_callbacks):
    data = _export(login(cast.secretary), cast.tree.branch_a, "docx", django_capture_on_commit_callbacks)
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "整改工作台账" in text and "第一党支部" in text
    assert "共有整改事项5项，已核验销号2项" in text and "销号率40%" in text
    cells = {cell.text for table in doc.tables for row in table.rows for cell in row.cells}
    assert {"巡视巡察", "审计", "第一支部逾期", "已逾期", "待核验", "已销号", "50%", "0%"} <= cells
    assert "第二支部已销号" not in cells  # another unit's


def test_the_export_refuses_another_units_ledger(items, cast, login):
    response = login(cast.secretary).post(
        reverse("rectification:ledger_export"), {"org": items["b"].pk, "format": "xlsx"}
    )
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_indicators_are_subtree_totals(items, cast):
    tree = cast.tree
    orgs = [tree.root, tree.gb, tree.branch_a, tree.branch_b, tree.branch_c]
    year = day(0).year
    rate = registry.indicators["rectification.closure_rate"](orgs=orgs, year=year)
    assert rate[tree.root.pk] == pytest.approx(3 / 6)
    assert rate[tree.branch_a.pk] == pytest.approx(2 / 5)  # with group_a below it
    assert rate[tree.branch_b.pk] == 1 and rate[tree.branch_c.pk] is None
    median = registry.indicators["rectification.median_days_to_close"](orgs=orgs, year=year)
    assert median[tree.root.pk] == 7 and median[tree.branch_a.pk] == 7 and median[tree.branch_c.pk] is None
    on_time = registry.indicators["rectification.on_time_rate"](orgs=orgs, year=year)
    # Reported by the deadline: the three closed and the one awaiting verification; the overdue one is not.
    assert on_time[tree.branch_a.pk] == pytest.approx(3 / 4)
    assert on_time[tree.root.pk] == pytest.approx(4 / 5)


def test_indicators_read_the_year_as_seen_on_a_day(items, cast):
    tree = cast.tree
    yesterday = day(-1)
    rate = registry.indicators["rectification.closure_rate"](orgs=[tree.root], year=yesterday.year, on=yesterday)
    # The items closed today are not closed yet as seen yesterday (those recorded today do not count either).
    recorded_by_then = Item.objects.filter(created_on__lte=yesterday, created_on__year=yesterday.year).count()
    expected = 0 if recorded_by_then else None
    assert rate[tree.root.pk] == expected


def test_reopening_takes_an_item_out_of_the_closure_rate(items, cast):
    closed = Item.objects.filter(problem="第二支部已销号").get()
    services.item_reopen(item=closed, version=None, reason="反弹", actor=cast.office, due_on=day(0) + timedelta(days=5))
    stats = closure_stats(Item.objects.filter(organisation=items["b"]))
    assert (stats.closed, stats.open, stats.reopened, stats.closure_rate) == (0, 1, 1, 0)
