"""Making meetings and the rest for tests, through the services where they exist."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from qinglian.orglife.services import attendance_record, meeting_schedule
from qinglian.orglife.vocab import MeetingKind, Presence


def at(day, hour: int = 14) -> datetime:
    """An aware datetime on `day` at `hour` o'clock, local time."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def meeting_make(org, *, kind=MeetingKind.GENERAL_MEETING, days=-7, title=None, actor=None, **fields):
    """A meeting of `org` `days` from today (negative: in the past), inviting the expected members."""
    day = timezone.localdate() + timedelta(days=days)
    if kind == MeetingKind.PARTY_LECTURE:
        fields.setdefault("lecturer_name", "市委党校 王教授")
    return meeting_schedule(
        org=org,
        kind=kind,
        title=title or f"{org.name}{MeetingKind(kind).label}",
        starts_at=fields.pop("starts_at", at(day)),
        actor=actor,
        **fields,
    )


def attend_all(meeting, *, actor=None, presence=Presence.PRESENT):
    """Mark every invited member present (or `presence`)."""
    ids = list(meeting.attendees.filter(member__isnull=False).values_list("pk", flat=True))
    return attendance_record(meeting=meeting, presences=dict.fromkeys(ids, presence), actor=actor)


def meeting_counted(org, kind, day, *, absent: int = 0, actor=None, **fields):
    """A meeting of `org` on `day` that counts: held, attendance recorded, minutes approved.

    `absent` invitees are marked absent (to miss a quorum); the rest present.
    """
    from qinglian.orglife.models import Minutes
    from qinglian.orglife.services import meeting_recount

    meeting = meeting_make(org, kind=kind, starts_at=at(day), actor=actor, **fields)
    ids = list(meeting.attendees.filter(member__isnull=False).values_list("pk", flat=True))
    presences = {pk: (Presence.ABSENT if i < absent else Presence.PRESENT) for i, pk in enumerate(ids)}
    meeting = attendance_record(meeting=meeting, presences=presences, actor=actor)
    Minutes.objects.create(meeting=meeting, status="approved", summary="会议纪要。")
    return meeting_recount(meeting=meeting)


def committee_make(org, *, secretary=None, members=(), days_ago: int = 200):
    """Open a committee term for `org` with `secretary` as 书记 and `members` as 委员; returns the term."""
    from qinglian.orgs.services import post_assign, term_start

    term = term_start(org=org, elected_on=timezone.localdate() - timedelta(days=days_ago), actor=None)
    if secretary is not None:
        post_assign(term=term, member=secretary, post="书记", actor=None)
    for person in members:
        post_assign(term=term, member=person, post="委员", actor=None)
    return term


def talk_make(org, initiator, counterpart, *, days=-10, summary="谈心谈话的内容。", actor=None, **fields):
    """A talk at `org` between two of its people `days` from today (negative: in the past)."""
    from qinglian.orglife.services.talks import talk_record

    return talk_record(
        org=org,
        talked_on=timezone.localdate() + timedelta(days=days),
        initiator=initiator,
        counterpart=counterpart,
        summary=summary,
        actor=actor,
        **fields,
    )


def minutes_make(meeting, *, actor, summary="会议纪要。", items=(), approve_by=None):
    """Draft minutes of `meeting` through the services; submitted and approved when `approve_by` is given."""
    from qinglian.orglife.services.minutes import minutes_approve, minutes_save, minutes_submit

    minutes = minutes_save(meeting=meeting, summary=summary, items=list(items), actor=actor)
    if approve_by is not None:
        minutes = minutes_submit(minutes=minutes, actor=actor)
        minutes = minutes_approve(minutes=minutes, actor=approve_by)
    return minutes


def appraisal_people(cast):
    """Branch_a's people for an appraisal: 张伟 (login "member") and 李娜 (login "member2", in group_a), the
    probationary member 陈静 and 周强 (no login). Returns the cast, with a3 and a4 added to its members."""
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Role
    from qinglian.orgs.services import member_create, role_assign

    tree = cast.tree
    user = get_user_model().objects.create_user("member2", "member2@example.cn", "pw", first_name="Member2")
    role = Role.objects.get(code="member")
    role_assign(user=user, role=role, organisation=tree.group_a, include_subtree=False, actor=None)
    a2 = cast.members["a2"]
    a2.user = user
    a2.save(update_fields=["user"])
    cast.users["member2"] = user
    joined = timezone.localdate() - timedelta(days=100)
    a3 = member_create(
        organisation=tree.branch_a, name="陈静", gender="F", category="probationary", joined_on=joined, actor=None
    )
    a4 = member_create(organisation=tree.group_a, name="周强", gender="M", actor=None)
    cast.members.update(a3=a3, a4=a4)
    return cast


def appraisal_round_at(org, step: str, *, year=None, grade: str = "合格", actor=None):
    """A round of `org` driven through the services to `step`, every full member proposed and graded `grade`."""
    from qinglian.orglife.services import appraisal as services
    from qinglian.orglife.vocab import APPRAISAL_STEPS, AppraisalStatus

    round = services.appraisal_open(org=org, year=year or timezone.localdate().year, actor=actor)
    full = {e.pk: grade for e in round.entries.filter(probationary=False)}
    for to_status in APPRAISAL_STEPS[1 : APPRAISAL_STEPS.index(step) + 1]:
        if to_status == AppraisalStatus.DECISION:
            round = services.grades_propose(round=round, grades=full, actor=actor)
        elif to_status == AppraisalStatus.NOTIFIED:
            round = services.grades_decide(round=round, grades=full, actor=actor)
        elif to_status == AppraisalStatus.REPORTED:
            services.results_tell(round=round, actor=actor)
            round.refresh_from_db()
        round = services.appraisal_transition(round=round, to_status=to_status, version=round.version, actor=actor)
    return round
