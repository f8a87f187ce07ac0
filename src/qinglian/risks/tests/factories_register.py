"""Rounds, posts and risk points for the register's tests, made through the register's services.

The usual world: the root committee (机关党委) has this year's round open; branch_a has the post 出纳 (cashier),
held by a1 (张伟, the `member` login); its points name a1 as the owner of their measures.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.orgs.models import Member
from qinglian.risks.models import Post, RiskPoint, RiskRound
from qinglian.risks.services import register as services
from qinglian.risks.services import workflow
from qinglian.risks.vocab import RoundStatus

POST = "出纳"


def day(days: int = 0):
    return timezone.localdate() + timedelta(days=days)


def round_make(org, *, year: int | None = None, closed: bool = False, title: str = "") -> RiskRound:
    """A round of `org`: this year's and open unless told otherwise."""
    year = year or timezone.localdate().year
    values = {"title": title or f"{year}年度廉政风险排查", "opened_on": day(-10), "due_on": day(30)}
    if closed:
        values.update(status=RoundStatus.CLOSED, closed_on=day(-1))
    return RiskRound.objects.create(organisation=org, year=year, **values)


def holder_post(cast, *, member="a1", name: str = POST, org=None) -> Post:
    """A post of the member's unit (branch_a for a1) that the member holds."""
    person = cast.members[member]
    Member.objects.filter(pk=person.pk).update(post=name)
    person.refresh_from_db()
    return Post.objects.get_or_create(organisation=org or person.organisation, department=None, name=name)[0]


def point_make(
    cast,
    *,
    round: RiskRound | None = None,
    org=None,
    post: Post | None = None,
    process: str = "funds",
    title: str = "资金支付审核不严",
    criteria=("power", "discretion"),
    measures=None,
    actor=None,
    **fields,
) -> RiskPoint:
    """A draft point in branch_a (or `org`), level 2 by two criteria, with one measure owned by a1 (or by the
    first member of `org`'s register)."""
    org = org or (post.organisation if post else cast.tree.branch_a)
    if round is None:
        round = RiskRound.objects.open().first() or round_make(cast.tree.root)
    if measures is None:
        a1 = cast.members["a1"]
        owner = a1 if a1.organisation.is_within(org) else services.unit_people(org).first()
        measures = [("严格执行资金支付审批制度", owner, day(30))]
    return services.point_create(
        round=round,
        organisation=org,
        post=post,
        process=process,
        title=title,
        description=fields.pop("description", f"{title}，可能导致违规支付"),
        causes=fields.pop("causes", "制度执行不到位"),
        criteria=list(criteria),
        likelihood=fields.pop("likelihood", 3),
        impact=fields.pop("impact", 4),
        measures=measures,
        actor=actor,
        **fields,
    )


def move(point: RiskPoint, *actions: str, actor=None, **kwargs) -> RiskPoint:
    """Take the point through the actions in turn (by the system unless an actor is given)."""
    for action in actions:
        extra = dict(kwargs)
        if action == "consult":
            extra.setdefault("opinion", "同意列入风险清单")
        if action == "return":
            extra.setdefault("comment", "防控措施不够具体")
        point = workflow.point_transition(point=point, action=action, actor=actor, version=None, **extra)
    return point


def point_approved(cast, **fields) -> RiskPoint:
    return move(point_make(cast, **fields), "propose", "review", "consult", "approve")
