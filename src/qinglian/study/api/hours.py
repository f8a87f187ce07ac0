"""Study sessions and hours over the API: sessions (list, detail, record, from a meeting, sync), records
(self-study, training elsewhere, removing one), the hours table of a unit and the caller's own hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Member, Organisation
from qinglian.study.models import Material, StudyRecord, StudySession
from qinglian.study.services import hours as services
from qinglian.study.vocab import RecordSource, SessionKind, TopicKind

router = Router(tags=["study"])
VIEW, MANAGE = services.VIEW, services.MANAGE


class HoursRecordOut(Schema):
    id: int
    member_id: int
    member_name: str
    source: str
    session_id: int | None
    material_id: int | None
    title: str
    studied_on: date
    hours: Decimal
    note: str

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name


class SessionOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    kind: str
    title: str
    topic: str
    held_on: date
    ends_on: date | None
    hours: Decimal
    meeting_id: int | None
    provider: str
    description: str

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class SessionDetailOut(SessionOut):
    records: list[HoursRecordOut]

    @staticmethod
    def resolve_records(obj):
        return list(obj.records.select_related("member").order_by("member__name_pinyin", "pk"))


class SessionIn(Schema):
    organisation_id: int
    title: str
    held_on: date
    kind: SessionKind = SessionKind.COLLECTIVE
    topic: TopicKind = TopicKind.CHARTER
    hours: Decimal | None = None
    ends_on: date | None = None
    member_ids: list[int] = []
    provider: str = ""
    description: str = ""


class FromMeetingIn(Schema):
    meeting_id: int
    title: str = ""
    kind: SessionKind | None = None  # by default a lecture for a Party lecture, else collective study
    topic: TopicKind | None = None
    hours: Decimal | None = None


class HoursSyncOut(Schema):
    added: int
    removed: int


class RecordIn(Schema):
    source: RecordSource
    title: str
    studied_on: date
    hours: Decimal
    member_id: int | None = None  # for training elsewhere; self-study is the caller's own
    material_id: int | None = None
    note: str = ""


class HoursRowOut(Schema):
    member_id: int
    member_name: str
    organisation_id: int
    organisation_name: str
    hours: float
    norm: int
    percent: int
    expected: float
    committee: bool
    behind: bool


class MyHoursOut(Schema):
    year: int
    hours: Decimal
    norm: int
    percent: int | None
    committee: bool
    self_study: Decimal
    self_counted: Decimal
    self_cap: Decimal
    by_source: dict[str, Decimal]
    records: list[HoursRecordOut]


def _sessions(request):
    return StudySession.objects.visible_to(request.user).select_related("organisation")


def _session(request, session_id: int, action: str = VIEW) -> StudySession:
    return get_visible_or_404(_sessions(request), request.user, action, pk=session_id)


def _people(org: Organisation, ids: list[int]) -> list[Member]:
    members = list(services.session_people(org).filter(pk__in=ids))
    if len(members) != len(set(ids)):
        raise ValidationError({"member_ids": _("Only members on the register of the unit can attend its session.")})
    return members


@router.get("/sessions", response=list[SessionOut], summary="Study sessions the caller may see")
@paginate(IdPageNumberPagination)
def session_list(request, year: int | None = None, org_id: int | None = None, kind: str = ""):
    qs = _sessions(request)
    if year is not None:
        qs = qs.filter(held_on__year=year)
    if org_id is not None:
        qs = qs.in_subtree(get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-held_on", "-pk")


@router.post("/sessions", response={201: SessionDetailOut}, summary="Record a session not held in a meeting")
def session_create(request, payload: SessionIn):
    """A training course over several days without hours counts days × the training day."""
    org = get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=payload.organisation_id)
    session = services.session_create(
        org=org,
        kind=payload.kind,
        title=payload.title,
        topic=payload.topic,
        held_on=payload.held_on,
        ends_on=payload.ends_on,
        hours=payload.hours,
        members=_people(org, payload.member_ids),
        provider=payload.provider,
        description=payload.description,
        actor=request.user,
    )
    return Status(201, _session(request, session.pk))


@router.post("/sessions/from-meeting", response={201: SessionDetailOut}, summary="Count a held meeting as study")
def session_from_meeting(request, payload: FromMeetingIn):
    """Title, day and theme from the meeting; hours from its length; a record for each member present or late."""
    meeting = services.meetings_linkable(request.user).filter(pk=payload.meeting_id).first()
    if meeting is None:
        raise Http404
    session = services.session_from_meeting(
        meeting=meeting,
        title=payload.title,
        kind=payload.kind or "",
        topic=payload.topic or "",
        hours=payload.hours,
        actor=request.user,
    )
    return Status(201, _session(request, session.pk))


@router.get("/sessions/{session_id}", response=SessionDetailOut, summary="A study session with its attendees")
def session_get(request, session_id: int):
    return _session(request, session_id)


@router.post("/sessions/{session_id}/sync", response=HoursSyncOut, summary="Read the meeting's attendance again")
def session_sync(request, session_id: int):
    added, removed = services.session_sync(session=_session(request, session_id, MANAGE), actor=request.user)
    return {"added": added, "removed": removed}


@router.post("/hours/records", response={201: HoursRecordOut}, summary="Record self-study or training elsewhere")
def record_create(request, payload: RecordIn):
    """Self-study is the caller's own (counted up to the year's cap); training elsewhere is recorded by staff
    for a member, with a note."""
    if payload.source == RecordSource.SELF:
        member = getattr(request.user, "member", None)
        if member is None:
            raise ValidationError(_("This login is not linked to a member on the register."))
        material = None
        if payload.material_id is not None:
            material = Material.objects.for_member(member).filter(pk=payload.material_id).first()
            if material is None:
                raise ValidationError({"material_id": _("No such material in your library.")})
        record = services.record_self_study(
            member=member,
            title=payload.title,
            studied_on=payload.studied_on,
            hours=payload.hours,
            material=material,
            note=payload.note,
            actor=request.user,
        )
    elif payload.source == RecordSource.EXTERNAL:
        member = get_visible_or_404(Member.objects, request.user, MANAGE, pk=payload.member_id)
        record = services.record_external(
            member=member,
            title=payload.title,
            studied_on=payload.studied_on,
            hours=payload.hours,
            note=payload.note,
            actor=request.user,
        )
    else:
        raise ValidationError({"source": _("Hours from a session come from its attendance.")})
    return Status(201, record)


@router.delete("/hours/records/{record_id}", response={204: None}, summary="Remove a self-study or external record")
def record_delete(request, record_id: int):
    record = StudyRecord.objects.select_related("member", "organisation").filter(pk=record_id).first()
    if record is None or not services.record_may_delete(request.user, record):
        raise Http404
    services.record_delete(record=record, actor=request.user)
    return Status(204, None)


@router.get("/hours", response=list[HoursRowOut], summary="Members' hours against their norms in a unit")
@paginate
def hours_table(request, org_id: int, year: int | None = None, behind: bool = False, sort: str = "unit"):
    """Each member on the register of the unit's subtree, with hours counted this year, norm and whether behind."""
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
    year = year or timezone.localdate().year
    members = services.hours_table(scope=org, year=year, behind_only=behind, sort=sort)
    return _RowList(members)


class _RowList:
    """The table's queryset, turned into rows only for the page sliced out of it."""

    def __init__(self, members):
        self.members = members

    def __len__(self):
        return self.members.count()

    def count(self):
        return self.members.count()

    def __getitem__(self, index):
        rows = [services.hours_row(m) for m in self.members[index]]
        return [
            {
                "member_id": r.member.pk,
                "member_name": r.member.name,
                "organisation_id": r.member.organisation_id,
                "organisation_name": r.member.organisation.name,
                "hours": r.hours,
                "norm": r.norm,
                "percent": r.percent,
                "expected": r.expected,
                "committee": r.committee,
                "behind": r.behind,
            }
            for r in rows
        ]


@router.get("/hours/mine", response=MyHoursOut, summary="The caller's own study hours")
def my_hours(request, year: int | None = None):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404(_("This login is not linked to a member on the register."))
    year = year or timezone.localdate().year
    result = services.member_hours(member, year)
    return {**result, "year": year, "records": list(result["records"].select_related("member"))}
