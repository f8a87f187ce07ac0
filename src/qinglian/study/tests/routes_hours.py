"""Study sessions and hours: rows of the route table.

branch_b has a session held in a meeting (session_b), one with picked attendees (session2_b), one to
remove (session3_b), a held meeting not yet counted (meeting_study_b) and b1's training elsewhere (record_b).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a")
NO_STUDY_ROLE = ("outsider", "member", "liaison")


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def _org_b(world) -> dict:
    return {"org": world.cast.tree.branch_b.pk}


def world_extend(world) -> None:
    from qinglian.orglife.tests.factories import attend_all, meeting_make
    from qinglian.study.services import hours as services

    branch_b, b1 = world.cast.tree.branch_b, world.cast.members["b1"]
    held = meeting_make(branch_b, title="第二支部学习会", days=-4)
    attend_all(held)
    session = services.session_from_meeting(meeting=held, actor=None, title="第二支部集中学习")
    today = timezone.localdate()
    picked = services.session_create(
        org=branch_b, title="第二支部专题讲座", held_on=today, hours=2, members=[b1], actor=None
    )
    spare = services.session_create(org=branch_b, title="第二支部待删学习", held_on=today, hours=1, actor=None)
    pending = meeting_make(branch_b, title="第二支部主题党日", days=-2)
    attend_all(pending)
    record = services.record_external(
        member=b1, title="第二支部的外出培训", studied_on=today - timedelta(days=1), hours=8, note="证书", actor=None
    )
    world.extra.update(session_b=session, session2_b=picked, session3_b=spare, meeting_study_b=pending, record_b=record)


ROUTES = [
    Route(
        "study:session_list",
        refused=NO_STUDY_ROLE,
        allowed="secretary_b",
        secret=lambda w: "第二支部集中学习",
    ),
    Route(
        "study:session_create",
        data=_org_b,
        refused=(*B_REFUSED, *NO_STUDY_ROLE),
        allowed="secretary_b",
        secret=lambda w: "王芳",
    ),
    Route(
        "study:session_from_meeting",
        data=lambda w: {"meeting": w.extra["meeting_study_b"].pk},
        refused=(*B_REFUSED, *NO_STUDY_ROLE),
        allowed="secretary_b",
        secret=lambda w: "第二支部主题党日",
    ),
    Route(
        "study:session_detail",
        kwargs=_pk("session_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二支部集中学习",
    ),
    Route("study:session_sync", "post", kwargs=_pk("session_b"), refused=(*B_REFUSED, "member"), allowed="secretary_b"),
    Route(
        "study:session_attendees",
        kwargs=_pk("session2_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二支部专题讲座",
    ),
    Route(
        "study:session_delete", "post", kwargs=_pk("session3_b"), refused=(*B_REFUSED, "member"), allowed="secretary_b"
    ),
    Route("study:record_external", refused=NO_STUDY_ROLE, allowed="secretary_b", secret=lambda w: "王芳"),
    Route("study:record_delete", "post", kwargs=_pk("record_b"), refused=(*B_REFUSED, "member"), allowed="secretary_b"),
    Route(
        "study:hours_table",
        data=_org_b,
        refused=(*B_REFUSED, *NO_STUDY_ROLE),
        allowed="secretary_b",
        secret=lambda w: "王芳",
    ),
    Route("study:hours_export", data=_org_b, refused=(*B_REFUSED, *NO_STUDY_ROLE), allowed="secretary_b"),
    Route("study:my_hours", allowed="member", secret=lambda w: "张伟"),
]
