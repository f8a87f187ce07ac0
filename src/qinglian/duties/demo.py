"""Work plans and assessment in the demo agency, through the services (the duty lists are demo_lists'): the
committee's 党风廉政建设 work plan with its tasks passed down to every general branch and branch, a joint task
shared by three departments, supervision; and responsibility assessment — last year's round finished, this
year's under way.

The history is played through the services on the days it happened (they take `today`), so deadlines,
submissions and acceptances fall where they would have; the notices it sent were dealt with at the time and are
removed. Deterministic; runs once, after organisational life, study, rectification and the duty lists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from qinglian.core.links import record_search
from qinglian.core.models import Notification
from qinglian.duties.models import Plan, Task, TaskReport
from qinglian.duties.services import plans as plan_services
from qinglian.duties.services import tasks as task_services
from qinglian.duties.vocab import TaskStatus
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Department, Organisation
from qinglian.reports import docx


@dataclass
class Context:
    root: Organisation
    office: object
    secretary: object
    liaison: object
    today: date
    rng: random.Random


def load(*, members: int = 300) -> dict:
    """Add the demo's work plan and assessment unless they are there already (in the site's language)."""
    root = Organisation.objects.filter(code=ROOT_CODE).first()
    if root is None or Plan.objects.filter(organisation=root).exists():
        return {"loaded": False}
    with translation.override(settings.LANGUAGE_CODE):
        started = timezone.now()
        users = get_user_model().objects.in_bulk(["office", "secretary", "liaison"], field_name="username")
        ctx = Context(
            root, users.get("office"), users.get("secretary"), users.get("liaison"), timezone.localdate(),
            random.Random(2026),
        )  # fmt: skip
        with transaction.atomic():
            tasks = _plan(ctx)
        out = {"loaded": True, "tasks": tasks}
        try:
            from qinglian.duties import demo_assessment
        except ImportError:  # pragma: no cover - the area is built in its own module
            demo_assessment = None
        if demo_assessment is not None:
            out.update(demo_assessment.load(ctx))
        Notification.objects.filter(created_at__gte=started, kind__startswith="duties.").delete()
        return out


def _units(root: Organisation) -> list[Organisation]:
    """The general branches and branches below the committee, top down."""
    return list(
        Organisation.objects.filter(path__gt=root.path, path__lt=root.path + "~", is_active=True)
        .exclude(kind=Organisation.Kind.GROUP)
        .order_by("path")
    )


def _unit(ctx: Context, key: str) -> Organisation:
    return Organisation.objects.get(code=f"{ROOT_CODE}-{key.upper()}")


# -- the work plan ---------------------------------------------------------------------------------------


def _on(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _dated(task: Task, day: date) -> None:
    """Put the reports the last service call wrote on the day it happened (services stamp the clock)."""
    TaskReport.objects.filter(task=task, at__gte=timezone.now() - timedelta(minutes=5)).update(at=_on(day))


def _evidence_file(title: str, text: str) -> dict:
    document = docx.document_new()
    docx.add_title(document, title, size=18)
    for line in text.split("\n"):
        docx.add_paragraph(document, line)
    data = docx.document_bytes(document)
    return {"file": SimpleUploadedFile(f"{title}.docx", data, content_type=docx.CONTENT_TYPE)}


def _meeting_link(user, org: Organisation, day: date) -> list[dict]:
    """A link to one of the unit's meetings held by `day`, when the one reporting may see one: evidence without a
    copy."""
    if user is None:
        return []
    for ref in record_search(user, "orglife.meeting", org.name, 50):
        if ref.day is not None and ref.day <= day:
            return [{"record_kind": "orglife.meeting", "record_id": ref.id}]
    return []


def _carry_out(ctx: Context, task: Task, *, start: date, end: date, fate: str, actor) -> None:
    """One unit's life with its task: report, submit, and the assigner's decision on the day it came."""
    task.refresh_from_db()
    middle = start + (end - start) / 2
    if fate in ("progress", "submitted", "accepted", "returned", "resubmitted", "overdue"):
        task = task_services.task_report(
            task=task, actor=actor, version=task.version, progress=50, today=middle,
            text=f"{task.organisation.display_name}已制定工作方案，正在推进。",
            evidence=_meeting_link(actor, task.organisation, middle),
        ).task  # fmt: skip
        _dated(task, middle)
    if fate in ("submitted", "accepted", "returned", "resubmitted"):
        task.refresh_from_db()
        task = task_services.task_transition(
            task=task, to_status=TaskStatus.SUBMITTED, version=task.version, actor=actor, progress=100, today=end,
            comment="已按要求完成，报送完成情况及佐证材料。",
            evidence=[_evidence_file(f"{task.title[:20]}完成情况", f"{task.organisation.name}\n{task.title}")],
        )  # fmt: skip
        _dated(task, end)
    decided = end + timedelta(days=3)
    if fate in ("returned", "resubmitted"):
        task = task_services.task_transition(
            task=task, to_status=TaskStatus.RETURNED, version=task.version, actor=ctx.office, today=decided,
            comment="佐证材料不全：请补充会议记录和参加人员签到表后重新报送。",
        )  # fmt: skip
        _dated(task, decided)
    if fate == "resubmitted":
        again = decided + timedelta(days=4)
        task = task_services.task_transition(
            task=task, to_status=TaskStatus.SUBMITTED, version=task.version, actor=actor, progress=100, today=again,
            comment="已补充会议记录和签到表。",
            evidence=[_evidence_file("会议记录及签到表", f"{task.organisation.name}\n补充材料")],
        )  # fmt: skip
        _dated(task, again)
        decided = again + timedelta(days=2)
    if fate in ("accepted", "resubmitted"):
        task_services.task_transition(
            task=task, to_status=TaskStatus.ACCEPTED, version=task.version, actor=ctx.office, today=decided,
            comment="材料齐全，予以验收。",
        )  # fmt: skip
        _dated(task, decided)


# title, description, days from the plan's start to the deadline, who gets it
TASKS = [
    (
        "召开党风廉政建设工作会议，逐级签订党风廉政建设责任书",
        "各总支、支部召开专题会议传达局党风廉政建设工作会议精神，书记与支部委员逐一签订责任书，报送签订情况。",
        45,
        "all",
    ),
    (
        "开展“以案为鉴、以案促改”警示教育月活动",
        "组织观看警示教育片、学习典型案例通报，每名党员撰写心得体会，支部召开专题组织生活会对照检查。",
        120,
        "all",
    ),
    (
        "开展年度述责述廉，报送班子成员履行“一岗双责”情况",
        "各总支组织所属支部书记述责述廉，汇总班子成员履行“一岗双责”情况，年底前报局机关党委。",
        295,
        "general",
    ),
    (
        "落实“三会一课”制度，每季度报送执行情况和整改台账",
        "按季度报送“三会一课”、主题党日开展情况，对巡察、审计反馈的问题建立整改台账，逐项销号。",
        300,
        "all",
    ),
]


def _plan(ctx: Context) -> int:
    year, today = ctx.today.year, ctx.today
    start = max(date(year, 1, 5), today - timedelta(days=280))
    plan = plan_services.plan_create(
        org=ctx.root, year=year, actor=ctx.office, title=f"{year}年局机关党风廉政建设工作计划",
        summary="坚持全面从严治党，压紧压实主体责任和监督责任，推动党风廉政建设各项任务落到每个支部、每个处室。",
    )  # fmt: skip
    created = []
    for title, description, days, reach in TASKS:
        due = min(start + timedelta(days=days), date(year, 12, 20))
        task = task_services.task_create(
            plan=plan, title=title, description=description, due_on=due, actor=ctx.office, today=start
        )
        created.append((task, due, reach))
    joint = task_services.task_create(
        plan=plan,
        title="开展财政资金监管领域廉政风险排查",
        description="对预算安排、资金拨付、政府采购等环节的廉政风险点开展联合排查，形成排查报告和防控措施清单。",
        due_on=start + timedelta(days=240),
        actor=ctx.office,
        today=start,
        shares=_shares(ctx),
    )
    plan.refresh_from_db()
    plan_services.plan_publish(plan=plan, version=plan.version, actor=ctx.office, today=start)
    _dated_all(plan, start)
    units = _units(ctx.root)
    general = [u for u in units if u.kind == Organisation.Kind.GENERAL_BRANCH]
    count = 1
    for n, (task, due, reach) in enumerate(created):
        task.refresh_from_db()
        targets = general if reach == "general" else []
        children = task_services.task_cascade(
            task=task, units=targets, all_below=reach == "all", actor=ctx.office, today=start
        )
        _dated_all(plan, start)
        count += 1 + len(children)
        if reach == "general":  # the general branches pass it on to their branches, who are at work on it
            end = min(ctx.today - timedelta(days=1), start + (due - start) * 2 / 3)
            for child in children:
                grand = task_services.task_cascade(
                    task=child, all_below=True, actor=None, today=start + timedelta(days=7)
                )
                count += len(grand)
                if end <= start + timedelta(days=14):
                    continue
                for k, branch_task in enumerate(sorted(grand, key=lambda t: t.organisation.path)):
                    actor = ctx.secretary if branch_task.organisation.code == f"{ROOT_CODE}-BUDGET" else None
                    fate = ("progress", "submitted", "progress")[k % 3]
                    _carry_out(ctx, branch_task, start=start + timedelta(days=10), end=end, fate=fate, actor=actor)
                _carry_out(ctx, child, start=start + timedelta(days=7), end=end, fate="progress", actor=None)
            continue
        for k, child in enumerate(sorted(children, key=lambda t: t.organisation.path)):
            actor = ctx.secretary if child.organisation.code == f"{ROOT_CODE}-BUDGET" else None
            _child_life(ctx, child, n, k, start=start, due=due, actor=actor)
    _joint_life(ctx, joint, start)
    return count + 1


def _dated_all(plan: Plan, day: date) -> None:
    TaskReport.objects.filter(task__plan=plan, at__gte=timezone.now() - timedelta(minutes=5)).update(at=_on(day, 9))


def _child_life(ctx: Context, child: Task, n: int, k: int, *, start: date, due: date, actor) -> None:
    today = ctx.today
    if due < today:  # its deadline has passed: almost everyone delivered, one returned and resubmitted
        fate = ("resubmitted" if k == 1 and n == 1 else "accepted") if k % 7 != 5 else "overdue"
        end = due - timedelta(days=ctx.rng.randrange(2, 12))
    else:
        fate = ("progress", "submitted", "accepted", "progress", "returned")[(n + k) % 5]
        end = min(today - timedelta(days=1), start + (due - start) * 2 / 3)
    if end <= start + timedelta(days=4):  # early in January: the tasks have only just been assigned
        return
    _carry_out(ctx, child, start=start + timedelta(days=3), end=end, fate=fate, actor=actor)
    if fate == "overdue":
        child.refresh_from_db()
        day = due + timedelta(days=2)
        if day < today:
            task_services.task_supervise(
                task=child, reason="已超过完成时限仍未报送，请抓紧办理并说明原因。", due_on=day + timedelta(days=5),
                actor=ctx.office, version=child.version, today=day,
            )  # fmt: skip


def _shares(ctx: Context) -> list[dict]:
    departments = {d.code: d for d in Department.objects.filter(organisation=ctx.root)}
    rows = [
        ("SJC", True, "牵头制定排查方案，汇总排查结果，形成排查报告", ctx.liaison),
        ("CWC", False, "梳理资金拨付、公务支出环节的风险点，提出防控措施", None),
        ("JJZ", False, "对排查出的高风险点开展监督检查，督促落实防控措施", None),
    ]
    return [
        {"department": departments[code], "is_lead": lead, "share": share, "contact": contact}
        for code, lead, share, contact in rows
        if code in departments
    ]


def _joint_life(ctx: Context, joint: Task, start: date) -> None:
    """The three departments report on their shares: the lead is half done, finance done, discipline started."""
    joint.refresh_from_db()
    shares = {share.department.code: share for share in joint.shares.select_related("department")}
    day = min(ctx.today - timedelta(days=1), start + timedelta(days=120))
    for code, progress, note, done in [
        ("CWC", 100, "已梳理资金拨付、公务支出环节风险点12个，提出防控措施18条。", True),
        ("SJC", 60, "排查方案已印发，已汇总3个处室的排查结果。", False),
        ("JJZ", 30, "已对2个高风险点开展监督检查。", False),
    ]:
        share = shares.get(code)
        if share is None:
            continue
        share.refresh_from_db()
        task_services.share_report(
            share=share, actor=None, version=share.version, progress=progress, note=note, done=done, today=day
        )
    _dated(joint, day)
