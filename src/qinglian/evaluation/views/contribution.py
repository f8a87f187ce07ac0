"""The contribution analysis: the stored analyses (list and result pages with their charts, tables and caveats),
the run form (fixed effects, shares of explained variation, a campaign's effect), and campaigns with the day each
unit started them. Reading needs evaluation.view over the analysis's unit; running and campaigns evaluation.manage.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.core.views import permission_required
from qinglian.evaluation.models import Analysis, Campaign, CampaignStart, Indicator
from qinglian.evaluation.permissions import MANAGE, VIEW
from qinglian.evaluation.services import contribution as services
from qinglian.evaluation.services.panel import PanelError, quarters, years
from qinglian.evaluation.vocab import AnalysisKind, Role
from qinglian.orgs.access import can, get_visible_or_404, scope_q
from qinglian.orgs.models import Organisation

PAGE = 100


def _indicators(role: str):
    latest = {}
    for indicator in Indicator.objects.filter(role=role).exclude(source="").order_by("code", "version"):
        latest[indicator.code] = indicator
    return sorted(latest.values(), key=lambda i: (i.order, i.code))


class RunForm(StyledForm):
    KINDS = [
        (AnalysisKind.FIXED_EFFECTS, AnalysisKind.FIXED_EFFECTS.label),
        (AnalysisKind.SHAPLEY, AnalysisKind.SHAPLEY.label),
        (AnalysisKind.EVENT_STUDY, gettext_lazy("Effect of a campaign (staggered difference-in-differences)")),
    ]
    kind = forms.ChoiceField(label=gettext_lazy("Analysis"), choices=KINDS)
    organisation = forms.ModelChoiceField(label=gettext_lazy("Units under"), queryset=Organisation.objects.none())
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"))
    inputs = forms.MultipleChoiceField(
        label=gettext_lazy("Political-work measures"), required=False, widget=forms.CheckboxSelectMultiple
    )
    groups = forms.MultipleChoiceField(
        label=gettext_lazy("Groups of measures"), required=False, widget=forms.CheckboxSelectMultiple
    )
    campaign = forms.ModelChoiceField(label=gettext_lazy("Campaign"), required=False, queryset=Campaign.objects.none())
    lag = forms.IntegerField(
        label=gettext_lazy("Lag (periods)"), min_value=0, max_value=4, initial=1,
        help_text=gettext_lazy("The outcome is compared with the work done this many periods earlier."),
    )  # fmt: skip
    frequency = forms.ChoiceField(
        label=gettext_lazy("Periods"), choices=[("q", gettext_lazy("Quarters")), ("y", gettext_lazy("Years"))]
    )
    first_year = forms.IntegerField(label=gettext_lazy("From year"), min_value=1900, max_value=2999)
    last_year = forms.IntegerField(label=gettext_lazy("To year"), min_value=1900, max_value=2999)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.active().filter(scope_q(user, MANAGE, model=Organisation)).order_by("path")
        )
        self.fields["outcome"].choices = [(i.code, f"{i.name} ({i.code})") for i in _indicators(Role.OUTCOME)]
        inputs = _indicators(Role.INPUT)
        self.fields["inputs"].choices = [(i.code, f"{i.name} ({i.code})") for i in inputs]
        self.fields["groups"].choices = [(g, g) for g in dict.fromkeys(i.group for i in inputs if i.group)]
        self.fields["campaign"].queryset = Campaign.objects.filter(scope_q(user, MANAGE, model=Campaign))
        for name in ("inputs", "groups"):  # checkboxes, not text boxes
            self.fields[name].widget.attrs.pop("class", None)  # a class would style the list's wrapper too

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == AnalysisKind.FIXED_EFFECTS and not data.get("inputs"):
            self.add_error("inputs", _("Choose at least one political-work measure."))
        if kind == AnalysisKind.SHAPLEY and not data.get("groups"):
            self.add_error("groups", _("Choose at least one group of measures."))
        if kind == AnalysisKind.EVENT_STUDY and not data.get("campaign"):
            self.add_error("campaign", _("Choose the campaign."))
        first, last = data.get("first_year"), data.get("last_year")
        if first and last and first > last:
            self.add_error("last_year", _("The last year is before the first."))
        return data

    def periods(self):
        data = self.cleaned_data
        make = quarters if data["frequency"] == "q" else years
        return make(data["first_year"], data["last_year"])


class CampaignForm(StyledForm):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organised by"), queryset=Organisation.objects.none())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.active().filter(scope_q(user, MANAGE, model=Organisation)).order_by("path")
        )


class StartForm(StyledForm):
    organisation = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Organisation.objects.none())
    started_on = forms.DateField(
        label=gettext_lazy("Started on"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty to remove the unit's start."),
    )  # fmt: skip

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.subtree(campaign.organisation).active().filter(kind=Organisation.Kind.BRANCH)
        )


def _visible(user):
    return Analysis.objects.filter(scope_q(user, VIEW, model=Analysis)).select_related("organisation", "created_by")


@permission_required(VIEW)
def contribution_list(request):
    analyses = list(_visible(request.user)[:PAGE])
    campaigns = Campaign.objects.filter(scope_q(request.user, VIEW, model=Campaign)).select_related("organisation")
    context = {
        "analyses": [(a, services.GRADES.get(a.result.get("grade"), ""), a.result.get("verdict")) for a in analyses],
        "campaigns": campaigns,
        "can_manage": can(request.user, MANAGE),
    }
    return render(request, "evaluation/contribution_list.html", context)


@permission_required(MANAGE)
def contribution_run(request):
    form = RunForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            periods = form.periods()
            if data["kind"] == AnalysisKind.FIXED_EFFECTS:
                analysis = services.fixed_effects(
                    scope=data["organisation"], outcome=data["outcome"], inputs=data["inputs"], lag=data["lag"],
                    periods=periods, actor=request.user,
                )  # fmt: skip
            elif data["kind"] == AnalysisKind.SHAPLEY:
                analysis = services.shapley_shares(
                    scope=data["organisation"], outcome=data["outcome"], groups=data["groups"], lag=data["lag"],
                    periods=periods, actor=request.user,
                )  # fmt: skip
            else:
                analysis = services.campaign_effect(
                    campaign=data["campaign"], outcome=data["outcome"], periods=periods, actor=request.user
                )
        except (services.ContributionError, PanelError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The analysis was run and stored."))
            return redirect("evaluation:contribution_detail", pk=analysis.pk)
    return render(request, "evaluation/contribution_run.html", {"form": form})


def _chart(analysis: Analysis) -> dict:
    result = analysis.result
    return {
        "level": result.get("level", 0.95),
        "estimates": [
            {
                "label": services.estimate_label(e["name"]),
                "coef": e["coef"],
                "low": e.get("ci_low"),
                "high": e.get("ci_high"),
            }
            for e in result.get("estimates", [])
        ],
        "events": [
            {"e": ev["e"], "att": ev["att"], "low": ev.get("ci_low"), "high": ev.get("ci_high")}
            for ev in result.get("events", [])
        ],
        "labels": {"effect": _("Estimate"), "interval": _("Interval"), "event": _("Periods since the start")},
    }


@permission_required(VIEW)
def contribution_detail(request, pk: int):
    analysis = get_visible_or_404(
        Analysis.objects.select_related("organisation", "created_by"), request.user, VIEW, pk=pk
    )
    result = analysis.result
    context = {
        "analysis": analysis,
        "result": result,
        "estimates": [(services.estimate_label(e["name"]), e) for e in result.get("estimates", [])],
        "grade": services.GRADES.get(result.get("grade"), ""),
        "verdict": services.VERDICTS.get(result.get("verdict"), ""),
        "inference": services.INFERENCE.get(result.get("inference"), result.get("inference", "")),
        "caveats": services.caveat_texts(result.get("caveats", [])),
        "chart": _chart(analysis),
        "level_pct": round(100 * float(result.get("level", 0.95))),
    }
    return render(request, "evaluation/contribution_detail.html", context)


@permission_required(MANAGE)
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                organisation=form.cleaned_data["organisation"], name=form.cleaned_data["name"],
                description=form.cleaned_data["description"], actor=request.user,
            )  # fmt: skip
        except services.ContributionError as error:
            form.add_error(None, str(error))
        else:
            return redirect("evaluation:campaign_detail", pk=campaign.pk)
    return render(request, "evaluation/contribution_campaign_form.html", {"form": form})


@permission_required(VIEW)
def campaign_detail(request, pk: int):
    campaign = get_visible_or_404(Campaign.objects.select_related("organisation"), request.user, VIEW, pk=pk)
    manage = can(request.user, MANAGE, campaign)
    form = StartForm(request.POST or None, campaign=campaign) if manage else None
    if request.method == "POST":
        if not manage:
            return redirect("evaluation:campaign_detail", pk=pk)
        if form.is_valid():
            try:
                services.campaign_start_set(
                    campaign=campaign, organisation=form.cleaned_data["organisation"],
                    started_on=form.cleaned_data["started_on"], actor=request.user,
                )  # fmt: skip
            except services.ContributionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("evaluation:campaign_detail", pk=pk)
    starts = CampaignStart.objects.filter(campaign=campaign).select_related("organisation")
    return render(
        request, "evaluation/contribution_campaign.html", {"campaign": campaign, "starts": starts, "form": form}
    )


urls = [
    path("contribution/", contribution_list, name="contribution_list"),
    path("contribution/run/", contribution_run, name="contribution_run"),
    path("contribution/<int:pk>/", contribution_detail, name="contribution_detail"),
    path("contribution/campaigns/new/", campaign_create, name="campaign_create"),
    path("contribution/campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
]
