"""Evaluation cycles and scores: the list of cycles (the entry to evaluation), a new cycle, a cycle's page with its
score table, and one unit's score drilled down to the indicators and to the records behind them.

A reader sees the scores of the units within their scope only (a branch secretary their branch's score, in the
committee's cycle); the committee office creates and scores cycles.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinglian.core.forms import StyledForm, add_service_errors
from qinglian.core.models import Job
from qinglian.core.registry import registry
from qinglian.core.views import permission_required
from qinglian.evaluation.models import Cycle, Indicator, Score
from qinglian.evaluation.permissions import MANAGE, VIEW
from qinglian.evaluation.services import scoring
from qinglian.evaluation.services.panel import format_value
from qinglian.evaluation.vocab import Layer, Source
from qinglian.orgs.access import can, get_visible_or_404, scope_q
from qinglian.orgs.models import Organisation

RECORDS_SHOWN = 50


def cycles_visible(user):
    """Cycles run at a unit in the user's scope, and cycles holding a score of a unit in it."""
    scored = Score.objects.filter(scope_q(user, VIEW, model=Score)).values("cycle_id")
    return Cycle.objects.filter(Q(scope_q(user, VIEW, model=Cycle)) | Q(pk__in=scored)).select_related(
        "organisation", "weight_set"
    )


def _cycle(request, pk: int) -> Cycle:
    cycle = cycles_visible(request.user).filter(pk=pk).first()
    if cycle is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return cycle


class CycleForm(StyledForm):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation evaluated"), queryset=Organisation.objects.none()
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=scoring.FIRST_YEAR, max_value=scoring.LAST_YEAR)
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, required=False,
        help_text=gettext_lazy("Leave empty for “<year> evaluation of <organisation>”."),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.active()
            .filter(scope_q(user, MANAGE, model=Organisation))
            .filter(kind__in=[Organisation.Kind.COMMITTEE, Organisation.Kind.GENERAL_BRANCH, Organisation.Kind.BRANCH])
        )


@permission_required(VIEW)
def cycle_list(request):
    cycles = list(cycles_visible(request.user).order_by("-year", "organisation__path")[:200])
    counts = {}
    for cycle_id, total in Score.objects.filter(cycle__in=cycles).values_list("cycle_id", "total"):
        n, scored = counts.get(cycle_id, (0, 0))
        counts[cycle_id] = (n + 1, scored + (total is not None))
    rows = [(c, *counts.get(c.pk, (0, 0))) for c in cycles]
    context = {"rows": rows, "may_manage": can(request.user, MANAGE)}
    return render(request, "evaluation/cycle_list.html", context)


@permission_required(MANAGE)
def cycle_create(request):
    form = CycleForm(request.POST or None, user=request.user, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            cycle = scoring.cycle_create(
                organisation=form.cleaned_data["organisation"],
                year=form.cleaned_data["year"],
                name=form.cleaned_data["name"],
                actor=request.user,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The cycle was created. Set and freeze its weights, then score it."))
            return redirect("evaluation:cycle_detail", pk=cycle.pk)
    return render(request, "evaluation/cycle_form.html", {"form": form}, status=422 if form.errors else 200)


def weights_url(cycle: Cycle) -> str:
    try:
        return reverse("evaluation:weights", args=[cycle.pk])
    except NoReverseMatch:  # the weights area is not installed
        return ""


@permission_required(VIEW)
def cycle_detail(request, pk: int):
    cycle = _cycle(request, pk)
    scores = (
        Score.objects.filter(cycle=cycle)
        .filter(scope_q(request.user, VIEW, model=Score))
        .select_related("organisation")
        .order_by("peer_group", "rank", "organisation__path")
    )
    groups = sorted({s.peer_group for s in scores})
    group = request.GET.get("group", "")
    if group in groups:
        scores = scores.filter(peer_group=group)
    grades = scoring.grades_for(cycle)
    rows = [
        (s, scoring.grade_label(s.grade, grades), [s.layers.get(layer) for layer in scoring.WEIGHTED_LAYERS])
        for s in scores[:500]
    ]
    may_manage = can(request.user, MANAGE, cycle)
    context = {
        "cycle": cycle,
        "rows": rows,
        "groups": [(g, scoring.peer_group_label(g)) for g in groups],
        "group": group if group in groups else "",
        "layers": [(value, label) for value, label in Layer.choices if value in scoring.WEIGHTED_LAYERS],
        "may_manage": may_manage,
        "weights_url": weights_url(cycle) if can(request.user, VIEW, cycle) else "",
        "refusal": scoring.frozen_refusal(cycle) if may_manage else None,
        "units": scoring.scored_units(cycle).count() if may_manage else 0,
        "inline_units": scoring.INLINE_UNITS,
    }
    return render(request, "evaluation/cycle_detail.html", context)


@permission_required(MANAGE)
@require_POST
def cycle_score(request, pk: int):
    cycle = get_visible_or_404(Cycle.objects.select_related("organisation", "weight_set"), request.user, MANAGE, pk=pk)
    try:
        outcome = scoring.score_cycle_start(cycle, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("evaluation:cycle_detail", pk=cycle.pk)
    if isinstance(outcome, Job):
        return redirect("core:job_detail", pk=outcome.pk)
    messages.success(request, _("{n} units scored; earlier scores of this cycle were replaced.").format(n=outcome))
    return redirect("evaluation:cycle_detail", pk=cycle.pk)


def _records(entry: dict, org: Organisation, year: int) -> tuple[list, bool]:
    """The records behind an indicator's value (from the module that computes it), or (None, False) when that module
    does not itemise them."""
    query = entry.get("query")
    fn = registry.indicator_records.get(query) if query else None
    if fn is None:
        return [], False
    try:
        records = list(fn(org=org, year=year, on=min(date(year, 12, 31), timezone.localdate())))
    except Exception:  # a module's drill-down failing must not take the score page down
        return [], False
    return records[:RECORDS_SHOWN], True


@permission_required(VIEW)
def score_detail(request, pk: int):
    score = get_visible_or_404(
        Score.objects.select_related("cycle__organisation", "organisation"), request.user, VIEW, pk=pk
    )
    cycle = score.cycle
    names = {i.code: i for i in Indicator.objects.filter(code__in=list(score.detail)).order_by("code", "version")}
    layer_labels = dict(Layer.choices)
    sources = dict(Source.choices)
    layers = []
    for layer in [*scoring.WEIGHTED_LAYERS, Layer.INCIDENTS.value]:
        items = []
        for code, entry in score.detail.items():
            in_pool = "pool" in entry
            if (layer == Layer.INCIDENTS) != in_pool or (not in_pool and entry.get("layer") != layer):
                continue
            records, itemised = ([], False)
            if entry.get("source") == Source.COMPUTED:
                records, itemised = _records(entry, score.organisation, cycle.year)
            items.append(
                {
                    "code": code,
                    "indicator": names.get(code),
                    "entry": entry,
                    "source": sources.get(entry.get("source"), entry.get("source") or ""),
                    "records": records,
                    "itemised": itemised,
                    "missing": scoring.reason_text(entry.get("missing", "")),
                    "shown": format_value(names[code], entry.get("raw")) if code in names else entry.get("raw"),
                    "anchors": [
                        format_value(names[code], a) if code in names else a for a in entry.get("anchors") or ()
                    ],
                }
            )
        weight = (cycle.layer_weights or {}).get(layer)
        layers.append(
            {
                "key": layer,
                "label": layer_labels.get(layer, layer),
                "score": score.layers.get(layer),
                "weight": weight,
                "missing": scoring.reason_text((score.layers.get("missing") or {}).get(layer, "")),
                "items": items,
            }
        )
    grades = scoring.grades_for(cycle)
    context = {
        "score": score,
        "cycle": cycle,
        "layers": layers,
        "grade": scoring.grade_label(score.grade, grades),
        "peer_label": scoring.peer_group_label(score.peer_group) if score.peer_group else "",
        "cycle_visible": True,
    }
    return render(request, "evaluation/score_detail.html", context)


urls = [
    path("cycles/", cycle_list, name="cycle_list"),
    path("cycles/new/", cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/score/", cycle_score, name="cycle_score"),
    path("scores/<int:pk>/", score_detail, name="score_detail"),
]
