"""The risk register: rows of the route table.

In this year's round of the root committee, branch_b has a draft point (to change), a proposed one (for its
secretary, secretary_b, to review) and an approved one (to review periodically and link incidents to), each with
a measure owned by b1 (王芳), and a post. Users without risks.view get 404 everywhere but "My risk points" and the
level preview; branch_a's people (secretary, manager_a, discipline) read only branch_a's points; the liaison, the
auditor and discipline inspection read branch_b's points but do not change them.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

DRAFT = "第二支部会计岗的风险点草稿"
PROPOSED = "第二支部已提出的风险点"
APPROVED = "第二支部清单上的风险点"
POST = "第二支部会计岗"
NO_VIEW = ("outsider", "member", "propagandist", "organiser", "admin")
B_REFUSED = (*NO_VIEW, "secretary", "manager_a", "discipline")
B_READERS_ONLY = ("liaison", "auditor")
NO_UNIT = (*NO_VIEW, *B_READERS_ONLY, "inspector", "discipline")


def world_extend(world) -> None:
    from django.utils import timezone

    from qinglian.risks.models import Post, RiskRound
    from qinglian.risks.tests.factories_register import move, point_make, round_make

    cast = world.cast
    root, branch_b, b1 = cast.tree.root, cast.tree.branch_b, cast.members["b1"]
    year = timezone.localdate().year
    current = RiskRound.objects.filter(organisation=root, year=year).first() or round_make(root, year=year)
    post = Post.objects.create(organisation=branch_b, name=POST)

    def make(title: str):
        return point_make(cast, round=current, org=branch_b, post=post, title=title, measures=[("双人复核", b1, None)])

    draft = make(DRAFT)
    proposed = move(make(PROPOSED), "propose")
    approved = move(make(APPROVED), "propose", "review", "consult", "approve")
    world.extra.update(
        risks_register_post_b=post,
        risks_register_draft_b=draft,
        risks_register_proposed_b=proposed,
        risks_register_approved_b=approved,
    )


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


ROUTES = [
    Route("risks:point_list", refused=NO_VIEW, allowed="secretary_b", secret=lambda w: APPROVED),
    Route("risks:point_export", refused=NO_VIEW, allowed="secretary_b"),
    Route("risks:point_create", refused=NO_UNIT, allowed="secretary_b", secret=lambda w: "王芳"),
    # Any login may ask which level some criteria give: the rules are no secret.
    Route("risks:point_level", data=lambda w: {"criteria": ["power", "discretion"]}, allowed="member"),
    Route(
        "risks:point_detail",
        kwargs=_pk("risks_register_draft_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: DRAFT,
    ),
    Route(
        "risks:point_edit",
        kwargs=_pk("risks_register_draft_b"),
        refused=(*B_REFUSED, *B_READERS_ONLY, "inspector"),
        allowed="secretary_b",
        secret=lambda w: DRAFT,
    ),
    Route(
        "risks:point_transition",
        "post",
        kwargs=_pk("risks_register_proposed_b"),
        data=lambda w: {"action": "review", "version": w.extra["risks_register_proposed_b"].version},
        refused=(*B_REFUSED, *B_READERS_ONLY, "inspector", "office"),
        allowed="secretary_b",
        secret=lambda w: PROPOSED,
    ),
    Route(
        "risks:point_review",
        kwargs=_pk("risks_register_approved_b"),
        refused=(*B_REFUSED, *B_READERS_ONLY),
        allowed="secretary_b",
        secret=lambda w: APPROVED,
    ),
    Route(
        "risks:point_incident",
        kwargs=_pk("risks_register_approved_b"),
        refused=(*B_REFUSED, *B_READERS_ONLY),
        allowed="secretary_b",
        secret=lambda w: APPROVED,
    ),
    Route("risks:post_list", refused=NO_VIEW, allowed="secretary_b", secret=lambda w: POST),
    Route(
        "risks:post_create",
        "post",
        data=lambda w: {"unit": w.cast.tree.branch_b.pk, "name": "越权新建的岗位"},
        refused=(*NO_UNIT, "secretary", "manager_a"),
        allowed="secretary_b",
    ),
    Route(
        "risks:posts_sync",
        "post",
        data=lambda w: {"unit": w.cast.tree.branch_b.pk},
        refused=(*NO_UNIT, "secretary", "manager_a"),
        allowed="secretary_b",
    ),
    Route(
        "risks:post_edit",
        kwargs=_pk("risks_register_post_b"),
        refused=(*B_REFUSED, *B_READERS_ONLY, "inspector"),
        allowed="secretary_b",
        secret=lambda w: POST,
    ),
    Route(
        "risks:post_active",
        "post",
        kwargs=_pk("risks_register_post_b"),
        data=lambda w: {"is_active": "0"},
        refused=(*B_REFUSED, *B_READERS_ONLY, "inspector"),
        allowed="secretary_b",
    ),
    Route("risks:my_points", allowed="member"),
]
