"""Integrity-risk prevention in a real Chromium: the risk register, integrity files, opinion replies, conflict checks.

1. A member who is the branch's cashier proposes a risk point of the post in the open round (the level follows
   the criteria ticked), the branch secretary reviews it, discipline inspection gives its opinion and the committee
   office approves it; approving again from a page read before is refused with the reason.
2. A cadre opens and fills in the year's integrity file; discipline inspection returns a section with the reason,
   the cadre corrects it on a phone, discipline inspection accepts and archives it; the access log shows who opened
   the file, and a branch secretary who is not a named reviewer cannot open it.
3. Discipline inspection compiles an integrity opinion reply on the cadre, edits it, signs it and exports the letter.
4. Discipline inspection imports the supplier register (a bad credit code first: nothing saved), runs a conflict
   check and confirms the match with the business the cadre's spouse declared.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_duties_journeys import _as, _fits_the_phone, _message

pytestmark = pytest.mark.browser


def _failed_loads(visit, status: int, count: int = 1) -> None:
    """A refused form or a page out of reach answers with an error status, which Chromium logs as a failed load:
    expected `count` times here, and taken off the page's errors."""
    found = [e for e in visit.errors if f"status of {status}" in e]
    assert len(found) == count, visit.errors
    for error in found:
        visit.errors.remove(error)


def _audit_start() -> int:
    from qinglian.core.models import AuditEvent

    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _trail(start: int, prefix: str, object_id=None) -> list[tuple[str, str]]:
    from qinglian.core.models import AuditEvent

    events = AuditEvent.objects.filter(seq__gt=start)
    if object_id is not None:
        events = events.filter(object_id=str(object_id))
    return [(e.action, e.actor_label) for e in events.in_order() if e.action.startswith(prefix)]


# --- 1. the risk register ----------------------------------------------------------------------------------------


def test_a_post_holders_risk_point_proposed_reviewed_given_an_opinion_and_approved(open_page, cast):
    from qinglian.risks.models import RiskPoint
    from qinglian.risks.tests.factories_register import holder_post, round_make

    tree = cast.tree
    round_make(tree.root)
    post = holder_post(cast)  # 张伟, the `member` login, is the first branch's cashier (出纳)
    a1 = cast.members["a1"]
    title = "报销单据审核把关不严"
    start = _audit_start()

    # The cashier finds the open round on the to-do list and records a risk point of the post.
    member = _as(open_page, "member")
    page = member.page
    page.get_by_role("link", name=re.compile(r"^Propose the risk points of your post “出纳”")).click()
    expect(page.locator("#id_post")).to_have_value(str(post.pk))
    preview = page.locator("#level-preview")
    # The level shown follows the criteria ticked (five criteria: three make level 1, two level 2, one level 3).
    page.locator("input[name=criteria][value=power]").check()
    expect(preview).to_contain_text("Level 3")
    page.locator("input[name=criteria][value=discretion]").check()
    expect(preview).to_contain_text("Level 2")
    page.locator("input[name=criteria][value=leverage]").check()
    expect(preview).to_contain_text("Level 1")
    page.locator("input[name=criteria][value=leverage]").uncheck()
    expect(preview).to_contain_text("Level 2")
    page.select_option("#id_process", "funds")
    page.fill("#id_title", title)
    page.fill("#id_description", "报销单据审核流于形式，可能导致虚列支出、套取资金。")
    page.fill("#id_causes", "审核人员少，缺少复核环节")
    page.select_option("#id_likelihood", "3")
    page.select_option("#id_impact", "4")
    page.fill("#id_measures-0-text", "实行报销单据会计初审、财务负责人复审的双人审核制度。")
    page.select_option("#id_measures-0-owner", str(a1.pk))
    page.fill("#id_measures-0-due_on", (timezone.localdate() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save as a draft").click()
    expect(_message(page)).to_contain_text("The risk point is recorded as a draft.")
    point = RiskPoint.objects.get(title=title)
    assert (point.organisation, point.post, point.level, point.status) == (tree.branch_a, post, 2, "draft")
    assert sorted(point.criteria) == ["discretion", "power"]
    assert [(m.owner, m.text[:4]) for m in point.measures.all()] == [(a1, "实行报销")]
    point_url = f"/risks/points/{point.pk}/"
    assert page.url == member.url(point_url)
    expect(page.locator("h1")).to_contain_text("Level 2")

    # ... and proposes it to the branch.
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(_message(page)).to_contain_text("The risk point is proposed: the branch reviews it next.")
    expect(page.locator("h1 .badge", has_text="Proposed")).to_be_visible()
    member.assert_clean()

    # The branch secretary reviews it from the to-do list.
    secretary = _as(open_page, "secretary")
    page = secretary.page
    page.get_by_role("link", name=re.compile(f"^Review the proposed risk point: {title}")).click()
    expect(page).to_have_url(secretary.url(point_url))
    page.fill("#review-comment", "风险描述准确，措施可行。")
    page.get_by_role("button", name="Reviewed: pass it on").click()
    expect(_message(page)).to_contain_text("The risk point is reviewed")
    secretary.assert_clean()

    # Discipline inspection gives its opinion.
    inspector = _as(open_page, "inspector")
    page = inspector.page
    page.get_by_role("link", name=re.compile(f"^Give discipline inspection's opinion: {title}")).click()
    expect(page).to_have_url(inspector.url(point_url))
    opinion = "同意列入廉政风险清单，建议每季度抽查报销凭证。"
    page.locator("textarea[name=opinion]").fill(opinion)
    page.get_by_role("button", name="Record the opinion").click()
    expect(_message(page)).to_contain_text("Discipline inspection's opinion is recorded.")
    inspector.assert_clean()

    # The committee office approves it; a second tab still shows the page as it was before.
    office = _as(open_page, "office")
    page = office.page
    page.get_by_role("link", name=re.compile(f"^Approve the risk point: {title}")).click()
    expect(page).to_have_url(office.url(point_url))
    expect(page.locator("section[aria-labelledby=opinion-head]")).to_contain_text(opinion)
    stale = page.context.new_page()
    stale_errors = []
    stale.on("console", lambda m: stale_errors.append(m.text) if m.type == "error" else None)
    stale.on("dialog", lambda dialog: dialog.accept())
    stale.goto(office.url(point_url))
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(_message(page)).to_contain_text("The risk point is approved and on the register.")
    expect(page.locator("h1 .badge", has_text="Approved")).to_be_visible()
    history = page.locator("#history li")
    expect(history).to_have_count(5)
    for n, (step, who) in enumerate(
        [
            ("Recorded", "Member"),
            ("Proposed", "Member"),
            ("Reviewed by the branch", "Secretary"),
            ("Discipline inspection's opinion", "Inspector"),
            ("Approved", "Office"),
        ]
    ):
        expect(history.nth(n)).to_contain_text(step)
        expect(history.nth(n)).to_contain_text(who)
    expect(history.nth(3)).to_contain_text(opinion)
    office.assert_clean()

    # Approving again from the page read before is refused with the reason, and changes nothing.
    point.refresh_from_db()
    approved = (point.status, point.version, point.approved_at)
    with stale.expect_response(lambda r: r.request.method == "POST") as answer:
        stale.get_by_role("button", name="Approve", exact=True).click()
    assert answer.value.status == 409
    expect(stale.get_by_role("alert")).to_contain_text("Someone else changed this risk point")
    expect(stale.locator("h1 .badge", has_text="Approved")).to_be_visible()
    assert [e for e in stale_errors if "status of 409" not in e] == []
    point.refresh_from_db()
    assert (point.status, point.version, point.approved_at) == approved
    assert point.next_review_on is not None

    assert _trail(start, "risks.point_", point.pk) == [
        ("risks.point_create", "member"),
        ("risks.point_propose", "member"),
        ("risks.point_review", "secretary"),
        ("risks.point_consult", "inspector"),
        ("risks.point_approve", "office"),
    ]


# --- 2. an integrity file ----------------------------------------------------------------------------------------


def test_a_cadres_integrity_file_filled_in_returned_corrected_accepted_and_archived(open_page, cast):
    from qinglian.risks.models import FileSection, IntegrityFile
    from qinglian.risks.tests.factories_files import cadre

    year = timezone.localdate().year
    a1 = cadre(cast.members["a1"])  # 张伟, the `member` login: 财务处处长, 正处级
    start = _audit_start()

    # The cadre opens this year's file from the menu.
    member = _as(open_page, "member")
    page = member.page
    page.locator("#sidebar").get_by_role("link", name="My integrity file").click()
    page.get_by_role("button", name=f"Open my file for {year}").click()
    expect(_message(page)).to_contain_text(f"Your integrity file for {year} is open")
    file = IntegrityFile.objects.get(member=a1, year=year)
    file_url = f"/risks/files/{file.pk}/"
    assert page.url == member.url(file_url)
    basics = page.locator("#section-basics")

    # ... fills in the basic information (the post comes from the register) and submits it.
    basics.get_by_role("link", name="Fill in").click()
    expect(page.locator("#f-post")).to_have_value("财务处处长")
    expect(page.locator("#f-rank")).to_have_value("正处级")
    page.fill("#f-responsibilities", "分管财务、政府采购和资产管理工作。")
    page.get_by_role("button", name="Save and submit").click()
    expect(_message(page)).to_contain_text("“Basic information” is submitted to discipline inspection.")
    expect(basics).to_contain_text("awaiting review by discipline inspection")
    section = FileSection.objects.get(file=file, kind="basics")
    assert section.status == "submitted"
    assert section.data["responsibilities"] == "分管财务、政府采购和资产管理工作。"
    member.assert_clean()

    # Discipline inspection finds the file on its list and returns the section with the reason.
    reason = "请补充任现职时间。"
    inspector = _as(open_page, "inspector")
    page = inspector.page
    page.locator("#sidebar").get_by_role("link", name="Integrity files").click()
    page.locator("table tbody tr", has_text="张伟").get_by_role("link", name="张伟").click()
    expect(page).to_have_url(inspector.url(file_url))
    basics = page.locator("#section-basics")
    expect(basics).to_contain_text("分管财务、政府采购和资产管理工作。")
    basics.get_by_text("Return it to the cadre").click()
    basics.locator("textarea[name=reason]").fill(reason)
    basics.get_by_role("button", name="Return with this reason").click()
    expect(_message(page)).to_contain_text("The section is returned to the cadre with your reason.")
    inspector.assert_clean()

    # The cadre, on a phone, follows the to-do to the section, reads the reason, corrects it and submits it again.
    phone = _as(open_page, "member", phone=True)
    page = phone.page
    page.get_by_role("link", name=re.compile(f"^Integrity file {year}: “Basic information” was returned")).click()
    expect(page).to_have_url(phone.url(f"/risks/files/sections/{section.pk}/"))
    expect(page.get_by_role("alert")).to_contain_text(reason)
    page.fill("#f-post_since", f"{year - 3}-03-01")
    page.get_by_role("button", name="Save and submit").click()
    expect(_message(page)).to_contain_text("“Basic information” is submitted to discipline inspection.")
    assert _fits_the_phone(page)
    phone.assert_clean()

    # Discipline inspection accepts it, then archives it.
    page = inspector.page
    page.goto(inspector.url(file_url))
    basics = page.locator("#section-basics")
    expect(basics).to_contain_text(f"{year - 3}-03-01")
    basics.get_by_role("button", name="Accept").click()
    expect(_message(page)).to_contain_text("The section is accepted.")
    page.locator("#section-basics").get_by_role("button", name="Archive").click()
    expect(_message(page)).to_contain_text("The section is archived; it no longer changes.")
    expect(page.locator("#section-basics .badge", has_text="Archived")).to_be_visible()
    section.refresh_from_db()
    assert (section.status, section.data["post_since"]) == ("archived", f"{year - 3}-03-01")

    # The access log lists discipline inspection's openings of the file, beside the cadre's steps.
    page.get_by_role("link", name="Access log").first.click()
    expect(page).to_have_url(inspector.url(f"/risks/files/{file.pk}/log/"))
    rows = page.locator("table tbody tr")
    # opened from the list, after returning the section, on coming back, after accepting, after archiving
    expect(rows.filter(has_text="inspector").filter(has_text="Opened the file")).to_have_count(5)
    expect(rows.filter(has_text="inspector").filter(has_text="Returned")).to_contain_text(reason)
    expect(rows.filter(has_text="member").filter(has_text="Submitted")).to_have_count(2)
    inspector.assert_clean()

    # The branch secretary, who is not a named reviewer, cannot open the file.
    secretary = _as(open_page, "secretary")
    answer = secretary.page.goto(secretary.url(file_url))
    assert answer.status == 404
    _failed_loads(secretary, 404)
    secretary.assert_clean()

    assert _trail(start, "risks.section_", section.pk) == [
        ("risks.section_save", "member"),
        ("risks.section_submit", "member"),
        ("risks.section_return", "inspector"),
        ("risks.section_save", "member"),
        ("risks.section_submit", "member"),
        ("risks.section_accept", "inspector"),
        ("risks.section_archive", "inspector"),
    ]


# --- 3. an integrity opinion reply -------------------------------------------------------------------------------


def test_an_integrity_opinion_reply_compiled_edited_signed_and_exported(open_page, cast):
    from docx import Document

    from qinglian.risks.models import OpinionReply
    from qinglian.risks.tests.factories_files import accepted, file_open

    year = timezone.localdate().year
    a1 = cast.members["a1"]
    file = file_open(a1)  # 张伟 made a cadre, this year's file opened
    accepted(file, "basics")
    start = _audit_start()

    # Discipline inspection compiles a reply on the cadre, found by pinyin.
    inspector = _as(open_page, "inspector")
    page = inspector.page
    page.locator("#sidebar").get_by_role("link", name="Integrity opinion replies").click()
    page.get_by_role("link", name="Compile a reply").click()
    page.fill("#cadre-q", "zhang")
    expect(page.locator(f"#cadre-{a1.pk}")).to_be_checked()  # the only match is chosen
    page.select_option("#id_purpose", "promotion")
    page.fill("#id_requested_by", "机关党委组织部")
    page.get_by_role("button", name="Gather the facts and draft").click()
    expect(_message(page)).to_contain_text("The facts are gathered and the opinion drafted")
    reply = OpinionReply.objects.get(member=a1)
    reply_url = f"/risks/opinions/{reply.pk}/"
    assert page.url == inspector.url(reply_url)
    expect(page.locator("h1")).to_contain_text("张伟")
    expect(page.locator("#facts")).to_contain_text(str(year))

    # ... edits the draft ...
    added = "该同志近三年未发现违反廉洁纪律的问题。"
    body = page.locator(f"form[action$='{reply_url}edit/'] textarea[name=body]")
    body.fill(body.input_value() + "\n" + added)
    page.get_by_role("button", name="Save the draft").click()
    expect(_message(page)).to_contain_text("The draft is saved.")
    reply.refresh_from_db()
    assert reply.body.endswith(added)

    # ... signs it with its number (after saying yes to the question) ...
    number = f"纪检组廉复〔{year}〕1号"
    sign = page.locator(f"form[action$='{reply_url}sign/']")
    sign.locator("input[name=number]").fill(number)
    sign.locator("input[name=signer_title]").fill("中共机关纪律检查委员会")
    sign.get_by_role("button", name="Sign").click()
    expect(_message(page)).to_contain_text("The reply is signed: it no longer changes.")
    expect(page.locator("#letter")).to_contain_text("关于张伟同志党风廉政情况的意见回复")
    expect(page.locator("#letter")).to_contain_text(added)
    expect(page.locator("textarea[name=body]")).to_have_count(0)

    # ... and exports the letter: a Word document naming the cadre, with the number and the opinion as signed.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export the letter (.docx)").click()
    assert download.value.suggested_filename == f"张伟同志党风廉政意见回复{number}.docx"
    letter = Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(
        [p.text for p in letter.paragraphs]
        + [cell.text for table in letter.tables for row in table.rows for cell in row.cells]
    )
    assert "关于张伟同志党风廉政情况的意见回复" in text
    assert number in text and added in text and "中共机关纪律检查委员会" in text
    assert "草稿" not in text
    inspector.assert_clean()

    reply.refresh_from_db()
    assert (reply.status, reply.number, reply.signed_by) == ("signed", number, cast.inspector)
    assert [a for a, _who in _trail(start, "risks.opinion.", reply.pk) if a != "risks.opinion.view"] == [
        "risks.opinion.compile",
        "risks.opinion.update",
        "risks.opinion.sign",
        "risks.opinion.export",
    ]


# --- 4. a conflict-of-interest check -----------------------------------------------------------------------------


def _suppliers_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "统一社会信用代码", "类别", "法定代表人", "业务往来"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(page, name: str, data: bytes) -> None:
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.get_by_role("button", name="Upload and check").click()


def test_a_supplier_register_imported_and_a_conflict_with_a_declared_business_confirmed(open_page, cast):
    from qinglian.risks.models import ConflictMatch, Supplier
    from qinglian.risks.tests.factories_conflicts import business_row, code, declare
    from qinglian.risks.tests.factories_files import cadre

    a1 = cadre(cast.members["a1"])
    company, credit_code = "江州恒信达科技有限公司", code(1)
    # 张伟 declared that his wife runs a company (the personal-matters section, submitted).
    declare(a1, businesses=[business_row("spouse", "赵敏", company, credit_code=credit_code)])
    wrong = credit_code[:-1] + ("0" if credit_code[-1] != "0" else "1")  # the check character does not fit
    start = _audit_start()

    # Discipline inspection uploads the supplier register: a code with a wrong check character is refused by row.
    inspector = _as(open_page, "inspector")
    page = inspector.page
    page.locator("#sidebar").get_by_role("link", name="Supplier register").click()
    page.get_by_role("link", name="Import").click()
    _upload(page, "供应商名录.xlsx", _suppliers_xlsx([[company, wrong, "供应商", "赵敏", "办公设备采购"]]))
    expect(page.get_by_role("alert")).to_contain_text("1 problem found. Nothing was saved")
    problem = page.locator("table tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("2")  # the row under the headers
    expect(problem).to_contain_text(wrong)
    assert not Supplier.objects.exists()

    # ... the corrected file passes the check, shows a preview and is saved once confirmed.
    page.get_by_role("link", name="Upload the corrected file").click()
    _upload(page, "供应商名录.xlsx", _suppliers_xlsx([[company, credit_code, "供应商", "赵敏", "办公设备采购"]]))
    expect(page.get_by_role("status")).to_contain_text("1 supplier checked: no problems.")
    expect(page.locator("table tbody tr")).to_contain_text(company)
    assert not Supplier.objects.exists()
    page.get_by_role("button", name="Confirm: save 1 supplier").click()
    expect(page.get_by_role("status")).to_contain_text("Imported: 1 suppliers added, 0 updated.")
    supplier = Supplier.objects.get()
    assert (supplier.name, supplier.credit_code) == (company, credit_code)

    # ... runs a check ...
    page.locator("#sidebar").get_by_role("link", name="Conflict checks").click()
    page.get_by_role("button", name="Run a check now").click()
    expect(page).to_have_url(re.compile(r"/risks/conflicts/\d+/$"))
    card = page.locator("article", has_text="张伟")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(f"{company} ↔ {company}")
    expect(card).to_contain_text("has the supplier's unified social credit code")
    expect(card.locator(".badge", has_text="To be checked")).to_be_visible()

    # ... and confirms the conflict with a note (the card is redrawn in place).
    note = "经核实，赵敏系该公司法定代表人，张伟分管采购，建议其回避。"
    card.get_by_label("Confirmed").check()
    card.locator("textarea[name=note]").fill(note)
    card.get_by_role("button", name="Record the decision").click()
    expect(card.locator(".badge", has_text="Confirmed")).to_be_visible()
    expect(card).to_contain_text(note)
    inspector.assert_clean()

    match = ConflictMatch.objects.get()
    assert (match.member, match.supplier, match.status, match.decided_by) == (a1, supplier, "confirmed", cast.inspector)
    assert [a for a, _who in _trail(start, "risks.") if a != "risks.conflict_check_view"] == [
        "risks.supplier_import_upload",
        "risks.supplier_import_upload",
        "risks.supplier_import_confirm",
        "risks.supplier_import",
        "risks.conflict_check_run",
        "risks.conflict_check_finish",
        "risks.conflict_match_decide",
    ]
