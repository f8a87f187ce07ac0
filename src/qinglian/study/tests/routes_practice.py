"""Practice, mastery, points and the member's study home: rows of the route table."""

from __future__ import annotations

from qinglian.core.tests.web import Route

NO_STUDY_ROLE = ("outsider", "member", "liaison")
B_REFUSED = ("outsider", "secretary", "manager_a")


def _branch_b(world) -> dict:
    return {"pk": world.cast.tree.branch_b.pk}


ROUTES = [
    Route("study:me", allowed="member", secret=lambda w: "张伟"),
    Route("study:practice", allowed="member"),
    Route(
        "study:mastery", refused=NO_STUDY_ROLE, allowed="secretary_b", secret=lambda w: "第二党支部", knows=("liaison",)
    ),
    Route("study:points_settings", kwargs=_branch_b, refused=(*B_REFUSED, "member"), allowed="secretary_b"),
    Route(
        "study:points_settings",
        "post",
        kwargs=_branch_b,
        data=lambda w: {"enabled": "on", "effective_from": "2020-01-01", "reason": "x"},
        refused=(*B_REFUSED, "member"),
    ),
]


def world_extend(world) -> None:
    from qinglian.study.services.practice import mistakes_record
    from qinglian.study.tests.factories import question_make

    question = question_make(world.cast.tree.branch_b, stem="第二支部的练习题")
    mistakes_record(member=world.cast.members["b1"], versions=[question.current])
    world.extra["practice_question_b"] = question
