"""Cases in the browser: the list of cases, filing a case on a clue, a case's page (its stages as a timeline, the
decision, the actions its stage allows), the decision form, a rectification item from a case, the sanctions in effect,
and the panel on a clue's page.

Only discipline roles reach these pages, and a case only for those who may open its clue (404 for everyone else,
whether it exists or not). Every opening of a case page is a sealed read in the audit trail.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_sealed_read
from qinglian.core.forms import add_service_errors
from qinglian.core.links import records_resolve
from qinglian.core.paging import id_page
from qinglian.discipline.forms.cases import (
    AdvanceForm,
    AppealEndForm,
    AppealForm,
    CaseFileForm,
    DecideForm,
    ExtendForm,
    RectifyForm,
    TransferForm,
)
from qinglian.discipline.models import Case
from qinglian.discipline.services import cases as services
from qinglian.discipline.services.access import clue_or_404, require_module
from qinglian.discipline.vocab import FORM_SHORT, Form
from qinglian.discipline.vocab import CaseStage as St
from qinglian.orgs.services import Conflict

PAGE_SIZE = 30
SHOWS = ("open", "overdue", "closed", "all")
ITEM_KIND = "rectification.item"


def _clue_url(clue) -> str:
    """The clue's page, when the clues area serves one."""
    try:
        return reverse("discipline:clue_detail", args=[clue.pk])
    except NoReverseMatch:
        return ""


def _text(request, name: str) -> str:
    return (request.GET.get(name) or "").strip()[:60]


# --- the list ----------------------------------------------------------------------------------------------


@login_required
def case_list(request):
    """The cases of the clues the user may open: open ones first by deadline, with the overdue flagged."""
    require_module(request.user)
    today = timezone.localdate()
    base = services.cases_visible_to(request.user)
    show = request.GET.get("show", "open")
    show = show if show in SHOWS else "open"
    q = _text(request, "q")
    narrowed = base
    if q:
        narrowed = narrowed.filter(
            Q(number__icontains=q) | Q(clue__number__icontains=q) | Q(clue__subject_name__icontains=q)
        )
    cases = {
        "open": narrowed.exclude(stage=St.CLOSED).order_by("stage_due_on", "pk"),
        "overdue": services.overdue(narrowed, today).order_by("stage_due_on", "pk"),
        "closed": narrowed.filter(stage=St.CLOSED).order_by("-closed_on", "-pk"),
        "all": narrowed.order_by("-filed_on", "-pk"),
    }[show]
    counts = {
        "open": base.exclude(stage=St.CLOSED).count(),
        "overdue": services.overdue(base, today).count(),
        "closed": base.filter(stage=St.CLOSED).count(),
    }
    context = {
        "page": id_page(cases.select_related("clue__subject_unit"), per_page=PAGE_SIZE, number=request.GET.get("page")),
        "counts": counts,
        "shows": [("open", _("Open")), ("overdue", _("Overdue")), ("closed", _("Closed")), ("all", _("All"))],
        "show": show,
        "q": q,
        "today": today,
    }
    return render(request, "discipline/case_list.html", context)


# --- filing ------------------------------------------------------------------------------------------------


@login_required
def case_file(request, pk: int):
    """File the case an approved form proposed on a clue (leaders); others see why they cannot."""
    require_module(request.user)
    clue = clue_or_404(request.user, pk)
    existing = Case.objects.filter(clue=clue).first()
    if existing is not None:
        return redirect("discipline:case_detail", pk=existing.pk)
    audit_sealed_read(actor=request.user, obj=clue, reason=_("Opened the filing page of the clue"))
    may = services.may_file(request.user, clue)
    today = timezone.localdate()
    form = CaseFileForm(request.POST or None, initial={"filed_on": today, "version": clue.version})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_file_proposed(
                    clue=clue, actor=request.user, on=data["filed_on"], number=data["number"], version=data["version"]
                )
            except PermissionDenied as exc:
                raise Http404 from exc
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc, rename={"on": "filed_on"})
            else:
                messages.success(
                    request, _("The case {number} is filed: its investigation has begun.").format(number=case.number)
                )
                return redirect("discipline:case_detail", pk=case.pk)
    context = {
        "clue": clue,
        "clue_url": _clue_url(clue),
        "form": form,
        "may": may,
        "leader": services.is_leader(request.user, clue),
        "proposes": services.proposes_case(clue),
        "filable": clue.status in services.FILABLE,
        "next_number": services.case_number_next(clue, today.year),
        "investigation_days": services.stage_days(St.INVESTIGATION, org_path=clue.organisation.path, on=today),
    }
    return render(request, "discipline/case_file.html", context, status=status)


# --- a case ------------------------------------------------------------------------------------------------


EXTENSION_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \+\d+: ")


def _timeline(case: Case, today):
    """The case's stages in order, each with its deadline, whether it ran late, and its extensions apart from its
    note (services.case_extend writes one line "YYYY-MM-DD +N: reason" per extension)."""
    rows = list(case.stages.select_related("actor").order_by("started_on", "pk"))
    for row in rows:
        running = row.ended_on is None and row.stage != St.CLOSED
        row.overdue = running and row.due_on is not None and row.due_on < today
        row.late = row.ended_on is not None and row.due_on is not None and row.ended_on > row.due_on
        row.days_left = (row.due_on - today).days if running and row.due_on and not row.overdue else None
        row.overdue_days = (today - row.due_on).days if row.overdue else 0
        lines = (row.note or "").splitlines()
        row.extensions = [line for line in lines if EXTENSION_LINE.match(line)]
        row.text = "\n".join(line for line in lines if not EXTENSION_LINE.match(line))
    return rows


def _outcome_rows(case: Case, user):
    outcomes = list(
        case.outcomes.select_related("superseded_by", "rectification_item__organisation").order_by("decided_on", "pk")
    )
    items = records_resolve(user, [(ITEM_KIND, o.rectification_item_id) for o in outcomes if o.rectification_item_id])
    for outcome in outcomes:
        outcome.form_short = FORM_SHORT[Form(outcome.form)] if outcome.form else ""
        outcome.item_ref = (
            items.get((ITEM_KIND, outcome.rectification_item_id)) if outcome.rectification_item_id else None
        )
    return outcomes


def _detail(request, case: Case, *, status: int = 200, **forms):
    user, today = request.user, timezone.localdate()
    audit_sealed_read(actor=user, obj=case, reason=_("Opened the case page"))
    allowed = services.actions(user, case)
    version = {"version": case.version}
    following = services.next_stage(case.stage)
    current = list(services.current_outcomes(case))
    context = {
        "case": case,
        "clue": case.clue,
        "clue_url": _clue_url(case.clue),
        "today": today,
        "overdue": services.is_overdue(case, today),
        "stages": _timeline(case, today),
        "outcomes": _outcome_rows(case, user),
        "can": allowed,
        "next_stage": St(following).label if following else "",
        "advance_form": forms.get("advance_form")
        or AdvanceForm(initial={**version, "to": following or "", "on": today}),
        "extend_form": forms.get("extend_form") or ExtendForm(initial=version),
        "transfer_form": forms.get("transfer_form") or TransferForm(initial={**version, "on": today}),
        "appeal_form": forms.get("appeal_form") or AppealForm(initial={**version, "on": today}),
        "appeal_end_form": forms.get("appeal_end_form")
        or AppealEndForm(
            initial={**version, "on": today}, outcomes=[o for o in current if o.family in services.DECISION_FAMILIES]
        ),
        "open_form": next(iter(forms), ""),
    }
    return render(request, "discipline/case_detail.html", context, status=status)


@login_required
def case_detail(request, pk: int):
    require_module(request.user)
    return _detail(request, services.case_or_404(request.user, pk))


def _write(request, pk: int, *, name: str, form, call, success: str):
    """Bind a posted form, call the service, and go back to the case, or show the case again with the refusal."""
    require_module(request.user)
    case = services.case_or_404(request.user, pk)
    status = 422
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("discipline:case_detail", pk=case.pk)
    return _detail(request, services.case_or_404(request.user, pk), status=status, **{name: form})


@login_required
@require_POST
def case_advance(request, pk: int):
    to = request.POST.get("to", "")
    if to == St.CLOSED:
        success = _("The case is closed, and its clue with it.")
    else:
        label = St(to).label if to in St.values else to
        success = _("The case has moved on to “{stage}”.").format(stage=label)
    return _write(
        request,
        pk,
        name="advance_form",
        form=AdvanceForm(request.POST),
        call=lambda case, d: services.case_advance(
            case=case, to=d["to"], on=d["on"], note=d["note"], actor=request.user, version=d["version"]
        ),
        success=success,
    )


@login_required
@require_POST
def case_extend(request, pk: int):
    return _write(
        request,
        pk,
        name="extend_form",
        form=ExtendForm(request.POST),
        call=lambda case, d: services.case_extend(
            case=case, days=d["days"], reason=d["reason"], actor=request.user, version=d["version"]
        ),
        success=_("The stage's deadline is extended."),
    )


@login_required
@require_POST
def case_transfer(request, pk: int):
    return _write(
        request,
        pk,
        name="transfer_form",
        form=TransferForm(request.POST),
        call=lambda case, d: services.case_transfer(
            case=case, on=d["on"], note=d["note"], actor=request.user, version=d["version"]
        ),
        success=_("The transfer to judicial organs is recorded."),
    )


@login_required
@require_POST
def case_appeal(request, pk: int):
    return _write(
        request,
        pk,
        name="appeal_form",
        form=AppealForm(request.POST),
        call=lambda case, d: services.case_appeal(
            case=case, on=d["on"], grounds=d["grounds"], actor=request.user, version=d["version"]
        ),
        success=_("The appeal is recorded: the case is under appeal."),
    )


@login_required
@require_POST
def case_appeal_end(request, pk: int):
    require_module(request.user)
    case = services.case_or_404(request.user, pk)
    outcomes = [o for o in services.current_outcomes(case) if o.family in services.DECISION_FAMILIES]

    def call(case, d):
        changed = next((o for o in outcomes if o.pk == d["outcome"]), None)
        services.case_appeal_end(
            case=case, on=d["on"], result=d["result"], note=d["note"], outcome=changed, measure=d["measure"],
            months=d["months"], actor=request.user, version=d["version"],
        )  # fmt: skip

    return _write(
        request,
        pk,
        name="appeal_end_form",
        form=AppealEndForm(request.POST, outcomes=outcomes),
        call=call,
        success=_("The appeal has ended and its result is recorded."),
    )


# --- the decision, rectification ---------------------------------------------------------------------------


@login_required
def case_decide(request, pk: int):
    """Record the decision: a Party sanction, an administrative sanction and organisational handling, each at most
    one (leaders, in the decision stage)."""
    require_module(request.user)
    case = services.case_or_404(request.user, pk)
    audit_sealed_read(actor=request.user, obj=case, reason=_("Opened the decision form of the case"))
    form = DecideForm(request.POST or None, initial={"decided_on": timezone.localdate(), "version": case.version})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                recorded = services.case_decide(case=case, actor=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                raise Http404 from exc
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                names = "、".join(o.get_measure_display() for o in recorded)
                messages.success(request, _("The decision is recorded: {measures}.").format(measures=names))
                return redirect("discipline:case_detail", pk=case.pk)
    context = {
        "case": case,
        "clue": case.clue,
        "form": form,
        "can": services.actions(request.user, case),
        "taken": list(services.current_outcomes(case)),
    }
    return render(request, "discipline/case_decide.html", context, status=status)


@login_required
def case_rectify(request, pk: int):
    """Open a rectification item for the reported person's unit on the problem the case found (leaders)."""
    from qinglian.rectification.services.items import unit_people

    require_module(request.user)
    case = services.case_or_404(request.user, pk)
    audit_sealed_read(actor=request.user, obj=case, reason=_("Opened the rectification form of the case"))
    unit = case.clue.subject_unit
    people = unit_people(unit) if unit is not None else None
    initial = {"version": case.version, "due_on": timezone.localdate() + timedelta(days=90)}
    form = RectifyForm(request.POST or None, initial=initial, people=people)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                item = services.case_rectify(case=case, actor=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                raise Http404 from exc
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The rectification item is on {unit}'s list, linked to this case.").format(
                        unit=item.organisation.name
                    ),
                )
                return redirect("discipline:case_detail", pk=case.pk)
    context = {"case": case, "clue": case.clue, "form": form, "unit": unit, "can": services.actions(request.user, case)}
    return render(request, "discipline/case_rectification.html", context, status=status)


# --- sanctions in effect -----------------------------------------------------------------------------------


@login_required
def sanction_list(request):
    """Outcomes whose effect period has not ended, soonest end first; those ending within 60 days highlighted."""
    require_module(request.user)
    today = timezone.localdate()
    soon = today + timedelta(days=services.ENDING_SOON_DAYS)
    base = services.sanctions_in_effect(request.user, today)
    q = _text(request, "q")
    if q:
        base = base.filter(Q(subject_name__icontains=q) | Q(case__number__icontains=q))
    show = request.GET.get("show", "")
    rows = base.filter(effect_ends_on__lte=soon) if show == "soon" else base
    context = {
        "page": id_page(
            rows.select_related("case", "subject_unit"), per_page=PAGE_SIZE, number=request.GET.get("page")
        ),
        "count": base.count(),
        "soon_count": base.filter(effect_ends_on__lte=soon).count(),
        "soon": soon,
        "show": show,
        "q": q,
        "today": today,
    }
    return render(request, "discipline/sanction_list.html", context)


# --- the panel on a clue's page ----------------------------------------------------------------------------


def clue_panel(request, clue):
    """The case of a clue (its stage and deadline), or the way to file one; None when neither applies."""
    case = Case.objects.filter(clue=clue).first()
    may_file = case is None and services.may_file(request.user, clue)
    if case is None and not may_file:
        return None
    context = {
        "clue": clue,
        "case": case,
        "may_file": may_file,
        "overdue": services.is_overdue(case) if case else False,
        "outcomes": list(services.current_outcomes(case).filter(form__isnull=False)) if case else [],
    }
    return _("Case"), render_to_string("discipline/partials/clue_case.html", context, request=request)


urls = [
    path("cases/", case_list, name="case_list"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/advance/", case_advance, name="case_advance"),
    path("cases/<int:pk>/extend/", case_extend, name="case_extend"),
    path("cases/<int:pk>/decide/", case_decide, name="case_decide"),
    path("cases/<int:pk>/transfer/", case_transfer, name="case_transfer"),
    path("cases/<int:pk>/appeal/", case_appeal, name="case_appeal"),
    path("cases/<int:pk>/appeal/end/", case_appeal_end, name="case_appeal_end"),
    path("cases/<int:pk>/rectification/", case_rectify, name="case_rectify"),
    path("clues/<int:pk>/case/", case_file, name="case_file"),
    path("sanctions/", sanction_list, name="sanction_list"),
]
