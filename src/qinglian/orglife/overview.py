"""A member's own organisational life in one read: meetings, replies and leave, appraisal, talks, rectification.

Shared by the member's page and the API; a handful of queries whatever the member's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from qinglian.orglife.models import AppraisalEntry, AppraisalVoter, Attendee, Talk
from qinglian.orglife.vocab import ATTENDING, AppraisalStatus, MeetingStatus, Presence
from qinglian.rectification.models import Item


@dataclass
class Overview:
    member: object
    year: int
    upcoming: list = field(default_factory=list)  # Attendee rows of meetings not yet started
    past: list = field(default_factory=list)  # Attendee rows of this year's meetings that started
    attended: int = 0
    recorded: int = 0  # past meetings whose attendance was recorded
    appraisals: list = field(default_factory=list)  # AppraisalEntry rows, newest round first
    voted_rounds: set = field(default_factory=set)
    talks: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # rectification items the member owns, not yet closed

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.recorded if self.recorded else None


def member_overview(member, *, year: int | None = None) -> Overview:
    now = timezone.now()
    year = year or timezone.localdate().year
    rows = (
        Attendee.objects.filter(member=member)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting", "meeting__organisation")
        .order_by("meeting__starts_at")
    )
    out = Overview(member=member, year=year)
    out.upcoming = list(rows.filter(meeting__starts_at__gte=now)[:20])
    out.past = list(
        rows.filter(meeting__starts_at__lt=now, meeting__starts_on__year=year).order_by("-meeting__starts_at")
    )
    out.recorded = sum(1 for row in out.past if row.presence != Presence.UNKNOWN)
    out.attended = sum(1 for row in out.past if row.presence in ATTENDING)
    out.appraisals = list(
        AppraisalEntry.objects.filter(member=member)
        .select_related("round", "round__organisation")
        .order_by("-round__year")[:5]
    )
    open_rounds = [e.round_id for e in out.appraisals if e.round.status != AppraisalStatus.REPORTED]
    out.voted_rounds = set(
        AppraisalVoter.objects.filter(member=member, round_id__in=open_rounds).values_list("round_id", flat=True)
    )
    out.talks = list(
        Talk.objects.involving(member).in_year(year).select_related("initiator", "counterpart").order_by("-talked_on")
    )
    # Being rectified ("open") before awaiting verification ("submitted"), soonest deadline first.
    out.problems = list(Item.objects.filter(owner=member).open().order_by("status", "due_on", "pk")[:20])
    return out
