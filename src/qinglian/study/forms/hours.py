"""Forms of study sessions and hours: a session (picked attendees or a course), a session from a meeting,
a session's attendees, self-study and training elsewhere."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.study.vocab import SessionKind, TopicKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _hours_field(required=True, help_text=""):
    return forms.DecimalField(
        label=_("Hours"),
        required=required,
        min_value=Decimal("0.5"),
        max_value=Decimal("999.5"),
        decimal_places=1,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


def _checkboxes(form) -> None:
    """StyledForm styles a list of checkboxes as a text box: give its boxes the checkbox's class."""
    form.fields["members"].widget.attrs["class"] = "form-check-input flex-shrink-0 m-0"


class SessionForm(StyledForm):
    organisation = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), choices=TopicKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    ends_on = forms.DateField(
        label=_("Last day"), required=False, widget=DATE, help_text=_("For a training course over several days.")
    )
    hours = _hours_field(
        required=False, help_text=_("Leave empty for a training course: its days count a training day each.")
    )
    provider = forms.CharField(label=_("Organised by"), max_length=200, required=False)
    description = forms.CharField(label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    members = PeopleField(label=_("Who attended"), queryset=None, required=False)

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units
        self.fields["members"].queryset = people
        _checkboxes(self)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        names = ("kind", "title", "topic", "held_on", "ends_on", "hours", "provider", "description", "members")
        return {"org": data["organisation"], **{name: data[name] for name in names}}


class FromMeetingForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices)
    topic = forms.ChoiceField(label=_("Topic"), choices=TopicKind.choices)
    hours = _hours_field(help_text=_("From the meeting's length, rounded to the half hour."))


class AttendeesForm(StyledForm):
    members = PeopleField(label=_("Who attended"), queryset=None, required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = people
        _checkboxes(self)


class SelfStudyForm(StyledForm):
    title = forms.CharField(label=_("What you studied"), max_length=200)
    studied_on = forms.DateField(label=_("Date"), widget=DATE)
    hours = _hours_field()
    material = forms.ModelChoiceField(label=_("Material from the library"), queryset=None, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, materials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = materials


class ExternalForm(StyledForm):
    member = forms.ModelChoiceField(label=_("Member"), queryset=None)
    title = forms.CharField(label=_("Training"), max_length=200)
    studied_on = forms.DateField(label=_("Date"), widget=DATE, help_text=_("The last day of the training."))
    hours = _hours_field()
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where it was held and what shows it was taken (a certificate, a letter)."),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = people
        self.fields["member"].label_from_instance = lambda m: f"{m.name} · {m.organisation.name}"
