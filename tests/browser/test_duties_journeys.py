"""Journeys through work plans and tasks in a real Chromium.

The issue's must-show: the committee office draws up the year's plan, sets a task and passes it down to every
branch below, and publishes the plan; the first branch's secretary reports progress with an evidence file and a
meeting already on record, and submits; the committee returns it with a comment; the secretary reads the comment
on a phone and submits again; the committee accepts it. Every step is in the audit trail, and the second branch's
task is untouched.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _accept_confirms(visit) -> None:
    visit.page.on("dialog", lambda dialog: dialog.accept())


def _message(page):
    return page.locator(".ql-messages")


def _as(open_page, username: str, *, phone: bool = False):
    visit = open_page(phone=phone, locale="en")
    _accept_confirms(visit)
    log_in(visit, username)
    expect(visit.page).to_have_url(visit.url("/"))
    return visit


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_committee_task_passed_down_submitted_returned_resubmitted_and_accepted(open_page, cast):
    from qinglian.core.models import AuditEvent
    from qinglian.duties.models import Plan, Task, TaskEvidence
    from qinglian.orglife.tests.factories import meeting_counted
    from qinglian.orglife.vocab import MeetingKind
    from qinglian.orgs.models import Organisation

    tree = cast.tree
    year = timezone.localdate().year
    held = meeting_counted(
        tree.branch_a, MeetingKind.GENERAL_MEETING, timezone.localdate() - timedelta(days=6), title="专题学习党员大会"
    )
    branches = Organisation.objects.subtree(tree.root).active().branches().exclude(pk=tree.root.pk)
    expected_units = sorted(branches.values_list("name", flat=True))
    assert len(expected_units) == 3  # 第一、第二党支部 under the general branch, and the branch directly under root
    title = "落实全面从严治党主体责任专题部署"
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    # The committee office draws up the year's plan for the committee.
    office = _as(open_page, "office")
    page = office.page
    page.goto(office.url("/duties/plans/"))
    page.get_by_role("link", name=re.compile("Draw up a plan")).first.click()
    expect(page.locator("#id_organisation")).to_have_value(str(tree.root.pk))
    expect(page.locator("#id_year")).to_have_value(str(year))
    page.fill("#id_title", f"{year}年党风廉政建设工作计划")
    page.fill("#id_summary", "压实两个责任，推动全面从严治党向纵深发展。")
    page.get_by_role("button", name="Save").click()
    expect(_message(page)).to_contain_text("The plan was saved as a draft")
    plan = Plan.objects.get(organisation=tree.root, year=year)
    assert page.url == office.url(f"/duties/plans/{plan.pk}/")

    # ... sets a task, passed down to every branch below.
    page.get_by_role("link", name="Set a task").first.click()
    page.fill("#id_title", title)
    page.fill("#id_description", "各支部召开专题会议传达部署，报送会议记录和落实情况。")
    page.fill("#id_workdays", "15")
    page.get_by_label("All branches below").check()
    page.get_by_role("button", name="Set the task").click()
    expect(_message(page)).to_contain_text(f"The task was set and passed down to {len(expected_units)} units.")
    top = Task.objects.get(plan=plan, parent=None)
    children = Task.objects.filter(parent=top)
    assert sorted(children.values_list("organisation__name", flat=True)) == expected_units
    assert set(children.values_list("status", flat=True)) == {"draft"}

    # ... and publishes the plan: every task is assigned to its unit.
    page.goto(office.url(f"/duties/plans/{plan.pk}/"))
    page.get_by_role("button", name="Publish").click()
    expect(_message(page)).to_contain_text("The plan is published")
    chips = page.locator(".list-group-item", has_text=title)
    for name in expected_units:
        expect(chips.get_by_role("link", name=re.compile(name))).to_be_visible()
    assert set(Task.objects.filter(plan=plan).values_list("status", flat=True)) == {"assigned"}
    office.assert_clean()

    task_a = Task.objects.get(plan=plan, organisation=tree.branch_a)
    task_b = Task.objects.get(plan=plan, organisation=tree.branch_b)
    b_before = (task_b.status, task_b.version, task_b.progress)
    task_url = f"/duties/tasks/{task_a.pk}/"

    # The first branch's secretary finds it on the to-do list and reports progress with a file and a meeting.
    secretary = _as(open_page, "secretary")
    page = secretary.page
    page.get_by_role("link", name=f"Carry out and report: {title} ({tree.branch_a.name})").click()
    expect(page).to_have_url(secretary.url(task_url))
    report = page.locator("#report")
    report.locator("textarea[name=text]").fill("10月召开支部党员大会专题传达，制定落实清单。")
    report.locator("input[name=progress]").fill("60")
    report.get_by_text("Evidence", exact=True).click()
    report.locator("input[type=file][name=file]").set_input_files(
        files=[{"name": "落实清单.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    report.locator("#report-kind").select_option("orglife.meeting")
    report.locator("#report-q").fill("专题学习")
    picked = report.locator(f"#report-pick-{held.pk}")
    expect(picked).to_be_checked()  # the only match is chosen
    report.locator("input[name=note]").fill("会议记录和落实清单")
    report.get_by_role("button", name="Save progress").click()
    expect(_message(page)).to_contain_text("The progress report was saved.")
    timeline = page.locator(".card", has_text="Reports and decisions")
    expect(timeline.get_by_role("link", name="落实清单.pdf")).to_be_visible()
    expect(timeline.get_by_role("link", name=re.compile("专题学习党员大会"))).to_be_visible()
    rows = TaskEvidence.objects.filter(task=task_a).order_by("pk")
    assert [(r.name, r.record_kind, r.record_id) for r in rows] == [
        ("落实清单.pdf", "", None),
        ("", "orglife.meeting", held.pk),
    ]

    # The file comes back through access control.
    with page.expect_download() as download:
        timeline.get_by_role("link", name="落实清单.pdf").click()
    assert download.value.path().read_bytes() == PDF

    # ... then submits it for acceptance.
    report.locator("textarea[name=text]").fill("专题会议已召开，落实清单已制定，请审核。")
    report.locator("input[name=progress]").fill("100")
    report.get_by_role("button", name="Submit for acceptance").click()
    expect(_message(page)).to_contain_text("The task was submitted for acceptance.")
    expect(page.locator("#report")).to_have_count(0)
    secretary.assert_clean()

    # The committee office returns it with a comment.
    comment = "会议记录缺少参会人员签到表，请补充后重新报送。"
    page = office.page
    page.goto(office.url("/"))
    page.get_by_role("link", name=f"Accept or return: {title} ({tree.branch_a.name})").click()
    expect(page).to_have_url(office.url(task_url))
    page.locator("#decide textarea[name=comment]").fill(comment)
    page.locator("#decide").get_by_role("button", name="Return").click()
    expect(_message(page)).to_contain_text(f"The task was returned to {tree.branch_a.name}.")
    office.assert_clean()

    # The secretary reads the comment on a phone and submits again.
    phone = _as(open_page, "secretary", phone=True)
    page = phone.page
    page.get_by_role("link", name=f"Returned, to be done again: {title} ({tree.branch_a.name})").click()
    expect(page).to_have_url(phone.url(task_url))
    expect(page.get_by_role("alert")).to_contain_text(f"Returned by {tree.root.name} to be done again: {comment}")
    report = page.locator("#report")
    report.locator("textarea[name=text]").fill("已补充参会人员签到表，请审核。")
    report.get_by_role("button", name="Submit for acceptance").click()
    expect(_message(page)).to_contain_text("The task was submitted for acceptance.")
    assert _fits_the_phone(page)
    phone.assert_clean()

    # The committee office accepts it.
    page = office.page
    page.goto(office.url(task_url))
    page.locator("#decide textarea[name=comment]").fill("材料齐全，同意验收。")
    page.locator("#decide").get_by_role("button", name="Accept").click()
    expect(_message(page)).to_contain_text("The task was accepted.")
    page.goto(office.url(f"/duties/tasks/{top.pk}/"))
    passed = page.locator(".card", has_text="Passed down to")
    expect(passed).to_contain_text(f"1 of {len(expected_units)} accepted")
    office.assert_clean()

    # All in the audit trail, in order.
    events = list(AuditEvent.objects.filter(seq__gt=start).in_order())
    duties = [(e.action, e.actor_label, e.object_type, e.object_id) for e in events if e.action.startswith("duties.")]
    task_type = duties[1][2]
    on_a = [(action, who) for action, who, kind, pk in duties if kind == task_type and pk == str(task_a.pk)]
    assert on_a == [
        ("duties.task_assign", "office"),
        ("duties.task_report", "secretary"),
        ("duties.task_submit", "secretary"),
        ("duties.task_return", "office"),
        ("duties.task_submit", "secretary"),
        ("duties.task_accept", "office"),
    ]
    assert [action for action, *_ in duties[:4]] == [
        "duties.plan_create",
        "duties.task_create",
        "duties.task_cascade",
        "duties.plan_publish",
    ]
    returned = next(e for e in events if e.action == "duties.task_return")
    assert returned.reason == comment
    task_a.refresh_from_db()
    assert (task_a.status, task_a.progress) == ("accepted", 100)

    # The second branch's task is untouched: assigned, nothing reported, nothing in the trail after publishing.
    task_b.refresh_from_db()
    assert (task_b.status, task_b.version, task_b.progress) == b_before == ("assigned", b_before[1], 0)
    assert not task_b.reports.exists()
    assert [action for action, _who, kind, pk in duties if kind == task_type and pk == str(task_b.pk)] == [
        "duties.task_assign"
    ]


# --- responsibility assessment -----------------------------------------------------------------------------------


def _score_table(org):
    """A 100-point table: 1.1 a duty done or not (40), 1.2 five points off for each lapse (60)."""
    from qinglian.duties.services import assessment as services

    year = timezone.localdate().year
    table = services.table_create(org=org, year=year, title="责任制考核简表", start="blank", actor=None)

    def add(code, title, **fields):
        table.refresh_from_db()
        return services.item_save(table=table, code=code, title=title, version=table.version, actor=None, **fields)

    section = add("一", "落实主体责任")
    add("1.1", "签订党风廉政建设责任书", section=section, points=40, rule="presence")
    add("1.2", "按期报送工作落实情况", section=section, points=60, rule="deduction", params={"per": 5})
    table.refresh_from_db()
    return table


def test_an_assessment_round_self_scored_by_a_branch_and_scored_by_the_committee(open_page, cast):
    from qinglian.core.models import AuditEvent
    from qinglian.duties.models import Round, UnitAssessment

    tree = cast.tree
    table = _score_table(tree.root)
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    # The committee office draws up the year's round on the table and opens self-scoring.
    office = _as(open_page, "office")
    page = office.page
    page.goto(office.url("/duties/assessment/"))
    page.get_by_role("link", name="New round").click()
    page.select_option("#id_table", str(table.pk))
    expect(page.get_by_label(tree.branch_a.name, exact=True)).to_be_checked()  # branches are chosen to begin with
    page.get_by_role("button", name="Save").click()
    expect(_message(page)).to_contain_text("The round is drawn up")
    round = Round.objects.get(table=table)
    page.locator("#open-button").click()
    expect(_message(page)).to_contain_text("Self-scoring is open")
    unit = UnitAssessment.objects.get(round=round, organisation=tree.branch_a)
    scores = {s.item.code: s for s in unit.scores.select_related("item")}
    unit_url = f"/duties/assessment/units/{unit.pk}/"
    office.assert_clean()

    # The first branch's secretary scores the branch from the to-do list.
    secretary = _as(open_page, "secretary")
    page = secretary.page
    page.get_by_role("link", name=f"Self-score {tree.branch_a.name}: {round.title}").click()
    expect(page).to_have_url(secretary.url(unit_url))
    done = page.locator(f"#item-{scores['1.1'].item_id}")
    done.locator("input[name$=self_score]").fill("40")
    done.locator("textarea[name$=self_note]").fill("3月与各党小组签订责任书。")
    done.get_by_role("button", name="Save").click()
    expect(page.locator(f"#item-{scores['1.1'].item_id}").get_by_role("status")).to_contain_text("Saved")
    # A score above the item's points is refused beside it, and what was typed stays.
    lapses = page.locator(f"#item-{scores['1.2'].item_id}")
    lapses.locator("input[name$=self_score]").fill("65")
    lapses.locator("textarea[name$=self_note]").fill("按季度报送，无迟报。")
    lapses.get_by_role("button", name="Save").click()
    expect(lapses).to_contain_text("65 is above the item's 60 points.")
    expect(lapses.locator("input[name$=self_score]")).to_have_value("65")
    expect(lapses.locator("textarea[name$=self_note]")).to_have_value("按季度报送，无迟报。")
    scores["1.2"].refresh_from_db()
    assert scores["1.2"].self_score is None
    lapses.locator("input[name$=self_score]").fill("60")
    lapses.get_by_role("button", name="Save").click()
    expect(lapses.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("#self-sum")).to_have_text("100")
    page.locator("#submit-button").click()
    expect(_message(page)).to_contain_text("The self-scoring is submitted to the assessor.")
    secretary.assert_clean()

    # The committee office scores it: one lapse found, five points off; and gives the result with feedback.
    page = office.page
    page.goto(office.url("/"))
    page.get_by_role("link", name=f"Assess {tree.branch_a.name}: {round.title}").click()
    expect(page).to_have_url(office.url(unit_url))
    done = page.locator(f"#item-{scores['1.1'].item_id}")
    done.locator("input[name$=value]").fill("40")
    done.get_by_role("button", name="Save").click()
    expect(page.locator(f"#item-{scores['1.1'].item_id}").get_by_role("status")).to_contain_text("Saved")
    lapses = page.locator(f"#item-{scores['1.2'].item_id}")
    lapses.locator("input[name$=count]").fill("1")
    lapses.locator("textarea[name$=comment]").fill("第三季度情况迟报一次。")
    lapses.get_by_role("button", name="Save").click()
    expect(lapses.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("#score-sum")).to_have_text("95")
    feedback = "责任落实总体到位，报送时效有待加强。"
    page.locator("#finish-form textarea[name=feedback]").fill(feedback)
    page.locator("#finish-form").get_by_role("button", name="Give the result").click()
    expect(_message(page)).to_contain_text("The result is given and the unit has been told.")
    unit.refresh_from_db()
    assert (unit.status, unit.total, unit.grade) == ("assessed", 95, "优秀")
    office.assert_clean()

    # The branch reads its result and feedback on a phone.
    phone = _as(open_page, "secretary", phone=True)
    page = phone.page
    page.goto(phone.url(unit_url))
    page.get_by_role("link", name="Result and feedback").click()
    expect(page.locator("#total")).to_have_text("95")
    expect(page.locator("#grade")).to_have_text("优秀")
    expect(page.get_by_text(feedback)).to_be_visible()
    lost = page.locator("section", has_text="Where points were lost").locator("tbody tr")
    expect(lost).to_have_count(1)
    expect(lost).to_contain_text("按期报送工作落实情况")
    expect(lost).to_contain_text("−5")
    expect(lost).to_contain_text("第三季度情况迟报一次。")
    assert _fits_the_phone(page)
    phone.assert_clean()

    # All in the audit trail, in order; the refused score left nothing.
    trail = [
        (e.action, e.actor_label)
        for e in AuditEvent.objects.filter(seq__gt=start).in_order()
        if e.action.startswith("duties.")
    ]
    assert trail == [
        ("duties.round_create", "office"),
        ("duties.round_open", "office"),
        ("duties.score_self", "secretary"),
        ("duties.score_self", "secretary"),
        ("duties.unit_submit", "secretary"),
        ("duties.score_assess", "office"),
        ("duties.score_assess", "office"),
        ("duties.unit_finish", "office"),
    ]
