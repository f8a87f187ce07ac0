"""Identification rounds' pages: the rounds of the scope, opening one (copying last year's register, with what
will be copied shown first), a round's page with its progress by unit, its points by status, the comparison with
the round before, and closing it.

A round is seen by whoever holds risks.view at a unit it covers; what its page shows (units, points, the
comparison) is narrowed to the units the reader may see. Opening and closing need risks.manage at the committee.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import can, can_at
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import subtree_q
from qinglian.orgs.services import Conflict
from qinglian.risks.forms.rounds import RoundCloseForm, RoundOpenForm
from qinglian.risks.models import RiskPoint, RiskRound
from qinglian.risks.services import rounds as services
from qinglian.risks.services.rounds import MANAGE, VIEW, ProgressRow
from qinglian.risks.vocab import PointStatus

PAGE_SIZE = 30
DIFF_SHOWN = 100
STATUS_TABS = ("proposed", "reviewed", "approved", "returned", "draft", "withdrawn")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _round_or_404(user, pk: int) -> RiskRound:
    found = services.rounds_seen_by(user).select_related("organisation", "previous", "created_by").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return found


# --- the list ----------------------------------------------------------------------------------------------


@permission_required(VIEW)
def round_list(request):
    """The rounds covering the scope or run within it, with the points the reader may see in each."""
    root = scope_or_404(request)
    rounds = list(
        services.rounds_seen_by(request.user)
        .filter(services.near_q(root))
        .select_related("organisation")
        .order_by("-year", "organisation__path")
    )
    counts = {
        row["round"]: row
        for row in RiskPoint.objects.visible_to(request.user)
        .filter(subtree_q(root.path, "organisation__"), round__in=[r.pk for r in rounds])
        .values("round")
        .annotate(
            points=Count("pk", filter=Q(status__in=services.LIVE_STATUSES)),
            approved=Count("pk", filter=Q(status=PointStatus.APPROVED)),
            waiting=Count("pk", filter=Q(status__in=services.AWAITING_STATUSES)),
        )
    }
    for one in rounds:
        one.counts = counts.get(one.pk, {"points": 0, "approved": 0, "waiting": 0})
    in_force = {r.pk for r in services.rounds_in_force(root)}
    context = {
        "root": root,
        "rounds": rounds,
        "in_force": in_force,
        "today": timezone.localdate(),
        "can_open": services.committees_managed(request.user, near=root).exists(),
    }
    return render(request, "risks/round_list.html", context)


# --- opening -----------------------------------------------------------------------------------------------


def _default_year(committee) -> int:
    year = timezone.localdate().year
    taken = set(RiskRound.objects.filter(organisation=committee).values_list("year", flat=True))
    return year + 1 if year in taken else year


@permission_required(MANAGE)
def round_create(request):
    """Open a committee's round, copying its last closed round unless told not to; the page shows the copy first."""
    committees = list(services.committees_managed(request.user, near=scope_or_404(request)))
    if not committees:
        raise Http404(_("You run identification rounds for no committee."))
    chosen = _int(request.POST.get("organisation") or request.GET.get("organisation"))
    committee = next((c for c in committees if c.pk == chosen), committees[0])
    year = _default_year(committee)
    initial = {
        "organisation": committee.pk,
        "year": year,
        "title": _("Integrity risk identification {year}").format(year=year),
        "copy": True,
    }
    form = RoundOpenForm(request.POST or None, initial=initial, committees=committees)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = services.round_open(
                    organisation=committee,
                    year=data["year"],
                    title=data["title"],
                    due_on=data["due_on"],
                    copy=data["copy"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The round is open; {n} points were copied.").format(n=opened.copied))
                for warning in opened.copy_warnings:
                    messages.warning(request, warning)
                return redirect("risks:round_detail", pk=opened.pk)
    source = services.latest_closed_round(committee, before_year=_int(request.POST.get("year")) or year)
    context = {
        "form": form,
        "committee": committee,
        "committees": committees,
        "plan": services.copy_plan(source),
        "still_open": RiskRound.objects.open().filter(organisation=committee).first(),
    }
    return render(request, "risks/round_form.html", context, status=status)


# --- a round's page ----------------------------------------------------------------------------------------


def _visible_progress(user, risk_round: RiskRound) -> tuple[list[ProgressRow], ProgressRow]:
    rows, total = services.round_progress(risk_round)
    if can(user, VIEW, risk_round):
        return rows, total
    rows = [row for row in rows if can_at(user, VIEW, row.organisation.path)]
    total = ProgressRow(None)
    for row in rows:
        total.add(row)
    return rows, total


def _detail(request, risk_round: RiskRound, *, status: int = 200, close_form=None):
    user = request.user
    rows, total = _visible_progress(user, risk_round)
    shown = request.GET.get("status", "")
    if shown not in STATUS_TABS:
        # What awaits a decision first, then what is being worked on, then the register.
        order = ("proposed", "reviewed", "returned", "draft", "approved", "withdrawn")
        shown = next((s for s in order if getattr(total, s)), "approved")
    points = (
        RiskPoint.objects.visible_to(user)
        .filter(round=risk_round, status=shown)
        .select_related("organisation", "post")
        .order_by("organisation__path", "level", "pk")
    )
    diff = services.round_diff(risk_round).only(lambda p: can(user, VIEW, p))
    may_close = risk_round.status == "open" and services.may_manage(user, risk_round)
    context = {
        "round": risk_round,
        "rows": rows,
        "total": total,
        "bar_statuses": [(s, PointStatus(s).label) for s in services.BAR_STATUSES],
        "tabs": [(s, PointStatus(s).label, getattr(total, s)) for s in STATUS_TABS],
        "shown": shown,
        "page": id_page(points, per_page=PAGE_SIZE, number=request.GET.get("page")),
        "diff": diff,
        "diff_shown": DIFF_SHOWN,
        "may_close": may_close,
        "waiting": list(services.round_waiting(risk_round)[:20]) if may_close else [],
        "close_form": (close_form or RoundCloseForm(initial={"version": risk_round.version})) if may_close else None,
        "today": timezone.localdate(),
        "overdue": bool(risk_round.status == "open" and risk_round.due_on and risk_round.due_on < timezone.localdate()),
    }
    return render(request, "risks/round_detail.html", context, status=status)


@permission_required(VIEW)
def round_detail(request, pk: int):
    return _detail(request, _round_or_404(request.user, pk))


@permission_required(MANAGE)
@require_POST
def round_close(request, pk: int):
    risk_round = _round_or_404(request.user, pk)
    if not services.may_manage(request.user, risk_round):
        raise Http404
    form = RoundCloseForm(request.POST)
    if form.is_valid():
        try:
            services.round_close(round=risk_round, actor=request.user, version=form.cleaned_data["version"])
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _detail(request, _round_or_404(request.user, pk), status=409, close_form=form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The round is closed: its approved points are now the register in force."))
            return redirect("risks:round_detail", pk=risk_round.pk)
    return _detail(request, risk_round, status=422, close_form=form)


urls = [
    path("rounds/", round_list, name="round_list"),
    path("rounds/new/", round_create, name="round_create"),
    path("rounds/<int:pk>/", round_detail, name="round_detail"),
    path("rounds/<int:pk>/close/", round_close, name="round_close"),
]
