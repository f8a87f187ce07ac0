"""A rectification item from the problem to verified closure, in a real Chromium.

The committee office puts a problem found by an inspection tour on the first branch's list, with the branch
secretary as the person responsible. The secretary, on a phone, cannot report it rectified without evidence, adds
a file and reports it; although the secretary verifies rectification at the branch, there is no button to close
one's own item, and a forged request to close it is refused. The branch's discipline commissioner verifies and
closes it, and the ledger counts it closed. Every step is in the audit trail.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_duties_journeys import PDF, _as, _fits_the_phone, _message

pytestmark = pytest.mark.browser


def _refused(visit) -> None:
    """A refused form answers 422 with the page again, which Chromium logs as a failed load: expected once here."""
    refusals = [e for e in visit.errors if "status of 422" in e]
    assert len(refusals) == 1, visit.errors
    visit.errors.remove(refusals[0])


def test_an_item_recorded_rectified_by_its_owner_and_closed_by_someone_else(open_page, cast):
    from qinglian.core.models import AuditEvent
    from qinglian.orgs.services import member_create
    from qinglian.rectification.models import Item

    tree = cast.tree
    owner = member_create(organisation=tree.branch_a, name="刘建国", gender="M", actor=None, user=cast.secretary)
    problem = "支部“三会一课”记录不规范，部分会议缺少签到"
    due = timezone.localdate() + timedelta(days=30)
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    # The committee office records the problem for the first branch.
    office = _as(open_page, "office")
    page = office.page
    page.goto(office.url("/rectification/"))
    page.get_by_role("link", name="Record a problem").click()
    page.select_option("#unit-pick", str(tree.branch_a.pk))  # submits itself: the branch's register is offered
    expect(page.locator("form.card .card-header")).to_have_text(tree.branch_a.name)
    page.select_option("#id_source", "inspection")
    page.fill("#id_source_title", "机关党委2025年第二轮巡察反馈意见")
    page.fill("#id_problem", problem)
    page.fill("#id_measures", "逐月检查会议记录，补齐签到表。")
    page.select_option("#id_owner", str(owner.pk))
    page.fill("#id_due_on", due.isoformat())
    page.get_by_role("button", name="Add to the rectification list").click()
    expect(_message(page)).to_contain_text("The problem is on the rectification list.")
    item = Item.objects.get(problem=problem)
    assert (item.organisation, item.owner, item.status) == (tree.branch_a, owner, "open")
    item_url = f"/rectification/{item.pk}/"
    assert page.url == office.url(item_url)
    office.assert_clean()

    # The secretary, responsible for it, opens it on a phone from My rectification (its deadline is a month off:
    # not yet on the to-do list).
    secretary = _as(open_page, "secretary", phone=True)
    page = secretary.page
    page.goto(secretary.url("/rectification/mine/"))
    page.get_by_role("link", name=problem).click()
    expect(page).to_have_url(secretary.url(item_url))

    # Reporting it rectified without evidence is refused, and what was typed stays.
    result = "已逐月检查会议记录，补齐签到表，建立会议记录审核制度。"
    page.fill("textarea[name=result]", result)
    page.get_by_role("button", name="Report rectified").click()
    expect(page.get_by_text("Add at least one piece of evidence before reporting the item rectified.")).to_be_visible()
    expect(page.locator("textarea[name=result]")).to_have_value(result)
    item.refresh_from_db()
    assert item.status == "open"
    _refused(secretary)

    # A file of evidence, then the report.
    page.get_by_text("Add evidence", exact=True).first.click()
    evidence = page.locator("form.evidence-form")
    evidence.locator("#evidence-file").set_input_files(
        files=[{"name": "会议签到表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    evidence.locator("input[name=note]").fill("补齐的签到表")
    evidence.get_by_role("button", name="Add evidence").click()
    expect(_message(page)).to_contain_text("The evidence is added.")
    expect(page.locator("#evidence").get_by_role("link", name="会议签到表.pdf")).to_be_visible()
    page.fill("textarea[name=result]", result)
    page.get_by_role("button", name="Report rectified").click()
    expect(_message(page)).to_contain_text("The item is reported rectified; it awaits verification by someone else.")
    expect(page.locator(".alert[role=status]")).to_contain_text("Someone else verifies the evidence")
    assert _fits_the_phone(page)

    # The secretary verifies rectification at the branch, but not this item: no button to close it ...
    # (found by where they post, so that the check holds in either language)
    expect(page.locator(f"form[action$='/rectification/{item.pk}/verify/']")).to_have_count(0)
    expect(page.locator(f"form[action$='/rectification/{item.pk}/return/']")).to_have_count(0)
    item.refresh_from_db()
    assert item.status == "submitted"
    # ... and a forged request to close it is refused, with the reason.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    forged = page.request.post(
        secretary.url(f"/rectification/{item.pk}/verify/"),
        form={"csrfmiddlewaretoken": token, "version": str(item.version), "comment": "已整改"},
        headers={"Referer": secretary.url(item_url), "Accept-Language": "en"},
    )
    assert forged.status == 422
    assert "someone else must verify and close it" in forged.text()
    item.refresh_from_db()
    assert (item.status, item.closed_by) == ("submitted", None)
    secretary.assert_clean()

    # The branch's discipline commissioner finds it on the to-do list, checks the evidence and closes it.
    discipline = _as(open_page, "discipline")
    page = discipline.page
    page.get_by_role("link", name=re.compile(r"^Verify: 支部“三会一课”记录不规范")).click()
    expect(page).to_have_url(discipline.url(item_url))
    expect(page.locator(".alert[role=status]")).to_contain_text("check the evidence, then close it or send it back")
    with page.expect_download() as download:
        page.locator("#evidence").get_by_role("link", name="会议签到表.pdf").click()
    assert download.value.path().read_bytes() == PDF
    page.fill("textarea[name=comment]", "经查阅会议记录和签到表，整改到位，同意销号。")
    page.get_by_role("button", name="Verified: close the item").click()
    expect(_message(page)).to_contain_text("The rectification is verified and the item closed.")
    expect(page.locator("#history li").last).to_contain_text("Verified and closed")
    expect(page.locator("form.evidence-form")).to_have_count(0)  # the evidence no longer changes
    item.refresh_from_db()
    assert (item.status, item.closed_by, item.closed_on) == ("closed", cast.discipline, timezone.localdate())

    # The ledger counts it closed.
    page.goto(discipline.url(f"/rectification/ledger/?org={tree.branch_a.pk}"))
    line = page.locator("table tbody tr", has_text=tree.branch_a.display_name)
    expect(line.locator("td").nth(-5)).to_have_text("1")  # items
    expect(line.locator("td").nth(-4)).to_have_text("0")  # overdue
    expect(line.locator("td").nth(-3)).to_have_text("0")  # awaiting verification
    expect(line.locator("td").nth(-2)).to_have_text("100%")  # closure rate
    expect(line.locator("td").nth(-1)).to_have_text("0")  # median days to close: closed the day it was recorded
    discipline.assert_clean()

    # All in the audit trail, in order; the forged close left nothing.
    trail = [
        (e.action, e.actor_label)
        for e in AuditEvent.objects.filter(seq__gt=start, object_id=str(item.pk)).in_order()
        if e.action.startswith("rectification.")
    ]
    assert trail == [
        ("rectification.item_create", "office"),
        ("rectification.evidence_add", "secretary"),
        ("rectification.item_submit", "secretary"),
        ("rectification.item_verify", "discipline"),
    ]
