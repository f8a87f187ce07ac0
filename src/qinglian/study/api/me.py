"""The member's own study over the API: mastery per topic and points."""

from __future__ import annotations

from ninja import Router, Schema

from qinglian.study.services.points import points_of
from qinglian.study.services.practice import member_mastery

router = Router(tags=["study"])


class TopicMasteryOut(Schema):
    topic: str
    label: str
    percent: int
    seen: int
    total: int


class MyMasteryOut(Schema):
    linked: bool
    topics: list[TopicMasteryOut] = []


class PointsRuleOut(Schema):
    kind: str
    label: str
    points: int
    cap: int
    earned: int


class StudyMyPointsOut(Schema):
    linked: bool
    enabled: bool = False
    today: int = 0
    year: int = 0
    rules: list[PointsRuleOut] = []


@router.get("/me/mastery", response=MyMasteryOut, summary="My mastery per topic")
def my_mastery(request):
    """Per topic of my programmes: how much I would recall today (percent of the topic's questions), cards seen."""
    member = getattr(request.user, "member", None)
    if member is None:
        return MyMasteryOut(linked=False)
    rows = member_mastery(member)
    return MyMasteryOut(
        linked=True,
        topics=[
            TopicMasteryOut(topic=m.topic, label=str(m.label), percent=m.percent, seen=m.seen, total=m.total)
            for m in rows
        ],
    )


@router.get("/me/points", response=StudyMyPointsOut, summary="My study points")
def my_points(request):
    """Today and this year, each kind's points earned today against its daily cap; `enabled` false when my
    organisation has points off (then nothing else is given)."""
    member = getattr(request.user, "member", None)
    if member is None:
        return StudyMyPointsOut(linked=False)
    data = points_of(member)
    if not data["enabled"]:
        return StudyMyPointsOut(linked=True, enabled=False)
    return StudyMyPointsOut(
        linked=True,
        enabled=True,
        today=data["today"],
        year=data["year"],
        rules=[PointsRuleOut(**{**r, "label": str(r["label"])}) for r in data["rules"]],
    )
