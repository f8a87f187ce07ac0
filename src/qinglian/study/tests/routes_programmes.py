"""Programmes' rows of the route table: branch_b's programme, refused to branch_a's people, to branch_a's
manager and to users without a role; every logged-in user has their own study plan."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a", "member")
NO_ROLE = ("outsider", "member")
SECRET = "第二支部的学习计划"


def world_extend(world) -> None:
    from qinglian.study.services import programmes

    branch_b = world.cast.tree.branch_b
    today = timezone.localdate()
    programme = programmes.programme_create(
        org=branch_b, title=SECRET, starts_on=today, ends_on=today + timedelta(days=60), units=[branch_b], actor=None
    )
    item = programmes.item_save(
        programme=programme, version=None, topic="charter", title="学党章", starts_on=today,
        due_on=today + timedelta(days=30), actor=None,
    )  # fmt: skip
    world.extra.update(programme_b=programme, programme_item_b=item)


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def _item(w):
    return {"pk": w.extra["programme_b"].pk, "item_pk": w.extra["programme_item_b"].pk}


def _item_data(w):
    from qinglian.study.models import Programme

    today = timezone.localdate()
    return {
        "version": Programme.objects.get(pk=w.extra["programme_b"].pk).version,
        "topic": "charter",
        "title": "越权的专题",
        "starts_on": today.isoformat(),
        "due_on": today.isoformat(),
        "hours": "1",
    }


ROUTES: list[Route] = [
    Route("study:programme_list", refused=NO_ROLE, allowed="secretary_b", secret=lambda w: SECRET),
    Route("study:programme_create", refused=NO_ROLE, allowed="secretary_b"),
    Route("study:my_programmes", allowed="member"),
    Route(
        "study:programme_detail",
        kwargs=_pk("programme_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: SECRET,
    ),
    Route(
        "study:programme_update",
        kwargs=_pk("programme_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: SECRET,
    ),
    Route(
        "study:programme_transition",
        "post",
        kwargs=_pk("programme_b"),
        data=lambda w: {"status": "published", "version": 0},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route("study:programme_item_create", kwargs=_pk("programme_b"), refused=B_REFUSED, allowed="secretary_b"),
    Route(
        "study:programme_item_update", "post", kwargs=_item, data=_item_data, refused=B_REFUSED, allowed="secretary_b"
    ),
    Route(
        "study:programme_item_remove",
        "post",
        kwargs=_item,
        data=lambda w: {"version": 0},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
]
