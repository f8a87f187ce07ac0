"""Talks (谈心谈话): the list, recording one or several, a talk's page, and the coverage table."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orglife.coverage import talk_coverage
from qinglian.orglife.forms.talks import TalkForm
from qinglian.orglife.models import Talk
from qinglian.orglife.people import member_of, talk_people
from qinglian.orglife.services import talks as services
from qinglian.orglife.views.common import int_param, year_param
from qinglian.orglife.vocab import TalkKind
from qinglian.orgs.access import can, has_permission
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.reports.xlsx import Sheet, workbook_bytes, xlsx_response

YEARS_BACK = 5
UNIT_CHOICES = 300  # a coverage or record form lists at most this many units; the scope narrows it


def _years(today) -> list[int]:
    return list(range(today.year, today.year - YEARS_BACK - 1, -1))


@permission_required("orglife.view")
def talk_list(request):
    """Talks in the scope the user may read; a member without talk_view sees their own."""
    root = scope_or_404(request)
    today = timezone.localdate()
    me = member_of(request.user)
    in_scope = subtree_q(root.path, "organisation__")
    if me is not None:
        in_scope |= Q(initiator=me) | Q(counterpart=me)
    talks = services.talks_readable(request.user).filter(in_scope)
    year = int_param(request.GET.get("year"))
    kind = request.GET.get("kind", "") if request.GET.get("kind") in TalkKind.values else ""
    q = request.GET.get("q", "").strip()[:60]
    if year:
        talks = talks.in_year(year)
    if kind:
        talks = talks.filter(kind=kind)
    if q:
        talks = talks.filter(
            Q(initiator__name__icontains=q)
            | Q(counterpart__name__icontains=q)
            | Q(initiator__name_pinyin__icontains=q.lower())
            | Q(counterpart__name_pinyin__icontains=q.lower())
        )
    talks = talks.select_related("organisation", "initiator", "counterpart").order_by("-talked_on", "-pk")
    context = {
        "root": root,
        "page": id_page(talks, per_page=30, number=request.GET.get("page")),
        "year": year,
        "kind": kind,
        "q": q,
        "years": _years(today),
        "kinds": TalkKind.choices,
        "reads_all": has_permission(request.user, "orglife.talk_view"),
        "can_record": me is not None or has_permission(request.user, "orglife.talk_record"),
    }
    return render(request, "orglife/talk_list.html", context)


def _record_units(request, root):
    """Units in the scope where the user may record a talk, and their own wherever the scope is."""
    me = member_of(request.user)
    near = subtree_q(root.path)
    if me is not None:
        near |= Q(pk__in=[me.organisation_id, me.organisation.parent_id])
    return list(services.record_units(request.user).filter(near).order_by("path")[:UNIT_CHOICES])


@permission_required("orglife.view")
def talk_create(request):
    root = scope_or_404(request)
    units = _record_units(request, root)
    if not units:
        raise Http404
    me = member_of(request.user)
    unit_id = int_param(request.POST.get("organisation") or request.GET.get("unit"))
    unit = (
        next((u for u in units if u.pk == unit_id), None)
        or next((u for u in units if u.pk == root.pk), None)
        or (next((u for u in units if me and u.pk == me.organisation_id), None))
        or units[0]
    )
    people = talk_people(unit)
    initial = {"organisation": unit.pk, "talked_on": timezone.localdate()}
    if me is not None:
        initial["initiator"] = me.pk
    form = TalkForm(
        request.POST or None, initial=initial, units=Organisation.objects.filter(pk__in=[u.pk for u in units]),
        people=people,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("organisation")
        try:
            talks = services.talk_record_several(org=unit, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"counterpart": "counterparts"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if len(talks) == 1:
                messages.success(request, _("The talk was recorded."))
                return redirect("orglife:talk_detail", pk=talks[0].pk)
            messages.success(request, _("{n} talks were recorded.").format(n=len(talks)))
            return redirect("orglife:talk_list")
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "unit": unit,
        "units": units,
        "is_recorder": can(request.user, "orglife.talk_record", unit),
    }
    return render(request, "orglife/talk_form.html", context, status=status)


def _talk_or_404(user, pk) -> Talk:
    talk = (
        services.talks_readable(user)
        .select_related("organisation", "initiator", "counterpart", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if talk is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return talk


@permission_required("orglife.view")
def talk_detail(request, pk: int):
    talk = _talk_or_404(request.user, pk)
    context = {
        "talk": talk,
        "can_update": services.talk_may_update(request.user, talk),
        "can_remove": services.talk_may_remove(request.user, talk),
    }
    return render(request, "orglife/talk_detail.html", context)


@permission_required("orglife.view")
def talk_update(request, pk: int):
    talk = _talk_or_404(request.user, pk)
    if not services.talk_may_update(request.user, talk):
        raise Http404
    initial = {
        "kind": talk.kind,
        "talked_on": talk.talked_on,
        "initiator": talk.initiator_id,
        "counterpart": talk.counterpart_id,
        "place": talk.place,
        "summary": talk.summary,
        "follow_up": talk.follow_up,
    }
    people = talk_people(talk.organisation)
    form = TalkForm(request.POST or None, initial=initial, people=people, several=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.talk_update(talk=talk, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The talk was corrected."))
            return redirect("orglife:talk_detail", pk=talk.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "orglife/talk_form.html", {"form": form, "talk": talk, "unit": talk.organisation}, status=status
    )


@permission_required("orglife.talk_record")
@require_POST
def talk_remove(request, pk: int):
    talk = _talk_or_404(request.user, pk)
    if not services.talk_may_remove(request.user, talk):
        raise Http404
    services.talk_remove(talk=talk, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("The talk was removed."))
    return redirect("orglife:talk_list")


# --- coverage ------------------------------------------------------------------------------------------------


def _coverage_target(request):
    """The unit and year asked for: a unit where the user holds talk_view (by default the scope), and a year."""
    root = scope_or_404(request)
    today = timezone.localdate()
    units = list(
        Organisation.objects.visible_to(request.user, "orglife.talk_view")
        .active()
        .subtree(root)
        .exclude(kind=Organisation.Kind.GROUP)
        .order_by("path")[:UNIT_CHOICES]
    )
    unit_id = int_param(request.GET.get("unit"))
    unit = None
    if unit_id:
        unit = next((u for u in units if u.pk == unit_id), None)
        if unit is None:
            unit = (
                Organisation.objects.visible_to(request.user, "orglife.talk_view")
                .subtree(root)
                .filter(pk=unit_id)
                .first()
            )
        if unit is None:
            raise Http404
    else:
        unit = next((u for u in units if u.pk == root.pk), None) or (units[0] if units else None)
    if unit is None:
        raise Http404
    year = year_param(request.GET.get("year"), last=today.year) or today.year
    return unit, units, year, today


@permission_required("orglife.talk_view")
def talk_coverage_view(request):
    unit, units, year, today = _coverage_target(request)
    coverage = talk_coverage(unit, year)
    people, matrix = coverage.matrix()
    context = {
        "coverage": coverage,
        "unit": unit,
        "units": units,
        "year": year,
        "years": _years(today),
        "people": people,
        "matrix": list(zip(people, matrix, strict=True)),
        "problem": coverage.problem(),
        "can_record": can(request.user, "orglife.talk_record", unit),
    }
    return render(request, "orglife/talk_coverage.html", context)


@permission_required("orglife.talk_view")
def talk_coverage_export(request):
    unit, _units, year, _today = _coverage_target(request)
    coverage = talk_coverage(unit, year)
    rows = []
    for group in coverage.groups:
        for pair in group.pairs:
            rows.append(
                [
                    group.label,
                    pair.a.name,
                    pair.b.name,
                    _("Done") if pair.done else _("Missing"),
                    len(pair.talks),
                    "、".join(t.talked_on.isoformat() for t in pair.talks),
                ]
            )
    notes = [f"{unit.name} · {year}", coverage.problem(), coverage.source]
    for group in coverage.groups:
        notes.append(
            _("{label}: {done} of {total} ({percent}%)").format(
                label=group.label, done=group.done, total=group.total, percent=group.percent or 0
            )
        )
    sheet = Sheet(
        title=_("Talk coverage"),
        headers=[_("Required"), _("Member"), _("Member"), _("Status"), _("Talks"), _("Dates")],
        rows=rows,
        widths=[30, 14, 14, 10, 8, 36],
        notes=[line for line in notes if line],
    )
    return xlsx_response(workbook_bytes([sheet]), f"{_('talk-coverage')}-{unit.pk}-{year}.xlsx")


urls = [
    path("talks/", talk_list, name="talk_list"),
    path("talks/new/", talk_create, name="talk_create"),
    path("talks/coverage/", talk_coverage_view, name="talk_coverage"),
    path("talks/coverage/export/", talk_coverage_export, name="talk_coverage_export"),
    path("talks/<int:pk>/", talk_detail, name="talk_detail"),
    path("talks/<int:pk>/edit/", talk_update, name="talk_update"),
    path("talks/<int:pk>/remove/", talk_remove, name="talk_remove"),
]
