"""Exams' rows of the route table (see core/tests/web.py): staff pages on branch_b's exam, and members' pages on
the member's (张伟's) own attempts, which nobody else may open."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a")
NO_EXAM_ROLE = ("outsider", "member")
NOT_THE_MEMBER = ("outsider", "secretary", "secretary_b")


def world_extend(world) -> None:
    from qinglian.study.services import exams as setting
    from qinglian.study.services import take
    from qinglian.study.tests.factories import question_make
    from qinglian.study.vocab import PaperMode, QuestionType

    cast = world.cast
    branch_a, branch_b = cast.tree.branch_a, cast.tree.branch_b
    now = timezone.now()
    window = {"opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=1)}
    single_b = question_make(branch_b, stem="第二支部的选择题")
    short_b = question_make(branch_b, qtype=QuestionType.SHORT, stem="第二支部的简答题", answer=("参考",))
    exam_b = setting.exam_create(org=branch_b, actor=None, units=[branch_b], title="第二支部的考试", **window)
    setting.slot_add(exam=exam_b, question=single_b, actor=None)
    setting.slot_add(exam=exam_b, question=short_b, actor=None)
    exam_b = setting.exam_publish(exam=exam_b, version=exam_b.version, actor=None)
    # b1 has no login: the attempt is written directly, then submitted and left for marking.
    attempt_b = take.attempt_start(exam=exam_b, member=cast.members["b1"])
    short_item = attempt_b.items.get(question_version__question=short_b)
    short_item.response = "第二支部的简答"
    short_item.save()
    take.attempt_submit(attempt=attempt_b)
    random_b = setting.exam_create(
        org=branch_b, actor=None, units=[branch_b], title="第二支部的随机考试", mode=PaperMode.RANDOM, **window
    )
    rule_b = setting.rule_add(exam=random_b, actor=None, qtype=QuestionType.SINGLE, count=1, score="2")
    draft_b = setting.exam_create(org=branch_b, actor=None, units=[branch_b], title="第二支部的草稿考试", **window)
    slot_b = setting.slot_add(exam=draft_b, question=single_b, actor=None)

    a1 = cast.members["a1"]
    exam_a = setting.exam_create(
        org=branch_a, actor=None, units=[branch_a], title="第一支部的考试", attempts_allowed=0, **window
    )
    setting.slot_add(exam=exam_a, question=question_make(branch_a, stem="张伟答的题"), actor=None)
    exam_a = setting.exam_publish(exam=exam_a, version=exam_a.version, actor=None)
    done_a = take.attempt_submit(attempt=take.attempt_start(exam=exam_a, member=a1))
    open_a = take.attempt_start(exam=exam_a, member=a1)
    world.extra.update(
        exam_b=exam_b,
        attempt_b=attempt_b,
        short_item_b=short_item,
        random_b=random_b,
        rule_b=rule_b,
        draft_b=draft_b,
        slot_b=slot_b,
        single_b=single_b,
        exam_a=exam_a,
        done_a=done_a,
        open_a=open_a,
    )


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def _b(name, method="get", *, kwargs=None, data=None, secret="第二支部的考试"):
    return Route(
        f"study:{name}",
        method,
        kwargs=kwargs or _pk("exam_b"),
        data=data or (lambda w: {}),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=(lambda w: secret) if secret else None,
    )


def _mine(name, method="get", attempt="open_a", data=None):
    return Route(
        f"study:{name}",
        method,
        kwargs=_pk(attempt),
        data=data or (lambda w: {}),
        refused=NOT_THE_MEMBER,
        allowed="member",
        secret=lambda w: "第一支部的考试",
    )


ROUTES: list[Route] = [
    # --- setting exams (study.exam), results (study.view), marking (study.mark)
    Route("study:exam_list", refused=NO_EXAM_ROLE, allowed="secretary_b", secret=lambda w: "第二支部的考试"),
    Route("study:exam_create", refused=NO_EXAM_ROLE, allowed="secretary_b"),
    _b("exam_detail"),
    _b("exam_update"),
    _b("exam_results"),
    _b("exam_results_export", secret=None),
    _b("exam_stats"),
    _b(
        "exam_publish",
        "post",
        kwargs=_pk("draft_b"),
        data=lambda w: {"version": w.extra["draft_b"].version},
        secret=None,
    ),
    _b("exam_close", "post", data=lambda w: {"version": w.extra["exam_b"].version}, secret=None),
    _b(
        "exam_slot_add",
        "post",
        kwargs=_pk("draft_b"),
        data=lambda w: {"question": w.extra["single_b"].pk},
        secret=None,
    ),
    _b(
        "exam_slot_remove",
        "post",
        kwargs=lambda w: {"pk": w.extra["draft_b"].pk, "slot": w.extra["slot_b"].pk},
        secret=None,
    ),
    _b(
        "exam_rule_add",
        "post",
        kwargs=_pk("random_b"),
        data=lambda w: {"qtype": "single", "count": 1, "score": "2", "difficulty_min": 1, "difficulty_max": 5},
        secret=None,
    ),
    _b(
        "exam_rule_remove",
        "post",
        kwargs=lambda w: {"pk": w.extra["random_b"].pk, "rule": w.extra["rule_b"].pk},
        secret=None,
    ),
    Route("study:marking_queue", refused=NO_EXAM_ROLE, allowed="secretary_b", secret=lambda w: "第二支部的简答"),
    _b("item_mark", "post", kwargs=_pk("short_item_b"), data=lambda w: {"score": "1"}, secret=None),
    # --- taking exams: the member's own pages; others (and logins without a member) get 404
    Route("study:my_exams", allowed="member", secret=lambda w: "第一支部的考试"),
    Route(
        "study:exam_take",
        kwargs=_pk("exam_a"),
        refused=NOT_THE_MEMBER,
        allowed="member",
        secret=lambda w: "第一支部的考试",
    ),
    Route("study:attempt_start", "post", kwargs=_pk("exam_a"), refused=NOT_THE_MEMBER, allowed="member"),
    _mine("attempt_page"),
    Route(
        "study:attempt_save",
        "post",
        kwargs=lambda w: {"pk": w.extra["open_a"].pk, "item": w.extra["open_a"].items.get().pk},
        data=lambda w: {"response": "A"},
        refused=NOT_THE_MEMBER,
        allowed="member",
    ),
    _mine("attempt_submit", "post"),
    _mine("attempt_result", attempt="done_a"),
    _mine("attempt_certificate", attempt="done_a"),
]
