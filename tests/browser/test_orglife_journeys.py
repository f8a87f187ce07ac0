"""Journeys through organisational life in a real Chromium.

A democratic appraisal run end to end by the secretary, two members and a committee member: opened,
self-assessed, balloted, tallied, proposed, decided (after one try over the 1/3 cap), told, acknowledged and
reported. And a branch general meeting from the notice to the record: scheduled and notified by the secretary,
a member asks for leave on a phone and the secretary approves it; once it has started the recorder takes the
attendance and writes the minutes, the secretary approves them, and the meeting counts on the compliance table.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser


def _accept_confirms(visit) -> None:
    """Say yes to the pages' "are you sure?" questions (data-confirm), as the person clicking would."""
    visit.page.on("dialog", lambda dialog: dialog.accept())


def _message(page):
    return page.locator(".ql-messages")


def _as(open_page, username: str, *, phone: bool = False):
    visit = open_page(phone=phone, locale="en")
    _accept_confirms(visit)
    log_in(visit, username)
    expect(visit.page).to_have_url(visit.url("/"))
    return visit


def _refused(visit) -> None:
    """A refused form answers 422 with the form again, which Chromium logs as a failed load: expected once here."""
    refusals = [e for e in visit.errors if "status of 422" in e]
    assert len(refusals) == 1, visit.errors
    visit.errors.remove(refusals[0])


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# --- democratic appraisal ---------------------------------------------------------------------------------------


def test_an_appraisal_round_run_by_the_secretary_two_members_and_a_committee_member(open_page, cast):
    from qinglian.orglife.models import AppraisalEntry, AppraisalRound
    from qinglian.orglife.tests.factories import appraisal_people

    people = appraisal_people(cast)  # 张伟 (member), 李娜 (member2), probationary 陈静, 周强 without a login
    branch = people.tree.branch_a
    year = timezone.localdate().year

    # The secretary opens the branch's round for the year.
    secretary = _as(open_page, "secretary")
    page = secretary.page
    page.goto(secretary.url("/orglife/appraisal/"))
    opening = page.locator("#open-form")
    opening.locator("select[name=organisation]").select_option(str(branch.pk))
    opening.locator("input[name=year]").fill(str(year))
    page.locator("#open-button").click()
    expect(_message(page)).to_contain_text(f"The democratic appraisal of {branch.name} for {year} is open")
    expect(page.locator("#step-self")).to_have_attribute("aria-current", "step")
    expect(page.locator("#count-members")).to_have_text("4")
    round = AppraisalRound.objects.get(organisation=branch, year=year)
    round_url = secretary.url(f"/orglife/appraisal/{round.pk}/")
    entry = dict(AppraisalEntry.objects.filter(round=round).values_list("member__name", "pk"))
    assert page.url == round_url

    # A second round for the same year is refused, with the reason, and the form keeps the choice.
    page.goto(secretary.url("/orglife/appraisal/"))
    opening.locator("select[name=organisation]").select_option(str(branch.pk))
    opening.locator("input[name=year]").fill(str(year))
    page.locator("#open-button").click()
    expect(opening).to_contain_text(f"already has its democratic appraisal for {year}")
    expect(opening.locator("input[name=year]")).to_have_value(str(year))
    assert AppraisalRound.objects.filter(organisation=branch).count() == 1
    _refused(secretary)
    secretary.assert_clean()

    # 张伟 finds the self-assessment on his to-do list, saves a draft, then submits it.
    zhang = _as(open_page, "member")
    page = zhang.page
    page.get_by_role("link", name=f"Write your self-assessment for the {year} appraisal").click()
    expect(page).to_have_url(zhang.url(f"/orglife/appraisal/{round.pk}/me/"))
    form = page.locator("#self-form")
    form.locator("textarea[name=text]").fill("政治上坚定，认真学习党的理论；不足是调查研究不够深入。")
    page.locator("#self-draft").click()
    expect(_message(page)).to_contain_text("Your draft is saved")
    expect(form.locator("textarea[name=text]")).to_have_value(re.compile("调查研究不够深入"))
    page.locator("#self-submit").click()
    expect(_message(page)).to_contain_text("Your self-assessment is submitted.")
    expect(page.locator("#self-head").locator("xpath=..")).to_contain_text("Submitted")
    zhang.assert_clean()

    # 李娜, on her phone, does the same from her to-do list.
    li = _as(open_page, "member2", phone=True)
    page = li.page
    page.get_by_role("link", name=f"Write your self-assessment for the {year} appraisal").click()
    page.locator("#self-form textarea[name=text]").fill("能够按时参加组织生活，发挥党员作用还不够充分。")
    page.locator("#self-submit").click()
    expect(_message(page)).to_contain_text("Your self-assessment is submitted.")
    assert _fits_the_phone(page)
    li.assert_clean()

    # The secretary sees both and opens peer evaluation.
    page = secretary.page
    page.goto(round_url)
    expect(page.locator("#count-self")).to_have_text("2 / 4")
    page.locator("#advance-button").click()
    expect(_message(page)).to_contain_text("Peer and masses evaluation")
    expect(page.locator("#step-peer")).to_have_attribute("aria-current", "step")
    expect(page.locator("#step-self")).to_have_class(re.compile(r"\bis-done\b"))

    # 张伟 votes from the round's page: one grade per colleague; the probationary member is not on it.
    page = zhang.page
    page.goto(round_url)
    page.locator("#my-ballot").click()
    ballot = page.locator("#ballot-form")
    expect(ballot.locator("select")).to_have_count(2)
    expect(ballot.locator(f"select[name=grade-{entry['张伟']}]")).to_have_count(0)
    expect(ballot).to_contain_text("陈静")  # named as taking part without a grade
    ballot.locator(f"select[name=grade-{entry['李娜']}]").select_option("优秀")
    ballot.locator(f"select[name=grade-{entry['周强']}]").select_option("合格")
    page.locator("#ballot-submit").click()
    expect(page.locator("#ballot-cast")).to_contain_text("nobody can see what you chose")
    zhang.assert_clean()

    # 李娜 votes from her organisational-life page on the phone.
    page = li.page
    page.goto(li.url("/orglife/me/"))
    page.get_by_role("link", name="Cast my ballot").click()
    ballot = page.locator("#ballot-form")
    ballot.locator(f"select[name=grade-{entry['张伟']}]").select_option("优秀")
    ballot.locator(f"select[name=grade-{entry['周强']}]").select_option("基本合格")
    page.locator("#ballot-submit").click()
    expect(page.locator("#ballot-cast")).to_be_visible()
    assert _fits_the_phone(page)
    li.assert_clean()

    # The organisation commissioner enters the masses' paper ballots, closes voting and proposes the grades.
    organiser = _as(open_page, "organiser")
    page = organiser.page
    page.goto(round_url)
    expect(page.locator("#count-voters")).to_have_text("2 / 4")
    masses = page.locator("#masses-form")
    counts = {"张伟": (6, 2, 0, 0), "李娜": (2, 6, 0, 0), "周强": (1, 5, 2, 0)}
    for name, row in counts.items():
        for grade, n in zip(("excellent", "qualified", "basically_qualified", "unqualified"), row, strict=True):
            masses.locator(f"input[name=masses-{entry[name]}-{grade}]").fill(str(n))
    page.locator("#masses-save").click()
    expect(_message(page)).to_contain_text("The masses' tally is saved.")
    expect(page.locator(f"input[name=masses-{entry['周强']}-basically_qualified]")).to_have_value("2")
    page.locator("#advance-button").click()
    expect(page.locator("#step-proposal")).to_have_attribute("aria-current", "step")
    # Once voting has closed, the members' ballots show as counts only.
    expect(page.locator(f"#entry-{entry['周强']}")).to_contain_text("Qualified 1")
    expect(page.locator(f"#entry-{entry['周强']}")).to_contain_text("Basically qualified 1")
    expect(page.locator(f"#entry-{entry['张伟']}")).to_contain_text("Excellent 6")
    expect(page.locator("#excellent-cap")).to_have_text("1")
    proposal = page.locator("#propose-form")
    expect(proposal.locator("select")).to_have_count(3)  # no grade for the probationary member
    proposal.locator(f"select[name=grade-{entry['张伟']}]").select_option("优秀")
    proposal.locator(f"select[name=grade-{entry['李娜']}]").select_option("合格")
    proposal.locator(f"select[name=grade-{entry['周强']}]").select_option("合格")
    expect(page.locator("#excellent-count")).to_have_text("1")
    page.locator("#propose-save").click()
    expect(_message(page)).to_contain_text("The committee's proposed grades are saved.")
    organiser.assert_clean()

    # The secretary sends the proposal to the general meeting and records its decision.
    page = secretary.page
    page.goto(round_url)
    page.locator("#advance-button").click()
    expect(page.locator("#step-decision")).to_have_attribute("aria-current", "step")
    decision = page.locator("#decide-form")
    expect(decision.locator(f"select[name=grade-{entry['张伟']}]")).to_have_value("优秀")  # the proposal, filled in
    # Two excellent of three graded is over the cap of one: the counter warns, and saving is refused.
    decision.locator(f"select[name=grade-{entry['李娜']}]").select_option("优秀")
    expect(page.locator("#excellent-count")).to_have_text("2")
    expect(page.locator("#excellent-counter")).to_have_class(re.compile(r"\btext-danger\b"))
    page.locator("#decide-save").click()
    refusal = page.locator("#decide-form [role=alert]")
    expect(refusal).to_contain_text("Too many members graded 优秀 (excellent): 2 are, but at most 1 of the 3")
    expect(decision.locator(f"select[name=grade-{entry['李娜']}]")).to_have_value("优秀")  # what was chosen stays
    assert not AppraisalEntry.objects.filter(round=round).exclude(final_grade="").exists()
    _refused(secretary)
    decision.locator(f"select[name=grade-{entry['李娜']}]").select_option("合格")
    expect(page.locator("#excellent-counter")).not_to_have_class(re.compile(r"\btext-danger\b"))
    page.locator("#decide-save").click()
    expect(_message(page)).to_contain_text("The general meeting's decision is saved.")
    expect(page.locator("#count-graded")).to_have_text("3 / 3")

    # Results are confirmed and told.
    page.locator("#advance-button").click()
    expect(page.locator("#step-notified")).to_have_attribute("aria-current", "step")
    page.locator("#tell-button").click()
    expect(_message(page)).to_contain_text("4 members were marked as told")
    expect(page.locator(f"#entry-{entry['张伟']}")).to_contain_text("Excellent")
    secretary.assert_clean()

    # 张伟 reads his grade on his phone and acknowledges it.
    page = zhang.page
    page.set_viewport_size(PHONE)
    page.goto(zhang.url("/"))
    page.get_by_role("link", name=f"Read and acknowledge your {year} appraisal result").click()
    expect(page.locator("#my-grade")).to_have_text("Excellent")
    page.locator("#acknowledge-button").click()
    expect(_message(page)).to_contain_text("you have acknowledged your result")
    expect(page.locator("#acknowledge-button")).to_have_count(0)
    assert _fits_the_phone(page)
    zhang.assert_clean()

    # The secretary reports upward: every step done, nothing left to change.
    page = secretary.page
    page.goto(round_url)
    page.locator("#advance-button").click()
    expect(_message(page)).to_contain_text("Reported upward")
    for step in ("self", "peer", "proposal", "decision", "notified", "reported"):
        expect(page.locator(f"#step-{step}")).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator("#advance-form, #tell-form, #decide-form, #propose-form, #masses-form")).to_have_count(0)
    expect(page.get_by_text("is locked")).to_be_visible()
    round.refresh_from_db()
    assert round.status == "reported" and round.reported_at is not None
    graded = dict(AppraisalEntry.objects.filter(round=round).values_list("member__name", "final_grade"))
    assert graded == {"张伟": "优秀", "李娜": "合格", "周强": "合格", "陈静": ""}
    secretary.assert_clean()


# --- a meeting, from the notice to the record --------------------------------------------------------------------


def test_a_general_meeting_from_the_notice_to_the_compliance_table(open_page, cast, tmp_path):
    from qinglian.orglife.models import Meeting
    from qinglian.orgs.services import member_create

    branch = cast.tree.branch_a
    host = member_create(organisation=branch, name="刘建国", gender="M", actor=None, user=cast.secretary)
    recorder = member_create(organisation=branch, name="孙明", gender="M", actor=None, user=cast.propagandist)
    title = "第四季度支部党员大会"

    # The secretary schedules the branch's general meeting, with its agenda, host and recorder.
    secretary = _as(open_page, "secretary")
    page = secretary.page
    page.goto(secretary.url("/orglife/meetings/new/"))
    expect(page.locator("#id_organisation")).to_have_value(str(branch.pk))
    expect(page.locator("#id_kind")).to_have_value("general_meeting")
    page.fill("#id_title", title)
    page.fill("#id_place", "局机关三楼会议室")
    page.fill("#id_agenda", "传达学习上级会议精神\n研究部署下季度党建工作")
    page.select_option("#id_host", str(host.pk))
    page.select_option("#id_recorder", str(recorder.pk))
    for name in ("张伟", "李娜", "刘建国", "孙明"):  # the members of the branch, ticked for a general meeting
        expect(page.get_by_label(name, exact=True)).to_be_checked()
    page.get_by_role("button", name="Put it on the calendar").click()
    expect(_message(page)).to_contain_text("The meeting is on the calendar.")
    expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()
    meeting = Meeting.objects.get(title=title)
    meeting_url = secretary.url(f"/orglife/meetings/{meeting.pk}/")
    assert page.url == meeting_url
    page.get_by_role("button", name="Send the notice").click()
    expect(_message(page)).to_contain_text(re.compile(r"The notice went to \d+ invitees"))
    secretary.assert_clean()

    # 张伟 opens it from his organisational-life page on his phone, adds it to his calendar and asks for leave.
    member = _as(open_page, "member", phone=True)
    page = member.page
    page.goto(member.url("/orglife/me/"))
    page.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(rf"/orglife/meetings/{meeting.pk}/$"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar").click()
    ics = download.value.path().read_text(encoding="utf-8")
    assert "BEGIN:VCALENDAR" in ics and title in ics
    page.get_by_role("button", name="I will attend").click()
    expect(_message(page)).to_contain_text("Your reply is saved: Will attend.")
    page.get_by_text("Ask for leave").click()
    leave = page.locator(f"form[action$='/meetings/{meeting.pk}/leave/']")
    leave.locator("textarea[name=reason]").fill("当天赴省财政厅参加预算编制培训")
    leave.get_by_role("button", name="Send the request").click()
    expect(_message(page)).to_contain_text("Your leave request is sent to the secretary.")
    expect(page.get_by_text("Leave requested").first).to_be_visible()
    assert _fits_the_phone(page)
    member.assert_clean()

    # The secretary approves the leave.
    page = secretary.page
    page.goto(meeting_url)
    waiting = page.locator(".card", has_text="Leave requests awaiting a decision")
    expect(waiting).to_contain_text("当天赴省财政厅参加预算编制培训")
    waiting.get_by_role("button", name="Approve").click()
    expect(_message(page)).to_contain_text("Leave approved for 张伟.")

    # The day comes: the meeting has started.
    start = max(
        timezone.now() - timedelta(minutes=30),
        timezone.make_aware(datetime.combine(timezone.localdate(), time(0))),
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=start, starts_on=timezone.localtime(start).date(), ends_at=start + timedelta(hours=2)
    )

    # The recorder takes the attendance: everyone present but 张伟, who is on leave.
    recording = _as(open_page, "propagandist")
    page = recording.page
    page.goto(recording.url(f"/orglife/meetings/{meeting.pk}/"))
    page.get_by_role("link", name="Record attendance").first.click()
    page.get_by_role("link", name="Mark everyone not yet recorded as present").click()
    rows = page.locator(".ql-att .list-group-item")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="张伟").locator("input[value=leave]")).to_be_checked()
    expect(rows.filter(has_text="李娜").locator("input[value=present]")).to_be_checked()
    page.get_by_role("button", name="Save the attendance").click()
    expect(_message(page)).to_contain_text("Attendance is recorded.")
    expect(page.get_by_text("3 of 4 members present")).to_be_visible()
    expect(page.get_by_text("Quorum met")).to_be_visible()

    # ... and writes the minutes: the agenda's items are there; one gets its discussion, decision and vote.
    page.get_by_role("link", name="Write the minutes").click()
    page.locator("textarea[name=summary]").fill("会议由刘建国同志主持，应到4人，实到3人，张伟同志请假。")
    expect(page.locator("#item-0-title")).to_have_value("传达学习上级会议精神")
    expect(page.locator("#item-1-title")).to_have_value("研究部署下季度党建工作")
    page.fill("#item-1-discussion", "与会党员逐一发言，围绕下季度重点工作提出意见建议。")
    page.fill("#item-1-decision", "会议同意下季度党建工作安排。")
    page.fill("#item-1-for", "3")
    page.fill("#item-1-against", "0")
    page.fill("#item-1-abstain", "0")
    page.get_by_role("button", name="Save and submit for approval").click()
    expect(_message(page)).to_contain_text("The minutes were submitted for approval.")
    expect(page.get_by_text("Waiting for the secretary's approval.")).to_be_visible()
    recording.assert_clean()

    # The secretary reads and approves them; they become the record and download as Word.
    page = secretary.page
    page.goto(meeting_url)
    page.locator("#minutes").get_by_role("button", name="Approve").click()
    expect(_message(page)).to_contain_text("The minutes were approved")
    page.goto(secretary.url(f"/orglife/meetings/{meeting.pk}/minutes/"))
    expect(page.get_by_text("会议同意下季度党建工作安排。")).to_be_visible()
    expect(page.get_by_label("Vote")).to_contain_text("For 3")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (.docx)").click()
    with zipfile.ZipFile(download.value.path()) as document:
        body = document.read("word/document.xml").decode("utf-8")
    assert title in body and "会议同意下季度党建工作安排。" in body

    # The meeting counts, and the compliance table shows it for the branch.
    page.goto(meeting_url)
    expect(page.get_by_text("Counts towards the requirements")).to_be_visible()
    page.goto(secretary.url(f"/orglife/compliance/?org={branch.pk}"))
    row = page.locator("table.ql-compliance tbody tr", has_text=branch.name).first
    kinds = [text.strip() for text in page.locator("table.ql-compliance thead th").all_inner_texts()]
    cell = row.locator("td").nth(kinds.index("Branch general meeting") - 1)
    expect(cell.locator(".ql-mono")).to_have_text(re.compile(r"^1/\d+$"))
    secretary.assert_clean()
