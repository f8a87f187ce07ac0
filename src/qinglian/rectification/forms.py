"""Forms of rectification: recording and changing an item, its progress, and the moves of its workflow.

Evidence is added with core's EvidenceForm (a file, or a record already in the system).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import RecordChoiceMixin, StyledForm
from qinglian.orgs.models import Department, Member
from qinglian.rectification.vocab import Source


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class DepartmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.name


def date_input() -> forms.DateInput:
    """The browser's date picker, showing a saved date as it expects it."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProblemFields(StyledForm):
    """A problem to rectify: what it is, the measures, whose problem, who is responsible, by when. Shared with the
    pages where a problem is found (a life meeting's panel in organisational life)."""

    problem = forms.CharField(
        label=_("Problem"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the problem.")},
    )
    measures = forms.CharField(
        label=_("Rectification measures"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    member = MemberChoice(
        label=_("Whose problem"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("The unit or its committee as a whole"),
    )
    owner = MemberChoice(
        label=_("Person responsible"),
        queryset=Member.objects.none(),
        empty_label=_("Choose a member"),
        error_messages={"required": _("Name the member responsible for the rectification.")},
    )
    due_on = forms.DateField(
        label=_("Deadline"),
        widget=date_input(),
        error_messages={"required": _("Set a deadline for the rectification.")},
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = people if people is not None else Member.objects.none()
        self.fields["member"].queryset = people
        self.fields["owner"].queryset = people


class ItemFields(ProblemFields):
    """What recording and changing an item share."""

    source = forms.ChoiceField(
        label=pgettext_lazy("rectification", "Source"),
        choices=[("", _("Where was the problem found?")), *Source.choices],
        error_messages={"required": _("Choose where the problem was found.")},
    )
    source_title = forms.CharField(
        label=_("Source document"),
        max_length=200,
        required=False,
        help_text=_("E.g. the inspection feedback or audit report the problem comes from."),
    )
    department = DepartmentChoice(
        label=_("Responsible department"), queryset=Department.objects.none(), required=False, empty_label=_("—")
    )

    field_order = ["source", "source_title", "problem", "measures", "member", "owner", "department", "due_on"]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()


class ItemForm(RecordChoiceMixin, ItemFields):
    """A new item; the record it was found in is picked like a piece of evidence (core's record picker)."""

    found_on = forms.DateField(
        label=_("Found on"),
        required=False,
        widget=date_input(),
        help_text=_("For a problem taken from an earlier record: the day it was found (no deadline before it)."),
    )

    field_order = ["source", "source_title", "problem", "measures", "member", "owner", "department", "due_on"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["source_kind"], data["source_id"] = self.record_pop(data)
        return data


class ItemEditForm(ItemFields):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(StyledForm):
    comment = forms.CharField(
        label=_("Progress"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say how the rectification is going.")},
    )


class SubmitForm(StyledForm):
    result = forms.CharField(
        label=_("What was done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done to rectify the problem.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VerifyForm(StyledForm):
    comment = forms.CharField(
        label=_("Verification note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label=_("Why it is sent back"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the item is sent back.")},
    )
    due_on = forms.DateField(label=_("New deadline (optional)"), required=False, widget=date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(StyledForm):
    reason = forms.CharField(
        label=_("Why it is reopened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the item is reopened.")},
    )
    due_on = forms.DateField(label=_("New deadline (optional)"), required=False, widget=date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)
