"""Work plans and tasks through the services: deadlines, passing down, the workflow and its audit trail, joint
tasks, supervision, evidence and indicators."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.duties.indicators_tasks import tasks_on_time_rate, tasks_overdue
from qinglian.duties.models import Supervision, Task, TaskEvidence, TaskReport, TaskShare
from qinglian.duties.services import tasks as services
from qinglian.duties.services.plans import plan_publish, plan_tree, plan_update
from qinglian.duties.tests.factories import plan_make, plan_published, task_make, unit_secretary
from qinglian.orgs.services import Conflict, department_create

pytestmark = pytest.mark.usefixtures("in_english")

# A Tuesday before the National Day holiday of 2026 (1–7 October; Saturday 10 October is a working day).
BEFORE_HOLIDAY = date(2026, 9, 29)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def png(name="证明材料.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _task_of(parent, org) -> Task:
    return Task.objects.get(parent=parent, organisation=org)


def _events(task) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="duties.task", object_id=str(task.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- deadlines ----------------------------------------------------------------------------------------------


def test_a_deadline_in_working_days_skips_the_national_day_holiday(cast):
    plan = plan_make(cast.tree.root, year=2026, actor=cast.office)
    task = services.task_create(plan=plan, title="报送半年总结", workdays=3, actor=cast.office, today=BEFORE_HOLIDAY)
    # 30 September, then 8 and 9 October: the holiday week does not count.
    assert task.due_on == date(2026, 10, 9) and task.status == "draft" and task.workdays == 3
    publish_day = date(2026, 9, 30)
    plan_publish(plan=plan, version=plan.version, actor=cast.office, today=publish_day)
    task.refresh_from_db()
    # Counted again from publication: 8, 9 and the working Saturday 10 October.
    assert (task.status, task.assigned_on, task.due_on) == ("assigned", publish_day, date(2026, 10, 10))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"due_on": date(2026, 9, 28)}, "before today"),
        ({"due_on": date(2026, 10, 30), "workdays": 5}, "not both"),
        ({}, "Give a deadline"),
        ({"workdays": 0}, "working days"),
        ({"due_on": date(2026, 10, 30), "title": "  "}, "title"),
    ],
)
def test_bad_tasks_are_refused_and_nothing_is_saved(cast, fields, message):
    plan = plan_make(cast.tree.root, year=2026)
    with pytest.raises(ValidationError, match=message):
        services.task_create(
            plan=plan, title=fields.pop("title", "任务"), actor=cast.office, today=BEFORE_HOLIDAY, **fields
        )
    assert not Task.objects.exists()


def test_only_the_units_managers_set_its_tasks(cast):
    plan = plan_make(cast.tree.root)
    with pytest.raises(PermissionDenied):
        task_make(plan, actor=cast.secretary)
    with pytest.raises(PermissionDenied):
        plan_make(cast.tree.branch_b, actor=cast.secretary)
    assert not Task.objects.exists()


# --- passing down -------------------------------------------------------------------------------------------


def test_all_branches_below_get_a_task_each(cast):
    tree = cast.tree
    plan = plan_make(tree.root)
    task = task_make(plan, all_below=True, actor=cast.office)
    children = {child.organisation for child in task.children.all()}
    assert children == {tree.branch_a, tree.branch_b, tree.branch_c}  # not the general branch, not the group
    assert all(child.status == "draft" and child.due_on == task.due_on for child in task.children.all())
    assert _events(task) == ["duties.task_create", "duties.task_cascade"]


def test_a_unit_outside_the_subtree_is_refused_and_nothing_is_half_saved(cast):
    tree = cast.tree
    gb_secretary = unit_secretary(tree.gb, "gb_secretary")
    _plan, (top,) = plan_published(tree.root, units=[tree.gb], actor=cast.office)
    gb_task = _task_of(top, tree.gb)
    with pytest.raises(ValidationError, match="直属党支部: not below 第一党总支") as refused:
        services.task_cascade(task=gb_task, units=[tree.branch_a, tree.branch_c], actor=gb_secretary)
    assert "nothing was saved" in str(refused.value)
    assert not gb_task.children.exists()
    assert "duties.task_cascade" not in _events(gb_task)
    # Set with its cascade in one go: the task itself is not kept either.
    plan = plan_make(tree.gb, actor=gb_secretary)
    with pytest.raises(ValidationError, match="not below"):
        task_make(plan, title="总支任务", units=[tree.branch_a, tree.branch_c], actor=gb_secretary)
    assert not Task.objects.filter(title="总支任务").exists()


def test_a_general_branch_passes_its_task_further_down_once_per_unit(cast):
    tree = cast.tree
    gb_secretary = unit_secretary(tree.gb, "gb_secretary")
    _plan, (top,) = plan_published(tree.root, units=[tree.gb], actor=cast.office)
    gb_task = _task_of(top, tree.gb)
    with pytest.raises(PermissionDenied):
        services.task_cascade(task=gb_task, all_below=True, actor=cast.secretary)
    children = services.task_cascade(task=gb_task, all_below=True, actor=gb_secretary)
    assert {c.organisation for c in children} == {tree.branch_a, tree.branch_b}
    assert all(c.status == "assigned" and c.due_on == gb_task.due_on for c in children)
    # branch_a already has the task through the general branch: the committee cannot give it a second one.
    with pytest.raises(ValidationError, match="第一党支部 already have this task"):
        services.task_cascade(task=top, units=[tree.branch_a, tree.branch_c], actor=cast.office)
    assert not Task.objects.filter(parent=top, organisation=tree.branch_c).exists()
    # "All branches below" leaves out those that have it.
    added = services.task_cascade(task=top, all_below=True, actor=cast.office)
    assert [c.organisation for c in added] == [tree.branch_c]
    tree_nodes = plan_tree(Task.objects.filter(plan=top.plan).select_related("organisation"))
    (root_node,) = tree_nodes
    assert [n.task.organisation.name for n in root_node.descendants()] == [
        "第一党总支",
        "第一党支部",
        "第二党支部",
        "直属党支部",
    ]
    assert [n.depth for n in root_node.descendants()] == [1, 2, 2, 1]


# --- the workflow -------------------------------------------------------------------------------------------


def test_cascade_submit_return_resubmit_accept_all_in_the_audit_trail(cast, settings, tmp_path):
    tree = cast.tree
    plan, (top,) = plan_published(tree.root, all_below=True, actor=cast.office)
    task_b = _task_of(top, tree.branch_b)
    assert task_b.status == "assigned" and plan.status == "published"

    services.task_report(
        task=task_b, version=task_b.version, text="已召开警示教育会", progress=60,
        evidence=[{"file": png(), "note": "会议照片"}], actor=cast.secretary_b,
    )  # fmt: skip
    task_b.refresh_from_db()
    assert (task_b.status, task_b.progress) == ("in_progress", 60)
    services.task_transition(
        task=task_b, to_status="submitted", version=task_b.version, comment="已完成", actor=cast.secretary_b
    )
    task_b.refresh_from_db()
    with pytest.raises(ValidationError, match="Say why the task is returned"):
        services.task_transition(task=task_b, to_status="returned", version=task_b.version, actor=cast.office)
    with pytest.raises(PermissionDenied):  # a unit does not accept its own task set from above
        services.task_transition(task=task_b, to_status="accepted", version=task_b.version, actor=cast.secretary_b)
    services.task_transition(
        task=task_b, to_status="returned", version=task_b.version, comment="缺少整改台账", actor=cast.office
    )
    task_b.refresh_from_db()
    assert task_b.status == "returned"
    with pytest.raises(Conflict):
        services.task_transition(
            task=task_b, to_status="submitted", version=task_b.version - 1, comment="重报", actor=cast.secretary_b
        )
    services.task_transition(
        task=task_b, to_status="submitted", version=task_b.version, comment="已补充台账", actor=cast.secretary_b,
        evidence=[{"file": png("整改台账.png")}],
    )  # fmt: skip
    task_b.refresh_from_db()
    services.task_transition(task=task_b, to_status="accepted", version=task_b.version, actor=cast.office)
    task_b.refresh_from_db()
    assert (task_b.status, task_b.progress, task_b.accepted_on) == ("accepted", 100, timezone.localdate())

    assert list(task_b.reports.order_by("at", "pk").values_list("kind", "text")) == [
        ("progress", "已召开警示教育会"),
        ("submitted", "已完成"),
        ("returned", "缺少整改台账"),
        ("submitted", "已补充台账"),
        ("accepted", ""),
    ]
    assert _events(task_b) == [
        "duties.task_assign",
        "duties.task_report",
        "duties.task_submit",
        "duties.task_return",
        "duties.task_submit",
        "duties.task_accept",
    ]
    returned = AuditEvent.objects.get(object_id=str(task_b.pk), action="duties.task_return")
    assert returned.reason == "缺少整改台账" and returned.actor_id == cast.office.pk
    assert TaskEvidence.objects.filter(task=task_b).count() == 2
    assert services.children_counts([top.pk]) == {top.pk: (1, 3)}
    with pytest.raises(ValidationError, match="cannot become"):
        services.task_transition(task=task_b, to_status="submitted", version=task_b.version, actor=cast.secretary_b)


def test_another_units_people_may_not_carry_out_the_task(cast):
    _plan, (top,) = plan_published(cast.tree.root, all_below=True, actor=cast.office)
    task_b = _task_of(top, cast.tree.branch_b)
    for user in (cast.secretary, cast.auditor):
        with pytest.raises(PermissionDenied):
            services.task_report(task=task_b, version=None, text="越权", actor=user)
        with pytest.raises(PermissionDenied):
            services.task_transition(task=task_b, to_status="submitted", version=None, actor=user)
    assert not TaskReport.objects.filter(task=task_b).exists()


def test_drafts_are_read_only_by_the_plans_managers_until_published(cast):
    plan = plan_make(cast.tree.root)
    top = task_make(plan, all_below=True, actor=cast.office)
    child = _task_of(top, cast.tree.branch_b)
    assert not services.tasks_readable(cast.secretary_b).filter(pk=child.pk).exists()
    assert services.tasks_readable(cast.office).filter(pk=child.pk).exists()
    plan_publish(plan=plan, version=plan.version, actor=cast.office)
    assert services.tasks_readable(cast.secretary_b).filter(pk=child.pk).exists()


def test_publishing_needs_tasks_and_deadlines_from_today(cast):
    plan = plan_make(cast.tree.root)
    with pytest.raises(ValidationError, match="Add the plan's tasks"):
        plan_publish(plan=plan, version=plan.version, actor=cast.office)
    task_make(plan, title="年中检查", days=3)
    later = timezone.localdate() + timedelta(days=5)
    with pytest.raises(ValidationError, match="年中检查"):
        plan_publish(plan=plan, version=plan.version, actor=cast.office, today=later)
    assert not Task.objects.exclude(status="draft").exists()
    with pytest.raises(Conflict):
        plan_update(plan=plan, version=plan.version + 1, title="新标题", year=plan.year, actor=cast.office)


def test_only_a_draft_task_is_removed_with_what_was_passed_down(cast):
    plan = plan_make(cast.tree.root)
    top = task_make(plan, all_below=True, actor=cast.office)
    services.task_remove(task=top, version=top.version, actor=cast.office)
    assert not Task.objects.exists()
    _plan, (assigned,) = plan_published(cast.tree.root)
    with pytest.raises(PermissionDenied):
        services.task_remove(task=assigned, version=None, actor=cast.office)


# --- joint tasks --------------------------------------------------------------------------------------------


@pytest.fixture
def departments(cast):
    root = cast.tree.root
    return (
        department_create(organisation=root, name="纪检监察室", actor=None),
        department_create(organisation=root, name="组织人事处", actor=None),
        department_create(organisation=root, name="财务处", actor=None),
    )


def test_a_joint_task_has_one_lead_and_its_progress_is_the_mean_of_the_shares(cast, departments):
    discipline, personnel, finance = departments
    plan = plan_make(cast.tree.root)
    shares = [
        {"department": discipline, "share": "牵头制定方案", "is_lead": True, "contact": cast.inspector},
        {"department": personnel, "share": "干部廉政档案"},
        {"department": finance, "share": "经费保障"},
    ]
    for bad, message in [
        ([{**shares[0]}, {**shares[1], "is_lead": True}], "exactly one lead"),
        ([shares[0], {**shares[1], "share": " "}], "Say what 组织人事处"),
        ([shares[0], shares[0]], "named twice"),
    ]:
        with pytest.raises(ValidationError, match=message):
            task_make(plan, shares=bad, actor=cast.office)
    assert not Task.objects.exists()
    task = task_make(plan, shares=shares, actor=cast.office)
    plan_publish(plan=plan, version=plan.version, actor=cast.office)
    assert task.is_joint and TaskShare.objects.filter(task=task).count() == 3
    lead = task.shares.get(is_lead=True)
    services.share_report(share=lead, version=lead.version, progress=90, note="方案已印发", actor=cast.inspector)
    other = task.shares.get(department=personnel)
    with pytest.raises(PermissionDenied):
        services.share_report(share=other, version=other.version, progress=50, note="越权", actor=cast.secretary_b)
    services.share_report(
        share=other, version=other.version, done=True, progress=None, note="档案已建", actor=cast.liaison
    )
    task.refresh_from_db()
    assert (task.status, task.progress) == ("in_progress", round((90 + 100 + 0) / 3))
    other.refresh_from_db()
    assert other.done_on == timezone.localdate() and other.progress == 100
    assert AuditEvent.objects.filter(action="duties.share_report").count() == 2


def test_a_department_of_another_agency_cannot_share_the_task(cast, departments):
    from qinglian.orgs.services import org_create

    other = org_create(name="另一机关党委", kind="committee", parent=None, actor=None)
    elsewhere = department_create(organisation=other, name="另一机关办公室", actor=None)
    plan = plan_make(cast.tree.gb)
    with pytest.raises(ValidationError, match="not an active department of the agency above"):
        task_make(plan, shares=[{"department": elsewhere, "share": "协助", "is_lead": True}])


def test_a_shares_department_that_reported_stays_on_the_task(cast, departments):
    discipline, personnel, _finance = departments
    plan = plan_make(cast.tree.root)
    rows = [
        {"department": discipline, "share": "牵头", "is_lead": True},
        {"department": personnel, "share": "配合"},
    ]
    task = task_make(plan, shares=rows, actor=cast.office)
    plan_publish(plan=plan, version=plan.version, actor=cast.office)
    share = task.shares.get(department=personnel)
    services.share_report(share=share, version=share.version, progress=20, note="已启动", actor=cast.liaison)
    task.refresh_from_db()
    with pytest.raises(ValidationError, match="组织人事处 already reported"):
        services.task_update(
            task=task, version=task.version, title=task.title, due_on=task.due_on, actor=cast.office,
            shares=[{**rows[0]}],
        )  # fmt: skip
    # The lead may move to the other department.
    services.task_update(
        task=task, version=task.version, title=task.title, due_on=task.due_on, actor=cast.office,
        shares=[{**rows[0], "is_lead": False}, {**rows[1], "is_lead": True}],
    )  # fmt: skip
    assert task.shares.get(is_lead=True).department == personnel


# --- supervision --------------------------------------------------------------------------------------------


def test_the_assigner_supervises_an_open_task(cast):
    _plan, (top,) = plan_published(cast.tree.root, all_below=True, actor=cast.office)
    task_b = _task_of(top, cast.tree.branch_b)
    soon = timezone.localdate() + timedelta(days=3)
    with pytest.raises(PermissionDenied):  # branch_b did not set it
        services.task_supervise(task=task_b, reason="进度慢", due_on=soon, version=None, actor=cast.secretary_b)
    with pytest.raises(ValidationError, match="before today"):
        services.task_supervise(
            task=task_b, reason="进度慢", due_on=timezone.localdate() - timedelta(days=1), version=None,
            actor=cast.office,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="Say why"):
        services.task_supervise(task=task_b, reason=" ", due_on=soon, version=None, actor=cast.office)
    supervision = services.task_supervise(task=task_b, reason="进度慢", due_on=soon, version=None, actor=cast.office)
    task_b.refresh_from_db()
    assert task_b.supervised and supervision.level == cast.tree.root
    with pytest.raises(ValidationError, match="already under supervision"):
        services.task_supervise(task=task_b, reason="再督办", due_on=soon, version=None, actor=cast.office)
    assert cast.secretary_b.notifications.filter(title__contains="督办").exists()
    # Accepting the task closes its supervision.
    services.task_transition(task=task_b, to_status="submitted", version=None, actor=cast.secretary_b)
    services.task_transition(task=task_b, to_status="accepted", version=None, actor=cast.office)
    task_b.refresh_from_db()
    assert not task_b.supervised
    assert Supervision.objects.get(pk=supervision.pk).closed_at is not None
    assert "duties.task_supervise" in _events(task_b)


# --- evidence that points at records ------------------------------------------------------------------------


def test_evidence_links_a_meeting_and_shows_it_only_to_who_may_see_it(cast):
    from qinglian.core.links import records_resolve
    from qinglian.orglife.tests.factories import attend_all, meeting_make

    meeting = attend_all(meeting_make(cast.tree.branch_b, title="第二支部警示教育大会", days=-2))
    _plan, (top,) = plan_published(cast.tree.root, all_below=True, actor=cast.office)
    task_b = _task_of(top, cast.tree.branch_b)
    task_a = _task_of(top, cast.tree.branch_a)
    link = {"record_kind": "orglife.meeting", "record_id": meeting.pk, "note": "会议记录"}
    with pytest.raises(ValidationError, match="No such record, or you may not see it"):
        services.task_report(task=task_a, version=None, text="借用别的支部的会", evidence=[link], actor=cast.secretary)
    services.task_report(task=task_b, version=None, text="召开了大会", evidence=[link], actor=cast.secretary_b)
    row = TaskEvidence.objects.get(task=task_b)
    assert (row.record_kind, row.record_id, row.file.name) == ("orglife.meeting", meeting.pk, "")
    pair = ("orglife.meeting", meeting.pk)
    assert records_resolve(cast.secretary_b, [pair])[pair].label.endswith("第二支部警示教育大会")
    assert records_resolve(cast.secretary, [pair])[pair] is None


def test_an_unacceptable_file_saves_nothing(cast):
    _plan, (task,) = plan_published(cast.tree.branch_b, actor=cast.secretary_b)
    bad = SimpleUploadedFile("病毒.exe", b"MZ\x90\x00" * 10, content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="is not a photo"):
        services.task_report(task=task, version=None, text="附件", evidence=[{"file": bad}], actor=cast.secretary_b)
    task.refresh_from_db()
    assert task.status == "assigned" and not TaskReport.objects.exists() and not TaskEvidence.objects.exists()


# --- indicators ---------------------------------------------------------------------------------------------


def test_on_time_rate_and_overdue_count_each_subtree(cast):
    tree, today = cast.tree, timezone.localdate()
    _plan, (top,) = plan_published(tree.root, all_below=True, days=2, actor=cast.office)
    a, b, c = (_task_of(top, unit) for unit in (tree.branch_a, tree.branch_b, tree.branch_c))
    services.task_transition(task=a, to_status="submitted", version=None, actor=cast.secretary)
    services.task_transition(task=a, to_status="accepted", version=None, actor=cast.office)
    services.task_transition(task=b, to_status="submitted", version=None, actor=cast.secretary_b)
    # After the deadline b waits on the committee and c is late; the committee's own copy of the task it passed
    # down is followed through the branches' tasks, so it is neither due nor late itself.
    on = today + timedelta(days=5)
    orgs = [tree.root, tree.gb, tree.branch_a, tree.branch_c, tree.group_a]
    rate = tasks_on_time_rate(orgs=orgs, year=top.due_on.year, on=on)
    assert rate[tree.root.pk] == pytest.approx(1 / 3)
    assert rate[tree.gb.pk] == pytest.approx(1 / 2) and rate[tree.branch_a.pk] == 1.0
    assert rate[tree.branch_c.pk] == 0.0 and rate[tree.group_a.pk] is None
    overdue = tasks_overdue(orgs=orgs, year=top.due_on.year, on=on)
    assert overdue[tree.root.pk] == 1 and overdue[tree.gb.pk] == 0 and overdue[tree.branch_c.pk] == 1
    assert tasks_overdue(orgs=[tree.root], year=top.due_on.year, on=today)[tree.root.pk] == 0
    assert c.status == "assigned"
