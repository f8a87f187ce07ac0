"""Duties' test factories: plain functions that make rows directly, each area's under its own heading."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

# --- dashboards


def dash_plan(org, *, year: int | None = None, title: str = "年度工作计划"):
    from qinglian.duties.models import Plan

    return Plan.objects.create(
        organisation=org, year=year or timezone.localdate().year, title=title, status="published"
    )


def dash_task(plan, org, *, status: str = "assigned", due_on: date | None = None, title: str = "任务", **fields):
    """A task of `plan` for `org`; an accepted one gets its acceptance date."""
    from qinglian.duties.models import Task

    if status == "accepted":
        fields.setdefault("accepted_on", timezone.localdate())
    due_on = due_on or timezone.localdate() + timedelta(days=30)
    return Task.objects.create(plan=plan, organisation=org, title=title, status=status, due_on=due_on, **fields)


def dash_share(task, department, *, done_on: date | None = None, is_lead: bool = False):
    from qinglian.duties.models import TaskShare

    return TaskShare.objects.create(task=task, department=department, is_lead=is_lead, share="分工", done_on=done_on)


def dash_item(org, owner, *, created_on: date, closed_after: int | None = None, status: str = "open", **fields):
    """A rectification item recorded on `created_on`; `closed_after` days later verified and closed if given."""
    from django.contrib.auth import get_user_model

    from qinglian.rectification.models import Item

    fields.setdefault("due_on", created_on + timedelta(days=60))
    fields.setdefault("source", "inspection")
    if closed_after is not None:
        status = "closed"
        verifier = get_user_model().objects.filter(is_superuser=False).order_by("pk").first()
        fields.update(closed_on=created_on + timedelta(days=closed_after), closed_by=verifier)
    if status != "open":
        fields.setdefault("submitted_on", fields.get("closed_on") or created_on)
    return Item.objects.create(
        organisation=org, owner=owner, problem="问题", created_on=created_on, status=status, **fields
    )


def dash_round(org, *, year: int, status: str = "finished", grades: list | None = None):
    from qinglian.duties.models import Round, ScoreTable

    grades = grades or [
        {"grade": "优秀", "min": 90, "no_zero_item": True},
        {"grade": "良好", "min": 80},
        {"grade": "合格", "min": 60},
        {"grade": "不合格", "min": 0},
    ]
    table = ScoreTable.objects.create(organisation=org, year=year, title=f"{year}年考核表", grades=grades)
    return Round.objects.create(table=table, organisation=org, year=year, title=f"{year}年责任制考核", status=status)


def dash_result(the_round, org, *, total=None, grade: str = "", status: str = "finished"):
    from qinglian.duties.models import UnitAssessment

    return UnitAssessment.objects.create(round=the_round, organisation=org, total=total, grade=grade, status=status)


# --- plans and tasks


def plan_make(org, *, year: int | None = None, title: str = "党风廉政建设工作计划", actor=None):
    """A unit's draft work plan through the services."""
    from qinglian.duties.services.plans import plan_create

    return plan_create(org=org, year=year or timezone.localdate().year, title=title, actor=actor)


def task_make(plan, *, title: str = "开展廉政教育", days: int = 30, actor=None, **fields):
    """A task of `plan` through the services, due `days` from today (or as `fields` say)."""
    from qinglian.duties.services.tasks import task_create

    if "workdays" not in fields:
        fields.setdefault("due_on", timezone.localdate() + timedelta(days=days))
    return task_create(plan=plan, title=title, actor=actor, **fields)


def plan_published(org, *, tasks=("开展廉政教育",), units=(), all_below: bool = False, days: int = 30, actor=None):
    """A published plan of `org` with `tasks`, each passed down to `units` (or all branches below); returns
    (plan, [top tasks])."""
    from qinglian.duties.services.plans import plan_publish

    plan = plan_make(org, actor=actor)
    tops = [task_make(plan, title=t, days=days, units=units, all_below=all_below, actor=actor) for t in tasks]
    plan = plan_publish(plan=plan, version=plan.version, actor=actor)
    for task in tops:
        task.refresh_from_db()
    return plan, tops


def unit_secretary(org, username: str):
    """A login holding the branch secretary's role on `org` and its subtree (duties view, manage, report)."""
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    user = get_user_model().objects.create_user(username, f"{username}@example.cn", "pw", first_name=username.title())
    role = Role.objects.get(code="branch_secretary")
    role_assign(user=user, role=role, organisation=org, include_subtree=True, actor=None)
    return user


# --- duty lists


def lists_list(org, *, year: int | None = None, status: str = "draft", is_template: bool = False, title: str = ""):
    """A duty list of `org` for `year` (this year by default), made directly."""
    from qinglian.duties.models import DutyList

    year = year or timezone.localdate().year
    return DutyList.objects.create(
        organisation=org,
        year=year,
        title=title or f"{org.name}{year}年责任清单",
        status=status,
        is_template=is_template,
        published_at=timezone.now() if status == "published" else None,
    )


def lists_duty(duty_list, *, holder: str = "committee", content: str = "专题研究党风廉政建设工作", **fields):
    from qinglian.duties.models import Duty

    fields.setdefault("order", (duty_list.duties.count() + 1) * 10)
    fields.setdefault("frequency", "half_year")
    return Duty.objects.create(duty_list=duty_list, holder=holder, content=content, **fields)


def lists_post(org, member, post: str):
    """Seat `member` in `post` on `org`'s current committee term (started a year ago if there is none)."""
    from qinglian.orgs.models import CommitteeTerm
    from qinglian.orgs.services import post_assign, term_start

    term = CommitteeTerm.objects.filter(organisation=org, closed_on__isnull=True).first()
    if term is None:
        term = term_start(org=org, elected_on=timezone.localdate() - timedelta(days=365), actor=None)
    return post_assign(term=term, member=member, post=post, actor=None)
