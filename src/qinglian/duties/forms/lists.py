"""Forms of duty lists: making a unit's list for a year, its title, and one duty."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.duties.services.lists import LIMITS, Source
from qinglian.duties.vocab import Frequency, Holder
from qinglian.orgs.vocab import PartyPost


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.organisation.name}）"


class ListCreateForm(StyledForm):
    organisation = UnitChoice(label=_("Unit"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("Year"), error_messages={"required": _("Give the year.")})
    source = forms.ChoiceField(
        label=_("Start from"),
        choices=Source.choices,
        initial=Source.TEMPLATE,
        widget=forms.RadioSelect,
        help_text=_("Copied duties can then be adapted: the list marks what differs from the list it was copied from."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=LIMITS["title"],
        required=False,
        help_text=_("Leave empty for “unit + duty list + year”."),
    )
    is_template = forms.BooleanField(
        label=_("Template for the units below"), required=False, help_text=_("Units below may inherit this list.")
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units
        self.fields["source"].widget.attrs["class"] = "form-check-input"


class ListUpdateForm(StyledForm):
    title = forms.CharField(
        label=_("Title"), max_length=LIMITS["title"], error_messages={"required": _("Give the list a title.")}
    )
    is_template = forms.BooleanField(
        label=_("Template for the units below"), required=False, help_text=_("Units below may inherit this list.")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


POSTS = [("", _("— no particular post —"))] + [
    (value, label) for value, label in PartyPost.choices if value != PartyPost.SECRETARY
]


class DutyForm(StyledForm):
    holder = forms.ChoiceField(label=_("Whose duty"), choices=Holder.choices)
    post = forms.ChoiceField(
        label=_("Committee post"),
        choices=POSTS,
        required=False,
        help_text=_("For a committee member's duty: the post whose area it is. Empty: every committee member."),
    )
    person = PersonChoice(
        label=_("Person"),
        queryset=None,
        required=False,
        empty_label=_("— whoever holds the post —"),
        help_text=_("Name someone only where the duty is theirs whatever post they hold."),
    )
    area = forms.CharField(label=_("Area of work"), max_length=LIMITS["area"], required=False)
    content = forms.CharField(
        label=_("Duty"),
        max_length=LIMITS["content"],
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the duty is.")},
    )
    basis = forms.CharField(
        label=_("Basis"),
        max_length=LIMITS["basis"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The regulation and article the duty rests on, with its text."),
    )
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial=Frequency.ONCE)
    evidence = forms.CharField(
        label=_("Expected evidence"),
        max_length=LIMITS["evidence"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What shows the duty was done: minutes, reports, ledgers."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
