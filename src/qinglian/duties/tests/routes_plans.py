"""Work plans and tasks: rows of the route table.

branch_b has a published plan (plan_b) with a task of its own (task_b, with an evidence file), a submitted
one (task_b_sub) and a joint one with the committee's audit department (share_b); a draft plan (plan_b2)
holds a draft task (task_b2). Its secretary (secretary_b) sets, reports on and accepts them; branch_a's people
and users without a role get 404. The task list answers everyone: a user with no role sees an empty page.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a", "member")
NOT_MANAGERS = ("liaison", "auditor")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def _version(name, **data):
    def data_fn(world):
        row = world.extra[name]
        row.refresh_from_db()
        return {"version": row.version, **data}

    return data_fn


def _share_data(share) -> dict:
    share.refresh_from_db()
    prefix = f"share{share.pk}-"
    return {f"{prefix}version": share.version, f"{prefix}progress": 50, f"{prefix}note": "已检查一半"}


def world_extend(world) -> None:
    from qinglian.duties.services import tasks as services
    from qinglian.duties.services.plans import plan_publish
    from qinglian.duties.tests.factories import plan_make, task_make

    branch_b, today = world.cast.tree.branch_b, timezone.localdate()
    plan = plan_make(branch_b, title="第二支部党风廉政建设计划")
    task = task_make(plan, title="第二支部廉政谈话任务")
    sub = task_make(plan, title="第二支部警示教育任务")
    joint = task_make(
        plan,
        title="第二支部联合检查任务",
        shares=[{"department": world.department, "share": "审计处负责账目检查", "is_lead": True}],
    )
    plan = plan_publish(plan=plan, version=plan.version, actor=None)
    sub.refresh_from_db()
    services.task_transition(task=sub, to_status="submitted", version=sub.version, comment="已完成", actor=None)
    task.refresh_from_db()
    services.task_report(
        task=task,
        version=task.version,
        text="已谈话三人",
        evidence=[{"file": SimpleUploadedFile("第二支部谈话记录.png", PNG, content_type="image/png")}],
        actor=None,
    )
    draft_plan = plan_make(branch_b, title="第二支部下年度计划")
    draft = task_make(draft_plan, title="第二支部草稿任务", days=60)
    world.extra.update(
        plan_b=plan,
        plan_b2=draft_plan,
        task_b=task,
        task_b_sub=sub,
        task_b2=draft,
        share_b=joint.shares.get(),
        task_evidence_b=task.evidence.get(),
        due_b=(today + timedelta(days=5)).isoformat(),
    )


ROUTES = [
    Route(
        "duties:plan_list", refused=("outsider",), allowed="secretary_b", secret=lambda w: "第二支部党风廉政建设计划"
    ),
    Route("duties:plan_create", refused=("outsider", "member", *NOT_MANAGERS), allowed="secretary_b"),
    Route(
        "duties:plan_detail",
        kwargs=_pk("plan_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部党风廉政建设计划",
    ),
    Route(
        "duties:plan_update",
        kwargs=_pk("plan_b"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
        secret=lambda w: "第二支部党风廉政建设计划",
    ),
    Route(
        "duties:plan_publish",
        "post",
        kwargs=_pk("plan_b2"),
        data=_version("plan_b2"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
    ),
    Route(
        "duties:task_create",
        kwargs=_pk("plan_b"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
        secret=lambda w: "第二支部党风廉政建设计划",
    ),
    Route("duties:task_list", allowed="outsider"),
    Route(
        "duties:task_detail",
        kwargs=_pk("task_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部廉政谈话任务",
    ),
    Route(
        "duties:task_update",
        kwargs=_pk("task_b"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
        secret=lambda w: "第二支部廉政谈话任务",
    ),
    Route(
        "duties:task_remove",
        "post",
        kwargs=_pk("task_b2"),
        data=_version("task_b2"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
    ),
    Route(
        "duties:task_cascade",
        kwargs=_pk("task_b"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
        secret=lambda w: "第二支部廉政谈话任务",
    ),
    Route(
        "duties:task_report",
        "post",
        kwargs=_pk("task_b"),
        data=_version("task_b", text="又谈话两人", progress=60, action="progress"),
        refused=(*B_REFUSED, "auditor"),
        allowed="secretary_b",
    ),
    Route(
        "duties:task_decide",
        "post",
        kwargs=_pk("task_b_sub"),
        data=_version("task_b_sub", decision="accept"),
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
    ),
    Route(
        "duties:task_supervise",
        "post",
        kwargs=_pk("task_b"),
        data=lambda w: {**_version("task_b")(w), "reason": "进度滞后", "due_on": w.extra["due_b"]},
        refused=(*B_REFUSED, *NOT_MANAGERS),
        allowed="secretary_b",
    ),
    Route(
        "duties:share_report",
        "post",
        kwargs=_pk("share_b"),
        data=lambda w: _share_data(w.extra["share_b"]),
        refused=(*B_REFUSED, "auditor"),
        allowed="secretary_b",
    ),
    Route("duties:evidence_file", kwargs=_pk("task_evidence_b"), refused=B_REFUSED, allowed="secretary_b"),
]
