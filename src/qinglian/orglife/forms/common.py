"""What the forms of every area share: choices that show a name, the date input, and a service's refusal
shown on the form."""

from __future__ import annotations

from django import forms

from qinglian.orgs.models import Member, Organisation


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


def date_input() -> forms.DateInput:
    """The browser's date picker, showing a saved date as it expects it."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
