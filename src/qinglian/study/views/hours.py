"""Study sessions and hours: the sessions of a scope, recording one (from a meeting, or with its attendees
picked), a session's page with its meeting and attendees, training elsewhere, the table of who is behind
with its export, and a member's own hours with their self-study."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_record
from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Member, Organisation
from qinglian.reports.xlsx import Sheet, Styled, workbook_bytes, xlsx_response
from qinglian.study.forms.hours import AttendeesForm, ExternalForm, FromMeetingForm, SelfStudyForm, SessionForm
from qinglian.study.models import Material, StudyRecord, StudySession
from qinglian.study.services import hours as services
from qinglian.study.vocab import RecordSource

VIEW, MANAGE = services.VIEW, services.MANAGE
PAGE_SIZE = 30
TABLE_PAGE_SIZE = 50
UNITS_MAX = 300
PEOPLE_MAX = 300
FIRST_YEAR = 2000


# --- helpers -----------------------------------------------------------------------------------------------


def _year(request) -> int:
    this = timezone.localdate().year
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= this + 1 else this


def _units(user, root: Organisation, action: str):
    return Organisation.objects.visible_to(user, action).active().subtree(root).order_by("path")


def _unit(request, action: str) -> Organisation:
    """The unit chosen with ?org= (one the user may `action`), else the scope."""
    raw = request.POST.get("organisation") or request.GET.get("org", "")
    if raw.isdigit():
        return get_visible_or_404(Organisation.objects, request.user, action, pk=int(raw))
    root = scope_or_404(request)
    if can(request.user, action, root):
        return root
    unit = _units(request.user, root, action).first()
    if unit is None:
        raise Http404(_("You do not record study for any unit in this organisation."))
    return unit


def _session(request, pk: int, action: str = VIEW) -> StudySession:
    sessions = StudySession.objects.select_related("organisation", "meeting")
    return get_visible_or_404(sessions, request.user, action, pk=pk)


# --- sessions ----------------------------------------------------------------------------------------------


@permission_required(VIEW)
def session_list(request):
    root = scope_or_404(request)
    year = _year(request)
    sessions = (
        StudySession.objects.visible_to(request.user)
        .in_subtree(root)
        .filter(held_on__year=year)
        .select_related("organisation", "meeting")
    )
    page = id_page(sessions.order_by("-held_on", "-pk"), per_page=PAGE_SIZE, number=request.GET.get("page"))
    context = {
        "page": page,
        "root": root,
        "year": year,
        "years": range(timezone.localdate().year, FIRST_YEAR - 1, -1)[:6],
        "can_manage": _units(request.user, root, MANAGE).exists(),
    }
    return render(request, "study/session_list.html", context)


@permission_required(MANAGE)
def session_create(request):
    org = _unit(request, MANAGE)
    units = _units(request.user, scope_or_404(request), MANAGE) | Organisation.objects.filter(pk=org.pk)
    people = services.session_people(org)
    initial = {"organisation": org, "held_on": timezone.localdate()}
    form = SessionForm(request.POST or None, units=units, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"org": "organisation"})
        else:
            messages.success(request, _("The session is recorded; each attendee has its hours."))
            return redirect("study:session_detail", pk=session.pk)
    context = {"form": form, "org": org, "units": list(units.distinct()[:UNITS_MAX]), "people_count": people.count()}
    return render(request, "study/session_form.html", context)


@permission_required(MANAGE)
def session_from_meeting(request):
    root = scope_or_404(request)
    meetings = services.meetings_linkable(request.user)
    raw = request.GET.get("meeting") or request.POST.get("meeting", "")
    meeting = meetings.filter(pk=raw).first() if str(raw).isdigit() else None
    if raw and meeting is None:
        raise Http404(_("No such meeting held by a unit where you record study, or it is already counted."))
    if meeting is None:
        listed = meetings.in_subtree(root)
        page = id_page(listed, per_page=PAGE_SIZE, number=request.GET.get("page"))
        return render(request, "study/session_from_meeting.html", {"page": page, "root": root})
    initial = {
        "title": meeting.title,
        "kind": services.session_kind_of(meeting),
        "topic": services.topic_guess(meeting.title, meeting.topic),
        "hours": services.meeting_hours(meeting),
    }
    form = FromMeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_from_meeting(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The meeting counts as study: everyone present or late has its hours."))
            return redirect("study:session_detail", pk=session.pk)
    present = meeting.attendees.members().filter(presence__in=services.ATTENDING).select_related("member")
    context = {"form": form, "meeting": meeting, "present": list(present)}
    return render(request, "study/session_from_meeting.html", context)


@permission_required(VIEW)
def session_detail(request, pk: int):
    session = _session(request, pk)
    records = session.records.select_related("member", "member__organisation").order_by("member__name_pinyin")
    context = {
        "session": session,
        "records": records,
        "may_manage": can(request.user, MANAGE, session),
        "may_see_meeting": session.meeting_id is not None and can(request.user, "orglife.view", session.meeting),
    }
    return render(request, "study/session_detail.html", context)


@require_POST
@permission_required(MANAGE)
def session_sync(request, pk: int):
    session = _session(request, pk, MANAGE)
    try:
        added, removed = services.session_sync(session=session, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Attendance read again from the meeting: {added} added, {removed} removed.").format(
                added=added, removed=removed
            ),
        )
    return redirect("study:session_detail", pk=session.pk)


@permission_required(MANAGE)
def session_attendees(request, pk: int):
    session = _session(request, pk, MANAGE)
    if session.meeting_id is not None:
        messages.info(request, _("The attendance of this session comes from its meeting: sync it instead."))
        return redirect("study:session_detail", pk=session.pk)
    people = services.session_people(session.organisation)
    initial = {"members": list(session.records.values_list("member_id", flat=True))}
    form = AttendeesForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_attendees_set(session=session, members=form.cleaned_data["members"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The attendees are saved."))
            return redirect("study:session_detail", pk=session.pk)
    return render(request, "study/session_attendees.html", {"form": form, "session": session})


@require_POST
@permission_required(MANAGE)
def session_delete(request, pk: int):
    session = _session(request, pk, MANAGE)
    services.session_delete(session=session, actor=request.user)
    messages.success(request, _("The session and the hours it gave are removed."))
    return redirect("study:session_list")


# --- records -------------------------------------------------------------------------------------------------


@permission_required(MANAGE)
def record_external(request):
    root = scope_or_404(request)
    people = Member.objects.visible_to(request.user, MANAGE).on_register().in_subtree(root)
    people = people.select_related("organisation").order_by("name_pinyin", "pk")
    form = ExternalForm(request.POST or None, people=people, initial={"studied_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_external(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The training is recorded."))
            return redirect("study:hours_table")
    return render(request, "study/record_external.html", {"form": form, "root": root})


@require_POST
@login_required
def record_delete(request, pk: int):
    record = StudyRecord.objects.select_related("member", "organisation").filter(pk=pk).first()
    if record is None or not services.record_may_delete(request.user, record):
        raise Http404
    try:
        services.record_delete(record=record, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The record is removed."))
    mine = getattr(request.user, "member", None) == record.member
    return redirect("study:my_hours" if mine else "study:hours_table")


# --- the table of who is behind ------------------------------------------------------------------------------


def _table_scope(request) -> Organisation:
    raw = request.GET.get("org", "")
    pk = int(raw) if raw.isdigit() else scope_or_404(request).pk
    return get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)


def _table(request):
    scope, year = _table_scope(request), _year(request)
    behind_only = request.GET.get("behind") == "1"
    sort = request.GET.get("sort", "unit")
    sort = sort if sort in services.SORTS else "unit"
    rows = services.hours_table(scope=scope, year=year, behind_only=behind_only, sort=sort)
    return scope, year, behind_only, sort, rows


@permission_required(VIEW)
def hours_table(request):
    scope, year, behind_only, sort, members = _table(request)
    page = Paginator(members, TABLE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [services.hours_row(m) for m in page.object_list]
    up = scope.parent if scope.parent_id and can(request.user, VIEW, scope.parent) else None
    context = {
        "scope": scope,
        "year": year,
        "years": range(timezone.localdate().year, FIRST_YEAR - 1, -1)[:6],
        "behind_only": behind_only,
        "sort": sort,
        "page": page,
        "totals": services.unit_totals(scope=scope, year=year)[:UNITS_MAX],
        "fraction": round(services.year_fraction(year) * 100),
        "up": up,
        "can_manage": can(request.user, MANAGE, scope),
    }
    return render(request, "study/hours_table.html", context)


@permission_required(VIEW)
def hours_export(request):
    scope, year, _behind, _sort, members = _table(request)
    audit_record(actor=request.user, action="study.hours_export", obj=scope, changes={"year": year})
    rows = []
    for member in members.iterator(chunk_size=500):
        row = services.hours_row(member)
        fill = "FFCDD2" if row.behind else ""
        rows.append(
            [
                member.name,
                member.organisation.name,
                row.hours,
                row.norm,
                Styled(f"{row.percent}%", fill),
                row.expected,
                Styled(_("Behind") if row.behind else _("On track"), fill),
            ]
        )
    intro = _("Study hours of the members on the register of {org} in {year}, as of {day}.")
    sheet = Sheet(
        title=_("Study hours {year}").format(year=year),
        headers=[_("Member"), _("Unit"), _("Hours"), _("Norm"), _("Percent"), _("On track at"), _("Status")],
        rows=rows,
        widths=[14, 28, 10, 10, 10, 12, 12],
        notes=[intro.format(org=scope.name, year=year, day=timezone.localdate().isoformat())],
    )
    return xlsx_response(workbook_bytes([sheet]), f"study-hours-{year}-{scope.pk}.xlsx")


# --- a member's own hours -------------------------------------------------------------------------------------


@login_required
def my_hours(request):
    member = getattr(request.user, "member", None)
    year = _year(request)
    context = {"member": member, "year": year}
    if member is not None:
        materials = Material.objects.for_member(member).order_by("title")
        form = SelfStudyForm(
            request.POST or None, materials=materials, initial={"studied_on": timezone.localdate(), "hours": 1}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.record_self_study(member=member, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your self-study is recorded."))
                return redirect("study:my_hours")
        context.update(form=form, hours=services.member_hours(member, year), self_source=RecordSource.SELF)
    return render(request, "study/hours_mine.html", context)


urls = [
    path("sessions/", session_list, name="session_list"),
    path("sessions/new/", session_create, name="session_create"),
    path("sessions/from-meeting/", session_from_meeting, name="session_from_meeting"),
    path("sessions/<int:pk>/", session_detail, name="session_detail"),
    path("sessions/<int:pk>/sync/", session_sync, name="session_sync"),
    path("sessions/<int:pk>/attendees/", session_attendees, name="session_attendees"),
    path("sessions/<int:pk>/delete/", session_delete, name="session_delete"),
    path("hours/external/", record_external, name="record_external"),
    path("hours/records/<int:pk>/delete/", record_delete, name="record_delete"),
    path("hours/", hours_table, name="hours_table"),
    path("hours/export/", hours_export, name="hours_export"),
    path("hours/mine/", my_hours, name="my_hours"),
]
