"""The form with which a unit tightens a meeting frequency rule for its subtree."""

from __future__ import annotations

from fractions import Fraction

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orglife.forms.common import date_input
from qinglian.orglife.vocab import MeetingKind

PER_CHOICES = [("month", _("Every month")), ("quarter", _("Every quarter")), ("year", _("Every year"))]
QUORUM_CHOICES = [
    ("1/2", _("one half")),
    ("2/3", _("two thirds")),
    ("3/4", _("three quarters")),
    ("4/5", _("four fifths")),
]
STRICT_CHOICES = [("more", _("more than that share")), ("least", _("at least that share"))]


class FrequencyTightenForm(StyledForm):
    per = forms.ChoiceField(label=_("How often"), choices=PER_CHOICES)
    times = forms.IntegerField(label=_("Meetings in each period"), min_value=1, max_value=31)
    quorum = forms.ChoiceField(label=_("Share of those expected who must attend"), choices=QUORUM_CHOICES)
    strict = forms.ChoiceField(label=_("Quorum met with"), choices=STRICT_CHOICES)
    day = forms.IntegerField(
        label=_("Fixed day of the month"),
        required=False,
        min_value=1,
        max_value=28,
        help_text=_("The day each month the thematic Party day is held; leave empty for no fixed day."),
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=date_input())
    source = forms.CharField(
        label=_("The unit's own rule"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Quote the document that sets the stricter rule, with its title and number."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != MeetingKind.THEME_DAY:
            del self.fields["day"]
        current = self.initial.get("quorum")
        if current and current not in dict(QUORUM_CHOICES):
            num, den = current.split("/")
            self.fields["quorum"].choices = [(current, f"{num}/{den}"), *QUORUM_CHOICES]

    def clean_quorum(self) -> tuple[int, int]:
        num, den = (int(part) for part in self.cleaned_data["quorum"].split("/"))
        return num, den

    def service_args(self) -> dict:
        data = self.cleaned_data
        return {
            "per": data["per"],
            "times": data["times"],
            "quorum": data["quorum"],
            "strict": data["strict"] == "more",
            "day": data.get("day"),
            "effective_from": data["effective_from"],
            "source": data["source"],
            "reason": data["reason"],
        }

    @staticmethod
    def initial_for(rule, effective_from) -> dict:
        """The form filled with the rule in force, to be tightened."""
        quorum = Fraction(rule.quorum)
        return {
            "per": rule.per,
            "times": rule.times,
            "quorum": f"{quorum.numerator}/{quorum.denominator}",
            "strict": "more" if rule.strict else "least",
            "day": rule.day,
            "effective_from": effective_from,
        }
