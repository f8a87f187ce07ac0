"""Life meetings' record: criticism, and the problems found put on the unit's rectification list (rectification's
items, which refer back to the meeting)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.views import permission_required
from qinglian.orglife.forms.life import CritiqueForm, ProblemForm
from qinglian.orglife.models import Critique, Meeting
from qinglian.orglife.people import meeting_people, member_of
from qinglian.orglife.services import life as services
from qinglian.orglife.services.meetings import attendance_editable
from qinglian.orglife.vocab import LIFE_KINDS, CritiqueKind, MeetingStatus
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.rectification.services.items import in_work_order
from qinglian.rectification.vocab import Source

# --- the life meeting's panel ---------------------------------------------------------------------------------


def _meeting_or_404(user, pk, action: str = "orglife.view") -> Meeting:
    """A life meeting (other kinds have no panel) at a unit where the user holds `action`."""
    return get_visible_or_404(Meeting.objects.select_related("organisation"), user, action, pk=pk, kind__in=LIFE_KINDS)


def meeting_url(meeting: Meeting) -> str:
    """The meeting's own page, where the panel sits; the panel's full page until that exists."""
    try:
        return reverse("orglife:meeting_detail", args=[meeting.pk]) + "#life"
    except NoReverseMatch:
        return reverse("orglife:life_meeting", args=[meeting.pk])


def _panel_context(request, meeting, *, critique_form=None, problem_form=None) -> dict:
    user = request.user
    manager = can(user, "orglife.manage", meeting)
    held = meeting.status != MeetingStatus.CANCELLED and meeting.has_happened
    record_open = held and attendance_editable(meeting)
    may_add = record_open and services.critique_may_add(user, meeting)
    people = meeting_people(meeting)
    if may_add and critique_form is None:
        critique_form = CritiqueForm(people=people, manager=manager, initial={"kind": CritiqueKind.SELF})
    may_add_problem = services.problem_may_add(user, meeting) and meeting.status == MeetingStatus.HELD
    if may_add_problem and problem_form is None:
        problem_form = ProblemForm(people=people, prefix="problem")
    problems = in_work_order(services.problems_found(user, meeting).select_related("owner", "member"))
    rows = services.life_rows(user, meeting)
    return {
        "meeting": meeting,
        "rows": rows,
        "silent": [row.member for row in rows if not row.total],
        "read_all": can(user, "orglife.critique_view", meeting),
        "me": member_of(user),
        "manager": manager,
        "held": held,
        "record_open": record_open,
        "critique_form": critique_form if may_add else None,
        "problem_form": problem_form if may_add_problem else None,
        "problems": problems,
        "today": timezone.localdate(),
        "meeting_url": meeting_url(meeting),
    }


def _panel(request, meeting, *, status=200, **forms):
    context = _panel_context(request, meeting, **forms)
    if request.htmx:
        # htmx swaps only successful answers: a refused form comes back as 200 with its errors shown.
        return render(request, "orglife/life_panel.html", context)
    return render(request, "orglife/life_meeting.html", context, status=status)


@permission_required("orglife.view")
def life_panel(request, pk: int):
    """The panel on a life meeting's page (loaded by htmx): theme, criticism per member, problems found."""
    meeting = _meeting_or_404(request.user, pk)
    return render(request, "orglife/life_panel.html", _panel_context(request, meeting))


@permission_required("orglife.view")
def life_meeting(request, pk: int):
    """The same panel as a page of its own, for browsers without script and after a refused form."""
    return _panel(request, _meeting_or_404(request.user, pk))


@permission_required("orglife.view")
@require_POST
def critique_add(request, pk: int):
    meeting = _meeting_or_404(request.user, pk)
    manager = can(request.user, "orglife.manage", meeting)
    if not services.critique_may_add(request.user, meeting):
        raise Http404
    form = CritiqueForm(request.POST, people=meeting_people(meeting), manager=manager)
    if form.is_valid():
        data = form.cleaned_data
        me = member_of(request.user)
        subject, critic = data.get("subject"), data.get("critic")
        if not manager:
            critic = me
            subject = me if data["kind"] == CritiqueKind.SELF else subject
        if subject is None:
            form.add_error("subject", _("Choose whom the criticism is about."))
        else:
            try:
                services.critique_add(
                    meeting=meeting,
                    subject=subject,
                    critic=critic,
                    kind=data["kind"],
                    content=data["content"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The criticism was recorded."))
                if request.htmx:
                    return _panel(request, meeting)
                return redirect(meeting_url(meeting))
    return _panel(request, meeting, status=422, critique_form=form)


@permission_required("orglife.view")
@require_POST
def critique_remove(request, pk: int):
    critique = get_visible_or_404(
        Critique.objects.select_related("meeting__organisation", "subject"), request.user, "orglife.view", pk=pk
    )
    meeting = critique.meeting
    # Only what the user may read can be removed by them: anything else does not exist for them.
    if not services.critiques_readable(request.user, meeting).filter(pk=critique.pk).exists():
        raise Http404
    if not services.critique_may_remove(request.user, critique):
        raise Http404
    try:
        services.critique_remove(critique=critique, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The criticism was removed from the record."))
    if request.htmx:
        return _panel(request, meeting)
    return redirect(meeting_url(meeting))


@permission_required("rectification.manage")
@require_POST
def life_problem_add(request, pk: int):
    """A problem found at the meeting, put on the unit's rectification list from the meeting's panel."""
    meeting = _meeting_or_404(request.user, pk)
    if not services.problem_may_add(request.user, meeting):
        raise Http404
    form = ProblemForm(request.POST, people=meeting_people(meeting), prefix="problem")
    if form.is_valid():
        try:
            services.life_problem_add(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The problem was added to the rectification list."))
            if request.htmx:
                return _panel(request, meeting)
            return redirect(meeting_url(meeting))
    return _panel(request, meeting, status=422, problem_form=form)


# --- the old rectification list --------------------------------------------------------------------------


@login_required
def problem_list(request):
    """The rectification list moved to rectification: its life-meeting items there."""
    return redirect(reverse("rectification:item_list") + "?source=" + Source.LIFE_MEETING)


urls = [
    path("meetings/<int:pk>/life/", life_meeting, name="life_meeting"),
    path("meetings/<int:pk>/life/panel/", life_panel, name="life_panel"),
    path("meetings/<int:pk>/life/critiques/", critique_add, name="critique_add"),
    path("meetings/<int:pk>/life/problems/", life_problem_add, name="life_problem_add"),
    path("critiques/<int:pk>/remove/", critique_remove, name="critique_remove"),
    path("problems/", problem_list, name="problem_list"),
]
