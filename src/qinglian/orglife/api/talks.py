"""Talks over the API: the list, recording, correcting and removing one, and a unit's coverage for a year."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orglife.coverage import talk_coverage
from qinglian.orglife.models import Talk
from qinglian.orglife.people import talk_people
from qinglian.orglife.services import talks as services
from qinglian.orglife.vocab import TalkKind
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Member, Organisation, subtree_q

router = Router(tags=["talks"])


class TalkOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    kind: str
    talked_on: date
    initiator_id: int
    initiator_name: str
    counterpart_id: int
    counterpart_name: str
    place: str
    summary: str
    follow_up: str
    created_at: datetime

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_initiator_name(obj) -> str:
        return obj.initiator.name

    @staticmethod
    def resolve_counterpart_name(obj) -> str:
        return obj.counterpart.name


class TalkIn(Schema):
    organisation_id: int
    talked_on: date | None = None
    initiator_id: int | None = None
    counterpart_id: int | None = None
    summary: str = ""
    kind: TalkKind = TalkKind.HEART_TO_HEART
    place: str = ""
    follow_up: str = ""


class TalkPatchIn(Schema):
    talked_on: date | None = None
    initiator_id: int | None = None
    counterpart_id: int | None = None
    summary: str | None = None
    kind: TalkKind | None = None
    place: str | None = None
    follow_up: str | None = None


class TalkRefOut(Schema):
    id: int
    talked_on: date
    kind: str


class PairOut(Schema):
    a_id: int
    a_name: str
    b_id: int
    b_name: str
    done: bool
    talks: list[TalkRefOut]


class GroupOut(Schema):
    code: str
    label: str
    total: int
    done: int
    percent: int | None
    pairs: list[PairOut]


class TalkPersonOut(Schema):
    id: int
    name: str


class CoverageOut(Schema):
    organisation_id: int
    organisation_name: str
    year: int
    times: int
    secretary: TalkPersonOut | None
    committee: list[TalkPersonOut]
    problem: str
    total: int
    done: int
    percent: int | None
    groups: list[GroupOut]


def _talks(request):
    return services.talks_readable(request.user).select_related("organisation", "initiator", "counterpart")


def _talk(request, talk_id: int) -> Talk:
    talk = _talks(request).filter(pk=talk_id).first()
    if talk is None:
        raise Http404
    return talk


def _person(people, member_id: int | None, field: str, org: Organisation) -> Member | None:
    """A member named by id, looked up only among those who may take part in a talk at the unit."""
    if member_id is None:
        return None
    member = people.filter(pk=member_id).first()
    if member is None:
        raise ValidationError(
            {
                field: _("No member with id {id} is on the register or committee of {org}.").format(
                    id=member_id, org=org.name
                )
            }
        )
    return member


@router.get("/talks", response=list[TalkOut], summary="Talks the caller may read")
@paginate(IdPageNumberPagination)
def talk_list(
    request, year: int | None = None, kind: str = "", member_id: int | None = None, org_id: int | None = None
):
    """Talks at units where the caller holds orglife.talk_view, and those they took part in."""
    qs = _talks(request)
    if year is not None:
        qs = qs.in_year(year)
    if kind:
        qs = qs.filter(kind=kind)
    if member_id is not None:
        qs = qs.involving(member_id)
    if org_id is not None:
        org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id)
        qs = qs.filter(subtree_q(org.path, "organisation__"))
    return qs.order_by("-talked_on", "-pk")


@router.post("/talks", response={201: TalkOut}, summary="Record a talk")
def talk_create(request, payload: TalkIn):
    """By a holder of orglife.talk_record at the unit, or by a member for a talk they took part in."""
    org = services.record_units(request.user).filter(pk=payload.organisation_id).first()
    if org is None:
        raise Http404
    people = talk_people(org)
    talk = services.talk_record(
        org=org,
        kind=payload.kind,
        talked_on=payload.talked_on,
        initiator=_person(people, payload.initiator_id, "initiator_id", org),
        counterpart=_person(people, payload.counterpart_id, "counterpart_id", org),
        place=payload.place,
        summary=payload.summary,
        follow_up=payload.follow_up,
        actor=request.user,
    )
    return Status(201, _talk(request, talk.pk))


@router.get("/talks/coverage", response=CoverageOut, summary="A unit's talk coverage for a year")
def coverage_get(request, org_id: int, year: int | None = None):
    """Which required pairs (secretary–committee, secretary–member, committee–committee) talked in the year."""
    org = get_visible_or_404(Organisation.objects, request.user, "orglife.talk_view", pk=org_id)
    year = year or timezone.localdate().year
    cov = talk_coverage(org, year)
    person = lambda m: {"id": m.pk, "name": m.name}  # noqa: E731
    return {
        "organisation_id": org.pk,
        "organisation_name": org.name,
        "year": year,
        "times": cov.times,
        "secretary": person(cov.secretary) if cov.secretary else None,
        "committee": [person(m) for m in cov.committee],
        "problem": cov.problem(),
        "total": cov.total,
        "done": cov.done,
        "percent": cov.percent,
        "groups": [
            {
                "code": g.code,
                "label": g.label,
                "total": g.total,
                "done": g.done,
                "percent": g.percent,
                "pairs": [
                    {
                        "a_id": p.a.pk,
                        "a_name": p.a.name,
                        "b_id": p.b.pk,
                        "b_name": p.b.name,
                        "done": p.done,
                        "talks": [{"id": t.pk, "talked_on": t.talked_on, "kind": t.kind} for t in p.talks],
                    }
                    for p in g.pairs
                ],
            }
            for g in cov.groups
        ],
    }


@router.get("/talks/{talk_id}", response=TalkOut, summary="One talk")
def talk_get(request, talk_id: int):
    return _talk(request, talk_id)


@router.patch("/talks/{talk_id}", response=TalkOut, summary="Correct a talk")
def talk_patch(request, talk_id: int, payload: TalkPatchIn):
    """By the unit's recorders, or by whoever recorded it within 30 days; fields left out keep their value."""
    talk = _talk(request, talk_id)
    if not services.talk_may_update(request.user, talk):
        raise Http404
    people = talk_people(talk.organisation)
    org = talk.organisation
    data = payload.dict(exclude_unset=True)
    services.talk_update(
        talk=talk,
        actor=request.user,
        kind=data.get("kind") or talk.kind,
        talked_on=data.get("talked_on", talk.talked_on),
        initiator=_person(people, data["initiator_id"], "initiator_id", org)
        if "initiator_id" in data
        else talk.initiator,
        counterpart=(
            _person(people, data["counterpart_id"], "counterpart_id", org)
            if "counterpart_id" in data
            else talk.counterpart
        ),
        summary=data.get("summary", talk.summary),
        place=data.get("place", talk.place) or "",
        follow_up=data.get("follow_up", talk.follow_up) or "",
    )
    return _talk(request, talk_id)


@router.delete("/talks/{talk_id}", response={204: None}, summary="Remove a talk recorded in error")
def talk_delete(request, talk_id: int):
    talk = _talk(request, talk_id)
    if not services.talk_may_remove(request.user, talk):
        raise Http404
    services.talk_remove(talk=talk, actor=request.user)
    return Status(204, None)
