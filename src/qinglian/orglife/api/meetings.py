"""Meetings over the API: the same QuerySets and services as the pages.

Updates carry the `version` read; a stale one answers 409. Another unit's meeting answers 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.api_errors import file_answer
from qinglian.core.lib.dates import add_months
from qinglian.core.paging import IdPageNumberPagination
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.services import attendance as attendance_services
from qinglian.orglife.services import meetings as services
from qinglian.orglife.views.common import FIRST_YEAR, LAST_YEAR, ics_response
from qinglian.orglife.vocab import MeetingKind, Presence
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Member, Organisation

ICS = file_answer("text/calendar")
router = Router(tags=["meetings"])
VIEW, MANAGE, APPROVE = "orglife.view", "orglife.manage", "orglife.approve"


class AttendeeOut(Schema):
    id: int
    member_id: int | None
    name: str
    is_guest: bool
    guest_unit: str
    rsvp: str
    rsvp_at: datetime | None
    leave_status: str
    leave_reason: str
    leave_decided_at: datetime | None
    presence: str
    checked_in_at: datetime | None
    checkin_method: str
    absence_reason: str


class MeetingOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    kind: str
    title: str
    topic: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    agenda: list[str]
    host_id: int | None
    recorder_id: int | None
    lecturer_id: int | None
    lecturer_name: str
    status: str
    cancel_reason: str
    notified_at: datetime | None
    invitee_count: int
    present_count: int
    quorum_met: bool | None
    counted: bool
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class MeetingDetailOut(MeetingOut):
    attendees: list[AttendeeOut]
    checkin_code: str  # only for those who manage the unit's meetings; empty for others

    @staticmethod
    def resolve_attendees(obj) -> list:
        return list(obj.attendees.select_related("member").order_by(*services.ATTENDEE_ORDER))

    @staticmethod
    def resolve_checkin_code(obj) -> str:
        return obj.checkin_code if getattr(obj, "code_visible", False) else ""


class GuestIn(Schema):
    name: str
    unit: str = ""


class MeetingIn(Schema):
    organisation_id: int
    kind: MeetingKind
    title: str
    topic: str = ""
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""
    agenda: list[str] = []
    host_id: int | None = None
    recorder_id: int | None = None
    lecturer_id: int | None = None
    lecturer_name: str = ""
    invitee_ids: list[int] | None = None  # default: the members the rule expects
    guests: list[GuestIn] = []


class MeetingUpdateIn(Schema):
    version: int
    kind: MeetingKind | None = None
    title: str | None = None
    topic: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = None
    agenda: list[str] | None = None
    host_id: int | None = None
    recorder_id: int | None = None
    lecturer_id: int | None = None
    lecturer_name: str | None = None
    invitee_ids: list[int] | None = None
    guests: list[GuestIn] | None = None


class MeetingCancelIn(Schema):
    reason: str
    version: int | None = None


class NotifyOut(Schema):
    sent: int


class InviteesIn(Schema):
    member_ids: list[int]


class RsvpIn(Schema):
    answer: Literal["yes", "no"]


class LeaveIn(Schema):
    reason: str


class LeaveDecisionIn(Schema):
    approve: bool


class CheckinIn(Schema):
    code: str


class PresenceIn(Schema):
    attendee_id: int
    presence: Presence
    reason: str = ""


class AttendanceIn(Schema):
    version: int | None = None
    rows: list[PresenceIn]


def _detail(request, meeting_id: int) -> Meeting:
    meeting = services.meeting_or_404(request.user, meeting_id)
    meeting.code_visible = services.may_manage(request.user, meeting)
    return meeting


def _person(request, member_id: int | None) -> Member | None:
    """A member the caller may put on a meeting (on a register they manage); anyone else is 404."""
    if member_id is None:
        return None
    return get_visible_or_404(Member.objects.select_related("organisation"), request.user, MANAGE, pk=member_id)


def _people(request, ids: list[int] | None) -> list[Member] | None:
    if ids is None:
        return None
    found = {m.pk: m for m in Member.objects.visible_to(request.user, MANAGE).filter(pk__in=ids).select_related(
        "organisation")}  # fmt: skip
    if len(found) != len(set(ids)):
        raise Http404
    return [found[pk] for pk in dict.fromkeys(ids)]


def _mine(request, meeting: Meeting) -> Attendee:
    row = attendance_services.my_attendee(meeting, request.user)
    if row is None:
        raise ValidationError(_("You are not on this meeting's invitation list."))
    return row


@router.get("/meetings", response=list[MeetingOut], summary="Meetings of the units I may see")
@paginate(IdPageNumberPagination)
def meeting_list(
    request, org_id: int | None = None, kind: str = "", status: str = "", year: int | None = None, month: int = 0
):
    meetings = Meeting.objects.visible_to(request.user).select_related("organisation")
    if org_id is not None:
        meetings = meetings.in_subtree(get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id))
    if kind:
        meetings = meetings.filter(kind=kind)
    if status:
        meetings = meetings.filter(status=status)
    if year and 1 <= month <= 12:
        meetings = meetings.between(date(year, month, 1), add_months(date(year, month, 1), 1))
    elif year:
        meetings = meetings.between(date(year, 1, 1), date(year + 1, 1, 1))
    return meetings.order_by("-starts_at", "-pk")


@router.post("/meetings", response={201: MeetingDetailOut}, summary="Schedule a meeting")
def meeting_create(request, payload: MeetingIn):
    org = get_visible_or_404(Organisation.objects, request.user, MANAGE, pk=payload.organisation_id)
    meeting = services.meeting_schedule(
        org=org,
        kind=payload.kind,
        title=payload.title,
        topic=payload.topic,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        place=payload.place,
        agenda=payload.agenda,
        host=_person(request, payload.host_id),
        recorder=_person(request, payload.recorder_id),
        lecturer=_person(request, payload.lecturer_id),
        lecturer_name=payload.lecturer_name,
        invitees=_people(request, payload.invitee_ids),
        guests=[(g.name, g.unit) for g in payload.guests],
        actor=request.user,
    )
    return Status(201, _detail(request, meeting.pk))


@router.get("/meetings/calendar.ics", summary="A unit's meetings of one year as iCalendar", openapi_extra=ICS)
def meeting_unit_ics(request, org_id: int, year: int):
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    meetings = services.unit_year_meetings(request.user, org, year)
    name = _("{org} meetings {year}").format(org=org.display_name, year=year)
    return ics_response(meetings, name=name, filename=f"meetings-{org.pk}-{year}.ics", request=request)


@router.get("/meetings/mine.ics", summary="The meetings I am invited to, as iCalendar", openapi_extra=ICS)
def meeting_mine_ics(request):
    since = timezone.localdate().replace(day=1, month=1, year=timezone.localdate().year - 1)
    meetings = services.my_meetings(request.user).filter(starts_on__gte=since).order_by("starts_at", "pk")
    return ics_response(meetings, name=_("My meetings"), filename="my-meetings.ics", request=request)


@router.get("/meetings/{meeting_id}", response=MeetingDetailOut, summary="One meeting with its attendees")
def meeting_get(request, meeting_id: int):
    return _detail(request, meeting_id)


@router.get("/meetings/{meeting_id}/meeting.ics", summary="One meeting as iCalendar", openapi_extra=ICS)
def meeting_ics(request, meeting_id: int):
    meeting = services.meeting_or_404(request.user, meeting_id)
    return ics_response([meeting], name=meeting.title, filename=f"meeting-{meeting.pk}.ics", request=request)


@router.post("/meetings/{meeting_id}", response=MeetingDetailOut, summary="Change a meeting (send its version)")
def meeting_update(request, meeting_id: int, payload: MeetingUpdateIn):
    meeting = services.meeting_or_404(request.user, meeting_id, MANAGE)
    given = payload.dict(exclude_unset=True)
    changes = {name: given[name] for name in ("kind", "title", "topic", "starts_at", "ends_at", "place", "agenda",
                                               "lecturer_name") if name in given}  # fmt: skip
    for role in ("host", "recorder", "lecturer"):
        if f"{role}_id" in given:
            changes[role] = _person(request, given[f"{role}_id"])
    for name in ("title", "topic", "place", "lecturer_name", "agenda", "kind", "starts_at"):
        if name in changes and changes[name] is None:
            raise ValidationError({name: _("This field cannot be empty.")})
    services.meeting_update(
        meeting=meeting,
        actor=request.user,
        version=payload.version,
        invitees=_people(request, payload.invitee_ids) if "invitee_ids" in given else None,
        guests=[(g.name, g.unit) for g in payload.guests] if payload.guests is not None else None,
        **changes,
    )
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response=MeetingDetailOut, summary="Cancel a meeting, with the reason")
def meeting_cancel(request, meeting_id: int, payload: MeetingCancelIn):
    meeting = services.meeting_or_404(request.user, meeting_id, MANAGE)
    services.meeting_cancel(meeting=meeting, reason=payload.reason, version=payload.version, actor=request.user)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/notify", response=NotifyOut, summary="Send the notice to the invitees")
def meeting_notify(request, meeting_id: int):
    meeting = services.meeting_or_404(request.user, meeting_id, MANAGE)
    return {"sent": services.meeting_notify(meeting=meeting, actor=request.user)}


@router.post("/meetings/{meeting_id}/invitees", response=MeetingDetailOut, summary="Invite more members")
def meeting_invitee_add(request, meeting_id: int, payload: InviteesIn):
    meeting = services.meeting_or_404(request.user, meeting_id, MANAGE)
    services.invitee_add(meeting=meeting, members=_people(request, payload.member_ids), actor=request.user)
    return _detail(request, meeting_id)


@router.delete(
    "/meetings/{meeting_id}/attendees/{attendee_id}", response=MeetingDetailOut, summary="Remove an invitee or guest"
)
def meeting_invitee_remove(request, meeting_id: int, attendee_id: int):
    meeting = services.meeting_or_404(request.user, meeting_id, MANAGE)
    row = Attendee.objects.filter(meeting=meeting, pk=attendee_id).first()
    if row is None:
        raise Http404
    services.invitee_remove(meeting=meeting, attendee=row, actor=request.user)
    return _detail(request, meeting_id)


@router.post("/meetings/{meeting_id}/guests", response={201: AttendeeOut}, summary="Add a guest")
def meeting_guest_add(request, meeting_id: int, payload: GuestIn):
    meeting = services.meeting_or_404(request.user, meeting_id, MANAGE)
    return Status(201, services.guest_add(meeting=meeting, name=payload.name, unit=payload.unit, actor=request.user))


@router.post("/meetings/{meeting_id}/rsvp", response=AttendeeOut, summary="Reply to an invitation (the invitee)")
def meeting_rsvp(request, meeting_id: int, payload: RsvpIn):
    meeting = services.meeting_or_404(request.user, meeting_id)
    return attendance_services.attendee_rsvp(
        attendee=_mine(request, meeting), answer=payload.answer, actor=request.user
    )


@router.post("/meetings/{meeting_id}/leave", response=AttendeeOut, summary="Ask for leave (the invitee)")
def meeting_leave(request, meeting_id: int, payload: LeaveIn):
    meeting = services.meeting_or_404(request.user, meeting_id)
    return attendance_services.leave_request(
        attendee=_mine(request, meeting), reason=payload.reason, actor=request.user
    )


@router.post(
    "/meetings/{meeting_id}/attendees/{attendee_id}/leave",
    response=AttendeeOut,
    summary="Approve or refuse a leave request",
)
def meeting_leave_decide(request, meeting_id: int, attendee_id: int, payload: LeaveDecisionIn):
    meeting = services.meeting_or_404(request.user, meeting_id, APPROVE)
    row = Attendee.objects.filter(meeting=meeting, pk=attendee_id).first()
    if row is None:
        raise Http404
    return attendance_services.leave_decide(attendee=row, approve=payload.approve, actor=request.user)


@router.post("/meetings/{meeting_id}/checkin", response=AttendeeOut, summary="Check in with the meeting's code")
def meeting_checkin(request, meeting_id: int, payload: CheckinIn):
    meeting = services.meeting_or_404(request.user, meeting_id)
    return attendance_services.checkin_self(meeting=meeting, code=payload.code, actor=request.user)


@router.post("/meetings/{meeting_id}/attendance", response=MeetingDetailOut, summary="Record who came (the recorder)")
def meeting_attendance(request, meeting_id: int, payload: AttendanceIn):
    meeting = services.meeting_or_404(request.user, meeting_id)
    if not services.may_record(request.user, meeting):
        raise Http404
    services.attendance_record(
        meeting=meeting,
        presences={row.attendee_id: row.presence for row in payload.rows},
        reasons={row.attendee_id: row.reason for row in payload.rows},
        version=payload.version,
        actor=request.user,
    )
    return _detail(request, meeting_id)
