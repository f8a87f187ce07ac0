"""Every importer fed garbage and near-valid files: it accepts the file, and then every row is stored, or it refuses
it with errors by row; it never raises anything but its own refusal and never leaves part of a file saved.

The near-valid workbooks are written here as raw sheet XML, not through openpyxl, so that they can hold what a
spreadsheet program would never write but a hand-made or damaged file may: NUL and control characters, numbers
out of any range, dates before 1900 or after 9999, error cells, formulas, merged cells, empty sheets, hundreds of
columns. Each example runs inside a savepoint that is rolled back, so examples do not see each other's rows.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qinglian.core.lib import idcard
from qinglian.evaluation.models import Value
from qinglian.evaluation.services import values as value_services
from qinglian.orgs.models import Member, RosterImport
from qinglian.orgs.services.imports import ROSTER_COLUMNS, roster_check, roster_confirm, roster_import, roster_upload
from qinglian.reports.imports import Column, parse_workbook
from qinglian.reports.xlsx import XlsxError, read_rows
from qinglian.risks.models import Supplier
from qinglian.risks.names import credit_code_make
from qinglian.risks.services import conflicts as supplier_services
from qinglian.study.imports.aiken import read_aiken
from qinglian.study.imports.gift import read_gift
from qinglian.study.imports.xlsx import COLUMNS as BANK_COLUMNS
from qinglian.study.models import Question
from qinglian.study.services import bank as bank_services
from tests.fuzz.files import CONTENT_TYPES, WORKBOOK, raw_xlsx

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


def as_cell(value):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return ("b", "1" if value else "0")
    if isinstance(value, int | float):
        return ("n", repr(value))
    if isinstance(value, date):
        return ("s", value.isoformat())
    return ("s", str(value))


# -- strategies --------------------------------------------------------------------------------------------------

any_text = st.text(max_size=60)  # every code point but surrogates: NUL, controls, right-to-left marks...
odd_numbers = st.sampled_from(
    ["1e400", "-1e400", "NaN", "nan", "inf", "-inf", "1E308", "-0", "0", "3.5", "abc", "", " ", "0x10", "1,000"]
)
garbage_cell = st.one_of(
    st.none(),
    st.tuples(st.just("s"), any_text),
    st.tuples(st.just("s"), st.integers(1, 40_000).map(lambda n: "长" * n)),  # huge text
    st.tuples(st.just("s"), st.sampled_from(["=1+1", '=HYPERLINK("x")', "+cmd", "@SUM(A1)", "-1", "\t", "\x00"])),
    st.tuples(st.just("n"), odd_numbers | st.floats(allow_nan=True).map(repr) | st.integers().map(str)),
    st.tuples(st.just("date"), odd_numbers | st.floats(-1e9, 1e9).map(repr) | st.integers(-(10**6), 10**8).map(str)),
    st.tuples(st.just("b"), st.sampled_from(["0", "1", "2", "true", ""])),
    st.tuples(st.just("e"), st.sampled_from(["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"])),
    st.tuples(st.just("iso"), st.sampled_from(["2024-13-45", "9999-12-31T23:59:59", "0000-01-01", "x", "1899-12-30"])),
    st.tuples(st.just("f"), st.sampled_from(["SUM(A1:A3)", "1/0", "NOW()", "A1&B1"])),
    st.tuples(st.just("raw"), st.sampled_from(["\x00", "<b>", "&nbsp;", "\x1f", "]]>"])),
)


def near_valid(columns: list[Column], base_row):
    """A workbook in the template's layout: headers (sometimes shuffled, dropped or doubled, sometimes with hundreds
    of extra columns), valid rows from `base_row(n)`, some cells replaced by garbage, sometimes merged cells."""

    @st.composite
    def build(draw):
        keys = [c.key for c in columns]
        headers = list(keys)
        shape = draw(st.sampled_from(["template", "template", "template", "shuffled", "dropped", "doubled", "wide"]))
        if shape == "shuffled":
            headers = draw(st.permutations(keys))
        elif shape == "dropped":
            headers.pop(draw(st.integers(0, len(headers) - 1)))
        elif shape == "doubled":
            headers.append(draw(st.sampled_from(keys)))
        elif shape == "wide":
            headers += [""] * draw(st.integers(1, 300)) + ["extra"]
        count = draw(st.integers(0, 6))
        rows = []
        for n in range(1, count + 1):
            values = base_row(n)
            cells = [as_cell(values.get(h)) if h in values else None for h in headers]
            for _ in range(draw(st.integers(0, 3))):
                if cells:
                    cells[draw(st.integers(0, len(cells) - 1))] = draw(garbage_cell)
            rows.append(cells)
        header_cells = [as_cell(h) for h in headers]
        if draw(st.booleans()) and header_cells:
            header_cells[draw(st.integers(0, len(header_cells) - 1))] = draw(garbage_cell)
        merges = []
        if count and draw(st.integers(0, 9)) == 0:
            merges = [f"A2:B{count + 1}"]
        return raw_xlsx([header_cells, *rows], merges)

    return build()


garbage_bytes = st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=2000).map(lambda b: b"PK\x03\x04" + b),
    st.sampled_from([b"", b"PK", b"PK\x05\x06" + b"\x00" * 18]),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@st.composite
def odd_workbooks(draw):
    """Valid zips that are not quite workbooks: an empty sheet, sheet XML that is not XML, a missing part."""
    kind = draw(st.sampled_from(["empty", "blank-rows", "not-xml", "missing-sheet", "huge-ref", "only-headers"]))
    if kind == "empty":
        return raw_xlsx([])
    if kind == "blank-rows":
        return raw_xlsx([[None, None], [None], []])
    if kind == "not-xml":
        return raw_xlsx([], sheet_xml=draw(st.text(max_size=200)))
    if kind == "huge-ref":
        return raw_xlsx(
            [],
            sheet_xml='<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
        )
    if kind == "only-headers":
        return raw_xlsx([[("s", "name"), ("s", "x")]])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", WORKBOOK)
    return out.getvalue()


def any_file(columns, base_row):
    return st.one_of(garbage_bytes, odd_workbooks(), near_valid(columns, base_row), near_valid(columns, base_row))


# -- the shared reader -------------------------------------------------------------------------------------------


@FUZZ
@given(data=st.one_of(garbage_bytes, odd_workbooks(), near_valid(ROSTER_COLUMNS, lambda n: {})))
def test_the_shared_reader_refuses_with_its_own_error_or_reads(data):
    try:
        headers, rows = read_rows(data, max_rows=100)
        rows = list(rows)
    except XlsxError as exc:
        assert str(exc)
        return
    assert all(isinstance(h, str) for h in headers)
    assert all(isinstance(number, int) and number >= 2 for number, _values in rows)


@FUZZ
@given(data=near_valid(BANK_COLUMNS, lambda n: {}))
def test_parse_workbook_names_a_row_for_every_error(data):
    try:
        parsed = parse_workbook(BANK_COLUMNS, data, max_rows=100)
    except XlsxError:
        return
    assert all(isinstance(error.row, int) and error.row >= 2 for error in parsed.errors)


# -- the text formats --------------------------------------------------------------------------------------------

gift_text = st.text(
    alphabet=st.one_of(st.sampled_from(list("{}=~#%:\\$/\n\r\t ->[]0123456789.TFtrue")), st.characters()),
    max_size=400,
)
aiken_text = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.builds(lambda letter, t: f"{letter}. {t}", st.sampled_from("ABCDEFGHIJabcz"), st.text(max_size=20)),
        st.builds(lambda t: f"ANSWER: {t}", st.text(alphabet="ABCDEFGHIJ ,、;xyz1", max_size=6)),
    ),
    max_size=30,
).map("\n".join)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(text=gift_text)
def test_gift_reader_reports_problems_by_line_and_never_raises(text):
    parsed = read_gift(text)
    lines = len(text.splitlines()) or 1
    assert all(error.row is None or 1 <= error.row <= lines for error in parsed.errors)
    assert all(item.stem for item in parsed.items)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(text=aiken_text)
def test_aiken_reader_reports_problems_by_line_and_never_raises(text):
    parsed = read_aiken(text)
    lines = len(text.splitlines()) or 1
    assert all(error.row is None or 1 <= error.row <= lines for error in parsed.errors)
    assert all(item.options and item.answer for item in parsed.items)


# -- each importer, end to end: all rows stored or none ----------------------------------------------------------


def rolled_back(run):
    """Run one example in a savepoint that is rolled back, so that examples do not see each other's rows."""
    with transaction.atomic():
        run()
        transaction.set_rollback(True)


def assert_refusal(errors: list[dict]):
    assert errors, "an import that is not saved says why"
    assert all("row" in e and "message" in e and e["message"] for e in errors)


def roster_row(n: int) -> dict:
    return {
        "name": f"成员{n}",
        "gender": "男",
        "birth_date": date(1990, 3, 7),
        "id_number": idcard.make("110101", date(1990, 3, 7), 2 * n + 1),
        "organisation": "A001",
        "category": "正式",
        "joined_on": date(2015, 7, 1),
        "status": "正常",
    }


@pytest.fixture
def branch_a_code(cast):
    cast.tree.branch_a.code = "A001"
    cast.tree.branch_a.save(update_fields=["code"])


@FUZZ
@given(data=any_file(ROSTER_COLUMNS, roster_row))
def test_roster_import(cast, branch_a_code, data):
    def run():
        before = Member.objects.count()
        file = SimpleUploadedFile("roster.xlsx", data)
        upload = roster_check(upload=roster_upload(owner=cast.organiser, organisation=cast.tree.branch_a,
                                                   mode="create", file=file))  # fmt: skip
        event(f"roster {upload.status}")
        if upload.status == RosterImport.Status.READY:
            upload = roster_import(upload=roster_confirm(upload=upload, actor=cast.organiser), actor=cast.organiser)
            assert upload.status == RosterImport.Status.DONE
            assert Member.objects.count() - before == upload.total_rows == upload.created_count
        else:
            assert upload.status == RosterImport.Status.INVALID
            assert_refusal(upload.errors)
            assert Member.objects.count() == before

    rolled_back(run)


def supplier_row(n: int) -> dict:
    return {"name": f"恒信达{n}科技有限公司", "credit_code": credit_code_make(f"91110108MA{n:07d}"), "kind": "供应商"}


@FUZZ
@given(data=any_file(supplier_services.COLUMNS, supplier_row))
def test_supplier_import(cast, data):
    def run():
        before = Supplier.objects.count()
        try:
            job = supplier_services.supplier_import_upload(
                organisation=cast.tree.root, actor=cast.inspector, name="s.xlsx", data=data
            )
        except ValidationError as exc:
            assert exc.messages and all(exc.messages)
            assert Supplier.objects.count() == before
            return
        event(f"{job.kind} {job.params['state']}")
        if job.params["state"] == "ready":
            job = supplier_services.supplier_import_confirm(job=job, actor=cast.inspector)
            job = supplier_services.supplier_import_start(job=job, actor=cast.inspector)
            assert job.params["state"] == "done"
            assert Supplier.objects.count() - before == job.params["created"]
            assert job.params["created"] + job.params["updated"] == job.params["total"]
        else:
            assert_refusal(job.params["errors"])
            assert Supplier.objects.count() == before

    rolled_back(run)


def value_row(n: int) -> dict:
    return {"unit": "ROOT", "period": str(2010 + n), "indicator": "perceptions.internal", "value": 80 + n}


@FUZZ
@given(data=any_file(value_services.COLUMNS, value_row))
def test_survey_value_import(cast, data):
    def run():
        before = Value.objects.count()
        try:
            job = value_services.value_import_check(scope=cast.tree.root, actor=cast.office, name="v.xlsx", data=data)
        except ValidationError as exc:
            assert exc.messages and all(exc.messages)
            assert Value.objects.count() == before
            return
        event(f"{job.kind} {job.params['state']}")
        if job.params["state"] == "ready":
            saved = value_services.value_import_confirm(job=job, actor=cast.office)
            assert saved == job.params["total"]
            assert Value.objects.count() - before == saved - job.params["updates"]
        else:
            assert_refusal(job.params["errors"])
            assert Value.objects.count() == before

    rolled_back(run)


def question_row(n: int) -> dict:
    return {
        "qtype": "单选",
        "stem": f"题目{n}",
        "option_a": "甲",
        "option_b": "乙",
        "answer": "A",
        "score": 2,
        "category": "党章党规/党章",
        "external_code": f"Q{n}",
    }


def bank_files():
    text = st.one_of(gift_text, aiken_text).map(lambda t: t.encode("utf-8", "surrogatepass"))
    return st.one_of(
        st.tuples(st.just("q.xlsx"), any_file(BANK_COLUMNS, question_row)),
        st.tuples(st.sampled_from(["q.txt", "q.gift"]), text | st.binary(max_size=500)),
    )


@FUZZ
@given(file=bank_files())
def test_question_bank_import(cast, file):
    name, data = file

    def run():
        before = Question.objects.count()
        try:
            job = bank_services.bank_import_upload(
                organisation=cast.tree.branch_a, actor=cast.secretary, name=name, data=data
            )
        except ValidationError as exc:
            assert exc.messages and all(exc.messages)
            assert Question.objects.count() == before
            return
        event(f"{job.kind} {job.params['state']}")
        if job.params["state"] == "ready":
            job = bank_services.bank_import_confirm(job=job, actor=cast.secretary)
            job = bank_services.bank_import_run(job=job, actor=cast.secretary)
            assert job.params["state"] == "done"
            assert Question.objects.count() - before == job.params["created"]
            assert job.params["created"] + job.params["updated"] == job.params["total"]
        else:
            assert_refusal(job.params["errors"])
            assert Question.objects.count() == before

    rolled_back(run)
