"""Journeys through the register in a real Chromium: a roster import with one wrong cell, fixed and
saved; and a transfer between two sibling branches, requested by one and accepted by the other.

Tasks run inside the request (the immediate backend set by the project's conftest.py), so the
import's check and save are done by the time the job page reloads."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser

ROWS = [
    # name, gender, birth date, organisation, category, joined
    ("陈静", "女", date(1988, 4, 12), "第一党支部", "正式", date(2012, 7, 1)),
    ("赵磊", "男", date(1991, 9, 3), "第一党支部", "正式", date(2016, 6, 30)),
    ("孙悦", "女", date(1996, 1, 21), "第一党小组", "预备", date(2025, 12, 1)),
]


def _id_number(born: date, sequence: int) -> str:
    from qinglian.core.lib import idcard

    return idcard.make("110101", born, sequence)


def _wrong_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def _filled(template: bytes, *, broken: bool) -> bytes:
    """The downloaded template with its example row replaced by three members (the second one's
    identity number mistyped when `broken`)."""
    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(template))
    sheet = workbook.worksheets[0]
    headers = [str(cell.value or "").lstrip("* ").strip() for cell in sheet[1]]
    column = {header: i + 1 for i, header in enumerate(headers)}
    sheet.delete_rows(2, sheet.max_row)
    for offset, (name, gender, born, org, category, joined) in enumerate(ROWS):
        row = offset + 2
        number = _id_number(born, 100 + offset)
        if broken and offset == 1:
            number = _wrong_checksum(number)
        values = {
            "Name": name, "Gender": gender, "ID number": number, "Organisation": org,
            "Category": category, "Date joined the Party": joined,
        }  # fmt: skip
        for header, value in values.items():
            sheet.cell(row=row, column=column[header], value=value)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(page, tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Upload and check").click()


def test_commissioner_imports_a_roster_fixing_the_wrong_cell(open_page, cast, tmp_path):
    visit = open_page(locale="en")
    page = visit.page
    log_in(visit, "organiser")
    expect(page).to_have_url(visit.url("/"))
    page.goto(visit.url("/orgs/import/"))
    expect(page.get_by_role("heading", name=re.compile("Import roster"))).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template (.xlsx)").click()
    template = download.value.path().read_bytes()

    # One identity number mistyped: the check names its row and column, and nothing is saved.
    _upload(page, tmp_path, "roster.xlsx", _filled(template, broken=True))
    expect(page.get_by_role("alert")).to_contain_text("1 problem found. Nothing was saved")
    problems = page.locator("table tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td").nth(0)).to_have_text("3")
    expect(problems.locator("td").nth(1)).to_have_text("ID number")
    expect(problems.locator("td").nth(3)).to_contain_text("checksum")

    # Fixed and uploaded again: a clean preview of the three rows, then confirmed and saved.
    page.get_by_role("link", name="Upload the corrected file").click()
    _upload(page, tmp_path, "roster-fixed.xlsx", _filled(template, broken=False))
    expect(page.get_by_role("status")).to_contain_text("3 rows checked: no problems.")
    preview = page.locator("table tbody tr")
    expect(preview).to_have_count(3)
    page.get_by_role("button", name="Confirm: save 3 rows").click()
    expect(page.get_by_role("status")).to_contain_text("Imported: 3 members added, 0 updated.")

    page.get_by_role("link", name="Go to the member list").click()
    expect(page).to_have_url(re.compile(r"/orgs/members/"))
    for name, *_rest in ROWS:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    visit.assert_clean()


def test_sibling_branch_transfers_a_member_and_branch_a_accepts(open_page, cast):
    moving = cast.members["b1"]
    sender = open_page(locale="en")
    page = sender.page
    log_in(sender, "secretary_b")
    expect(page).to_have_url(sender.url("/"))
    page.goto(sender.url("/orgs/transfers/"))
    page.get_by_role("link", name="New transfer letter").click()

    page.fill("#member-q", moving.name)
    page.get_by_role("radio", name=re.compile(moving.name)).check()
    page.fill("#target-q", cast.tree.branch_a.name)
    page.get_by_role("radio", name=cast.tree.branch_a.name, exact=True).check()
    page.get_by_role("button", name="Issue the letter").click()
    expect(page.get_by_text(re.compile(r"Transfer letter .+ was issued\."))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(moving.name))).to_be_visible()
    letter_url = page.url
    sender.assert_clean()

    receiver = open_page(locale="en")
    page = receiver.page
    log_in(receiver, "secretary")
    expect(page).to_have_url(receiver.url("/"))
    page.goto(receiver.url("/orgs/transfers/?direction=incoming"))
    row = page.locator("tbody tr", has_text=moving.name)
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    expect(page).to_have_url(letter_url)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("The transfer is now")).to_be_visible()

    page.goto(receiver.url("/orgs/members/"))
    expect(page.get_by_role("link", name=moving.name, exact=True)).to_be_visible()
    moving.refresh_from_db()
    assert moving.organisation_id == cast.tree.branch_a.pk
    receiver.assert_clean()
