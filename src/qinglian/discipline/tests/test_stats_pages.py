"""The four-forms statistics page and its exports as people use them: the tables with totals and shares, the filters
kept, a unit opened to count inside it, the workbook and the Word report with the same numbers (a large one by a
background job), and the same over the API — 404 for everyone outside discipline inspection."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from docx import Document
from python_calamine import CalamineWorkbook

from qinglian.core.models import AuditEvent, Job
from qinglian.core.tests.web import body
from qinglian.discipline.tests.factories import clue_make
from qinglian.discipline.tests.factories_sealed import outcome_at
from qinglian.discipline.tests.routes import NO_DISCIPLINE
from qinglian.discipline.vocab import ClueStatus, Source

RANGE = {"date_from": "2025-01-01", "date_to": "2025-12-31", "period": "quarter"}


@pytest.fixture
def outcomes(cast):
    """2025: a1 张伟 criticised (Q1, letter); b1 王芳 warned and demoted in one case (Q2, phone); c1 刘洋 cleared."""
    a = clue_make(cast, subject=cast.members["a1"], status=ClueStatus.CLOSED, received_on=date(2025, 1, 3))
    b = clue_make(cast, subject=cast.members["b1"], source=Source.PHONE, status=ClueStatus.CLOSED,
                  received_on=date(2025, 3, 1))  # fmt: skip
    c = clue_make(cast, subject=cast.members["c1"], status=ClueStatus.CLOSED, received_on=date(2025, 2, 1))
    outcome_at(cast, a, "criticism", date(2025, 2, 10))
    outcome_at(cast, b, "party_warning", date(2025, 5, 20))
    outcome_at(cast, b, "admin_demotion", date(2025, 5, 20))
    outcome_at(cast, c, "clarified", date(2025, 3, 1))


def row_labels(response) -> set[str]:
    """The row headings of the page's tables (the scope menu names units too)."""
    return set(re.findall(r'<th scope="row" class="fw-normal">(?:<a [^>]*>)?([^<]+)', response.content.decode()))


@pytest.fixture
def inspector(cast, client):
    client.cookies["django_language"] = "en"
    client.force_login(cast.inspector)
    return client


def test_the_page_shows_the_tables_with_totals_shares_and_the_summary(cast, inspector, outcomes):
    html = inspector.get(reverse("discipline:stats_table"), RANGE).content.decode()
    assert "Four-forms statistics" in html
    assert "applied to 2 person-times: the first form 1 person-times, 50.0%" in html
    assert "第一党支部" in html and "第二党支部" in html and "2025 Q2" in html
    assert "50.0%" in html and "100.0%" in html
    assert 'id="stats-data"' in html and "echarts.min.js" in html
    assert "王芳" not in html and "张伟" not in html  # aggregates only
    assert 'value="2025-01-01"' in html  # the filters are kept


def test_a_unit_opens_to_count_inside_it(cast, inspector, outcomes):
    html = inspector.get(reverse("discipline:stats_table"), {**RANGE, "level": 2}).content.decode()
    gb = cast.tree.gb
    assert f"org={gb.pk}" in html
    inner = row_labels(inspector.get(reverse("discipline:stats_table"), {**RANGE, "org": gb.pk}))
    assert {"第一党支部", "第二党支部"} <= inner and "直属党支部" not in inner


def test_wrong_filters_say_why_and_count_the_defaults(cast, inspector, outcomes):
    response = inspector.get(reverse("discipline:stats_table"), {"date_from": "2025-12-31", "date_to": "2025-01-01"})
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    outside = inspector.get(reverse("discipline:stats_table"), {**RANGE, "org": 999999}).content.decode()
    assert "Units of: Select a valid choice." in outside and "Counted with the default filters instead." in outside


def test_the_page_counts_in_a_few_queries(cast, inspector, outcomes, django_assert_max_num_queries):
    inspector.get(reverse("discipline:stats_table"), RANGE)
    with django_assert_max_num_queries(30):
        inspector.get(reverse("discipline:stats_table"), RANGE)


def test_the_workbook_has_the_same_numbers(cast, inspector, outcomes):
    response = inspector.get(reverse("discipline:stats_export", args=["xlsx"]), {**RANGE, "level": 3})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    units = book.get_sheet_by_name("By unit").to_python()
    assert units[0][:4] == ["Unit of the person", "Total (person-times)", "First form", "Share"]
    rows = {row[0]: row[1:] for row in units[1:]}
    assert rows["第一党支部"][:3] == [1, 1, "100.0%"]
    assert rows["第二党支部"][:7] == [1, 0, "0.0%", 0, "0.0%", 1, "100.0%"]
    assert rows["Total"][:3] == [2, 1, "50.0%"]
    sources = {row[0]: row[1] for row in book.get_sheet_by_name("By source").to_python()[1:]}
    assert sources[str(Source.PHONE.label)] == 1 and sources[str(Source.LETTER.label)] == 1
    handling = {row[0].strip(): row[1] for row in book.get_sheet_by_name("Clue handling").to_python()[1:]}
    assert handling["Clues received (repeated reports not counted)"] == 3
    assert handling["Clues cleared or closed without a measure"] == 1
    assert AuditEvent.objects.filter(action="discipline.stats.export", actor=cast.inspector).count() == 1


def test_the_word_report_has_the_summary_and_the_tables(cast, inspector, outcomes):
    response = inspector.get(reverse("discipline:stats_export", args=["docx"]), {**RANGE, "level": 3})
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Use of the four forms of supervision and discipline" in text
    assert "applied to 2 person-times: the first form 1 person-times, 50.0%; the second form 0 person-times" in text
    assert len(doc.tables) == 4
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0][:3] == ["Unit", "Total (person-times)", "First form"]
    assert ["Total", "2", "1", "50.0%", "0", "0.0%", "1", "50.0%", "0", "0.0%"] in cells


def test_a_large_export_is_written_by_a_job(cast, inspector, outcomes, monkeypatch, django_capture_on_commit_callbacks):
    from qinglian.discipline.services import stats_export

    monkeypatch.setattr(stats_export, "INLINE_MAX", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = inspector.get(reverse("discipline:stats_export", args=["docx"]), RANGE)
    job = Job.objects.get(kind=stats_export.JOB_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.result_file.endswith(".docx")
    download = inspector.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200


def test_an_unknown_format_is_404(cast, inspector):
    assert inspector.get(reverse("discipline:stats_export", args=["pdf"])).status_code == 404


# --- the API -----------------------------------------------------------------------------------------------------


def test_the_api_gives_the_tables_with_the_pages_filters(cast, inspector, outcomes):
    body = inspector.get("/api/v1/discipline/statistics", {**RANGE, "level": 2}).json()
    assert body["units"]["total"]["counts"] == [1, 0, 1, 0]
    assert body["units"]["total"]["shares"] == [50.0, 0.0, 50.0, 0.0]
    assert {r["label"]: r["counts"] for r in body["units"]["rows"] if r["total"]} == {"第一党总支": [1, 0, 1, 0]}
    assert [r["label"] for r in body["periods"]["rows"]] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert body["handling"]["received_total"] == 3 and body["handling"]["cleared"] == 1
    assert body["summary"].startswith("The four forms of supervision and discipline were applied to 2")
    bad = inspector.get("/api/v1/discipline/statistics", {"date_from": "2025-12-01", "date_to": "2025-01-01"})
    assert bad.status_code == 422 and "start date is after the end date" in bad.content.decode()
    export = inspector.get("/api/v1/discipline/statistics/export", {**RANGE, "format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert inspector.get("/api/v1/discipline/statistics/export", {"format": "pdf"}).status_code == 422


def test_everyone_outside_discipline_gets_404_on_the_statistics(cast, client, outcomes):
    for name in NO_DISCIPLINE:
        user = cast.users.get(name)
        if user is None:  # manager_a lives in the route world only
            continue
        client.force_login(user)
        for url in (
            reverse("discipline:stats_table"),
            reverse("discipline:stats_export", args=["xlsx"]),
            "/api/v1/discipline/statistics",
            "/api/v1/discipline/statistics/export",
        ):
            response = client.get(url)
            assert response.status_code == 404, (name, url)
            assert "person-times" not in body(response)
