"""Democratic appraisal of members: the rounds, one round with its steps, the member's own page and
ballot, and the results by unit and grade."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_record
from qinglian.core.forms import add_service_errors
from qinglian.core.registry import MemberSection
from qinglian.core.views import permission_required
from qinglian.orglife import appraisal_reads as reads
from qinglian.orglife.forms.appraisal import (
    BallotForm,
    DecideForm,
    FollowUpDoneForm,
    FollowUpForm,
    GradesForm,
    MassesForm,
    RoundOpenForm,
    SelfAssessmentForm,
    StepForm,
    VersionForm,
)
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalVoter
from qinglian.orglife.services import appraisal as services
from qinglian.orglife.views.common import year_param
from qinglian.orglife.vocab import APPRAISAL_STEPS, FOLLOW_UP_GRADES, AppraisalStatus, FollowUpStatus, Grade
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.reports.xlsx import Sheet, workbook_bytes, xlsx_response

VIEW = "orglife.view"
PERMISSION = services.PERMISSION
S = AppraisalStatus
MAX_UNITS = 300  # branches offered in the "open a round" list; a larger scope narrows itself first

# What the button that moves a round on from each step says.
ADVANCE_LABELS = {
    S.SELF: _("Close self-assessment and open peer evaluation"),
    S.PEER: _("Close voting and go to the committee's proposal"),
    S.PROPOSAL: _("Send the proposal to the general meeting"),
    S.DECISION: _("Confirm the decision and tell the members"),
    S.NOTIFIED: _("Report upward"),
}


def _round(request, pk, action=VIEW) -> AppraisalRound:
    queryset = AppraisalRound.objects.select_related("organisation", "meeting")
    return get_visible_or_404(queryset, request.user, action, pk=pk)


# --- the list of rounds -------------------------------------------------------------------------------------


def _units(request, root):
    """Branches in the scope where the user runs appraisal (at most MAX_UNITS + 1, to tell when there are more)."""
    return list(
        Organisation.objects.active()
        .branches()
        .visible_to(request.user, PERMISSION)
        .subtree(root)
        .order_by("path")[: MAX_UNITS + 1]
    )


@permission_required(VIEW)
def appraisal_list(request):
    return _list(request)


def _list(request, form=None, status=200):
    root = scope_or_404(request)
    rounds = AppraisalRound.objects.visible_to(request.user).filter(subtree_q(root.path, "organisation__"))
    years = sorted(set(rounds.order_by().values_list("year", flat=True).distinct()), reverse=True)
    year = year_param(request.GET.get("year"))
    if year:
        rounds = rounds.filter(year=year)
    step = request.GET.get("step") if request.GET.get("step") in S.values else ""
    if step:
        rounds = rounds.filter(status=step)
    rounds = reads.with_counts(rounds.select_related("organisation"))
    page = Paginator(rounds.order_by("-year", "organisation__path"), 30).get_page(request.GET.get("page"))
    units = _units(request, root) if can(request.user, PERMISSION) else []
    if form is None and units:
        offered = Organisation.objects.filter(pk__in=[u.pk for u in units[:MAX_UNITS]]).order_by("path")
        form = RoundOpenForm(units=offered, initial={"organisation": units[0].pk} if len(units) == 1 else None)
    context = {
        "root": root,
        "page": page,
        "years": years,
        "year": year,
        "step": step,
        "steps": S.choices,
        "form": form,
        "too_many_units": len(units) > MAX_UNITS,
    }
    return render(request, "orglife/appraisal_list.html", context, status=status)


@permission_required(PERMISSION)
@require_POST
def appraisal_open(request):
    root = scope_or_404(request)
    chosen = request.POST.get("organisation", "")
    if chosen.isdigit():  # another unit's branch answers 404, as everywhere
        get_visible_or_404(Organisation.objects, request.user, PERMISSION, pk=int(chosen))
    units = Organisation.objects.active().branches().visible_to(request.user, PERMISSION).subtree(root)
    form = RoundOpenForm(request.POST, units=units.order_by("path"))
    if form.is_valid():
        try:
            round = services.appraisal_open(
                org=form.cleaned_data["organisation"], year=form.cleaned_data["year"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("organisation", _("Your roles do not allow running the appraisal of this branch."))
        else:
            messages.success(
                request,
                _(
                    "The democratic appraisal of {org} for {year} is open: members can write their self-assessments."
                ).format(org=round.organisation.name, year=round.year),
            )
            return redirect("orglife:appraisal_detail", pk=round.pk)
    return _list(request, form=form, status=422)


# --- one round ---------------------------------------------------------------------------------------------


def _stepper(round: AppraisalRound) -> list[dict]:
    current = APPRAISAL_STEPS.index(round.status)
    return [
        {
            "value": value,
            "label": label,
            "number": i + 1,
            "done": i < current or round.status == S.REPORTED,
            "current": i == current and round.status != S.REPORTED,
        }
        for i, (value, label) in enumerate(S.choices)
    ]


def _forms(round, entries, posted=None) -> dict:
    """The action forms of the round's current step, unbound (with what is saved) unless `posted` has one."""
    posted = posted or {}
    version = {"version": round.version}
    forms = {"step": StepForm(initial={**version, "to_status": reads.next_step(round) or ""})}
    if round.status == S.PEER:
        initial = {**version}
        for entry in entries:
            for grade in Grade.values:
                initial[MassesForm.name_for(entry, grade)] = entry.masses.get(grade, 0) if not entry.probationary else 0
        forms["masses"] = MassesForm(initial=initial, entries=entries)
    elif round.status == S.PROPOSAL:
        initial = {**version, **{GradesForm.name_for(e): e.proposed_grade for e in entries if not e.probationary}}
        forms["propose"] = GradesForm(initial=initial, entries=entries, blank_label=_("Not proposed"))
    elif round.status == S.DECISION:
        initial = {
            **version,
            "meeting": round.meeting_id,
            "decided_on": round.decided_on,
            **{GradesForm.name_for(e): e.final_grade or e.proposed_grade for e in entries if not e.probationary},
        }
        meetings = reads.general_meetings(round.organisation)
        forms["decide"] = DecideForm(initial=initial, entries=entries, meetings=meetings, blank_label=_("Not decided"))
    elif round.status == S.NOTIFIED:
        forms["tell"] = VersionForm(initial=version)
    forms.update(posted)
    return forms


def _detail(request, round, posted=None, status=200, follow_up=None):
    user = request.user
    entries = reads.round_entries(round)
    progress = reads.round_progress(round, entries)
    may_run = can(user, PERMISSION, round)
    mine = next((e for e in entries if e.member.user_id == user.pk), None)
    voted = mine is not None and AppraisalVoter.objects.filter(round=round, member_id=mine.member_id).exists()
    cap, graded, num, den = services.excellent_cap(round, graded=progress.full)
    follow_ups = {}
    if may_run and round.status in services.SETTLED:
        for entry in entries:
            if entry.final_grade in FOLLOW_UP_GRADES:
                if follow_up and follow_up[0] == entry.pk:
                    follow_ups[entry.pk] = follow_up[1]
                elif entry.follow_up_status == FollowUpStatus.DONE:
                    follow_ups[entry.pk] = None
                elif entry.follow_up_measure:
                    follow_ups[entry.pk] = FollowUpDoneForm(initial={"version": entry.version})
                else:
                    follow_ups[entry.pk] = FollowUpForm(initial={"version": entry.version, "due": entry.follow_up_due})
        for entry in entries:
            entry.follow_up_form = follow_ups.get(entry.pk)
    forms = _forms(round, entries, posted) if may_run else {}
    grades_form = forms.get("propose") or forms.get("decide")
    labels = dict(Grade.choices)
    for entry in entries:
        entry.peer_rows = [(labels[g], entry.peer[g]) for g in Grade.values if entry.peer.get(g)]
        entry.masses_rows = [(labels[g], entry.masses[g]) for g in Grade.values if entry.masses.get(g)]
        entry.grade_field = grades_form.bound_for(entry) if grades_form else None
        entry.masses_fields = (
            [forms["masses"][MassesForm.name_for(entry, g)] for g in Grade.values]
            if "masses" in forms and not entry.probationary
            else []
        )
    index = APPRAISAL_STEPS.index(round.status)
    at = {value: APPRAISAL_STEPS.index(value) for value in APPRAISAL_STEPS}
    # The columns that matter at the step: what members wrote and how they were voted on, until the grades
    # are decided; then the grade, whether it was told and acknowledged, and the follow-up.
    working = at[S.SELF] <= index <= at[S.DECISION]
    cols = {
        "self": index <= at[S.PROPOSAL],
        "peer": may_run and reads.tallies_open(round) and working,
        "masses": may_run and at[S.PEER] <= index <= at[S.DECISION],
        "proposed": may_run and at[S.PROPOSAL] <= index <= at[S.DECISION],
        "final": (may_run and index >= at[S.DECISION]) or round.status in services.SETTLED,
        "told": index >= at[S.NOTIFIED],
        "follow": may_run and index >= at[S.NOTIFIED],
    }
    nxt = reads.next_step(round)
    context = {
        "cols": cols,
        "grade_choices": Grade.choices,
        "follow_up_grades": FOLLOW_UP_GRADES,
        "round": round,
        "entries": entries,
        "progress": progress,
        "may_run": may_run,
        "mine": mine,
        "voted": voted,
        "show_grades": may_run or round.status in services.SETTLED,
        "show_self": may_run,
        "cap": cap,
        "graded": graded,
        "cap_num": num,
        "cap_den": den,
        "steps": _stepper(round),
        "next_step": nxt,
        "next_label": ADVANCE_LABELS.get(round.status, ""),
        "forms": forms,
        "untold": progress.members - progress.told,
        "step_after": dict(S.choices).get(nxt, "") if nxt else "",
        "decided_meeting": round.meeting,
    }
    return render(request, "orglife/appraisal_detail.html", context, status=status)


@permission_required(VIEW)
def appraisal_detail(request, pk):
    return _detail(request, _round(request, pk))


def _run(request, round, form_key, form, call):
    """Run a step's service with a valid form; show the round again with the form's errors when refused."""
    if form.is_valid():
        try:
            result = call(round, form)
        except services.Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            return result
    return _detail(request, round, posted={form_key: form}, status=422)


@permission_required(PERMISSION)
@require_POST
def appraisal_advance(request, pk):
    def call(round, form):
        fresh = services.appraisal_transition(round=round, actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("The appraisal is now at the step “{step}”.").format(step=fresh.get_status_display()),
        )
        return redirect("orglife:appraisal_detail", pk=round.pk)

    return _run(request, _round(request, pk, PERMISSION), "step", StepForm(request.POST), call)


def _entries_form(request, round, form_class, **extra):
    return form_class(request.POST, entries=reads.round_entries(round), **extra)


@permission_required(PERMISSION)
@require_POST
def appraisal_masses(request, pk):
    round = _round(request, pk, PERMISSION)
    form = _entries_form(request, round, MassesForm)

    def call(round, form):
        services.masses_tally_enter(
            round=round, counts=form.counts(), version=form.cleaned_data["version"], actor=request.user
        )
        messages.success(request, _("The masses' tally is saved."))
        return redirect("orglife:appraisal_detail", pk=round.pk)

    return _run(request, round, "masses", form, call)


@permission_required(PERMISSION)
@require_POST
def appraisal_propose(request, pk):
    round = _round(request, pk, PERMISSION)
    form = _entries_form(request, round, GradesForm, blank_label=_("Not proposed"))

    def call(round, form):
        services.grades_propose(
            round=round, grades=form.grades(), version=form.cleaned_data["version"], actor=request.user
        )
        messages.success(request, _("The committee's proposed grades are saved."))
        return redirect("orglife:appraisal_detail", pk=round.pk)

    return _run(request, round, "propose", form, call)


@permission_required(PERMISSION)
@require_POST
def appraisal_decide(request, pk):
    round = _round(request, pk, PERMISSION)
    meetings = reads.general_meetings(round.organisation)
    form = _entries_form(request, round, DecideForm, meetings=meetings, blank_label=_("Not decided"))

    def call(round, form):
        data = form.cleaned_data
        services.grades_decide(
            round=round,
            grades=form.grades(),
            version=data["version"],
            meeting=data.get("meeting"),
            decided_on=data.get("decided_on"),
            actor=request.user,
        )
        messages.success(request, _("The general meeting's decision is saved."))
        return redirect("orglife:appraisal_detail", pk=round.pk)

    return _run(request, round, "decide", form, call)


@permission_required(PERMISSION)
@require_POST
def appraisal_tell(request, pk):
    def call(round, form):
        told = services.results_tell(round=round, version=form.cleaned_data["version"], actor=request.user)
        messages.success(
            request, _("{n} members were marked as told; those with a login have a notice.").format(n=told)
        )
        return redirect("orglife:appraisal_detail", pk=round.pk)

    return _run(request, _round(request, pk, PERMISSION), "tell", VersionForm(request.POST), call)


@permission_required(PERMISSION)
@require_POST
def appraisal_follow_up(request, pk):
    queryset = AppraisalEntry.objects.select_related("round__organisation", "member")
    entry = get_visible_or_404(queryset, request.user, PERMISSION, pk=pk)
    done = request.POST.get("action") == "done"
    form = FollowUpDoneForm(request.POST) if done else FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if done:
                services.follow_up_done(
                    entry=entry, done_on=data.get("done_on"), version=data["version"], actor=request.user
                )
            else:
                services.follow_up_set(
                    entry=entry,
                    measure=data["measure"],
                    due=data.get("due"),
                    version=data["version"],
                    actor=request.user,
                )
        except services.Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("{name}'s follow-up is saved.").format(name=entry.member.name))
            return redirect(reverse("orglife:appraisal_detail", args=[entry.round_id]) + f"#entry-{entry.pk}")
    return _detail(request, entry.round, status=422, follow_up=(entry.pk, form))


# --- the member's own pages ------------------------------------------------------------------------------------


def _own_entry(request, pk) -> AppraisalEntry:
    """The user's own entry in the round, or 404: these pages exist only for the round's members."""
    entry = (
        AppraisalEntry.objects.filter(round_id=pk, member__user=request.user)
        .select_related("round__organisation", "round__meeting", "member")
        .first()
    )
    if entry is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return entry


def _self_page(request, entry, form=None, status=200):
    round = entry.round
    if form is None and round.status == S.SELF:
        form = SelfAssessmentForm(initial={"text": entry.self_assessment, "version": entry.version})
    voted = AppraisalVoter.objects.filter(round=round, member_id=entry.member_id).first()
    context = {
        "entry": entry,
        "round": round,
        "form": form,
        "steps": _stepper(round),
        "voted": voted,
        "may_view_round": can(request.user, VIEW, round),
    }
    return render(request, "orglife/appraisal_self.html", context, status=status)


@login_required
def appraisal_self(request, pk):
    entry = _own_entry(request, pk)
    if request.method != "POST":
        return _self_page(request, entry)
    if "acknowledge" in request.POST:
        try:
            services.result_acknowledge(entry=entry, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: you have acknowledged your result."))
        return redirect("orglife:appraisal_self", pk=pk)
    form = SelfAssessmentForm(request.POST)
    if form.is_valid():
        submit = request.POST.get("action") != "draft"
        try:
            services.self_assessment_submit(
                entry=entry,
                text=form.cleaned_data["text"],
                submit=submit,
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except services.Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if submit:
                messages.success(request, _("Your self-assessment is submitted."))
            else:
                messages.success(request, _("Your draft is saved; submit it when it is ready."))
            return redirect("orglife:appraisal_self", pk=pk)
    return _self_page(request, entry, form=form, status=422)


@login_required
def appraisal_vote(request, pk):
    entry = _own_entry(request, pk)
    round = entry.round
    entries = reads.round_entries(round) if round.status == S.PEER else []
    voted = AppraisalVoter.objects.filter(round=round, member_id=entry.member_id).first()
    form = None
    status = 200
    if round.status == S.PEER and voted is None:
        form = BallotForm(request.POST or None, entries=entries, voter=entry)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.peer_vote(round=round, grades=form.grades(), actor=request.user)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("Your ballot is cast. Thank you."))
                    return redirect("orglife:appraisal_vote", pk=pk)
            status = 422
    elif request.method == "POST":
        messages.error(
            request,
            _("You have already voted in this appraisal; a ballot is cast once.")
            if voted
            else _("Peer evaluation is not open."),
        )
        return redirect("orglife:appraisal_vote", pk=pk)
    context = {
        "entry": entry,
        "round": round,
        "form": form,
        "voted": voted,
        "probationary": [e.member.name for e in entries if e.probationary and e.pk != entry.pk],
    }
    return render(request, "orglife/appraisal_vote.html", context, status=status)


# --- results by unit and grade -----------------------------------------------------------------------------------


def _result_columns():
    return [(grade, label) for grade, label in Grade.choices] + [
        ("probationary", _("Probationary (no grade)")),
        ("ungraded", _("Not yet graded")),
        ("total", _("Total")),
    ]


@permission_required(VIEW)
def appraisal_results(request):
    org_id = request.GET.get("org", "")
    pk = int(org_id) if org_id.isdigit() else scope_or_404(request).pk
    parent = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=pk)
    years = sorted(
        set(
            AppraisalRound.objects.visible_to(request.user)
            .filter(subtree_q(parent.path, "organisation__"))
            .order_by()
            .values_list("year", flat=True)
            .distinct()
        ),
        reverse=True,
    )
    year = year_param(request.GET.get("year")) or (years[0] if years else timezone.localdate().year)
    rows = reads.results_table(request.user, parent, year)
    columns = _result_columns()
    if request.GET.get("format") == "xlsx":
        audit_record(actor=request.user, action="orglife.appraisal_results_export", obj=parent, changes={"year": year})
        return xlsx_response(_results_workbook(parent, year, columns, rows), f"appraisal-{year}.xlsx")
    up = parent.parent if parent.parent_id and can(request.user, VIEW, parent.parent) else None
    shown = rows[:1] if len(rows) == 2 else rows  # one unit: its row is the total
    table = [(row, [row[key] for key, _label in columns]) for row in shown]
    context = {"parent": parent, "year": year, "years": years, "columns": columns, "table": table, "up": up}
    return render(request, "orglife/appraisal_results.html", context)


def _results_workbook(parent, year, columns, rows) -> bytes:
    def label(row):
        if row.get("is_total"):
            return _("Total")
        if row["is_self"]:
            return row["org"].name
        return row["org"].name

    sheet = Sheet(
        title=_("Appraisal {year}").format(year=year),
        headers=[_("Organisation"), _("Branches appraised"), *[str(text) for _key, text in columns]],
        rows=[[label(row), row["rounds"], *[row[key] for key, _text in columns]] for row in rows],
        widths=[30, 12] + [12] * len(columns),
        notes=[
            _("Democratic appraisal of members for {year}: grades decided by the general meetings of {org} and its "
              "subordinate organisations, as of {day}.").format(year=year, org=parent.name,
                                                                 day=timezone.localdate().isoformat())
        ],
    )  # fmt: skip
    return workbook_bytes([sheet])


# --- the member page's section ---------------------------------------------------------------------------------


def appraisal_member_section(member, user) -> MemberSection | None:
    """On a member's page, for those who read organisational life at the member's unit: the appraisal history."""
    if not can(user, VIEW, member):
        return None
    entries = list(
        AppraisalEntry.objects.filter(member=member)
        .select_related("round__organisation")
        .order_by("-round__year", "-pk")[:20]
    )
    context = {"appraisals": entries, "settled": services.SETTLED}
    return MemberSection(_("Democratic appraisal"), "orglife/appraisal_member_section.html", context)


urls = [
    path("appraisal/", appraisal_list, name="appraisal_list"),
    path("appraisal/open/", appraisal_open, name="appraisal_open"),
    path("appraisal/results/", appraisal_results, name="appraisal_results"),
    path("appraisal/entries/<int:pk>/follow-up/", appraisal_follow_up, name="appraisal_follow_up"),
    path("appraisal/<int:pk>/", appraisal_detail, name="appraisal_detail"),
    path("appraisal/<int:pk>/advance/", appraisal_advance, name="appraisal_advance"),
    path("appraisal/<int:pk>/masses/", appraisal_masses, name="appraisal_masses"),
    path("appraisal/<int:pk>/propose/", appraisal_propose, name="appraisal_propose"),
    path("appraisal/<int:pk>/decide/", appraisal_decide, name="appraisal_decide"),
    path("appraisal/<int:pk>/tell/", appraisal_tell, name="appraisal_tell"),
    path("appraisal/<int:pk>/me/", appraisal_self, name="appraisal_self"),
    path("appraisal/<int:pk>/vote/", appraisal_vote, name="appraisal_vote"),
]
