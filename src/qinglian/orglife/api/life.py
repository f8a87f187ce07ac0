"""Life meetings over the API: criticism per meeting (filtered per viewer) and the rectification list."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orglife.models import Critique, Meeting, Problem
from qinglian.orglife.people import meeting_people, member_of, unit_people
from qinglian.orglife.services import life as services
from qinglian.orglife.vocab import LIFE_KINDS, CritiqueKind, ProblemStatus
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


class ProblemOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    meeting_id: int | None
    member_id: int | None
    member_name: str
    description: str
    measure: str
    owner_id: int
    owner_name: str
    due_on: date
    status: str
    overdue: bool
    done_on: date | None
    done_note: str
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name if obj.member_id else ""

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.name

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.status == ProblemStatus.OPEN and obj.due_on < timezone.localdate()


class ProblemIn(Schema):
    description: str
    owner_id: int | None = None
    due_on: date | None = None
    organisation_id: int | None = None
    meeting_id: int | None = None
    member_id: int | None = None
    measure: str = ""


class ProblemUpdateIn(Schema):
    version: int
    description: str | None = None
    measure: str | None = None
    owner_id: int | None = None
    due_on: date | None = None
    member_id: int | None = None
    clear_member: bool = False


class ProblemDoneIn(Schema):
    version: int
    done_on: date | None = None
    done_note: str = ""


class ProblemReopenIn(Schema):
    version: int
    reason: str = ""
    due_on: date | None = None


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


def _problems(request):
    return services.problems_visible(request.user).select_related("organisation", "owner", "member")


def _problem(request, problem_id: int) -> Problem:
    problem = _problems(request).filter(pk=problem_id).first()
    if problem is None:
        raise Http404
    return problem


@router.get("/problems", response=list[ProblemOut], summary="The rectification list")
@paginate(IdPageNumberPagination)
def problem_list(
    request, status: str = "", org_id: int | None = None, owner_id: int | None = None, meeting_id: int | None = None
):
    """Problems the caller may see; status is open, overdue or done; org_id narrows to a unit's subtree."""
    org = None
    if org_id is not None:
        org = get_visible_or_404(Organisation.objects, request.user, "orglife.view", pk=org_id)
    qs = services.problem_filter(_problems(request), status=status, owner_id=owner_id, org=org)
    if meeting_id is not None:
        qs = qs.filter(meeting_id=meeting_id)
    return qs.order_by("status", "due_on", "pk")


@router.post("/problems", response={201: ProblemOut}, summary="Add a problem to a unit's rectification list")
def problem_create(request, payload: ProblemIn):
    """From a life meeting (meeting_id) or directly for a unit (organisation_id); owner and deadline required."""
    meeting = _meeting(request, payload.meeting_id, "orglife.manage") if payload.meeting_id is not None else None
    if meeting is not None:
        org = meeting.organisation
    elif payload.organisation_id is not None:
        org = get_visible_or_404(Organisation.objects, request.user, "orglife.manage", pk=payload.organisation_id)
    else:
        raise ValidationError({"organisation_id": _("Give the meeting or the unit the problem belongs to.")})
    people = meeting_people(meeting) if meeting else unit_people(org)
    problem = services.problem_add(
        org=org,
        meeting=meeting,
        description=payload.description,
        measure=payload.measure,
        owner=_person(people, payload.owner_id, "owner_id", org),
        member=_person(people, payload.member_id, "member_id", org),
        due_on=payload.due_on,
        actor=request.user,
    )
    return Status(201, _problem(request, problem.pk))


@router.get("/problems/{problem_id}", response=ProblemOut, summary="One problem")
def problem_get(request, problem_id: int):
    return _problem(request, problem_id)


@router.patch("/problems/{problem_id}", response=ProblemOut, summary="Change an open problem (with its version)")
def problem_patch(request, problem_id: int, payload: ProblemUpdateIn):
    problem = _problem(request, problem_id)
    if not services.problem_may_manage(request.user, problem):
        raise Http404
    people = unit_people(problem.organisation)
    org = problem.organisation
    owner = _person(people, payload.owner_id, "owner_id", org) if payload.owner_id is not None else problem.owner
    member = None if payload.clear_member else problem.member
    if payload.member_id is not None:
        member = _person(people, payload.member_id, "member_id", org)
    services.problem_update(
        problem=problem,
        version=payload.version,
        actor=request.user,
        description=problem.description if payload.description is None else payload.description,
        measure=problem.measure if payload.measure is None else payload.measure,
        owner=owner,
        member=member,
        due_on=payload.due_on or problem.due_on,
    )
    return _problem(request, problem_id)


@router.post("/problems/{problem_id}/done", response=ProblemOut, summary="Report a problem rectified")
def problem_done(request, problem_id: int, payload: ProblemDoneIn):
    problem = _problem(request, problem_id)
    if not services.problem_may_close(request.user, problem):
        raise Http404
    services.problem_done(problem=problem, actor=request.user, **payload.dict())
    return _problem(request, problem_id)


@router.post("/problems/{problem_id}/reopen", response=ProblemOut, summary="Reopen a rectified problem")
def problem_reopen(request, problem_id: int, payload: ProblemReopenIn):
    problem = _problem(request, problem_id)
    if not services.problem_may_manage(request.user, problem):
        raise Http404
    services.problem_reopen(problem=problem, actor=request.user, **payload.dict())
    return _problem(request, problem_id)
