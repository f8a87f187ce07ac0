"""Forms of the public reporting portal: a report, a receipt code, a further message.

They check the shape of what was typed; services.portal checks the rest (web page code, lengths, the reporter's
details, the attachments) for the pages and the API alike, and its refusals are shown beside the fields here.
"""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.discipline.services import portal as services
from qinglian.discipline.services.sealing import IDENTITY_FIELDS
from qinglian.discipline.vocab import Category

ANONYMOUS, REAL_NAME = "anonymous", "real_name"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks how many and how big."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def files_field() -> MultipleFileField:
    rules = services.ratelimit.limits()
    return MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Up to {n} files — photos (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx) — each at most "
            "{mb} MB. What files carry about their maker (the camera, the place, the author) is removed before "
            "they are kept."
        ).format(n=rules["max_attachments"], mb=rules["max_file_mb"]),
        widget=MultipleFileInput(
            attrs={"accept": ".jpg,.jpeg,.png,.gif,.webp,.pdf,.docx,.xlsx", "class": "form-control"}
        ),
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return ("\u3000" if obj.parent_id else "") + obj.name


class ReportForm(StyledForm):
    organisation = UnitChoiceField(
        label=_("Send the report to"),
        queryset=services.portal_units(),
        empty_label=_("Choose a unit"),
        help_text=_("The discipline inspection body of this unit receives it."),
        error_messages={"required": _("Choose the unit to send the report to.")},
    )
    category = forms.ChoiceField(
        label=_("What it is about"),
        choices=[("", _("Choose one")), *Category.choices],
        error_messages={"required": _("Choose what the problem is about.")},
    )
    subject_name = forms.CharField(
        label=_("Name of the person"), max_length=60, required=False, help_text=_("If you know it.")
    )
    subject_unit = forms.CharField(
        label=_("Their unit or department"),
        max_length=120,
        error_messages={"required": _("Say which unit or department the person works in.")},
    )
    subject_post = forms.CharField(label=_("Their post"), max_length=60, required=False, help_text=_("If you know it."))
    text = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=_("When and where, what was done, who was involved, who else knows, what evidence there is."),
        error_messages={"required": _("Say what happened.")},
    )
    mode = forms.ChoiceField(
        label=_("How do you want to report?"),
        choices=[(ANONYMOUS, _("Anonymously")), (REAL_NAME, _("Under my real name"))],
        initial=ANONYMOUS,
        widget=forms.RadioSelect,
    )
    reporter_name = forms.CharField(label=_("Your name"), max_length=60, required=False)
    reporter_phone = forms.CharField(
        label=_("Telephone"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    reporter_email = forms.CharField(
        label=_("E-mail"), max_length=120, required=False, widget=forms.TextInput(attrs={"inputmode": "email"})
    )
    reporter_id_number = forms.CharField(label=_("ID card number"), max_length=18, required=False)
    reporter_unit = forms.CharField(label=pgettext_lazy("reporter", "Your unit"), max_length=120, required=False)
    reporter_address = forms.CharField(label=pgettext_lazy("reporter", "Address"), max_length=200, required=False)
    once = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"] = files_field()
        self.order_fields(["organisation", "category", "subject_name", "subject_unit", "subject_post", "text", "files"])
        if not self.is_bound:
            self.initial["once"] = secrets.token_urlsafe(16)
        for name in self.identity_fields:
            self.fields[name].widget.attrs["autocomplete"] = "off"

    identity_fields = [f"reporter_{key}" for key in IDENTITY_FIELDS]

    def clean(self):
        data = super().clean()
        given = [name for name in self.identity_fields if (data.get(name) or "").strip()]
        if data.get("mode") == ANONYMOUS and given:
            self.add_error(
                given[0],
                _(
                    "You chose to report anonymously but filled in details about yourself. Choose “Under my real "
                    "name”, or clear these fields."
                ),
            )
        elif data.get("mode") == REAL_NAME and not given:
            self.add_error("reporter_name", _("Give your name, or choose to report anonymously."))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        identity = None
        if data["mode"] == REAL_NAME:
            identity = {key: data.get(f"reporter_{key}", "") for key in IDENTITY_FIELDS}
        return {
            "organisation": data["organisation"],
            "category": data["category"],
            "subject_name": data["subject_name"],
            "subject_unit": data["subject_unit"],
            "subject_post": data["subject_post"],
            "text": data["text"],
            "identity": identity,
            "files": data.get("files") or [],
        }


class LookupForm(StyledForm):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The 16 digits you were given when you filed the report. Spaces do not matter."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "0000 0000 0000 0000",
                "class": "ql-receipt-input",
            }
        ),
        error_messages={"required": _("Enter the receipt code.")},
    )

    def clean_code(self):
        digits = services.receipt_digits(self.cleaned_data["code"])
        if len(digits) != services.RECEIPT_DIGITS:
            raise forms.ValidationError(
                _("A receipt code has 16 digits; this has {n}.").format(n=len(digits)), code="shape"
            )
        return digits


class MessageForm(StyledForm):
    body = forms.CharField(
        label=_("Further information"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Anything you want to add or answer. Plain text only."),
        error_messages={"required": _("Write the message first.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"] = files_field()
