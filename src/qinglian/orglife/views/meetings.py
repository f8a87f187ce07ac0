"""Meetings: the list, scheduling and editing, the meeting's page with its actions, check-in,
the calendars of a unit and of a member, and .ics exports."""

from __future__ import annotations

import calendar as calendar_lib
from datetime import date, time, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.lib.dates import add_months
from qinglian.core.paging import id_page
from qinglian.core.registry import registry
from qinglian.core.views import permission_required
from qinglian.orglife.forms.meetings import (
    AttendanceForm,
    CancelForm,
    CheckinForm,
    GuestForm,
    InviteForm,
    LeaveRequestForm,
    MeetingFilterForm,
    MeetingForm,
)
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.rules import kind_rule
from qinglian.orglife.services import attendance as attendance_services
from qinglian.orglife.services import meetings as services
from qinglian.orglife.views.common import FIRST_YEAR, LAST_YEAR, ics_response
from qinglian.orglife.vocab import LeaveStatus, MeetingKind, MeetingStatus, Presence, Rsvp
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Member, Organisation

VIEW, MANAGE = "orglife.view", "orglife.manage"
PAGE_SIZE = 30
# Choices rendered in a select or as checkboxes: a unit's people, the units one manages. Beyond
# these the page would carry a province; the scope selector narrows the choice instead.
UNITS_MAX = 300
PEOPLE_MAX = 300
DEFAULT_KIND = {"group": MeetingKind.GROUP_MEETING, "committee": MeetingKind.DEMOCRATIC_LIFE}


# --- fetching, with access control -----------------------------------------------------------------------


def _attendee_or_404(meeting: Meeting, attendee_id) -> Attendee:
    row = Attendee.objects.filter(meeting=meeting, pk=attendee_id).select_related("member").first()
    if row is None:
        raise Http404
    return row


def _units(user, root: Organisation, action: str):
    """Active units at or below the scope where the user holds `action`."""
    return Organisation.objects.visible_to(user, action).active().subtree(root).order_by("path")


def _filter_units(user, root: Organisation) -> list[Organisation]:
    """The scope and its direct subordinates: the unit filter of the list and the calendar."""
    units = Organisation.objects.visible_to(user, VIEW).filter(Q(pk=root.pk) | Q(parent=root, is_active=True))
    return list(units.order_by("path")[:UNITS_MAX])


def _people(user):
    """Members the user may put on a meeting: those on the register of the units they manage."""
    return Member.objects.visible_to(user, MANAGE).on_register().select_related("organisation")


# --- the list --------------------------------------------------------------------------------------------


@permission_required(VIEW)
def meeting_list(request):
    root = scope_or_404(request)
    units = _filter_units(request.user, root)
    form = MeetingFilterForm(request.GET or None, units=units)
    chosen = form.filters()
    unit = next((u for u in units if u.pk == chosen.get("unit")), root)
    meetings = Meeting.objects.visible_to(request.user).in_subtree(unit).select_related("organisation")
    if chosen.get("kind"):
        meetings = meetings.filter(kind=chosen["kind"])
    if chosen.get("status"):
        meetings = meetings.filter(status=chosen["status"])
    year = chosen.get("year") or (timezone.localdate().year if chosen.get("month") else None)
    if year and chosen.get("month"):
        start = date(year, chosen["month"], 1)
        meetings = meetings.between(start, add_months(start, 1))
    elif year:
        meetings = meetings.between(date(year, 1, 1), date(year + 1, 1, 1))
    page = id_page(meetings.order_by("-starts_at", "-pk"), per_page=PAGE_SIZE, number=request.GET.get("page"))
    context = {
        "page": page,
        "root": root,
        "unit": unit,
        "form": form,
        "can_schedule": _units(request.user, root, MANAGE).exists(),
        "now": timezone.now(),
    }
    return render(request, "orglife/meeting_list.html", context)


# --- scheduling and editing ------------------------------------------------------------------------------


def people_context(org: Organisation, kind: str, *, checked=None, selected=(), meeting=None, on=None) -> dict:
    """Whom the form offers for a unit: the expected members of the kind first, then the rest of its register.

    `checked` are the invitees' ids to tick (default: the expected members); `selected` are the
    members already chosen as host, recorder or lecturer, offered even beyond the cap.
    """
    expected = list(services.expected_members(org, kind, on=on)[:PEOPLE_MAX])
    shown = {m.pk for m in expected}
    if meeting is not None:
        current = [a.member for a in meeting.attendees.members().select_related("member")]
        expected += [m for m in current if m.pk not in shown]
        shown |= {m.pk for m in current}
    others = list(
        Member.objects.on_register().in_subtree(org).exclude(pk__in=shown).order_by("name_pinyin", "pk")[:PEOPLE_MAX]
    )
    everyone = expected + others
    ids = {m.pk for m in everyone}
    missing = [pk for pk in selected if pk and pk not in ids]
    everyone += list(Member.objects.in_subtree(org).filter(pk__in=missing))
    return {
        "expected": expected,
        "others": others,
        "everyone": sorted(everyone, key=lambda m: (m.name_pinyin, m.pk)),
        "checked": {m.pk for m in expected} if checked is None else set(checked),
        "more_than_shown": len(others) >= PEOPLE_MAX,
    }


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _form_people(form: MeetingForm, org, kind, meeting=None, on=None) -> dict:
    if form.is_bound:
        checked = _ids(form.data.getlist("invitees"))
        selected = _ids(form.data.get(name, "") for name in ("host", "recorder", "lecturer"))
    else:
        checked = form.initial.get("invitees")
        selected = [getattr(form.initial.get(name), "pk", None) for name in ("host", "recorder", "lecturer")]
    if form.held and meeting is not None:
        checked = list(meeting.attendees.members().values_list("member_id", flat=True))
    return people_context(org, kind, checked=checked, selected=selected, meeting=meeting, on=on)


def _chosen_unit(units, value, default: Organisation) -> Organisation | None:
    if str(value).isdigit():
        return units.filter(pk=value).first()
    return default if units.filter(pk=default.pk).exists() else units.first()


@permission_required(MANAGE)
def meeting_create(request):
    root = scope_or_404(request)
    units = _units(request.user, root, MANAGE)
    org = _chosen_unit(units, request.POST.get("organisation") or request.GET.get("org", ""), root)
    if org is None:
        raise Http404(_("You do not manage the meetings of any unit in this organisation."))
    kind = request.POST.get("kind") or request.GET.get("kind") or DEFAULT_KIND.get(org.kind, "general_meeting")
    kind = kind if kind in MeetingKind.values else MeetingKind.GENERAL_MEETING
    day = timezone.localdate() + timedelta(days=7)
    initial = {"organisation": org, "kind": kind, "day": day, "start_time": time(14, 30), "end_time": time(16, 30)}
    initial["invitees"] = [m.pk for m in services.expected_members(org, kind, on=day)[:PEOPLE_MAX]]
    form = MeetingForm(request.POST or None, units=units, people=_people(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_schedule(
                org=data["organisation"], actor=request.user, invitees=data["invitees"], guests=data["guests"],
                **form.meeting_fields(),
            )  # fmt: skip
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The meeting is on the calendar. Send the notice when it is ready."))
            return redirect("orglife:meeting_detail", pk=meeting.pk)
    context = {"form": form, "org": org, "units": list(units[:UNITS_MAX]), "creating": True}
    context.update(_form_people(form, org, kind, on=day))
    return render(request, "orglife/meeting_form.html", context)


@permission_required(MANAGE)
def meeting_people(request):
    """The host, recorder, lecturer and invitee choices for a unit and kind (htmx, when either changes)."""
    root = scope_or_404(request)
    units = _units(request.user, root, MANAGE)
    org = units.filter(pk=request.GET.get("organisation") if request.GET.get("organisation", "").isdigit() else 0)
    org = org.first()
    if org is None:
        raise Http404
    kind = request.GET.get("kind") if request.GET.get("kind") in MeetingKind.values else MeetingKind.GENERAL_MEETING
    form = MeetingForm(units=units, people=_people(request.user), initial={"organisation": org, "kind": kind})
    context = {"form": form, "org": org, **people_context(org, kind)}
    return render(request, "orglife/partials/meeting_people.html", context)


def _initial(meeting: Meeting) -> dict:
    start = timezone.localtime(meeting.starts_at)
    guests = meeting.attendees.filter(member__isnull=True)
    return {
        "organisation": meeting.organisation,
        "kind": meeting.kind,
        "title": meeting.title,
        "topic": meeting.topic,
        "day": start.date(),
        "start_time": start.time().replace(second=0, microsecond=0),
        "end_time": timezone.localtime(meeting.ends_at).time().replace(second=0) if meeting.ends_at else None,
        "place": meeting.place,
        "agenda": "\n".join(meeting.agenda),
        "host": meeting.host,
        "recorder": meeting.recorder,
        "lecturer": meeting.lecturer,
        "lecturer_name": meeting.lecturer_name,
        "invitees": list(meeting.attendees.members().values_list("member_id", flat=True)),
        "guests": "\n".join(f"{g.guest_name}, {g.guest_unit}".rstrip(", ") for g in guests),
        "version": meeting.version,
    }


@login_required
def meeting_edit(request, pk):
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    if meeting.status == MeetingStatus.CANCELLED:
        messages.error(request, _("This meeting was cancelled; it can no longer be changed."))
        return redirect("orglife:meeting_detail", pk=meeting.pk)
    held = meeting.status == MeetingStatus.HELD
    units = Organisation.objects.filter(pk=meeting.organisation_id)
    form = MeetingForm(
        request.POST or None, units=units, people=_people(request.user), held=held, initial=_initial(meeting)
    )
    form.fields["organisation"].disabled = True
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting, actor=request.user, version=data["version"],
                invitees=None if held else data["invitees"], guests=data["guests"], **form.meeting_fields(),
            )  # fmt: skip
        except services.Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            note = _("The changes are saved.")
            if meeting.notified_at:
                note += " " + _("Send the notice again so that the invitees learn of the change.")
            messages.success(request, note)
            return redirect("orglife:meeting_detail", pk=meeting.pk)
    kind = form.data.get("kind", meeting.kind) if form.is_bound and not held else meeting.kind
    context = {
        "form": form,
        "org": meeting.organisation,
        "meeting": meeting,
        "held": held,
        "units": [],
        "creating": False,
    }
    context.update(_form_people(form, meeting.organisation, kind, meeting=meeting, on=meeting.starts_on))
    return render(request, "orglife/meeting_form.html", context, status=status)


# --- the meeting's page and its actions ------------------------------------------------------------------


def _unit_label(attendee: Attendee, org: Organisation) -> str:
    """A member's own unit when it is below the meeting's, without the meeting unit's name before it."""
    if attendee.member is None or attendee.member.organisation_id == org.pk:
        return ""
    name = attendee.member.organisation.display_name
    return name[len(org.name) :] if name.startswith(org.name) and len(name) > len(org.name) else name


def _detail(request, meeting: Meeting, status: int = 200, **forms):
    user = request.user
    attendees = list(
        meeting.attendees.select_related("member__organisation", "leave_decided_by").order_by(*services.ATTENDEE_ORDER)
    )
    mine = next((a for a in attendees if a.member and a.member.user_id == user.pk), None)
    for a in attendees:
        a.unit_label = _unit_label(a, meeting.organisation)
    can_manage = services.may_manage(user, meeting)
    opens, closes = attendance_services.checkin_window(meeting)
    now = timezone.now()
    rule = kind_rule(meeting.kind, meeting.organisation, on=meeting.starts_on)
    members = [a for a in attendees if not a.is_guest]
    invite_choices = []
    if can_manage and meeting.status == MeetingStatus.SCHEDULED:
        invited = {a.member_id for a in members}
        invite_choices = [
            m for m in people_context(meeting.organisation, meeting.kind)["everyone"] if m.pk not in invited
        ]
    context = {
        "meeting": meeting,
        "user": user,
        "attendees": attendees,
        "members": members,
        "guests": [a for a in attendees if a.is_guest],
        "mine": mine,
        "can_manage": can_manage,
        "can_record": services.may_record(user, meeting),
        "can_approve": services.may_approve(user, meeting),
        "pending_leave": [a for a in attendees if a.leave_status == LeaveStatus.REQUESTED],
        "checkin_open": opens <= now <= closes and meeting.status != MeetingStatus.CANCELLED,
        "checkin_opens": opens,
        "started": meeting.has_happened,
        "now": now,
        "quorum_needed": rule.quorum_needed(meeting.invitee_count) if rule and meeting.invitee_count else None,
        "rule": rule,
        "invite_choices": invite_choices,
        "cancel_form": forms.get("cancel_form") or CancelForm(initial={"version": meeting.version}),
        "leave_form": forms.get("leave_form") or LeaveRequestForm(),
        "guest_form": forms.get("guest_form") or GuestForm(),
        "checkin_form": forms.get("checkin_form") or CheckinForm(),
        "invite_form": forms.get("invite_form"),
        "plan_url": _plan_url(meeting) if can(user, VIEW, meeting) else "",  # not for invitees from elsewhere
    }
    return render(request, "orglife/meeting_detail.html", context, status=status)


def _plan_url(meeting: Meeting) -> str:
    """The unit's year plan at the meeting's kind: where the meeting counts towards the requirements."""
    plan = reverse("orglife:plan", args=[meeting.organisation_id])
    return f"{plan}?year={meeting.starts_on.year}&kind={meeting.kind}"


@login_required
def meeting_detail(request, pk):
    return _detail(request, services.meeting_or_404(request.user, pk))


def _back(meeting: Meeting):
    return redirect("orglife:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_notify(request, pk):
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    try:
        sent = services.meeting_notify(meeting=meeting, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if sent:
            messages.success(request, _("The notice went to {n} invitees.").format(n=sent))
        else:
            messages.info(request, _("Every invitee with a login already has this notice; nobody new was told."))
    return _back(meeting)


@login_required
@require_POST
def meeting_cancel(request, pk):
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, actor=request.user, **form.cleaned_data)
        except services.Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error("reason" if hasattr(exc, "error_dict") else None, exc.messages)
        else:
            messages.success(request, _("The meeting is cancelled and the invitees are told."))
            return _back(meeting)
    return _detail(request, meeting, status=422, cancel_form=form)


@login_required
@require_POST
def meeting_invitee_add(request, pk):
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    form = InviteForm(request.POST, people=_people(request.user))
    if form.is_valid():
        try:
            added = services.invitee_add(meeting=meeting, members=form.cleaned_data["members"], actor=request.user)
        except ValidationError as exc:
            form.add_error("members", exc.messages)
        else:
            messages.success(request, _("{n} invited.").format(n=len(added)))
            return _back(meeting)
    return _detail(request, meeting, status=422, invite_form=form)


@login_required
@require_POST
def meeting_invitee_remove(request, pk, attendee_id):
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    row = _attendee_or_404(meeting, attendee_id)
    try:
        services.invitee_remove(meeting=meeting, attendee=row, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("{name} is off the invitation list.").format(name=row.name))
    return _back(meeting)


@login_required
@require_POST
def meeting_guest_add(request, pk):
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    form = GuestForm(request.POST)
    if form.is_valid():
        try:
            services.guest_add(
                meeting=meeting, name=form.cleaned_data["guest_name"], unit=form.cleaned_data["guest_unit"],
                actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The guest is added."))
            return _back(meeting)
    return _detail(request, meeting, status=422, guest_form=form)


def _mine_or_error(request, meeting):
    mine = attendance_services.my_attendee(meeting, request.user)
    if mine is None:
        messages.error(request, _("You are not on this meeting's invitation list."))
    return mine


@login_required
@require_POST
def meeting_rsvp(request, pk):
    meeting = services.meeting_or_404(request.user, pk)
    mine = _mine_or_error(request, meeting)
    if mine is not None:
        answer = request.POST.get("answer", "")
        try:
            attendance_services.attendee_rsvp(attendee=mine, answer=answer, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Your reply is saved: {answer}.").format(answer=Rsvp(answer).label))
    return _back(meeting)


@login_required
@require_POST
def meeting_leave(request, pk):
    meeting = services.meeting_or_404(request.user, pk)
    mine = _mine_or_error(request, meeting)
    if mine is None:
        return _back(meeting)
    form = LeaveRequestForm(request.POST)
    if form.is_valid():
        try:
            attendance_services.leave_request(attendee=mine, reason=form.cleaned_data["reason"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(request, _("Your leave request is sent to the secretary."))
            return _back(meeting)
    return _detail(request, meeting, status=422, leave_form=form)


@login_required
@require_POST
def meeting_leave_decide(request, pk, attendee_id):
    meeting = services.meeting_or_404(request.user, pk, "orglife.approve")
    row = _attendee_or_404(meeting, attendee_id)
    approve = request.POST.get("decision") == "approve"
    try:
        attendance_services.leave_decide(attendee=row, approve=approve, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = _("Leave approved for {name}.") if approve else _("Leave refused for {name}.")
        messages.success(request, done.format(name=row.name))
    return _back(meeting)


@login_required
def meeting_attendance(request, pk):
    """The recorder's register of who came: a presence and a reason for absence per invitee."""
    meeting = services.meeting_or_404(request.user, pk)
    if not services.may_record(request.user, meeting):
        raise Http404
    rows = list(meeting.attendees.select_related("member").order_by(*services.ATTENDEE_ORDER))
    fill = Presence.PRESENT if request.GET.get("fill") == "present" else ""
    form = AttendanceForm(request.POST or None, attendees=rows, fill=fill, initial={"version": meeting.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(
                meeting=meeting, presences=form.presences(), reasons=form.reasons(), actor=request.user,
                version=form.cleaned_data["version"],
            )  # fmt: skip
        except services.Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Attendance is recorded."))
            return _back(meeting)
    unmarked = any(row.presence == Presence.UNKNOWN and not row.is_guest for row in rows)
    context = {"meeting": meeting, "form": form, "started": meeting.has_happened, "unmarked": unmarked, "fill": fill}
    return render(request, "orglife/meeting_attendance.html", context, status=status)


@login_required
def meeting_checkin_code(request, pk):
    """The code in big type, for the projector, with a QR code of the members' check-in page."""
    meeting = services.meeting_or_404(request.user, pk, MANAGE)
    url = request.build_absolute_uri(reverse("orglife:meeting_checkin", args=[meeting.pk]))
    opens, closes = attendance_services.checkin_window(meeting)
    context = {
        "meeting": meeting,
        "checkin_url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=6, dark="#222"),
        "opens": opens,
        "closes": closes,
    }
    return render(request, "orglife/meeting_checkin_code.html", context)


@login_required
def meeting_checkin(request, pk):
    """The member's page: type the code shown at the meeting."""
    meeting = services.meeting_or_404(request.user, pk)
    mine = attendance_services.my_attendee(meeting, request.user)
    form = CheckinForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            mine = attendance_services.checkin_self(meeting=meeting, code=form.cleaned_data["code"], actor=request.user)
        except ValidationError as exc:
            form.add_error("code" if hasattr(exc, "error_dict") else None, exc.messages)
            status = 422
        else:
            stamp = timezone.localtime(mine.checked_in_at).strftime("%H:%M")
            messages.success(request, _("You are checked in ({presence}, {time}).").format(
                presence=mine.get_presence_display(), time=stamp))  # fmt: skip
            return redirect("orglife:meeting_checkin", pk=meeting.pk)
    opens, closes = attendance_services.checkin_window(meeting)
    context = {"meeting": meeting, "mine": mine, "form": form, "opens": opens, "closes": closes, "now": timezone.now()}
    return render(request, "orglife/meeting_checkin.html", context, status=status)


# --- calendars and .ics ----------------------------------------------------------------------------------


def _month(request) -> date:
    today = timezone.localdate()
    try:
        year, month = int(request.GET.get("year", today.year)), int(request.GET.get("month", today.month))
        return date(year, month, 1) if 2000 <= year <= 2100 else date(today.year, today.month, 1)
    except ValueError:
        return date(today.year, today.month, 1)


def _grid(first: date, meetings) -> tuple[list, list]:
    """The month as weeks of (day, meetings) from Monday, and the days that have meetings (the phone list)."""
    by_day: dict[date, list] = {}
    for meeting in meetings:
        by_day.setdefault(meeting.starts_on, []).append(meeting)
    weeks = calendar_lib.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid = [[(day, by_day.get(day, [])) for day in week] for week in weeks]
    days = [(day, by_day[day]) for day in sorted(by_day) if day.month == first.month]
    return grid, days


def _calendar(request, *, first: date, meetings, mine: bool, unit=None, units=()):
    grid, days = _grid(first, meetings)
    prev_month, next_month = add_months(first, -1), add_months(first, 1)
    context = {
        "first": first,
        "grid": grid,
        "days": days,
        "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
        "prev_month": prev_month,
        "next_month": next_month,
        "today": timezone.localdate(),
        "now": timezone.now(),
        "mine": mine,
        "has_member": Member.objects.filter(user=request.user).exists() if mine else True,
        "can_view_units": registry.has_permission(request.user, VIEW),
        "unit": unit,
        "units": units,
    }
    return render(request, "orglife/calendar.html", context)


def _month_range(first: date) -> tuple[date, date]:
    """The days shown on the month's grid: from the Monday on or before the 1st to the Sunday after the end."""
    start = first - timedelta(days=first.weekday())
    last = add_months(first, 1) - timedelta(days=1)
    return start, last + timedelta(days=7 - last.weekday())


@permission_required(VIEW)
def calendar(request):
    root = scope_or_404(request)
    units = _filter_units(request.user, root)
    chosen = request.GET.get("org", "")
    unit = next((u for u in units if str(u.pk) == chosen), root)
    first = _month(request)
    meetings = (
        Meeting.objects.visible_to(request.user)
        .in_subtree(unit)
        .between(*_month_range(first))
        .select_related("organisation")
        .order_by("starts_at", "pk")
    )
    return _calendar(request, first=first, meetings=meetings, mine=False, unit=unit, units=units)


@login_required
def calendar_mine(request):
    """The meetings the user is invited to (through their member record), by month."""
    first = _month(request)
    meetings = services.my_meetings(request.user).between(*_month_range(first)).order_by("starts_at", "pk")
    return _calendar(request, first=first, meetings=meetings, mine=True)


@login_required
def meeting_ics(request, pk):
    meeting = services.meeting_or_404(request.user, pk)
    return ics_response([meeting], name=meeting.title, filename=f"meeting-{meeting.pk}.ics", request=request)


@login_required
def calendar_unit_ics(request, pk, year):
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    meetings = services.unit_year_meetings(request.user, org, year)
    name = _("{org} meetings {year}").format(org=org.display_name, year=year)
    return ics_response(meetings, name=name, filename=f"meetings-{org.pk}-{year}.ics", request=request)


@login_required
def calendar_mine_ics(request):
    since = timezone.localdate() - timedelta(days=366)
    meetings = services.my_meetings(request.user).filter(starts_on__gte=since).order_by("starts_at", "pk")
    return ics_response(meetings, name=_("My meetings"), filename="my-meetings.ics", request=request)


urls = [
    path("meetings/", meeting_list, name="meeting_list"),
    path("meetings/new/", meeting_create, name="meeting_create"),
    path("meetings/people/", meeting_people, name="meeting_people"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/notify/", meeting_notify, name="meeting_notify"),
    path("meetings/<int:pk>/cancel/", meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/invitees/", meeting_invitee_add, name="meeting_invitee_add"),
    path("meetings/<int:pk>/invitees/<int:attendee_id>/remove/", meeting_invitee_remove, name="meeting_invitee_remove"),
    path("meetings/<int:pk>/guests/", meeting_guest_add, name="meeting_guest_add"),
    path("meetings/<int:pk>/rsvp/", meeting_rsvp, name="meeting_rsvp"),
    path("meetings/<int:pk>/leave/", meeting_leave, name="meeting_leave"),
    path("meetings/<int:pk>/leave/<int:attendee_id>/", meeting_leave_decide, name="meeting_leave_decide"),
    path("meetings/<int:pk>/attendance/", meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/code/", meeting_checkin_code, name="meeting_checkin_code"),
    path("meetings/<int:pk>/checkin/", meeting_checkin, name="meeting_checkin"),
    path("meetings/<int:pk>/meeting.ics", meeting_ics, name="meeting_ics"),
    path("calendar/", calendar, name="calendar"),
    path("calendar/mine/", calendar_mine, name="calendar_mine"),
    path("calendar/mine.ics", calendar_mine_ics, name="calendar_mine_ics"),
    path("calendar/<int:pk>/<int:year>.ics", calendar_unit_ics, name="calendar_unit_ics"),
]
