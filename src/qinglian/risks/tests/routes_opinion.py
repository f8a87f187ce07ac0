"""Integrity opinion replies: rows of the route table.

b1 王芳 of branch_b is a cadre with a draft reply (risks_opinion_reply_b). Only discipline inspection
(risks.opinion: the inspector, on the root with its subtree) sees or touches it: branch_a's people, branch_b's
secretary, the committee office, the administrator, the auditor and those without a role all get 404.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

SECRET = "第二支部王芳考察组"
NO_OPINION = ("outsider", "member", "secretary", "discipline", "secretary_b", "office", "admin", "auditor", "manager_a")


def world_extend(world) -> None:
    from qinglian.risks.tests.factories_opinion import cadre, reply_make

    b1 = cadre(world.cast.members["b1"])
    world.extra["risks_opinion_reply_b"] = reply_make(b1, world.cast.inspector, requested_by=SECRET)


def _pk(w):
    return {"pk": w.extra["risks_opinion_reply_b"].pk}


def _version(w, **more):
    from qinglian.risks.models import OpinionReply

    return {"version": OpinionReply.objects.get(pk=w.extra["risks_opinion_reply_b"].pk).version, **more}


ROUTES = [
    Route("risks:opinion_list", refused=NO_OPINION, allowed="inspector", secret=lambda w: SECRET),
    Route("risks:opinion_compile", refused=NO_OPINION, allowed="inspector", secret=lambda w: "王芳"),
    Route("risks:opinion_detail", kwargs=_pk, refused=NO_OPINION, allowed="inspector", secret=lambda w: SECRET),
    Route(
        "risks:opinion_update",
        "post",
        kwargs=_pk,
        data=lambda w: _version(w, requested_by="越权改写", number="", body="越权改写的意见"),
        refused=NO_OPINION,
        allowed="inspector",
        secret=lambda w: SECRET,
    ),
    Route(
        "risks:opinion_sign",
        "post",
        kwargs=_pk,
        data=lambda w: _version(w, number="廉复〔2026〕99号", signer_title="越权签发"),
        refused=NO_OPINION,
        allowed="inspector",
        secret=lambda w: SECRET,
    ),
    Route("risks:opinion_delete", "post", kwargs=_pk, data=_version, refused=NO_OPINION, allowed="inspector"),
    Route("risks:opinion_export", kwargs=_pk, refused=NO_OPINION, allowed="inspector"),
]
