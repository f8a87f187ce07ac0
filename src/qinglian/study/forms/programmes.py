"""Forms of programmes: the programme with its audience, and one topic of it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.study.vocab import TopicKind


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NameChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ProgrammeForm(StyledForm):
    organisation = UnitChoice(label=_("Set by"), queryset=None, empty_label=None)
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Give the programme a title.")}
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("Starts on"), widget=date_input())
    ends_on = forms.DateField(label=_("Ends on"), widget=date_input())
    units = NameChoices(
        label=_("Units"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Each with all units below it."),
    )
    members = NameChoices(
        label=_("Members"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Named members besides the units."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units
        self.fields["units"].queryset = units
        self.fields["members"].queryset = members


class ItemForm(StyledForm):
    topic = forms.ChoiceField(label=_("Topic"), choices=TopicKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=_("From"), widget=date_input())
    due_on = forms.DateField(label=_("Due on"), widget=date_input())
    hours = forms.DecimalField(label=_("Planned hours"), min_value=0, max_value=999, decimal_places=1, initial=0)
    materials = NameChoices(
        label=_("Materials"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    exam = UnitChoice(label=_("Exam"), queryset=None, required=False, empty_label=_("No exam"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, materials=None, exams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["materials"].queryset = materials
        self.fields["exam"].queryset = exams
        self.fields["materials"].label_from_instance = lambda m: m.title
        self.fields["exam"].label_from_instance = lambda e: e.title
