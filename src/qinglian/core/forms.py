from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from qinglian.core.links import record_check, record_kinds
from qinglian.core.models import AuditEvent
from qinglian.core.uploads import upload_accept


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


class EvidenceForm(StyledForm):
    """One piece of evidence: an uploaded file, or a record already in the system (kind and id), and a note.

    Exactly one of the two is required; a record is checked with `core.links.record_check` for the user
    the form is bound for, so one they may not see is refused beside the record field. Hand the result to
    the module's service with `evidence_kwargs()`, which are the keyword arguments of
    `core.links.evidence_values`. Render it with "core/partials/evidence_form.html".
    """

    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("A photo (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx) file."),
    )
    record_kind = forms.ChoiceField(label=_("Kind of record"), required=False)
    record_id = forms.IntegerField(label=_("Record"), required=False, min_value=1)
    record_q = forms.CharField(label=_("Search records"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.record = None  # the RecordRef chosen, once checked
        self.fields["record_kind"].choices = [("", _("Choose a kind of record"))] + [
            (kind.key, kind.label) for kind in record_kinds()
        ]

    def clean(self):
        data = super().clean()
        file, kind, ref_id = data.get("file"), data.get("record_kind"), data.get("record_id")
        if "record_id" in self.errors or "file" in self.errors:
            return data
        if file and ref_id:
            raise ValidationError(_("Give either a file or a record, not both."))
        if file:
            upload_accept(file, field="file")
        elif ref_id:
            if not kind:
                raise ValidationError({"record_kind": _("Choose the kind of record.")})
            self.record = record_check(self.user, kind, ref_id)
        elif kind:
            raise ValidationError({"record_id": _("Choose one of the records found.")})
        else:
            raise ValidationError(_("Upload a file or choose a record already in the system."))
        return data

    @property
    def extra_fields(self) -> list:
        """The visible fields a subclass adds, which the evidence form template shows after the note."""
        own = {"file", "record_kind", "record_id", "record_q", "note"}
        return [field for field in self.visible_fields() if field.name not in own]

    @property
    def picked(self) -> list:
        """The chosen record, to show it chosen again when the form comes back with an error elsewhere."""
        return [self.record] if self.record else []

    def evidence_kwargs(self) -> dict:
        """The keyword arguments of `core.links.evidence_values` (and of services that take a piece of evidence)."""
        data = self.cleaned_data
        note = data.get("note", "")
        if data.get("file"):
            return {"file": data["file"], "record_kind": "", "record_id": None, "note": note}
        return {"file": None, "record_kind": data["record_kind"], "record_id": data["record_id"], "note": note}


class RecordChoiceMixin(forms.Form):
    """Optionally point at one record of another module, picked with core's record picker
    (`core/partials/record_picker.html`): the kind and id are checked with `core.links.record_check` for the
    user, so a record they may not see cannot be chosen. Mixed into a form before its other bases."""

    record_kind = forms.ChoiceField(label=_("Kind of record"), required=False)
    record_id = forms.IntegerField(label=_("Record"), required=False, min_value=1)
    record_q = forms.CharField(label=_("Search records"), required=False, max_length=60)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.record = None
        self.fields["record_kind"].choices = [("", _("No record")), *((k.key, k.label) for k in record_kinds())]

    def clean(self):
        data = super().clean()
        kind, ref_id = data.get("record_kind"), data.get("record_id")
        if ref_id and not kind:
            self.add_error("record_kind", _("Choose the kind of record."))
        elif kind and ref_id and self.user is not None:
            try:
                self.record = record_check(self.user, kind, ref_id)
            except ValidationError as exc:
                self.add_error("record_id", exc.messages)
        return data

    @property
    def picked(self) -> list:
        """The chosen record, shown chosen again when the form comes back with an error elsewhere."""
        return [self.record] if self.record else []

    @staticmethod
    def record_pop(data: dict) -> tuple[str, int | None]:
        """Take the picker's fields out of cleaned data: (kind, id), or ("", None) when no record was picked."""
        kind, ref_id = data.pop("record_kind", ""), data.pop("record_id", None)
        data.pop("record_q", None)
        return (kind, ref_id) if kind and ref_id else ("", None)
