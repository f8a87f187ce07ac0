from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qinglian.core.models import AuditEvent


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes and the attributes assistive tools need."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = attrs.get("class", "") + " is-invalid"
                attrs["aria-invalid"] = "true"


class AuditFilterForm(StyledForm):
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=80)
    q = forms.CharField(label=_("Object contains"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sealed = forms.ChoiceField(
        label=_("Sealed data"),
        required=False,
        choices=[("", _("All")), ("yes", _("Reads of sealed data")), ("no", _("Other events"))],
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def params(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in data.items() if value
        }

    @staticmethod
    def action_choices():
        return AuditEvent.objects.order_by().values_list("action", flat=True).distinct()


class RuleReviseForm(StyledForm):
    value = forms.JSONField(label=_("Value"), help_text=_("A number, a list like [3, 1], or text in quotes."))
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("Source text"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


def add_service_errors(form: forms.Form, exc: ValidationError, rename: dict | None = None) -> None:
    """Show a service's refusal beside the field it is about (`rename`: the service's field name -> the form's),
    or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    rename = rename or {}
    for name, errors in exc.message_dict.items():
        name = rename.get(name, name)
        form.add_error(name if name in form.fields else None, errors)
