"""The panel page: one indicator's values for the units of a scope over quarters or years (units × periods), each
missing value with its reason, and the panel as .xlsx or .csv (the chosen indicator, or every indicator on offer).
For those who hold evaluation.view, within the scope where they hold it."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.core.views import permission_required
from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import panel as services
from qinglian.evaluation.services.catalogue import offered
from qinglian.orgs.access import can, get_visible_or_404, scope_q
from qinglian.orgs.models import Organisation
from qinglian.reports.xlsx import xlsx_response

SCOPES_MAX = 300
MARKS = "abcdefghijklmnopqrstuvwxyz"
FREQUENCIES = (("quarter", gettext_lazy("Quarters")), ("year", gettext_lazy("Years")))


def scopes(user):
    """The units whose panel the user may read: committees, general branches and branches where they hold VIEW."""
    return (
        Organisation.objects.active()
        .filter(scope_q(user, VIEW, model=Organisation))
        .exclude(kind=Organisation.Kind.GROUP)
        .order_by("path")
    )


class PanelForm(StyledForm):
    org = forms.TypedChoiceField(label=gettext_lazy("Scope"), choices=(), coerce=int, required=False)
    freq = forms.ChoiceField(label=gettext_lazy("Periods"), choices=FREQUENCIES, required=False)
    first = forms.IntegerField(label=gettext_lazy("From year"), required=False, min_value=2000, max_value=2100)
    last = forms.IntegerField(label=gettext_lazy("To year"), required=False, min_value=2000, max_value=2100)
    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"), choices=(), required=False)

    def __init__(self, data=None, *, user):
        super().__init__(data)
        self.user = user
        self.fields["org"].choices = [
            (org.pk, "\u2003" * max(0, org.depth - 1) + org.display_name) for org in scopes(user)[:SCOPES_MAX]
        ]
        self.fields["org"].valid_value = lambda value: True  # any unit the reader may see: clean_org checks
        self.on_offer = offered(timezone.localdate())
        self.fields["indicator"].choices = [(i.code, i.name) for i in self.on_offer]

    def clean_org(self):
        pk = self.cleaned_data.get("org")
        if pk in (None, ""):
            org = scopes(self.user).first()
            if org is None:
                raise Http404
            return org
        return get_visible_or_404(Organisation.objects.active(), self.user, VIEW, pk=pk)

    def clean(self):
        data = super().clean()
        year = timezone.localdate().year
        data["freq"] = data.get("freq") or "quarter"
        last = data.get("last") or year
        first = data.get("first") or (last - 1 if data["freq"] == "quarter" else last - 4)
        if first > last:
            self.add_error("first", _("The first year (%(first)s) is after the last (%(last)s).") % {
                "first": first, "last": last})  # fmt: skip
        elif data["freq"] == "quarter" and (last - first + 1) * 4 > services.MAX_PERIODS:
            self.add_error("first", _("At most %(n)s quarters at once: choose fewer years.") % {
                "n": services.MAX_PERIODS})  # fmt: skip
        elif (last - first + 1) > services.MAX_PERIODS:
            self.add_error("first", _("At most %(n)s years at once.") % {"n": services.MAX_PERIODS})
        data["first"], data["last"] = first, last
        data["indicator"] = data.get("indicator") or (self.on_offer[0].code if self.on_offer else "")
        return data

    def periods(self) -> list[services.Period]:
        data = self.cleaned_data
        build = services.quarters if data["freq"] == "quarter" else services.years
        return build(data["first"], data["last"])


def _form(request) -> PanelForm:
    form = PanelForm(request.GET, user=request.user)
    form.is_valid()  # the org is checked (404 outside the reader's scope) while cleaning; other errors are shown
    if "org" in form.errors:
        raise Http404
    return form


def visible_units(user, org):
    return [unit for unit in services.default_units(org) if can(user, VIEW, unit)]


@permission_required(VIEW)
def panel(request):
    form = _form(request)
    context = {"form": form, "rows": [], "periods": [], "indicator": None}
    if not form.errors and form.cleaned_data.get("indicator"):
        data = form.cleaned_data
        org = data["org"]
        built = services.build_panel(
            scope=org, periods=form.periods(), codes=[data["indicator"]], units=visible_units(request.user, org)
        )
        indicator = built.indicator(data["indicator"])
        rows = built.table(indicator.code)
        reasons: dict[str, str] = {}  # each distinct reason (or note) once, under a mark the cells carry
        for _unit, cells in rows:
            for cell in cells:
                text = cell["missing"] or cell["note"]
                if text:
                    cell["mark"] = reasons.setdefault(text, MARKS[len(reasons) % len(MARKS)])
        context.update(
            panel=built,
            org=org,
            indicator=indicator,
            periods=built.periods,
            rows=rows,
            filled=sum(1 for _unit, cells in rows for cell in cells if cell["value"] is not None),
            cells=len(rows) * len(built.periods),
            query=request.GET.urlencode(),
            reasons=[(mark, text) for text, mark in reasons.items()],
        )
    return render(request, "evaluation/panel.html", context, status=422 if form.errors else 200)


@permission_required(VIEW)
def panel_export(request, fmt: str):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    form = _form(request)
    if form.errors:
        return render(request, "evaluation/panel.html", {"form": form, "rows": []}, status=422)
    data = form.cleaned_data
    org = data["org"]
    codes = None if request.GET.get("all") else [data["indicator"]]
    built = services.build_panel(scope=org, periods=form.periods(), codes=codes, units=visible_units(request.user, org))
    name = f"panel-{org.pk}-{built.periods[0].key}-{built.periods[-1].key}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(services.panel_xlsx(built), name)
    response = HttpResponse("\ufeff" + services.panel_csv(built), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


urls = [
    path("panel/", panel, name="panel"),
    path("panel/export.<str:fmt>", panel_export, name="panel_export"),
]
