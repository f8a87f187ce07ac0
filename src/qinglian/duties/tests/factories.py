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


# --- assessment


def assess_table(org, *, year: int | None = None, start: str = "default", title: str = "党风廉政建设责任制考核评分表"):
    """A score table of `org`: the shipped default (start="default") or an empty one ("blank")."""
    from qinglian.duties.services import assessment as services

    year = year or timezone.localdate().year
    return services.table_create(org=org, year=year, title=title, start=start, actor=None)


def assess_small_table(org, *, year: int | None = None, indicator: str = "orglife.meetings_counted"):
    """A 100-point table with one item of each rule, keyed by code in the returned dict (with "table"):

    1.1 三会一课 counted from `indicator` against the meetings required (40); 1.2 presence (10);
    2.1 deduction, 5 a time (20); 2.2 discretionary, up to 10 (10); 2.3 tier A/B/C = 20/15/10 (20);
    3.1 bonus, 2 a time up to 4, the section capped at 3; 4.1 veto (grade at most 合格).
    """
    from qinglian.duties.services import assessment as services

    table = assess_table(org, year=year, start="blank", title="简表")
    rows = {"table": table}

    def add(code, title, **fields):
        table.refresh_from_db()
        rows[code] = services.item_save(
            table=table, code=code, title=title, version=table.version, actor=None, **fields
        )

    add("一", "落实责任")
    add("1.1", "按规定召开“三会一课”、主题党日", section=rows["一"], points=40, rule="count",
        params={"target_indicator": "orglife.meetings_required"}, indicator=indicator)  # fmt: skip
    add("1.2", "签订责任书", section=rows["一"], points=10, rule="presence")
    add("二", "制度与作风")
    add("2.1", "三重一大", section=rows["二"], points=20, rule="deduction", params={"per": 5})
    add("2.2", "廉政制度", section=rows["二"], points=10, rule="discretionary", params={"max": 10})
    add("2.3", "选人用人", section=rows["二"], points=20, rule="tier", params={"tiers": {"A": 20, "B": 15, "C": 10}})
    add("三", "加分项", params={"bonus_cap": 3})
    add("3.1", "经验推广", section=rows["三"], points=4, rule="bonus", params={"per": 2})
    add("四", "一票否决")
    add("4.1", "发生重大责任事故", section=rows["四"], points=0, rule="veto", params={"grade": "合格"})
    table.refresh_from_db()
    return rows


def assess_round(org, units, *, table=None, year: int | None = None, opened: bool = True, title: str = ""):
    """A round of `org` assessing `units` on `table` (the small table by default), opened unless told not to."""
    from qinglian.duties.services import assessment as services

    year = year or timezone.localdate().year
    table = table or assess_small_table(org, year=year)["table"]
    round = services.round_create(
        org=org, table=table, year=year, title=title or f"{year}年度党风廉政建设责任制考核", units=units, actor=None
    )
    if opened:
        round = services.round_open(round=round, version=round.version, actor=None)
    return round


def assess_scores(unit) -> dict:
    """A unit assessment's item scores keyed by item code."""
    return {s.item.code: s for s in unit.scores.select_related("item")}


def assess_self_all(unit, *, actor=None, scores: dict | None = None, submit: bool = True):
    """Self-score every item of `unit` (full points unless `scores` says otherwise) and submit."""
    from qinglian.duties.services import assessment as services

    scores = scores or {}
    for code, row in assess_scores(unit).items():
        if row.item.rule == "veto":
            continue
        value = scores.get(code, row.item.points if row.item.rule != "bonus" else 0)
        services.score_self(score=row, self_score=value, self_note="已完成", version=row.version, actor=actor)
    unit.refresh_from_db()
    if submit:
        unit = services.unit_submit(assessment=unit, version=unit.version, actor=actor)
    return unit


def assess_all(unit, *, actor=None, inputs: dict | None = None, feedback: str = "总体较好。", finish: bool = True):
    """The assessor scores every item of a submitted `unit` (`inputs`: code -> keyword arguments of score_assess;
    otherwise full points, no bonus, no veto) and gives the result."""
    from qinglian.duties.services import assessment as services

    inputs = inputs or {}
    defaults = {"tier": {"tier": "A"}, "veto": {"count": 0}, "bonus": {"count": 0}, "deduction": {"count": 0}}
    for code, row in assess_scores(unit).items():
        given = inputs.get(code)
        if given is None:
            if row.score is not None and row.item.rule not in ("veto", "bonus"):
                continue
            given = defaults.get(row.item.rule, {"value": row.item.points})
        given = {"comment": "", **given}
        services.score_assess(score=row, version=row.version, actor=actor, **given)
    unit.refresh_from_db()
    if finish:
        unit = services.unit_finish(assessment=unit, feedback=feedback, version=unit.version, actor=actor)
    return unit
