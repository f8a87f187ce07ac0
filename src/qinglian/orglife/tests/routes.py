"""Organisational life's rows of the route table (see core/tests/web.py) and the objects they take by id.

Objects sit in branch_b: its secretary (secretary_b) may use them; branch_a's people, the committee
manager of branch_a's subtree and users without a role must get 404.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.core.tests.web import Route

NAMESPACE = "orglife"

# Branch_b's records, refused to branch_a's people and to anyone without a role.
B_REFUSED = ("outsider", "secretary", "manager_a")
# Without orglife.view anywhere.
NO_ROLE = ("outsider", "liaison")


def world_extend(world) -> None:
    from qinglian.orglife.models import AppraisalEntry, AppraisalRound, Critique, Minutes, Talk
    from qinglian.orglife.services.life import life_problem_add
    from qinglian.orglife.tests.factories import attend_all, meeting_make
    from qinglian.orglife.vocab import MeetingKind
    from qinglian.orgs.services import member_create

    cast = world.cast
    branch_b = cast.tree.branch_b
    b1 = cast.members["b1"]
    b2 = member_create(organisation=branch_b, name="赵磊", gender="M", actor=None)
    meeting = meeting_make(branch_b, kind=MeetingKind.LIFE_MEETING, title="第二党支部组织生活会", days=-3)
    attend_all(meeting)
    minutes = Minutes.objects.create(meeting=meeting, summary="会议查摆了问题。", items=[])
    attachment = _attachment_make(meeting)
    year = timezone.localdate().year
    round_b = AppraisalRound.objects.create(organisation=branch_b, year=year)
    entry = AppraisalEntry.objects.create(round=round_b, member=b1)
    talk = Talk.objects.create(
        organisation=branch_b,
        talked_on=timezone.localdate() - timedelta(days=2),
        initiator=b1,
        counterpart=b2,
        summary="第二支部的谈心内容",
    )
    critique = Critique.objects.create(
        meeting=meeting, subject=b1, critic=b1, kind="self", content="第二支部的自我批评"
    )
    problem = life_problem_add(
        meeting=meeting,
        member=b1,
        problem="第二支部查摆的问题",
        measures="加强学习",
        owner=b1,
        due_on=timezone.localdate() + timedelta(days=30),
        actor=None,
    )
    world.extra.update(
        b2=b2,
        meeting_b=meeting,
        minutes_b=minutes,
        attachment_b=attachment,
        round_b=round_b,
        entry_b1=entry,
        talk_b=talk,
        critique_b=critique,
        problem_b=problem,
    )
    _appraisal_world(world)
    _meetings_world(world)


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def _pk_of_tree(name):
    return lambda w: {"pk": getattr(w.cast.tree, name).pk}


ROUTES: list[Route] = [
    # Rows are added per area: meetings, minutes, compliance, life, talks, appraisal, me.
    # --- me: every logged-in user has the page (a login without a member is told so)
    Route("orglife:me", allowed="member", secret=lambda w: "张伟"),
    # --- life meetings: criticism is kept to branch_b's people; the problems found go to rectification
    Route(
        "orglife:life_meeting",
        kwargs=_pk("meeting_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的自我批评",
    ),
    Route(
        "orglife:life_panel",
        kwargs=_pk("meeting_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的自我批评",
    ),
    Route(
        "orglife:critique_add",
        "post",
        kwargs=_pk("meeting_b"),
        data=lambda w: {
            "kind": "peer",
            "subject": w.extra["b2"].pk,
            "critic": w.cast.members["b1"].pk,
            "content": "越权记录的批评",
        },
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的自我批评",
    ),
    Route(
        "orglife:life_problem_add",
        "post",
        kwargs=_pk("meeting_b"),
        data=lambda w: {
            "problem-problem": "越权添加的问题",
            "problem-owner": w.cast.members["b1"].pk,
            "problem-due_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
        },
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二支部查摆的问题",
    ),
    Route(
        "orglife:critique_remove",
        "post",
        kwargs=_pk("critique_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的自我批评",
    ),
    # The rectification list moved to rectification: its old address leads there.
    Route("orglife:problem_list", allowed="member"),
    # --- talks: read by talk_view holders and the two people in them
    Route("orglife:talk_list", refused=NO_ROLE, allowed="secretary_b", secret=lambda w: "第二支部的谈心内容"),
    Route("orglife:talk_create", refused=NO_ROLE, allowed="secretary_b", secret=lambda w: "赵磊"),
    Route(
        "orglife:talk_detail",
        kwargs=_pk("talk_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的谈心内容",
    ),
    Route(
        "orglife:talk_update",
        kwargs=_pk("talk_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二支部的谈心内容",
    ),
    Route(
        "orglife:talk_remove",
        "post",
        kwargs=_pk("talk_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二支部的谈心内容",
    ),
    Route(
        "orglife:talk_coverage",
        data=lambda w: {"unit": w.cast.tree.branch_b.pk},
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二党支部",
    ),
    Route(
        "orglife:talk_coverage_export",
        data=lambda w: {"unit": w.cast.tree.branch_b.pk},
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
    ),
]

# Minutes, attachments and the ledger: branch_b's draft minutes (minutes_b) and sign-in scan (attachment_b).
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _attachment_make(meeting):
    from django.core.files.base import ContentFile

    from qinglian.orglife.services.minutes import attachment_add

    return attachment_add(meeting=meeting, file=ContentFile(PNG, name="第二支部签到表.png"), kind="sign_in", actor=None)


def _upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"kind": "photo", "file": SimpleUploadedFile("越权上传.png", PNG, content_type="image/png")}


def _minutes_version(world):
    return {"version": world.extra["minutes_b"].version}


ROUTES += [
    Route(
        "orglife:ledger",
        data=lambda w: {"org": w.cast.tree.branch_b.pk},
        refused=(*B_REFUSED, *NO_ROLE, "member"),
        allowed="secretary_b",
        secret=lambda w: "第二党支部组织生活会",
    ),
    Route(
        "orglife:ledger_export",
        "post",
        data=lambda w: {"org": w.cast.tree.branch_b.pk, "year": timezone.localdate().year, "format": "xlsx"},
        refused=(*B_REFUSED, *NO_ROLE, "member"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:minutes_detail",
        kwargs=_pk("meeting_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "会议查摆了问题。",
    ),
    Route(
        "orglife:minutes_edit",
        kwargs=_pk("meeting_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: "会议查摆了问题。",
    ),
    Route(
        "orglife:minutes_correct",
        kwargs=_pk("meeting_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
    ),
    Route("orglife:minutes_docx", kwargs=_pk("meeting_b"), refused=(*B_REFUSED, "member"), allowed="secretary_b"),
    Route(
        "orglife:attachment_upload",
        "post",
        kwargs=_pk("meeting_b"),
        data=_upload,
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:minutes_submit",
        "post",
        kwargs=_pk("minutes_b"),
        data=_minutes_version,
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:minutes_approve",
        "post",
        kwargs=_pk("minutes_b"),
        data=_minutes_version,
        refused=(*B_REFUSED, "member", "propagandist"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:minutes_return",
        "post",
        kwargs=_pk("minutes_b"),
        data=lambda w: {"note": "越权退回", **_minutes_version(w)},
        refused=(*B_REFUSED, "member", "propagandist"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:attachment_download",
        kwargs=_pk("attachment_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:attachment_remove",
        "post",
        kwargs=_pk("attachment_b"),
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
    ),
]

# Compliance: branch_b's table, plan and rules; tightening needs orglife.approve there.
ROUTES += [
    Route(
        "orglife:compliance",
        data=lambda w: {"org": w.cast.tree.branch_b.pk},
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orglife:compliance_export",
        data=lambda w: {"org": w.cast.tree.branch_b.pk},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:plan",
        kwargs=_pk_of_tree("branch_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orglife:compliance_rules",
        kwargs=_pk_of_tree("branch_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orglife:compliance_rule_tighten",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk, "kind": "party_lecture"},
        refused=(*B_REFUSED, "member", "auditor"),
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
]


# --- Democratic appraisal: branch_b's rounds, one at each step (one a year), and b2 with a login of their own.
def _appraisal_world(world) -> None:
    from django.contrib.auth import get_user_model

    from qinglian.orglife.models import AppraisalEntry, AppraisalRound
    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    cast, extra = world.cast, world.extra
    branch_b, b1, b2 = cast.tree.branch_b, cast.members["b1"], extra["b2"]
    member_b = get_user_model().objects.create_user("member_b", "member_b@example.cn", "pw")
    role_assign(
        user=member_b, role=Role.objects.get(code="member"), organisation=branch_b, include_subtree=False, actor=None
    )
    b2.user = member_b
    b2.save(update_fields=["user"])
    cast.users["member_b"] = member_b
    AppraisalEntry.objects.create(round=extra["round_b"], member=b2, self_assessment="赵磊的自评草稿")
    year = timezone.localdate().year
    for back, step in enumerate(("peer", "proposal", "decision", "notified"), start=1):
        round = AppraisalRound.objects.create(organisation=branch_b, year=year - back, status=step)
        told = timezone.now() if step == "notified" else None
        grade = "合格" if step == "notified" else ""
        e1 = AppraisalEntry.objects.create(
            round=round,
            member=b1,
            proposed_grade="基本合格" if told else "",
            final_grade="基本合格" if told else "",
            told_at=told,
            follow_up_status="open" if told else "",
        )
        e2 = AppraisalEntry.objects.create(round=round, member=b2, final_grade=grade, told_at=told)
        extra[f"round_b_{step}"], extra[f"entry_b1_{step}"], extra[f"entry_b2_{step}"] = round, e1, e2


def _appraisal_grades(step):
    def data(w):
        round = w.extra[f"round_b_{step}"]
        e1, e2 = w.extra[f"entry_b1_{step}"], w.extra[f"entry_b2_{step}"]
        return {"version": round.version, f"grade-{e1.pk}": "合格", f"grade-{e2.pk}": "合格"}

    return data


def _appraisal_masses(w):
    e1 = w.extra["entry_b1_peer"]
    return {"version": w.extra["round_b_peer"].version, f"masses-{e1.pk}-qualified": 3}


APPRAISAL_REFUSED = (*B_REFUSED, "member", "liaison")  # without orglife.appraise at branch_b
OWN_PAGE_REFUSED = (*B_REFUSED, "member", "secretary_b")  # a member's own page: not even their secretary's

ROUTES += [
    Route("orglife:appraisal_list", refused=NO_ROLE, allowed="secretary_b", secret=lambda w: "第二党支部"),
    Route(
        "orglife:appraisal_open",
        "post",
        data=lambda w: {"organisation": w.cast.tree.branch_b.pk, "year": timezone.localdate().year - 5},
        refused=(*APPRAISAL_REFUSED, "manager_a"),
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_results",
        data=lambda w: {"org": w.cast.tree.branch_b.pk, "year": timezone.localdate().year - 4},
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二党支部",
    ),
    Route(
        "orglife:appraisal_detail",
        kwargs=_pk("round_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "王芳",
    ),
    Route(
        "orglife:appraisal_advance",
        "post",
        kwargs=_pk("round_b"),
        data=lambda w: {"to_status": "peer", "version": w.extra["round_b"].version},
        refused=APPRAISAL_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_masses",
        "post",
        kwargs=_pk("round_b_peer"),
        data=_appraisal_masses,
        refused=APPRAISAL_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_propose",
        "post",
        kwargs=_pk("round_b_proposal"),
        data=_appraisal_grades("proposal"),
        refused=APPRAISAL_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_decide",
        "post",
        kwargs=_pk("round_b_decision"),
        data=_appraisal_grades("decision"),
        refused=APPRAISAL_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_tell",
        "post",
        kwargs=_pk("round_b_notified"),
        data=lambda w: {"version": w.extra["round_b_notified"].version},
        refused=APPRAISAL_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_follow_up",
        "post",
        kwargs=_pk("entry_b1_notified"),
        data=lambda w: {"measure": "结对帮扶，每月谈心一次", "version": w.extra["entry_b1_notified"].version},
        refused=APPRAISAL_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:appraisal_self",
        kwargs=_pk("round_b"),
        refused=OWN_PAGE_REFUSED,
        allowed="member_b",
        secret=lambda w: "赵磊的自评草稿",
    ),
    Route(
        "orglife:appraisal_vote",
        kwargs=_pk("round_b_peer"),
        refused=OWN_PAGE_REFUSED,
        allowed="member_b",
        secret=lambda w: "王芳",
    ),
]


# --- meetings: scheduling, notices, replies, leave, check-in, calendars ------------------------------------


def _meetings_world(world) -> None:
    from qinglian.orglife.tests.factories import meeting_make
    from qinglian.orglife.vocab import MeetingKind

    cast = world.cast
    b1 = cast.members["b1"]
    # Branch_b's committee meets in five days, b1 invited and asking for leave (recorded directly: b1 has no login).
    meeting_b_next = meeting_make(
        cast.tree.branch_b, kind=MeetingKind.COMMITTEE_MEETING, title="第二党支部下周支委会", days=5, invitees=[b1]
    )
    meeting_b_next.attendees.filter(member=b1).update(leave_status="requested", leave_reason="出差")
    # Branch_a's general meeting starts in ten minutes: self check-in is open, replies and leave still possible.
    meeting_a_now = meeting_make(
        cast.tree.branch_a, title="第一党支部即将开始的党员大会", starts_at=timezone.now() + timedelta(minutes=10)
    )
    world.extra.update(
        meeting_b_next=meeting_b_next,
        attendee_b1_next=meeting_b_next.attendees.get(member=b1),
        meeting_a_now=meeting_a_now,
    )


def _meeting(name):
    return lambda w: w.extra[name].title


def _month_of(name):
    return lambda w: {"year": w.extra[name].starts_on.year, "month": w.extra[name].starts_on.month}


# Invited members of branch_a act on their own meeting; branch_b's secretary cannot even see it.
A_NOW_REFUSED = ("outsider", "secretary_b")

ROUTES += [
    Route("orglife:meeting_list", refused=NO_ROLE, allowed="secretary_b", secret=_meeting("meeting_b")),
    Route(
        "orglife:meeting_create",
        refused=(*NO_ROLE, "member"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orglife:meeting_people",
        data=lambda w: {"organisation": w.cast.tree.branch_b.pk, "kind": "general_meeting"},
        refused=(*B_REFUSED, "member"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orglife:meeting_detail",
        kwargs=_pk("meeting_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=_meeting("meeting_b"),
    ),
    Route(
        "orglife:meeting_edit",
        kwargs=_pk("meeting_b_next"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=_meeting("meeting_b_next"),
    ),
    Route("orglife:meeting_notify", "post", kwargs=_pk("meeting_b_next"), refused=B_REFUSED, allowed="secretary_b"),
    Route(
        "orglife:meeting_cancel",
        "post",
        kwargs=_pk("meeting_b_next"),
        data=lambda w: {"reason": "越权取消", "version": w.extra["meeting_b_next"].version},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:meeting_invitee_add",
        "post",
        kwargs=_pk("meeting_b_next"),
        data=lambda w: {"members": [w.extra["b2"].pk]},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:meeting_invitee_remove",
        "post",
        kwargs=lambda w: {"pk": w.extra["meeting_b_next"].pk, "attendee_id": w.extra["attendee_b1_next"].pk},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:meeting_guest_add",
        "post",
        kwargs=_pk("meeting_b_next"),
        data=lambda w: {"guest_name": "越权添加的来宾"},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:meeting_leave_decide",
        "post",
        kwargs=lambda w: {"pk": w.extra["meeting_b_next"].pk, "attendee_id": w.extra["attendee_b1_next"].pk},
        data=lambda w: {"decision": "approve"},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "orglife:meeting_attendance",
        kwargs=_pk("meeting_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orglife:meeting_checkin_code",
        kwargs=_pk("meeting_b_next"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.extra["meeting_b_next"].checkin_code,
    ),
    Route(
        "orglife:meeting_ics",
        kwargs=_pk("meeting_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=_meeting("meeting_b"),
    ),
    Route(
        "orglife:meeting_rsvp",
        "post",
        kwargs=_pk("meeting_a_now"),
        data=lambda w: {"answer": "yes"},
        refused=A_NOW_REFUSED,
        allowed="member",
    ),
    Route(
        "orglife:meeting_leave",
        "post",
        kwargs=_pk("meeting_a_now"),
        data=lambda w: {"reason": "出差"},
        refused=A_NOW_REFUSED,
        allowed="member",
    ),
    Route(
        "orglife:meeting_checkin",
        "post",
        kwargs=_pk("meeting_a_now"),
        data=lambda w: {"code": w.extra["meeting_a_now"].checkin_code},
        refused=A_NOW_REFUSED,
        allowed="member",
    ),
    Route(
        "orglife:calendar",
        data=_month_of("meeting_b"),
        refused=NO_ROLE,
        allowed="secretary_b",
        secret=_meeting("meeting_b"),
    ),
    # Everyone has their own calendar: it lists only the meetings they are invited to.
    Route("orglife:calendar_mine", data=_month_of("meeting_a_now"), allowed="member", secret=_meeting("meeting_a_now")),
    Route("orglife:calendar_mine_ics", allowed="member", secret=_meeting("meeting_a_now")),
    Route(
        "orglife:calendar_unit_ics",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk, "year": w.extra["meeting_b"].starts_on.year},
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=_meeting("meeting_b"),
    ),
]
