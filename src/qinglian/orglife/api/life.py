"""Life meetings over the API: criticism per meeting (filtered per viewer), and the problems found put on the
unit's rectification list (read and moved on under /api/v1/rectification/)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from qinglian.orglife.models import Critique, Meeting
from qinglian.orglife.people import meeting_people, member_of
from qinglian.orglife.services import life as services
from qinglian.orglife.vocab import LIFE_KINDS, CritiqueKind
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Member, Organisation

router = Router(tags=["life meetings"])


class CritiqueOut(Schema):
    id: int
    meeting_id: int
    kind: str
    subject_id: int
    subject_name: str
    critic_id: int | None
    critic_name: str
    content: str
    created_at: datetime

    @staticmethod
    def resolve_subject_name(obj) -> str:
        return obj.subject.name

    @staticmethod
    def resolve_critic_name(obj) -> str:
        return obj.critic.name if obj.critic_id else ""


class CritiqueCountOut(Schema):
    member_id: int
    name: str
    self_count: int
    received_count: int


class CritiquesOut(Schema):
    read_all: bool
    items: list[CritiqueOut]
    counts: list[CritiqueCountOut]


class CritiqueIn(Schema):
    kind: CritiqueKind
    content: str
    subject_id: int | None = None
    critic_id: int | None = None


class LifeProblemIn(Schema):
    problem: str
    owner_id: int | None = None
    due_on: date | None = None
    measures: str = ""
    member_id: int | None = None


class ProblemAddedOut(Schema):
    """The rectification item made of the problem: read and move it under /api/v1/rectification/items/{id}."""

    id: int
    status: str
    due_on: date


def _meeting(request, meeting_id: int, action: str = "orglife.view") -> Meeting:
    return get_visible_or_404(
        Meeting.objects.select_related("organisation"), request.user, action, pk=meeting_id, kind__in=LIFE_KINDS
    )


def _person(people, member_id: int | None, field: str, org: Organisation) -> Member | None:
    """A member named by id, found only among those the record may name (never trusted as given)."""
    if member_id is None:
        return None
    member = people.filter(pk=member_id).first()
    if member is None:
        raise ValidationError({field: _("No member with id {id} belongs to {org}.").format(id=member_id, org=org.name)})
    return member


@router.get("/meetings/{meeting_id}/critiques", response=CritiquesOut, summary="Criticism recorded at a life meeting")
def critique_list(request, meeting_id: int):
    """The criticism the caller may read (all of it with orglife.critique_view, otherwise their own), and
    for every member only the counts."""
    meeting = _meeting(request, meeting_id)
    items = list(services.critiques_readable(request.user, meeting).select_related("subject", "critic"))
    rows = services.life_rows(request.user, meeting)
    counts = [
        {
            "member_id": r.member.pk,
            "name": r.member.name,
            "self_count": r.self_count,
            "received_count": r.received_count,
        }
        for r in rows
    ]
    return {"read_all": can(request.user, "orglife.critique_view", meeting), "items": items, "counts": counts}


@router.post(
    "/meetings/{meeting_id}/critiques", response={201: CritiqueOut}, summary="Record criticism at a life meeting"
)
def critique_create(request, meeting_id: int, payload: CritiqueIn):
    meeting = _meeting(request, meeting_id)
    people = meeting_people(meeting)
    me = member_of(request.user)
    subject = _person(people, payload.subject_id, "subject_id", meeting.organisation)
    critic = _person(people, payload.critic_id, "critic_id", meeting.organisation)
    if payload.kind == CritiqueKind.SELF and subject is None:
        subject = critic or me
    if subject is None:
        raise ValidationError({"subject_id": _("Choose whom the criticism is about.")})
    if payload.kind == CritiqueKind.PEER and critic is None and not can(request.user, "orglife.manage", meeting):
        critic = me
    critique = services.critique_add(
        meeting=meeting, subject=subject, critic=critic, kind=payload.kind, content=payload.content, actor=request.user
    )
    return Status(201, Critique.objects.select_related("subject", "critic").get(pk=critique.pk))


@router.delete(
    "/critiques/{critique_id}", response={204: None}, summary="Remove criticism before the minutes are approved"
)
def critique_delete(request, critique_id: int):
    critique = get_visible_or_404(
        Critique.objects.select_related("meeting__organisation", "subject"),
        request.user,
        "orglife.view",
        pk=critique_id,
    )
    if not services.critiques_readable(request.user, critique.meeting).filter(pk=critique.pk).exists():
        raise Http404
    services.critique_remove(critique=critique, actor=request.user)
    return Status(204, None)


@router.post(
    "/meetings/{meeting_id}/problems",
    response={201: ProblemAddedOut},
    summary="Put a problem found at a held life meeting on the unit's rectification list",
)
def problem_add(request, meeting_id: int, payload: LifeProblemIn):
    meeting = _meeting(request, meeting_id)
    if not services.problem_may_add(request.user, meeting):
        raise Http404
    people = meeting_people(meeting)
    item = services.life_problem_add(
        meeting=meeting,
        actor=request.user,
        problem=payload.problem,
        owner=_person(people, payload.owner_id, "owner_id", meeting.organisation),
        due_on=payload.due_on,
        measures=payload.measures,
        member=_person(people, payload.member_id, "member_id", meeting.organisation),
    )
    return Status(201, item)
