"""Plans and tasks over the API: the same services and refusals as the pages, in the API's error format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.duties.models import Task
from qinglian.duties.tests.factories import plan_published, unit_secretary
from qinglian.orgs.services import department_create

API = "/api/v1/duties"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture(autouse=True)
def _english_pages(client):
    """The messages asserted are the English ones (the site's language is Chinese)."""
    client.cookies["django_language"] = "en"


def _json(client, method, url, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def _due(days=20) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_the_journey_over_the_api(cast, login):
    tree = cast.tree
    office = login(cast.office)
    response = _json(
        office, "post", f"{API}/plans", {"organisation_id": tree.root.pk, "year": 2026, "title": "年度工作计划"}
    )
    assert response.status_code == 201, response.content
    plan = response.json()
    assert (plan["status"], plan["tasks"]) == ("draft", [])
    response = _json(
        office, "post", f"{API}/plans/{plan['id']}/tasks", {"title": "专题学习", "workdays": 10, "all_below": True}
    )
    assert response.status_code == 201, response.content
    top = response.json()
    assert [c["organisation_name"] for c in top["children"]] == ["第一党支部", "第二党支部", "直属党支部"]  # tree order
    response = _json(office, "post", f"{API}/plans/{plan['id']}/publish", {"version": plan["version"]})
    assert response.json()["status"] == "published"
    assert {t["status"] for t in response.json()["tasks"]} == {"assigned"}

    branch = login(cast.secretary_b)
    listed = branch.get(f"{API}/tasks").json()
    assert [t["organisation_name"] for t in listed["items"]] == ["第二党支部"] and listed["count"] == 1
    task = listed["items"][0]
    response = branch.post(
        f"{API}/tasks/{task['id']}/reports",
        {"version": task["version"], "text": "已学习", "progress": 50, "file": _png(), "note": "照片"},
    )
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["kind"] == "progress" and report["evidence"][0]["name"] == "学习照片.png"
    file_url = f"{API}/evidence/{report['evidence'][0]['id']}/file"
    assert branch.get(file_url).status_code == 200
    assert login(cast.secretary).get(file_url).status_code == 404
    branch = login(cast.secretary_b)
    task = branch.get(f"{API}/tasks/{task['id']}").json()
    assert task["status"] == "in_progress" and task["progress"] == 50
    response = branch.post(f"{API}/tasks/{task['id']}/reports", {"version": task["version"], "submit": "true"})
    assert response.status_code == 201 and response.json()["kind"] == "submitted"
    task = branch.get(f"{API}/tasks/{task['id']}").json()

    office = login(cast.office)
    url = f"{API}/tasks/{task['id']}/transition"
    response = _json(office, "post", url, {"version": task["version"], "status": "returned"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0] == {
        "field": "comment",
        "message": "Say why the task is returned: the unit needs to know what to do.",
    }
    returned = _json(
        office, "post", url, {"version": task["version"], "status": "returned", "comment": "再深入"}
    ).json()
    assert returned["status"] == "returned"
    response = _json(office, "post", url, {"version": task["version"], "status": "accepted"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"

    branch = login(cast.secretary_b)
    resubmitted = _json(
        branch, "post", url, {"version": returned["version"], "status": "submitted", "comment": "已补充"}
    )
    assert resubmitted.json()["status"] == "submitted"
    response = _json(branch, "post", url, {"version": resubmitted.json()["version"], "status": "accepted"})
    assert response.status_code == 403

    office = login(cast.office)
    accepted = _json(office, "post", url, {"version": resubmitted.json()["version"], "status": "accepted"}).json()
    assert accepted["status"] == "accepted" and accepted["progress"] == 100
    assert [r["kind"] for r in accepted["reports"]] == ["progress", "submitted", "returned", "submitted", "accepted"]
    actions = AuditEvent.objects.filter(object_type="duties.task", object_id=str(task["id"])).values_list(
        "action", flat=True
    )
    assert list(actions.order_by("seq")) == [
        "duties.task_assign",
        "duties.task_report",
        "duties.task_submit",
        "duties.task_return",
        "duties.task_submit",
        "duties.task_accept",
    ]


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("学习照片.png", PNG, content_type="image/png")


def test_a_unit_outside_the_subtree_is_refused_with_its_reason(cast, login):
    tree = cast.tree
    gb_secretary = unit_secretary(tree.gb, "gb_secretary")
    client = login(gb_secretary)
    plan = _json(client, "post", f"{API}/plans", {"organisation_id": tree.gb.pk, "year": 2026, "title": "总支计划"})
    plan = plan.json()
    body = {"title": "总支任务", "due_on": _due(), "unit_ids": [tree.branch_a.pk, tree.branch_c.pk]}
    response = _json(client, "post", f"{API}/plans/{plan['id']}/tasks", body)
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert detail["field"] == "units" and "直属党支部: not below 第一党总支" in detail["message"]
    assert not Task.objects.exists()
    body = {"title": "总支任务", "due_on": (timezone.localdate() - timedelta(days=1)).isoformat()}
    response = _json(client, "post", f"{API}/plans/{plan['id']}/tasks", body)
    assert response.status_code == 422 and "before today" in response.json()["error"]["details"][0]["message"]
    # A plan of another unit is not there for it.
    response = _json(client, "post", f"{API}/plans", {"organisation_id": tree.branch_c.pk, "year": 2026, "title": "x"})
    assert response.status_code == 404


def test_cascade_shares_and_supervision_over_the_api(cast, login):
    tree = cast.tree
    gb_secretary = unit_secretary(tree.gb, "gb_secretary")
    _plan, (top,) = plan_published(tree.root, units=[tree.gb], actor=cast.office)
    gb_task = Task.objects.get(parent=top)
    client = login(gb_secretary)
    response = _json(
        client, "post", f"{API}/tasks/{gb_task.pk}/cascade", {"version": gb_task.version, "all_below": True}
    )
    assert response.status_code == 201
    assert sorted(t["organisation_name"] for t in response.json()) == ["第一党支部", "第二党支部"]
    response = _json(client, "post", f"{API}/tasks/{top.pk}/cascade", {"version": top.version, "all_below": True})
    assert response.status_code == 404  # the committee's own task is not the general branch's to read

    office = login(cast.office)
    due = _due(3)
    response = _json(
        office, "post", f"{API}/tasks/{gb_task.pk}/supervise", {"version": 99, "reason": "慢", "due_on": due}
    )
    assert response.status_code == 409
    gb_task.refresh_from_db()
    body = {"version": gb_task.version, "reason": "进度慢", "due_on": due}
    response = _json(office, "post", f"{API}/tasks/{gb_task.pk}/supervise", body)
    assert response.status_code == 201 and response.json()["level_name"] == "机关党委"
    supervised = office.get(f"{API}/tasks", {"supervised": "true"}).json()["items"]
    assert [t["id"] for t in supervised] == [gb_task.pk]

    audit = department_create(organisation=tree.root, name="审计处", actor=None)
    plan = _json(
        office, "post", f"{API}/plans", {"organisation_id": tree.root.pk, "year": 2026, "title": "联合"}
    ).json()
    body = {
        "title": "联合检查",
        "due_on": _due(),
        "shares": [{"department_id": audit.pk, "share": "账目检查", "is_lead": True, "contact_id": cast.auditor.pk}],
    }
    joint = _json(office, "post", f"{API}/plans/{plan['id']}/tasks", body).json()
    _json(office, "post", f"{API}/plans/{plan['id']}/publish", {"version": plan["version"]})
    (share,) = joint["shares"]
    response = _json(
        login(cast.auditor),
        "post",
        f"{API}/shares/{share['id']}/report",
        {"version": share["version"], "progress": 30, "note": "已抽查凭证"},
    )
    assert response.status_code == 200 and response.json()["progress"] == 30
    assert Task.objects.get(pk=joint["id"]).progress == 30


def test_bad_filters_and_strangers(cast, login):
    plan_published(cast.tree.branch_b, actor=cast.secretary_b)
    client = login(cast.secretary_b)
    assert client.get(f"{API}/tasks", {"status": "lost"}).status_code == 422
    assert login(cast.outsider).get(f"{API}/tasks").json() == {"items": [], "count": 0}
    assert login(cast.secretary).get(f"{API}/plans").json()["count"] == 0


def test_api_lists_query_counts_do_not_grow_with_rows(cast, login):
    client = login(cast.office)
    for title in ("一", "二"):
        plan_published(cast.tree.root, tasks=(title,), all_below=True, actor=cast.office)
    client.get(f"{API}/tasks")
    few = [count_queries(lambda url=url: client.get(url)) for url in (f"{API}/tasks", f"{API}/plans")]
    for title in ("三", "四", "五"):
        plan_published(cast.tree.root, tasks=(title,), all_below=True, actor=cast.office)
    many = [count_queries(lambda url=url: client.get(url)) for url in (f"{API}/tasks", f"{API}/plans")]
    assert many == few
