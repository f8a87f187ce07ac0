"""Life meetings' record (criticism and the problems found) and the rectification list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orglife.forms.life import CritiqueForm, ProblemDoneForm, ProblemEditForm, ProblemForm, ProblemReopenForm
from qinglian.orglife.models import Critique, Meeting, Problem
from qinglian.orglife.people import meeting_people, member_of, unit_people
from qinglian.orglife.services import life as services
from qinglian.orglife.services.meetings import attendance_editable
from qinglian.orglife.views.common import int_param
from qinglian.orglife.vocab import LIFE_KINDS, CritiqueKind, MeetingStatus, ProblemStatus
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import Sheet, workbook_bytes, xlsx_response

STATUSES = ("open", "overdue", "done")


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
    if manager and held and problem_form is None:
        problem_form = ProblemForm(people=people, prefix="problem")
    problems = meeting.problems.select_related("owner", "member").order_by("status", "due_on", "pk")
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
        "problem_form": problem_form if (manager and held) else None,
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


@permission_required("orglife.manage")
@require_POST
def life_problem_add(request, pk: int):
    """A problem found at the meeting, added from its panel."""
    meeting = _meeting_or_404(request.user, pk, "orglife.manage")
    form = ProblemForm(request.POST, people=meeting_people(meeting), prefix="problem")
    if form.is_valid():
        try:
            services.problem_add(meeting=meeting, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The problem was added to the rectification list."))
            if request.htmx:
                return _panel(request, meeting)
            return redirect(meeting_url(meeting))
    return _panel(request, meeting, status=422, problem_form=form)


# --- the rectification list --------------------------------------------------------------------------------


def _problem_or_404(user, pk) -> Problem:
    problem = (
        services.problems_visible(user)
        .select_related("organisation", "owner", "member", "meeting", "created_by")
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return problem


def _filtered(request, root):
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    base = services.problems_visible(request.user).filter(subtree_q(root.path, "organisation__"))
    unit = None
    unit_id = int_param(request.GET.get("unit"))
    if unit_id:
        unit = Organisation.objects.filter(pk=unit_id).subtree(root).first()
    owner_id = int_param(request.GET.get("owner"))
    problems = services.problem_filter(base, status=status, owner_id=owner_id, org=unit)
    return base, problems, {"status": status, "unit": unit, "owner_id": owner_id}


@permission_required("orglife.view")
def problem_list(request):
    """The rectification list: every problem in the scope, open, overdue or rectified."""
    root = scope_or_404(request)
    today = timezone.localdate()
    base, problems, filters = _filtered(request, root)
    problems = problems.select_related("organisation", "owner", "member", "meeting").order_by("status", "due_on", "pk")
    page = id_page(problems, per_page=30, number=request.GET.get("page"))
    counts = base.aggregate(
        open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=ProblemStatus.OPEN, due_on__lt=today)),
        done=Count("pk", filter=Q(status=ProblemStatus.DONE)),
    )
    context = {
        "root": root,
        "page": page,
        "counts": counts,
        "today": today,
        "statuses": [
            ("", _("All")),
            ("open", ProblemStatus.OPEN.label),
            ("overdue", _("Overdue")),
            ("done", ProblemStatus.DONE.label),
        ],
        "owners": Member.objects.filter(pk__in=base.values("owner_id")).order_by("name_pinyin", "pk"),
        "units": Organisation.objects.filter(pk__in=base.values("organisation_id")).order_by("path"),
        "can_add": can(request.user, "orglife.manage", root)
        or Organisation.objects.visible_to(request.user, "orglife.manage").subtree(root).exists(),
        **filters,
    }
    return render(request, "orglife/problem_list.html", context)


@permission_required("orglife.view")
def problem_export(request):
    """The rectification list as filtered, as a workbook."""
    root = scope_or_404(request)
    _base, problems, _filters = _filtered(request, root)
    today = timezone.localdate()
    rows = (
        [
            p.organisation.name,
            p.description,
            p.member.name if p.member_id else _("The unit as a whole"),
            p.measure,
            p.owner.name,
            p.due_on,
            _("Overdue") if p.status == ProblemStatus.OPEN and p.due_on < today else p.get_status_display(),
            p.done_on,
            p.done_note,
            str(p.meeting) if p.meeting_id else "",
        ]
        for p in problems.select_related("organisation", "owner", "member", "meeting").order_by(
            "organisation__path", "status", "due_on", "pk"
        )
    )
    sheet = Sheet(
        title=_("Rectification list"),
        headers=[
            _("Unit"), _("Problem"), _("Whose problem"), _("Rectification measure"), _("Owner"), _("Deadline"),
            _("Status"), _("Rectified on"), _("What was done"), _("Found at"),
        ],
        rows=rows,
        widths=[22, 48, 14, 40, 12, 12, 12, 12, 40, 30],
    )  # fmt: skip
    return xlsx_response(workbook_bytes([sheet]), f"{_('rectification-list')}-{today:%Y%m%d}.xlsx")


def _manage_units(request, root):
    return Organisation.objects.visible_to(request.user, "orglife.manage").active().subtree(root).order_by("path")


@permission_required("orglife.manage")
def problem_create(request):
    """A problem put directly on a unit's rectification list (not from a meeting)."""
    root = scope_or_404(request)
    units = _manage_units(request, root)[:300]
    unit_id = int_param(request.POST.get("unit") or request.GET.get("unit"))
    unit = next((u for u in units if u.pk == unit_id), None) or next((u for u in units if u.pk == root.pk), None)
    if unit is None and units:
        unit = units[0]
    if unit is None:
        raise Http404
    form = ProblemForm(request.POST or None, people=unit_people(unit))
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_add(org=unit, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The problem was added to the rectification list."))
            return redirect("orglife:problem_detail", pk=problem.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "orglife/problem_form.html", {"form": form, "unit": unit, "units": units}, status=status)


def _detail(request, problem, *, status=200, **forms):
    user = request.user
    manager = services.problem_may_manage(user, problem)
    is_open = problem.status == ProblemStatus.OPEN
    people = unit_people(problem.organisation)
    version = {"version": problem.version}
    edit_form = forms.get("edit_form")
    if manager and is_open and edit_form is None:
        edit_form = ProblemEditForm(
            people=people,
            initial={
                **version,
                "description": problem.description,
                "measure": problem.measure,
                "member": problem.member_id,
                "owner": problem.owner_id,
                "due_on": problem.due_on,
            },
        )
    done_form = forms.get("done_form")
    if is_open and services.problem_may_close(user, problem) and done_form is None:
        done_form = ProblemDoneForm(initial={**version, "done_on": timezone.localdate()})
    reopen_form = forms.get("reopen_form")
    if manager and not is_open and reopen_form is None:
        reopen_form = ProblemReopenForm(initial=version)
    context = {
        "problem": problem,
        "today": timezone.localdate(),
        "edit_form": edit_form if manager and is_open else None,
        "done_form": done_form if is_open and services.problem_may_close(user, problem) else None,
        "reopen_form": reopen_form if manager and not is_open else None,
        "meeting_link": meeting_url(problem.meeting) if problem.meeting_id else "",
        "open_form": next((name for name in ("edit_form", "done_form", "reopen_form") if name in forms), ""),
    }
    return render(request, "orglife/problem_detail.html", context, status=status)


@permission_required("orglife.view")
def problem_detail(request, pk: int):
    return _detail(request, _problem_or_404(request.user, pk))


def _problem_write(request, pk, form_class, name, call, success):
    problem = _problem_or_404(request.user, pk)
    allowed = (
        services.problem_may_close(request.user, problem)
        if name == "done_form"
        else services.problem_may_manage(request.user, problem)
    )
    if not allowed:
        raise Http404
    # A form from a page that is out of date (someone closed or reopened it since): show the problem as it is.
    if (problem.status == ProblemStatus.DONE) != (name == "reopen_form"):
        messages.info(request, _("The problem was closed or reopened meanwhile; here it is as it stands now."))
        return redirect("orglife:problem_detail", pk=problem.pk)
    kwargs = {"people": unit_people(problem.organisation)} if form_class is ProblemEditForm else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            call(problem, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _detail(request, problem, status=409, **{name: form})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("orglife:problem_detail", pk=problem.pk)
    return _detail(request, problem, status=422, **{name: form})


@permission_required("orglife.manage")
@require_POST
def problem_update(request, pk: int):
    def call(problem, data):
        services.problem_update(problem=problem, actor=request.user, **data)

    return _problem_write(request, pk, ProblemEditForm, "edit_form", call, _("The problem was updated."))


@permission_required("orglife.view")
@require_POST
def problem_done(request, pk: int):
    def call(problem, data):
        services.problem_done(problem=problem, actor=request.user, **data)

    return _problem_write(request, pk, ProblemDoneForm, "done_form", call, _("The problem is marked rectified."))


@permission_required("orglife.manage")
@require_POST
def problem_reopen(request, pk: int):
    def call(problem, data):
        services.problem_reopen(problem=problem, actor=request.user, **data)

    return _problem_write(request, pk, ProblemReopenForm, "reopen_form", call, _("The problem is open again."))


urls = [
    path("meetings/<int:pk>/life/", life_meeting, name="life_meeting"),
    path("meetings/<int:pk>/life/panel/", life_panel, name="life_panel"),
    path("meetings/<int:pk>/life/critiques/", critique_add, name="critique_add"),
    path("meetings/<int:pk>/life/problems/", life_problem_add, name="life_problem_add"),
    path("critiques/<int:pk>/remove/", critique_remove, name="critique_remove"),
    path("problems/", problem_list, name="problem_list"),
    path("problems/export/", problem_export, name="problem_export"),
    path("problems/new/", problem_create, name="problem_create"),
    path("problems/<int:pk>/", problem_detail, name="problem_detail"),
    path("problems/<int:pk>/edit/", problem_update, name="problem_update"),
    path("problems/<int:pk>/done/", problem_done, name="problem_done"),
    path("problems/<int:pk>/reopen/", problem_reopen, name="problem_reopen"),
]
