"""Rounds, posts and risk points for the tests of rounds and monitoring, made with the ORM (the register's
services belong to another area and have their own tests).

The usual world: the root committee (机关党委) ran last year's round, now closed (its approved points are the
register in force), and has this year's round open.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.orgs.models import Member
from qinglian.risks.models import PointEvent, Post, RiskMeasure, RiskPoint, RiskRound
from qinglian.risks.vocab import PointStatus, RoundStatus


def day(days: int = 0):
    return timezone.localdate() + timedelta(days=days)


def this_year() -> int:
    return timezone.localdate().year


def post_make(org, name: str = "财务科长", **fields) -> Post:
    return Post.objects.create(organisation=org, name=name, **fields)


def round_make(org, *, year: int | None = None, closed: bool = False, title: str = "", **fields) -> RiskRound:
    """A round of `org` (this year's, open, unless told otherwise); a closed one closed last day of its year."""
    year = year or this_year()
    values = {
        "title": title or f"{year}年度廉政风险排查",
        "opened_on": day(-30) if year == this_year() else timezone.datetime(year, 2, 1).date(),
        "due_on": day(30) if year == this_year() else timezone.datetime(year, 3, 31).date(),
    }
    if closed:
        values.update(status=RoundStatus.CLOSED, closed_on=timezone.datetime(year, 12, 31).date())
    values.update(fields)
    return RiskRound.objects.create(organisation=org, year=year, **values)


def point_make(
    risk_round: RiskRound,
    *,
    org=None,
    post: Post | None = None,
    process: str = "funds",
    title: str = "资金审批把关不严",
    status: str = PointStatus.APPROVED,
    level: int = 2,
    likelihood: int = 3,
    impact: int = 3,
    measures=(),
    next_review_on=None,
    **fields,
) -> RiskPoint:
    """A point of the round at `org` (the post's unit, else branch_a's... given by the caller), with measures
    given as (text, owner) pairs. Approved points get a review date a year ahead unless told otherwise."""
    org = org or (post.organisation if post else None)
    if status == PointStatus.APPROVED and next_review_on is None:
        next_review_on = day(365)
    point = RiskPoint.objects.create(
        round=risk_round,
        organisation=org,
        post=post,
        process=process,
        title=title,
        description=fields.pop("description", f"{title}的具体表现"),
        causes=fields.pop("causes", "制度执行不到位"),
        criteria=fields.pop("criteria", ["power", "discretion"]),
        level=level,
        likelihood=likelihood,
        impact=impact,
        review_months=fields.pop("review_months", 12),
        next_review_on=next_review_on,
        status=status,
        **fields,
    )
    for order, (text, owner) in enumerate(measures):
        RiskMeasure.objects.create(point=point, text=text, owner=owner, order=order)
    PointEvent.objects.create(point=point, kind="created")
    return point


def member_make(org, name: str, *, post: str = "", user=None, **fields) -> Member:
    from qinglian.orgs.services import member_create

    return member_create(organisation=org, name=name, gender="M", actor=None, post=post, user=user, **fields)


def member_leave(member: Member, status: str = "转出") -> Member:
    Member.objects.filter(pk=member.pk).update(status=status)
    member.refresh_from_db()
    return member
