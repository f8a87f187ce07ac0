import io
from datetime import date

import pytest
from openpyxl import load_workbook

from qinglian.reports.imports import CellError, Column, parse_date, parse_workbook, template_sheet
from qinglian.reports.xlsx import Sheet, XlsxError, safe_cell, workbook_bytes

pytestmark = pytest.mark.usefixtures("in_english")  # messages are matched in English


def book(headers, rows):
    return workbook_bytes([Sheet("s", headers, rows)])


def test_formula_like_text_is_neutralised_on_export():
    data = book(["name"], [['=HYPERLINK("http://x")'], ["+1"], ["-2"], ["@SUM(A1)"], ["张三"], [5]])
    ws = load_workbook(io.BytesIO(data)).active
    values = [row[0].value for row in ws.iter_rows(min_row=2)]
    assert values == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "张三", 5]
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert safe_cell(-2) == -2


COLUMNS = [
    Column("name", "Name", required=True),
    Column("born", "Date of birth", parse=parse_date),
    Column("sex", "Gender", choices=("男", "女")),
]


def test_rows_are_converted_and_every_bad_cell_is_named():
    data = book(
        ["Name", "Date of birth", "Gender"],
        [["张三", "1990-03-07", "男"], ["", "1990/13/40", "X"], ["李四", None, "女"]],
    )
    parsed = parse_workbook(COLUMNS, data, max_rows=100)
    assert parsed.rows[0] == (2, {"name": "张三", "born": date(1990, 3, 7), "sex": "男"})
    assert {(e.row, e.column) for e in parsed.errors} == {(3, "Name"), (3, "Date of birth"), (3, "Gender")}
    assert parsed.rows[2][1]["born"] is None


def test_headers_are_accepted_in_chinese_or_english_and_checked(settings):
    with pytest.raises(XlsxError, match="unknown columns: Colour"):
        parse_workbook(COLUMNS, book(["Name", "Colour"], [["a", "b"]]), max_rows=10)
    with pytest.raises(XlsxError, match="missing columns: Name"):
        parse_workbook(COLUMNS, book(["Gender"], [["男"]]), max_rows=10)


def test_files_that_are_not_xlsx_or_too_long_are_refused():
    with pytest.raises(XlsxError, match="not an Excel workbook"):
        parse_workbook(COLUMNS, b"name,born\nx,y\n", max_rows=10)
    with pytest.raises(XlsxError, match="cannot be read"):
        parse_workbook(COLUMNS, b"PK\x03\x04broken", max_rows=10)
    with pytest.raises(XlsxError, match="at most 2"):
        parse_workbook(COLUMNS, book(["Name"], [["a"], ["b"], ["c"]]), max_rows=2)


def test_template_has_headers_marks_and_dropdowns():
    data = workbook_bytes([template_sheet("Roster", COLUMNS, [["张三", date(1990, 1, 1), "男"]])])
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ["* Name", "Date of birth", "Gender"]
    assert any('"男,女"' in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert len(wb.worksheets) == 2


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024/3/1", date(2024, 3, 1)),
        ("2024年3月1日", date(2024, 3, 1)),
        ("2024.03", date(2024, 3, 1)),
    ],
)
def test_dates_in_the_usual_spellings(text, expected):
    assert parse_date(text) == expected


def test_a_non_date_is_refused():
    with pytest.raises(CellError):
        parse_date("yesterday")
