"""The evaluation reports: the Word document and the workbook, per unit and for the whole organisation, in both
languages, within the reader's scope; a large one is written by a job."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from qinglian.core.models import Job
from qinglian.evaluation.services import report_charts
from qinglian.evaluation.tests.factories_dashboards import board_make


@pytest.fixture
def board(cast):
    return board_make(cast)


def _get(client, user, cycle, fmt, lang="en", **params):
    client.force_login(user)
    client.cookies["django_language"] = lang
    return client.get(reverse("evaluation:report_download", args=[cycle.pk, fmt]), params)


def _docx(response):
    assert response.status_code == 200, response.status_code
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return doc, text, cells


def test_the_unit_report_holds_the_tables_and_pictures(cast, client, board):
    this, _last = board
    doc, text, cells = _docx(_get(client, cast.office, this, "docx", org=cast.tree.branch_a.pk))
    assert "第一党支部: clean-governance evaluation report 2025" in text
    assert "第一党支部 scored 75.50 points in 2025 (一般). It ranks 2 of 3 among its peers" in text
    assert len(doc.inline_shapes) >= 3  # radar, ranking, trend (and the forest plots)
    assert ["Work done", "80.00", "72.50"] in cells  # the layer, and the mean of branch_b and branch_c
    assert ["Rank", "Unit", "Total", "Grade"] in cells and ["1/3", "第二党支部", "91.25", "优秀"] in cells
    indicator = next(row for row in cells if row[0] == "“三会一课”按规定召开率" or row[0] == "Required meetings held")
    assert indicator[2:5] == ["0.9000", "80.00", "0.600"]
    missing = next(row for row in cells if "no survey this year" in row[-1])
    assert missing[2] == "—" and missing[3] == "—"
    assert ["2024", "70.00", "72.00", "65.00", "70.00", "2.00", "一般"] in cells
    # The contribution with intervals and caveats, and the appendix with the weights' provenance.
    assert ["学习时长", "0.4200", "0.1000", "[0.2200, 0.6200]", "0.0010"] in cells
    assert "关联不等于因果。" in text and "Appendix: the method" in text
    assert "Frozen by Office on" in text and "Consistency ratio of the combined judgments: 0.042" in text
    assert any(row[0] == "Office" and row[1] == "the layers" for row in cells)


def test_the_whole_organisation_report_ranks_every_unit(cast, client, board):
    this, _last = board
    doc, text, cells = _docx(_get(client, cast.office, this, "docx"))
    assert "机关党委 and its units: clean-governance evaluation report 2025" in text
    assert "5 units scored; mean total 76.95, from 58.00 to 91.25." in text
    assert ["3/3", "直属党支部", "58.00", "较差"] in cells
    assert len(doc.inline_shapes) >= 3


def test_the_report_is_in_chinese_for_a_chinese_reader(cast, client, board):
    this, _last = board
    response = _get(client, cast.office, this, "docx", lang="zh-hans", org=cast.tree.branch_a.pk)
    doc, text, cells = _docx(response)
    # The Chinese text comes with the translations; the names, numbers, tables and pictures are there already.
    assert "第一党支部" in text and "75.50" in text and "2025" in text
    assert ["1/3", "第二党支部", "91.25", "优秀"] in cells and len(doc.inline_shapes) >= 3


def test_the_workbook_holds_the_scores_detail_weights_and_analyses(cast, client, board):
    this, _last = board
    response = _get(client, cast.office, this, "xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames[:4] == ["Scores", "Indicators", "Weights", "Analyses"]
    scores = [list(r) for r in book["Scores"].iter_rows(values_only=True)]
    assert scores[0][:3] == ["Unit", "Code", "Total"]
    branch_b = next(row for row in scores if row[0] == "第二党支部")
    assert branch_b[2] == 91.25 and branch_b[3:6] == [95.0, 90.0, 88.0]
    detail = [list(r) for r in book["Indicators"].iter_rows(values_only=True)]
    assert any(r[0] == "第一党支部" and r[1] == "work.orglife.meetings" and r[4] == 0.9 and r[6] == 80 for r in detail)
    weights = [list(r) for r in book["Weights"].iter_rows(values_only=True)]
    assert any(r[2] == "work.orglife.meetings" and r[3] == 0.6 for r in weights)
    analyses = [list(r) for r in book["Analyses"].iter_rows(values_only=True)]
    assert any(r[3] == "学习时长" and r[6] == 0.22 and r[7] == 0.62 for r in analyses)


def test_the_workbook_in_chinese_holds_the_scores(cast, client, board):
    this, _last = board
    response = _get(client, cast.office, this, "xlsx", lang="zh-hans", org=cast.tree.branch_a.pk)
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [list(r) for r in book[book.sheetnames[0]].iter_rows(values_only=True)]
    assert [r[0] for r in rows[1:]] == ["第一党支部"] and rows[1][2] == 75.5


def test_a_branch_secretary_gets_their_branch_report_only(cast, client, board):
    this, _last = board
    _doc, text, cells = _docx(_get(client, cast.secretary, this, "docx", org=cast.tree.branch_a.pk))
    assert "第二党支部" not in text and not any("第二党支部" in c for row in cells for c in row)
    assert "The rank counts all the peers" in text
    assert _get(client, cast.secretary, this, "docx").status_code == 404  # the whole organisation
    assert _get(client, cast.secretary, this, "xlsx", org=cast.tree.branch_b.pk).status_code == 404
    assert _get(client, cast.secretary, this, "pdf", org=cast.tree.branch_a.pk).status_code == 404


def test_outsiders_and_members_get_404(cast, client, board):
    this, _last = board
    for user in (cast.outsider, cast.member):
        assert _get(client, user, this, "docx").status_code == 404
        client.force_login(user)
        assert client.get(reverse("evaluation:reports")).status_code == 404


def test_the_reports_page_offers_the_downloads_in_scope(cast, client, board):
    this, _last = board
    client.force_login(cast.office)
    html = client.get(reverse("evaluation:reports")).content.decode()
    assert reverse("evaluation:report_download", args=[this.pk, "docx"]) in html
    assert f"?org={cast.tree.branch_c.pk}" in html
    client.force_login(cast.secretary)
    html = client.get(reverse("evaluation:reports")).content.decode()
    assert f"?org={cast.tree.branch_a.pk}" in html and f"?org={cast.tree.branch_b.pk}" not in html
    assert f'href="{reverse("evaluation:report_download", args=[this.pk, "docx"])}"' not in html


def test_a_large_report_is_written_by_a_job(cast, client, board, monkeypatch, django_capture_on_commit_callbacks):
    from qinglian.evaluation.services import reports

    this, _last = board
    monkeypatch.setattr(reports, "INLINE_MAX", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _get(client, cast.office, this, "xlsx")
    job = Job.objects.get(kind=reports.JOB_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_file.endswith(".xlsx")
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 200


def test_charts_come_out_without_a_cjk_font(monkeypatch):
    report_charts.font_family.cache_clear()
    monkeypatch.setattr(report_charts, "CJK_FONT_FILES", ("/nonexistent/font.ttc",))
    try:
        png = report_charts.bar_chart(["第一党支部", "b"], [80.0, None])
        assert png.startswith(b"\x89PNG")
    finally:
        report_charts.font_family.cache_clear()
