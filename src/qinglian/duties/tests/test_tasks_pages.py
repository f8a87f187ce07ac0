"""Plans and tasks in the browser: the committee's journey with a branch, refusals that keep what was typed,
who sees which forms, evidence downloads, and lists whose query count does not grow with their rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.duties.models import Plan, Task, TaskEvidence
from qinglian.duties.services import tasks as services
from qinglian.duties.tests.factories import plan_make, plan_published, task_make, unit_secretary

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _as(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


def test_the_committee_and_a_branch_carry_a_task_through_in_the_browser(cast, client):
    tree, due = cast.tree, (timezone.localdate() + timedelta(days=20)).isoformat()
    office = _as(client, cast.office)
    response = office.post(
        reverse("duties:plan_create"),
        {"organisation": tree.root.pk, "year": timezone.localdate().year, "title": "2026年党风廉政建设工作计划"},
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("duties:plan_detail", args=[plan.pk])
    response = office.post(
        reverse("duties:task_create", args=[plan.pk]),
        {"title": "开展警示教育", "description": "组织观看警示教育片", "due_on": due, "all_below": "on"},
    )
    top = Task.objects.get(parent=None)
    assert response["Location"] == reverse("duties:task_detail", args=[top.pk])
    assert top.children.count() == 3
    response = office.post(reverse("duties:plan_publish", args=[plan.pk]), {"version": plan.version})
    assert response.status_code == 302
    page = _page(office.get(reverse("duties:plan_detail", args=[plan.pk])))
    assert "Passed down: 0 of 3 accepted" in page and "第二党支部" in page

    branch = _as(client, cast.secretary_b)
    listed = _page(branch.get(reverse("duties:task_list")))
    task_b = Task.objects.get(parent=top, organisation=tree.branch_b)
    assert reverse("duties:task_detail", args=[task_b.pk]) in listed and "第一党支部" not in listed
    page = _page(branch.get(reverse("duties:task_detail", args=[task_b.pk])))
    assert "Submit for acceptance" in page and "Accept or return" not in page
    response = branch.post(
        reverse("duties:task_report", args=[task_b.pk]),
        {
            "text": "已组织观看，参加18人",
            "progress": "100",
            "version": task_b.version,
            "action": "submit",
            "file": SimpleUploadedFile("签到表.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    task_b.refresh_from_db()
    assert task_b.status == "submitted"

    office = _as(client, cast.office)
    page = _page(office.get(reverse("duties:task_detail", args=[task_b.pk])))
    assert "Accept or return" in page and "签到表.png" in page
    response = office.post(
        reverse("duties:task_decide", args=[task_b.pk]), {"decision": "return", "version": task_b.version}
    )
    assert response.status_code == 422 and "Say why the task is returned" in _page(response)
    response = office.post(
        reverse("duties:task_decide", args=[task_b.pk]),
        {"decision": "return", "comment": "请补充观后感", "version": task_b.version},
    )
    assert response.status_code == 302
    task_b.refresh_from_db()

    branch = _as(client, cast.secretary_b)
    page = _page(branch.get(reverse("duties:task_detail", args=[task_b.pk])))
    assert "Returned by 机关党委 to be done again" in page and "请补充观后感" in page
    response = branch.post(
        reverse("duties:task_report", args=[task_b.pk]),
        {"text": "已补充观后感18篇", "version": task_b.version, "action": "submit"},
    )
    assert response.status_code == 302
    task_b.refresh_from_db()

    office = _as(client, cast.office)
    response = office.post(
        reverse("duties:task_decide", args=[task_b.pk]),
        {"decision": "accept", "comment": "", "version": task_b.version},
    )
    assert response.status_code == 302
    task_b.refresh_from_db()
    assert task_b.status == "accepted"
    page = _page(office.get(reverse("duties:task_detail", args=[top.pk])))
    assert "1 of 3 accepted" in page
    assert list(
        AuditEvent.objects.filter(object_type="duties.task", object_id=str(task_b.pk))
        .order_by("seq")
        .values_list("action", "actor_id")
    ) == [
        ("duties.task_assign", cast.office.pk),
        ("duties.task_submit", cast.secretary_b.pk),
        ("duties.task_return", cast.office.pk),
        ("duties.task_submit", cast.secretary_b.pk),
        ("duties.task_accept", cast.office.pk),
    ]


def test_a_deadline_before_today_is_refused_and_the_form_keeps_what_was_typed(cast, client):
    plan = plan_make(cast.tree.root)
    office = _as(client, cast.office)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = office.post(
        reverse("duties:task_create", args=[plan.pk]),
        {"title": "补报上季度台账", "due_on": yesterday, "units": [cast.tree.branch_b.pk]},
    )
    assert response.status_code == 422
    page = _page(response)
    assert "is before today" in page and "补报上季度台账" in page
    assert not Task.objects.exists()
    response = office.post(
        reverse("duties:task_create", args=[plan.pk]), {"title": "两种期限", "due_on": yesterday, "workdays": "5"}
    )
    assert response.status_code == 422 and "not both" in _page(response)


def test_a_unit_not_offered_is_refused_on_the_page(cast, client):
    gb_secretary = unit_secretary(cast.tree.gb, "gb_secretary")
    plan = plan_make(cast.tree.gb, actor=gb_secretary)
    page = _as(client, gb_secretary).post(
        reverse("duties:task_create", args=[plan.pk]),
        {"title": "总支任务", "workdays": "10", "units": [cast.tree.branch_a.pk, cast.tree.branch_c.pk]},
    )
    assert page.status_code == 422 and "Select a valid choice" in _page(page)
    assert not Task.objects.exists()


def test_a_general_branch_passes_its_task_down_on_the_cascade_page(cast, client):
    tree = cast.tree
    gb_secretary = unit_secretary(tree.gb, "gb_secretary")
    _plan, (top,) = plan_published(tree.root, units=[tree.gb], actor=cast.office)
    gb_task = Task.objects.get(parent=top)
    gb = _as(client, gb_secretary)
    page = _page(gb.get(reverse("duties:task_detail", args=[gb_task.pk])))
    assert reverse("duties:task_cascade", args=[gb_task.pk]) in page
    form = gb.get(reverse("duties:task_cascade", args=[gb_task.pk]))
    assert "第一党支部" in _page(form) and "直属党支部" not in _page(form)
    response = gb.post(reverse("duties:task_cascade", args=[gb_task.pk]), {"version": gb_task.version})
    assert response.status_code == 422 and "Choose the units" in _page(response)
    response = gb.post(
        reverse("duties:task_cascade", args=[gb_task.pk]), {"version": gb_task.version, "units": [tree.branch_a.pk]}
    )
    assert response.status_code == 302
    assert list(gb_task.children.values_list("organisation__name", flat=True)) == ["第一党支部"]
    # branch_a now has it: the committee's cascade page no longer offers it.
    page = _page(_as(client, cast.office).get(reverse("duties:task_cascade", args=[top.pk])))
    assert "第二党支部" in page and f'name="units" value="{tree.branch_a.pk}"' not in page


def test_a_stale_decision_says_someone_else_acted(cast, client):
    _plan, (task,) = plan_published(cast.tree.branch_b, actor=cast.secretary_b)
    services.task_transition(task=task, to_status="submitted", version=None, actor=cast.secretary_b)
    task.refresh_from_db()
    response = _as(client, cast.secretary_b).post(
        reverse("duties:task_decide", args=[task.pk]), {"decision": "accept", "version": task.version - 1}
    )
    assert response.status_code == 409 and "Someone else changed this task" in _page(response)
    task.refresh_from_db()
    assert task.status == "submitted"


def test_readers_see_no_action_forms(cast, client):
    _plan, (top,) = plan_published(cast.tree.root, all_below=True, actor=cast.office)
    task_b = Task.objects.get(parent=top, organisation=cast.tree.branch_b)
    page = _page(_as(client, cast.auditor).get(reverse("duties:task_detail", args=[task_b.pk])))
    for action in ("task_report", "task_decide", "task_supervise", "task_cascade", "task_update"):
        assert reverse(f"duties:{action}", args=[task_b.pk]) not in page
    page = _page(_as(client, cast.office).get(reverse("duties:task_detail", args=[task_b.pk])))
    assert reverse("duties:task_supervise", args=[task_b.pk]) in page
    assert reverse("duties:task_report", args=[task_b.pk]) in page  # the office covers branch_b too


def test_supervision_on_the_page(cast, client):
    _plan, (top,) = plan_published(cast.tree.root, all_below=True, actor=cast.office)
    task_b = Task.objects.get(parent=top, organisation=cast.tree.branch_b)
    office = _as(client, cast.office)
    url = reverse("duties:task_supervise", args=[task_b.pk])
    response = office.post(url, {"reason": "进度滞后", "version": task_b.version})
    assert response.status_code == 422 and "Give the day by which" in _page(response)
    soon = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert office.post(url, {"reason": "进度滞后", "due_on": soon, "version": task_b.version}).status_code == 302
    listed = _page(_as(client, cast.secretary_b).get(reverse("duties:task_list"), {"supervised": "1"}))
    assert reverse("duties:task_detail", args=[task_b.pk]) in listed
    listed = _page(client.get(reverse("duties:task_list"), {"status": "accepted"}))
    assert "No tasks match" in listed


def test_a_joint_task_is_set_with_departments_and_reported_by_share(cast, client):
    from qinglian.orgs.services import department_create

    discipline = department_create(organisation=cast.tree.root, name="纪检监察室", actor=None)
    finance = department_create(organisation=cast.tree.root, name="财务处", actor=None)
    plan = plan_make(cast.tree.root)
    office = _as(client, cast.office)
    url = reverse("duties:task_create", args=[plan.pk])
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = office.post(url, {"title": "公务接待专项检查", "due_on": due, f"share_{discipline.pk}": "牵头检查"})
    assert response.status_code == 422 and "Choose the lead department" in _page(response)
    response = office.post(
        url,
        {
            "title": "公务接待专项检查",
            "due_on": due,
            "lead": discipline.pk,
            f"share_{discipline.pk}": "牵头检查",
            f"contact_{discipline.pk}": cast.inspector.pk,
            f"share_{finance.pk}": "提供报销凭证",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.is_joint and task.shares.get(is_lead=True).contact == cast.inspector
    office.post(reverse("duties:plan_publish", args=[plan.pk]), {"version": plan.version})
    share = task.shares.get(department=finance)
    liaison = _as(client, cast.liaison)
    page = _page(liaison.get(reverse("duties:task_detail", args=[task.pk])))
    assert reverse("duties:share_report", args=[share.pk]) in page
    prefix = f"share{share.pk}-"
    response = liaison.post(
        reverse("duties:share_report", args=[share.pk]),
        {f"{prefix}version": share.version, f"{prefix}progress": "40", f"{prefix}note": "凭证已调取"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.progress, task.status) == (20, "in_progress")


def test_evidence_files_are_downloaded_through_access_control(cast, client):
    _plan, (top,) = plan_published(cast.tree.root, all_below=True, actor=cast.office)
    task_b = Task.objects.get(parent=top, organisation=cast.tree.branch_b)
    file = SimpleUploadedFile("第二支部台账.png", PNG, content_type="image/png")
    services.task_report(task=task_b, version=None, text="台账", evidence=[{"file": file}], actor=cast.secretary_b)
    row = TaskEvidence.objects.get()
    assert "第二支部台账" not in row.file.name  # stored under a random name
    url = reverse("duties:evidence_file", args=[row.pk])
    response = _as(client, cast.secretary_b).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert "attachment" in response["Content-Disposition"]
    assert _as(client, cast.secretary).get(url).status_code == 404


def test_a_user_without_a_role_has_an_empty_task_list(cast, client):
    plan_published(cast.tree.root, all_below=True, actor=cast.office)
    response = _as(client, cast.outsider).get(reverse("duties:task_list"))
    assert response.status_code == 200 and "you hold no role" in _page(response)
    assert not response.context["page"].object_list


def test_the_task_list_answers_htmx_with_its_rows(cast, client):
    plan_published(cast.tree.branch_b, tasks=("第二支部任务",), actor=cast.secretary_b)
    response = _as(client, cast.secretary_b).get(reverse("duties:task_list"), HTTP_HX_REQUEST="true")
    page = _page(response)
    assert "第二支部任务" in page and "<html" not in page


def _plan_rows(org, n, actor):
    for i in range(n):
        plan_published(org, tasks=(f"任务{i}",), all_below=True, actor=actor)


def test_list_pages_query_counts_do_not_grow_with_rows(cast, client):
    office = _as(client, cast.office)
    _plan_rows(cast.tree.root, 2, cast.office)
    urls = [reverse("duties:plan_list"), reverse("duties:task_list"), reverse("duties:task_list") + "?overdue=1"]
    office.get(urls[0])  # the first request of a session fills caches the others read
    few = [count_queries(lambda url=url: office.get(url)) for url in urls]
    _plan_rows(cast.tree.root, 4, cast.office)
    many = [count_queries(lambda url=url: office.get(url)) for url in urls]
    assert many == few


def test_plan_detail_query_count_does_not_grow_with_tasks(cast, client):
    plan = plan_make(cast.tree.root)
    task_make(plan, title="任务一", all_below=True, actor=cast.office)
    office = _as(client, cast.office)
    url = reverse("duties:plan_detail", args=[plan.pk])
    office.get(url)  # the first request of a session fills caches the others read
    few = count_queries(lambda: office.get(url))
    for title in ("任务二", "任务三", "任务四"):
        task_make(plan, title=title, all_below=True, actor=cast.office)
    assert count_queries(lambda: office.get(url)) == few


def test_a_branch_reads_the_plan_above_with_only_its_own_tasks(cast, client):
    plan, _tops = plan_published(cast.tree.root, tasks=("全委任务",), all_below=True, actor=cast.office)
    branch = _as(client, cast.secretary_b)
    page = _page(branch.get(reverse("duties:plan_detail", args=[plan.pk])))
    assert "only your units' tasks are shown" in page and "第一党支部" not in page and "第二党支部" in page
    assert plan.title in _page(branch.get(reverse("duties:plan_list")))
    assert _as(client, cast.outsider).get(reverse("duties:plan_detail", args=[plan.pk])).status_code == 404
