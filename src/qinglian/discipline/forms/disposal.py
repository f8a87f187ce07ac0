"""Forms of disposal: a new approval form of a kind (with the fields that kind needs), an opinion, a withdrawal, a
talk or letter, and the written reply to a letter. Each carries the version of the clue or form the page showed."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.discipline.services import disposal as services
from qinglian.discipline.vocab import FormKind, InquiryMode, Measure, Method


class ChecksForm(StyledForm):
    """Radio buttons styled as Bootstrap's checks (the core form styles them as text boxes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields and isinstance(self.fields[name].widget, forms.RadioSelect):
                self.fields[name].widget.attrs["class"] = "form-check-input is-invalid"


BODY_LABELS = {
    FormKind.DISPOSAL: _("Reasons for the proposed method"),
    FormKind.VERIFY_PLAN: _("Work plan"),
    FormKind.VERIFY_REPORT: _("Verification report"),
    FormKind.INQUIRY_REPORT: _("Result of the talk or inquiry"),
}
BODY_HELP = {
    FormKind.DISPOSAL: _("What the clue reports, what was checked already, and why this method fits it."),
    FormKind.VERIFY_PLAN: _("What is to be checked, how, by whom and by when, and the safeguards (confidentiality)."),
    FormKind.VERIFY_REPORT: _(
        "The person's basic facts, the problems reported, what the check found for each, the doubts that remain, "
        "and the proposal."
    ),
    FormKind.INQUIRY_REPORT: _("What the talk or the written reply explained, how credible it is, and the proposal."),
}


class FormCreateForm(ChecksForm):
    """A new approval form of `kind` on `clue`: a disposal proposes a method; a report proposes an outcome or the
    next method; a verification report names its checkers."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(
        label=_("Proposed method"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the disposal method to propose."),
            "invalid_choice": _("Choose one of the methods listed."),
        },
    )
    proposal = forms.ChoiceField(
        label=_("Proposal"),
        error_messages={
            "required": _("Propose the outcome, or the next method."),
            "invalid_choice": _("Choose one of the proposals listed."),
        },
    )
    body = forms.CharField(
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Write the form's content: the facts and the reasons for the proposal.")},
    )
    checkers = forms.CharField(
        label=_("Checkers who sign the report"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The names of the verification group's members, one per line or separated by commas."),
        error_messages={"required": _("Name the checkers who sign the report: at least two.")},
    )

    def __init__(self, *args, kind: str, clue, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["body"].label = BODY_LABELS.get(kind, _("Content"))
        self.fields["body"].help_text = BODY_HELP.get(kind, "")
        methods = services.methods_for(clue, kind)
        if kind == FormKind.DISPOSAL:
            self.fields["method"].choices = [(m, Method(m).label) for m in methods]
        else:
            del self.fields["method"]
        if kind in services.REPORTS:
            outcomes = [(m, Measure(m).label) for m in services.measures_for(kind)]
            nexts = [(m, _("Talk or inquire again") if m == Method.TALK_INQUIRY else Method(m).label) for m in methods]
            self.fields["proposal"].choices = [
                ("", _("Choose the proposal")),
                (_("Close the clue with an outcome"), outcomes),
                (_("Go on with another method"), nexts),
            ]
        else:
            del self.fields["proposal"]
        if kind != FormKind.VERIFY_REPORT:
            del self.fields["checkers"]

    def clean_checkers(self) -> list[str]:
        names = [n.strip() for n in re.split(r"[\n,，、;；]+", self.cleaned_data.get("checkers") or "")]
        return [n for n in names if n]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        proposal = data.get("proposal", "")
        return {
            "body": data["body"],
            "method": data.get("method") or (proposal if proposal in Method.values else ""),
            "measure": proposal if proposal in Measure.values else "",
            "checkers": data.get("checkers", []),
        }


class OpinionForm(ChecksForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.ChoiceField(
        label=pgettext_lazy("approval form", "Opinion"),
        choices=[("yes", _("Agree")), ("no", _("Disagree: return the form"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you agree.")},
    )
    text = forms.CharField(
        label=_("Opinion in words"),
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("As it will read on the form, e.g. 同意，请按程序办理。 or, when returning it, what must change."),
        error_messages={"required": _("Write the opinion: it is what the form records at this level.")},
    )


class WithdrawForm(ChecksForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class InquiryForm(ChecksForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label=_("Talk or letter"),
        choices=InquiryMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a talk or a letter.")},
    )
    held_on = forms.DateField(
        label=_("Held (talk) or sent (letter) on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the day of the talk, or the day the letter was sent.")},
    )
    record = forms.CharField(
        label=_("Record of the talk, or the letter's text"),
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("For a letter, the written reply falls due in the working days the unit's rule sets."),
        error_messages={"required": _("Write the record of the talk, or the letter's text.")},
    )


class ReplyForm(ChecksForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reply_on = forms.DateField(
        label=_("Reply received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the day the reply was received.")},
    )
    reply = forms.CharField(
        label=_("What the reply says"),
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write what the reply says.")},
    )
