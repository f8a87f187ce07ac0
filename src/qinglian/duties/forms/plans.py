"""Forms of work plans and tasks: the plan, a task (with the units to pass it down to and the departments of a
joint task), passing a task down, reporting progress with evidence, accepting or returning, supervising, and a
department reporting on its share."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.core.links import record_check, record_kinds
from qinglian.core.uploads import upload_accept
from qinglian.duties.services.plans import FIRST_YEAR, LAST_YEAR
from qinglian.duties.services.tasks import MAX_WORKDAYS


def date_input() -> forms.DateInput:
    """The browser's date picker, showing a saved date as it expects it."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class DutyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


class PlanForm(StyledForm):
    organisation = UnitChoice(label=_("Unit"), queryset=None, empty_label=None)
    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={"required": _("Give the year the plan is for.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": _("Give the plan a title.")})
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The plan's aims and main points, as in the document the unit issues."),
    )
    version = version_field()

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = units


class CascadeFields(forms.Form):
    """The units below to pass a task down to: some of them, or every branch below."""

    units = UnitsChoice(
        label=_("Pass down to"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each unit ticked gets the task as its own, tracked on its own."),
    )
    all_below = forms.BooleanField(
        label=_("All branches below"),
        required=False,
        help_text=_("Every Party branch under the unit, however deep; those that already have the task are left out."),
    )

    def setup_units(self, units) -> None:
        self.fields["units"].queryset = units
        self.fields["units"].widget.attrs["class"] = "form-check-input"


class TaskForm(StyledForm, CascadeFields):
    """A task of a plan. A new one may be passed down at once (`units`, `all_below`); a joint task names its
    departments, each with its share, one of them leading."""

    title = forms.CharField(label=_("Task"), max_length=200, error_messages={"required": _("Give the task a title.")})
    description = forms.CharField(
        label=_("What is to be done"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )
    due_on = forms.DateField(label=pgettext_lazy("task", "Deadline"), required=False, widget=date_input())
    workdays = forms.IntegerField(
        label=_("or working days"),
        required=False,
        min_value=1,
        max_value=MAX_WORKDAYS,
        help_text=_("Counted from the day the task is assigned, weekends and public holidays left out."),
    )
    owner = MemberChoice(
        label=_("Person responsible"), queryset=None, required=False, empty_label=_("— nobody in particular —")
    )
    duty = DutyChoice(label=_("Duty it serves"), queryset=None, required=False, empty_label=_("— none —"))
    lead = forms.ChoiceField(label=_("Lead department"), required=False, widget=forms.RadioSelect)
    version = version_field()

    def __init__(self, *args, units=None, people=None, duties=None, departments=(), contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["units"]
            del self.fields["all_below"]
        else:
            self.setup_units(units)
        self.fields["owner"].queryset = people
        self.fields["duty"].queryset = duties
        self.departments = list(departments)
        self.fields["lead"].choices = [("", _("— not a joint task —"))] + [
            (str(d.pk), d.name) for d in self.departments
        ]
        self.fields["lead"].widget.attrs["class"] = "form-check-input"
        for department in self.departments:
            self.fields[f"share_{department.pk}"] = forms.CharField(
                label=_("{name}'s share").format(name=department.name), required=False, max_length=300
            )
            field = UserChoice(
                label=_("Contact at {name}").format(name=department.name),
                queryset=contacts,
                required=False,
                empty_label=_("— the liaisons —"),
            )
            field.widget.attrs["class"] = "form-select form-select-sm"
            self.fields[f"contact_{department.pk}"] = field
            self.fields[f"share_{department.pk}"].widget.attrs["class"] = "form-control form-control-sm"

    def share_rows(self):
        """(department, share field, contact field) for the template's table."""
        return [(d, self[f"share_{d.pk}"], self[f"contact_{d.pk}"]) for d in self.departments]

    def clean(self):
        data = super().clean()
        if data.get("due_on") and data.get("workdays"):
            raise ValidationError(
                {"due_on": _("Give the deadline either as a date or as a number of working days, not both.")}
            )
        if not data.get("due_on") and not data.get("workdays") and not self.errors.get("workdays"):
            raise ValidationError(
                {"due_on": _("Give a deadline: a date, or a number of working days from the day the task is assigned.")}
            )
        lead = data.get("lead") or ""
        named = [d for d in self.departments if (data.get(f"share_{d.pk}") or "").strip()]
        if lead and not any(str(d.pk) == lead for d in named):
            raise ValidationError({"lead": _("Say what the lead department is to do.")})
        if named and not lead:
            raise ValidationError({"lead": _("Choose the lead department of the joint task.")})
        return data

    def shares(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "department": d,
                "share": data.get(f"share_{d.pk}", ""),
                "is_lead": str(d.pk) == data.get("lead"),
                "contact": data.get(f"contact_{d.pk}"),
            }
            for d in self.departments
            if (data.get(f"share_{d.pk}") or "").strip()
        ]

    def service_data(self) -> dict:
        """The keyword arguments of task_create / task_update."""
        data = self.cleaned_data
        out = {key: data.get(key) for key in ("title", "description", "due_on", "workdays", "owner", "duty")}
        out["shares"] = self.shares()
        if "units" in self.fields:
            out["units"] = list(data.get("units") or [])
            out["all_below"] = bool(data.get("all_below"))
        return out


class CascadeForm(StyledForm, CascadeFields):
    version = version_field()

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_units(units)

    def clean(self):
        data = super().clean()
        if not data.get("units") and not data.get("all_below"):
            raise ValidationError({"units": _("Choose the units to pass the task down to, or all branches below.")})
        return data


class ReportForm(StyledForm):
    """A progress report (or the submission) with at most one file and one record already in the system."""

    text = forms.CharField(
        label=pgettext_lazy("task", "What was done"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    progress = forms.IntegerField(label=_("Progress (%)"), required=False, min_value=0, max_value=100)
    file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("A photo (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx) file."),
    )
    record_kind = forms.ChoiceField(label=_("Kind of record"), required=False)
    record_id = forms.IntegerField(label=_("Record"), required=False, min_value=1)
    record_q = forms.CharField(label=_("Search records"), required=False, max_length=60)
    note = forms.CharField(label=_("Note on the evidence"), required=False, max_length=300)
    version = version_field()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.record = None
        self.fields["record_kind"].choices = [("", _("Choose a kind of record"))] + [
            (kind.key, kind.label) for kind in record_kinds()
        ]

    @property
    def has_record_kinds(self) -> bool:
        return len(self.fields["record_kind"].choices) > 1

    @property
    def picked(self) -> list:
        return [self.record] if self.record else []

    def clean(self):
        data = super().clean()
        if "file" in self.errors or "record_id" in self.errors:
            return data
        file, kind, ref_id = data.get("file"), data.get("record_kind"), data.get("record_id")
        if file:
            upload_accept(file, field="file")
        if ref_id:
            if not kind:
                raise ValidationError({"record_kind": _("Choose the kind of record.")})
            self.record = record_check(self.user, kind, ref_id)
        return data

    def evidence(self) -> list[dict]:
        """The pieces of evidence given, as the services take them."""
        data = self.cleaned_data
        note = data.get("note") or ""
        items = []
        if data.get("file"):
            items.append({"file": data["file"], "note": note})
        if data.get("record_id"):
            items.append({"record_kind": data["record_kind"], "record_id": data["record_id"], "note": note})
        return items


class DecisionForm(StyledForm):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to return the task: say what is missing or must be done again."),
    )
    version = version_field()


class SuperviseForm(StyledForm):
    reason = forms.CharField(
        label=_("Why it is supervised"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the task is supervised.")},
    )
    due_on = forms.DateField(
        label=_("To be done by"),
        widget=date_input(),
        error_messages={"required": _("Give the day by which the task must be done.")},
    )
    version = version_field()


class ShareReportForm(StyledForm):
    progress = forms.IntegerField(label=_("Progress (%)"), required=False, min_value=0, max_value=100)
    note = forms.CharField(
        label=_("What the department has done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what the department has done.")},
    )
    done = forms.BooleanField(label=_("Our share is done"), required=False)
    version = version_field()
