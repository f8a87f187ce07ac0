"""Forms of conflict-of-interest checks: a supplier, the supplier file to import, and the decision on a match."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.risks.vocab import MatchStatus, SupplierKind


class SupplierForm(StyledForm):
    name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        help_text=_("As on the business licence, e.g. 北京恒信达科技有限公司."),
        error_messages={"required": _("Give the company's name.")},
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("18 characters, from the business licence. Checked with its check character."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "ql-mono"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SupplierKind.choices, initial=SupplierKind.SUPPLIER)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=60, required=False)
    legal_rep_id_number = forms.CharField(
        label=_("Legal representative's identity number"),
        max_length=30,
        required=False,
        help_text=_("Kept only as a digest to match on, and shown masked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "ql-mono"}),
    )
    shareholders = forms.CharField(
        label=_("Shareholders"),
        max_length=500,
        required=False,
        help_text=_("Names, separated by 、 or commas."),
    )
    business = forms.CharField(
        label=_("Business with the agency"),
        max_length=200,
        required=False,
        help_text=_("E.g. office equipment, the 2025 renovation contract."),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, masked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if masked:
            self.fields["legal_rep_id_number"].help_text = _(
                "On record: {masked}. Leave empty to keep it; type a number to replace it."
            ).format(masked=masked)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("token", None)
        return data


class SupplierUploadForm(StyledForm):
    file = forms.FileField(
        label=_("Supplier file (.xlsx)"),
        help_text=_("Made from the template: one row per supplier."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": _("Choose the file to import.")},
    )


class MatchDecideForm(StyledForm):
    status = forms.ChoiceField(
        label=pgettext_lazy("conflict match", "Decision"),
        choices=[
            (MatchStatus.CONFIRMED, _("Confirmed: a real conflict of interest")),
            (MatchStatus.DISMISSED, _("Dismissed: not a conflict")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the conflict is confirmed or dismissed.")},
    )
    note = forms.CharField(
        label=pgettext_lazy("decision", "Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What you checked and why you decided so."),
        error_messages={"required": _("Say what you checked and why you decided so.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, match=None, **kwargs):
        # Each match on the page has its own form: its own ids.
        if match is not None:
            kwargs.setdefault("auto_id", f"id_match{match.pk}_%s")
            kwargs.setdefault("initial", {"version": match.version, "status": match.status})
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-check-input"
