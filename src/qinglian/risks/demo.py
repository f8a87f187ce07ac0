"""Integrity risks in the demo agency, through the services.

- The register: posts taken from the member register; last year's identification round with twenty-odd risk
  points at all three levels, each proposed, reviewed by its branch, given discipline inspection's opinion and
  approved, then closed; periodic reviews since (one raised the level and opened a rectification item, some
  are overdue); an audit finding linked to a point, which raised it for review. This year's round is open:
  last year's points copied, some approved again, some changed, one left out, two new, others at every step —
  one returned with a reason — and the demo member's post still to propose.
- Integrity files, conflicts and opinion replies: see their loaders below.

Deterministic; runs once, after responsibility (whose rectification list the reviews write into).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from qinglian.core.lib.dates import add_months
from qinglian.core.models import Notification
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks import demo_data
from qinglian.risks.models import PointEvent, Post, RiskPoint, RiskReview, RiskRound
from qinglian.risks.services import register, rounds, workflow
from qinglian.risks.vocab import IncidentKind, PointStatus


def load(*, members: int = 300) -> dict:
    """Add the demo's integrity risks unless they are there already (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        root = Organisation.objects.filter(code=ROOT_CODE).first()
        if root is None or RiskRound.objects.filter(organisation=root).exists():
            return {"loaded": False}
        started = timezone.now()
        with transaction.atomic():
            counts = _register(root)
        # The notices the history sent were dealt with at the time: none is left in today's inboxes.
        Notification.objects.filter(created_at__gte=started, kind__startswith="risks.").delete()
        return {"loaded": True, **counts}


def _users() -> dict:
    return get_user_model().objects.in_bulk(["office", "inspector", "secretary", "member"], field_name="username")


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _branches(root: Organisation) -> dict[str, Organisation]:
    return {
        org.code.removeprefix(f"{ROOT_CODE}-").lower(): org
        for org in Organisation.objects.filter(code__startswith=f"{ROOT_CODE}-")
    }


def _post(branch: Organisation, preferred: list[str]) -> Post | None:
    posts = {p.name: p for p in Post.objects.filter(organisation=branch, is_active=True)}
    for name in preferred:
        if name in posts:
            return posts[name]
    return None


def _owners(branch: Organisation, post: Post | None, avoid: set[int]) -> list[Member]:
    holders = list(post.holders().exclude(user_id__in=avoid).order_by("pk")[:2]) if post else []
    others = list(
        Member.objects.filter(organisation=branch, status__in=ON_REGISTER, is_cadre=True)
        .exclude(user_id__in=avoid)
        .order_by("pk")[:4]
    )
    return holders + [m for m in others if m not in holders] or list(
        Member.objects.filter(organisation=branch, status__in=ON_REGISTER).exclude(user_id__in=avoid).order_by("pk")[:2]
    )


def _dated(since: datetime, day: date) -> None:
    """Give the events written since `since` the day of the story they belong to."""
    PointEvent.objects.filter(at__gte=since).update(at=_at(day))


def _step(point: RiskPoint, action: str, actor, day: date, **text) -> RiskPoint:
    since = timezone.now()
    point = workflow.point_transition(point=point, action=action, actor=actor, version=point.version, **text)
    _dated(since, day)
    stamp = _at(day)
    field = {"propose": "proposed_at", "review": "reviewed_at", "consult": "consulted_at", "approve": "approved_at"}
    if action in field:
        RiskPoint.objects.filter(pk=point.pk).update(**{field[action]: stamp})
    if action == "approve":
        point.next_review_on = add_months(day, point.review_months)
        RiskPoint.objects.filter(pk=point.pk).update(next_review_on=point.next_review_on)
    return point


def _through(point: RiskPoint, users: dict, days: list[date], *, until: str = "approve") -> RiskPoint:
    """Propose, review, consult and approve a point on the given days, stopping after `until`."""
    reviewer = users.get("secretary") if point.organisation.code.endswith("-BUDGET") else None
    steps = [
        ("propose", None, {}),
        ("review", reviewer, {}),
        ("consult", users.get("inspector"), {"opinion": demo_data.OPINION}),
        ("approve", users.get("office"), {}),
    ]
    for (action, actor, text), day in zip(steps, days, strict=False):
        point = _step(point, action, actor, day, **text)
        if action == until:
            break
    return point


def _create(risk_round: RiskRound, branch: Organisation, row, users: dict, day: date, avoid: set[int]) -> RiskPoint:
    _key, preferred, process, title, criteria, likelihood, impact, description, causes, measures = row
    post = _post(branch, preferred)
    owners = _owners(branch, post, avoid)
    since = timezone.now()
    point = register.point_create(
        round=risk_round,
        organisation=branch,
        post=post,
        process=process,
        title=title,
        description=description,
        causes=causes,
        criteria=criteria,
        likelihood=likelihood,
        impact=impact,
        measures=[(text, owners[n % len(owners)], None) for n, text in enumerate(measures)],
        actor=users.get("office"),
    )
    _dated(since, day)
    RiskPoint.objects.filter(pk=point.pk).update(created_at=_at(day))
    return point


def _register(root: Organisation) -> dict:
    users = _users()
    office, inspector = users.get("office"), users.get("inspector")
    today = timezone.localdate()
    branches = _branches(root)
    avoid = {u.pk for u in (office, inspector) if u is not None}
    register.posts_sync(organisation=root, actor=office)

    # Last year's round: opened in spring, every point through to approval, closed.
    opened = today - timedelta(days=420)
    last = rounds.round_open(
        organisation=root,
        year=today.year - 1,
        title=f"{today.year - 1}年度廉政风险点排查",
        due_on=opened + timedelta(days=30),
        copy=False,
        actor=office,
        opened_on=opened,
    )
    points = []
    for n, row in enumerate(demo_data.RISKS):
        branch = branches.get(row[0])
        if branch is None:
            continue
        start = opened + timedelta(days=3 + n % 10)
        point = _create(last, branch, row, users, start, avoid)
        days = [start + timedelta(days=d) for d in (2, 9, 16, 30)]
        points.append(_through(point, users, days))
    last = rounds.round_close(round=last, actor=office, version=last.version, on=opened + timedelta(days=60))

    # Reviews since: the level-1 points half-yearly (one found the measures not working), most others lately;
    # three are left overdue.
    reviews = 0
    for n, point in enumerate(points):
        point.refresh_from_db()
        if point.level == 1:
            day = point.next_review_on
        elif n % 4 == 3:
            continue
        else:
            day = today - timedelta(days=50 + n)
        raise_level = point.title == "预算资金分配中优亲厚友、暗箱操作"
        owner = point.measures.exclude(owner=None).first()
        register.review_record(
            point=point,
            reviewed_on=day,
            measures_effective=not raise_level,
            conclusion=demo_data.REVIEW_RAISE if raise_level else demo_data.REVIEW_OK,
            level_after=point.level,
            actor=inspector if n % 2 else office,
            problem={
                "problem": "专项资金分配方案未经处务会集体研究即报批，分配依据留存不全。",
                "measures": "补开处务会集体研究并完善记录；建立专项资金分配台账。",
                "owner": owner.owner,
                "due_on": day + timedelta(days=60),
            }
            if raise_level and owner
            else None,
        )
        reviews += 1
    RiskReview.objects.filter(created_at__date=today).update(created_at=timezone.now() - timedelta(days=40))

    # This year's round: last year's register copied in, most of it taken through again.
    opened = today - timedelta(days=45)
    current = rounds.round_open(
        organisation=root,
        year=today.year,
        title=f"{today.year}年度廉政风险点排查",
        due_on=today + timedelta(days=15),
        actor=office,
        opened_on=opened,
    )
    PointEvent.objects.filter(point__round=current).update(at=_at(opened))
    copies = list(RiskPoint.objects.filter(round=current).select_related("organisation", "post").order_by("pk"))
    member_post = register.posts_held(Member.objects.filter(user=users.get("member")).first())
    member_posts = set(member_post.values_list("pk", flat=True)) if member_post is not None else set()
    for n, point in enumerate(copies):
        day = opened + timedelta(days=4 + n % 12)
        days = [day + timedelta(days=d) for d in (1, 6, 10, 14)]
        if point.post_id in member_posts:
            continue  # the demo member's post is still to be proposed
        if n == 4:
            point = register.point_update(
                point=point,
                version=point.version,
                actor=office,
                post=point.post,
                process=point.process,
                title="评审专家抽取和通知环节信息泄露",
                description=point.description + "重点关注电子评审系统上线后的账号管理。",
                causes=point.causes,
                criteria=[*point.criteria, "discretion"],
                likelihood=point.likelihood,
                impact=point.impact,
                measures=[{"id": m.pk, "text": m.text, "owner": m.owner} for m in point.measures.all() if m.owner]
                + [{"text": "电子评审系统账号实行“一人一号”，操作日志每月抽查", "owner": point.measures.first().owner}],
            )
            _through(point, users, days, until="consult")
        elif n == 7:
            since = timezone.now()
            workflow.point_transition(
                point=point,
                action="withdraw",
                actor=office,
                version=point.version,
                comment="岗位职责已调整，该风险点并入国库处相关风险点。",
            )
            _dated(since, day)
        elif n % 5 == 0:
            _through(point, users, days, until="propose")
        elif n % 5 == 1:
            point = _through(point, users, days, until="review")
            if n == 6:
                _step(point, "return", office, days[2], comment="防控措施过于笼统，请细化到具体环节和责任人。")
        elif n % 5 == 2:
            _through(point, users, days, until="consult")
        elif n % 5 == 3:
            _through(point, users, days)
        # n % 5 == 4: left as the copied draft
    for n, row in enumerate(demo_data.NEW_RISKS):
        branch = branches.get(row[0])
        if branch is not None:
            day = opened + timedelta(days=20 + n)
            point = _create(current, branch, row, users, day, avoid)
            _through(
                point, users, [day + timedelta(days=1), day + timedelta(days=5)], until="review" if n else "propose"
            )

    # An audit finding at a point on the register raised it for review.
    found = RiskPoint.objects.filter(round=last, title="评审专家抽取信息泄露").first()
    if found is not None:
        since = timezone.now()
        register.incident_link(
            point=found,
            kind=IncidentKind.AUDIT,
            description="市审计局专项审计发现：2个项目评审专家名单在开标前被泄露，供应商提前联系专家。",
            occurred_on=today - timedelta(days=20),
            actor=inspector,
        )
        _dated(since, today - timedelta(days=18))
    return {
        "risk_points": RiskPoint.objects.filter(round__organisation=root).count(),
        "risk_reviews": reviews,
        "approved_this_year": RiskPoint.objects.filter(round=current, status=PointStatus.APPROVED).count(),
    }
