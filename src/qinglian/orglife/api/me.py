"""The member's own organisational life through the API."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Router, Schema

from qinglian.orglife.overview import member_overview

router = Router(tags=["orglife"])


class MyMeeting(Schema):
    meeting_id: int
    title: str
    kind: str
    starts_at: datetime
    place: str
    rsvp: str
    leave_status: str
    presence: str


class MyAppraisal(Schema):
    round_id: int
    year: int
    step: str
    self_submitted: bool
    ballot_cast: bool
    grade: str | None
    probationary: bool
    follow_up_status: str


class MyTalk(Schema):
    talk_id: int
    talked_on: date
    kind: str
    with_name: str


class MyOverview(Schema):
    linked: bool
    year: int | None = None
    upcoming: list[MyMeeting] = []
    past: list[MyMeeting] = []
    attended: int = 0
    recorded: int = 0
    appraisals: list[MyAppraisal] = []
    talks: list[MyTalk] = []


def _meeting(a) -> MyMeeting:
    m = a.meeting
    return MyMeeting(
        meeting_id=m.pk,
        title=m.title,
        kind=m.kind,
        starts_at=m.starts_at,
        place=m.place,
        rsvp=a.rsvp,
        leave_status=a.leave_status,
        presence=a.presence,
    )


@router.get("/me", response=MyOverview, summary="My meetings, appraisal steps and talks")
def me(request, year: int | None = None):
    member = getattr(request.user, "member", None)
    if member is None:
        return MyOverview(linked=False)
    o = member_overview(member, year=year)
    return MyOverview(
        linked=True,
        year=o.year,
        upcoming=[_meeting(a) for a in o.upcoming],
        past=[_meeting(a) for a in o.past],
        attended=o.attended,
        recorded=o.recorded,
        appraisals=[
            MyAppraisal(
                round_id=e.round_id,
                year=e.round.year,
                step=e.round.status,
                self_submitted=e.self_submitted_at is not None,
                ballot_cast=e.round_id in o.voted_rounds,
                grade=(e.final_grade or None) if e.told_at else None,
                probationary=e.probationary,
                follow_up_status=e.follow_up_status,
            )
            for e in o.appraisals
        ],
        talks=[
            MyTalk(
                talk_id=t.pk,
                talked_on=t.talked_on,
                kind=t.kind,
                with_name=t.counterpart.name if t.initiator_id == member.pk else t.initiator.name,
            )
            for t in o.talks
        ],
    )
