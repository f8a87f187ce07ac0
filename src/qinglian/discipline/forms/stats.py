"""The four-forms statistics' filters: the period, its rows, the unit and level, the source."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.discipline.services.stats import Filters, filters_default, level_choices, org_choices
from qinglian.discipline.vocab import Source
from qinglian.orgs.models import Organisation

PERIOD_CHOICES = [
    ("year", pgettext_lazy("statistics period", "Year")),
    ("quarter", pgettext_lazy("statistics period", "Quarter")),
    ("month", pgettext_lazy("statistics period", "Month")),
]
MAX_YEARS = 20


class StatsFilterForm(StyledForm):
    date_from = forms.DateField(label=_("Decided from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    period = forms.ChoiceField(label=_("Rows by"), choices=PERIOD_CHOICES)
    org = forms.TypedChoiceField(label=_("Units of"), required=False, coerce=int, empty_value=None)
    level = forms.TypedChoiceField(label=_("Level of the tree"), coerce=int)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources")), *Source.choices])

    def __init__(self, data=None, *, user):
        self.user = user
        self.default = filters_default(user)
        chosen_org = None
        if data and str(data.get("org", "")).isdigit():
            chosen_org = Organisation.objects.filter(pk=int(data["org"])).first()
        probe = Filters(self.default.date_from, self.default.date_to, org=chosen_org, level=self.default.level)
        self.orgs = {o.pk: o for o in org_choices(user, probe)}
        levels = level_choices(user, probe)
        level = chosen_org.depth + 1 if chosen_org else self.default.level
        defaults = {
            "date_from": self.default.date_from,
            "date_to": self.default.date_to,
            "period": self.default.period,
            "level": min(level, levels[-1]),
        }
        # Unset filters take the defaults: the form is bound to them so that the page shows what it counts.
        given = {key: value for key, value in (data or {}).items() if value not in ("", None)}
        super().__init__({**defaults, **given})
        self.fields["org"].choices = [("", _("All units within your scope"))] + [
            (o.pk, "\u3000" * max(o.depth - 1, 0) + o.display_name) for o in self.orgs.values()
        ]
        self.fields["level"].choices = [(n, _("Level {n}").format(n=n)) for n in levels]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if start and end and (end - start).days > 366 * MAX_YEARS:
            raise forms.ValidationError(_("Choose at most {n} years.").format(n=MAX_YEARS))
        return data

    def clean_org(self):
        pk = self.cleaned_data.get("org")
        if pk is None:
            return None
        org = self.orgs.get(pk)
        if org is None:
            raise forms.ValidationError(_("Choose a unit within your scope."))
        return org

    def filters(self) -> Filters:
        """The filters chosen; the defaults where the form is not valid."""
        if not self.is_valid():
            return self.default
        data = self.cleaned_data
        level = data["level"]
        if data["org"] is not None and level < data["org"].depth:
            level = data["org"].depth
        return Filters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            period=data["period"],
            org=data["org"],
            level=level,
            source=data["source"],
        )
