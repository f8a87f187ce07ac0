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
    from qinglian.orglife.models import AppraisalEntry, AppraisalRound, Critique, Minutes, Problem, Talk
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
    problem = Problem.objects.create(
        organisation=branch_b,
        meeting=meeting,
        member=b1,
        description="第二支部查摆的问题",
        measure="加强学习",
        owner=b1,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    world.extra.update(
        b2=b2,
        meeting_b=meeting,
        minutes_b=minutes,
        round_b=round_b,
        entry_b1=entry,
        talk_b=talk,
        critique_b=critique,
        problem_b=problem,
    )


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


ROUTES: list[Route] = [
    # Rows are added per area: meetings, minutes, compliance, life, talks, appraisal, me.
    # --- me: every logged-in user has the page (a login without a member is told so)
    Route("orglife:me", allowed="member", secret=lambda w: "张伟"),
]
