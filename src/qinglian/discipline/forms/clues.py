"""Forms of the clue register: registering a clue (from any source, or from a portal report), changing it, its
handlers, linking it as a repeat and referring it to another body."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.discipline.models.clues import ReferralDirection
from qinglian.discipline.services import clues as services
from qinglian.discipline.vocab import Category, HandlerRole, Source

REPORTER_FIELDS = ("name", "phone", "email", "unit", "address", "id_number")


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class ClueForm(StyledForm):
    """A clue as intake registers it. For a portal report (`report`), the source, the day received and the
    reporter come from the report and are not asked."""

    source = forms.ChoiceField(
        label=pgettext_lazy("clue", "Source"),
        choices=[("", _("Choose where it came from")), *(c for c in Source.choices if c[0] != Source.PORTAL)],
        error_messages={"required": _("Choose where the clue came from.")},
    )
    received_on = _date(_("Received on"), error_messages={"required": _("Give the day the clue was received.")})
    member_q = forms.CharField(
        label=_("Search the member register"),
        required=False,
        max_length=60,
        help_text=_("A name or its pinyin; members of this unit and the units below it."),
    )
    subject_member = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject_name = forms.CharField(
        label=_("Name of the person reported"),
        required=False,
        max_length=60,
        help_text=_("Only when the person is not on the member register."),
    )
    subject_unit = UnitChoice(label=_("Their unit"), queryset=None, required=False, empty_label=_("Not known"))
    subject_post = forms.CharField(label=_("Their post"), required=False, max_length=60)
    category = forms.ChoiceField(
        label=pgettext_lazy("clue", "Category"),
        choices=[("", _("Choose the category")), *Category.choices],
        error_messages={"required": _("Choose the category of the problem.")},
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is reported, in a few sentences: who, what, when, how much."),
        error_messages={"required": _("Summarise what the clue says.")},
    )
    owner = UserChoice(
        label=_("Owner"),
        queryset=None,
        help_text=_("Who carries the clue forward. They and you become its handlers."),
        error_messages={"required": _("Choose who owns the clue.")},
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), required=False, max_length=60)
    reporter_phone = forms.CharField(label=_("Telephone"), required=False, max_length=40)
    reporter_email = forms.EmailField(label=_("Email"), required=False, max_length=120)
    reporter_unit = forms.CharField(label=_("Reporter's unit"), required=False, max_length=120)
    reporter_address = forms.CharField(label=_("Address"), required=False, max_length=200)
    reporter_id_number = forms.CharField(label=_("Identity number"), required=False, max_length=30)
    repeat_of = forms.ChoiceField(label=_("Is it a repeat?"), required=False, widget=forms.RadioSelect)
    decided = forms.BooleanField(required=False, widget=forms.HiddenInput)
    report_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, unit, report=None, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.report = report
        self.member = None
        self.fields["subject_unit"].queryset = services.subject_units(unit)
        self.fields["owner"].queryset = services.assignable(unit)
        self.fields["repeat_of"].choices = [("", _("No: register it as a new clue"))] + [
            (str(c.clue.pk), c.clue.number) for c in candidates
        ]
        if report is not None:
            for name in ("source", "received_on", *(f"reporter_{f}" for f in REPORTER_FIELDS)):
                del self.fields[name]
        else:
            del self.fields["report_version"]

    def clean_subject_member(self):
        pk = self.cleaned_data.get("subject_member")
        if not pk:
            return None
        member = services.unit_members(self.unit).filter(pk=pk).first()
        if member is None:
            raise forms.ValidationError(_("Choose a member of {org}.").format(org=self.unit.name))
        self.member = member
        return member

    def clean(self):
        data = super().clean()
        named = data.get("subject_member") or (data.get("subject_name") or "").strip()
        if not named and "subject_member" not in self.errors:
            self.add_error("subject_name", _("Name the person reported, or choose them from the member register."))
        return data

    def reporter(self) -> dict | None:
        if self.report is not None:
            return None
        return {f: self.cleaned_data.get(f"reporter_{f}", "") for f in REPORTER_FIELDS}

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            "subject_member": data.get("subject_member"),
            "subject_name": data.get("subject_name", ""),
            "subject_unit": data.get("subject_unit"),
            "subject_post": data.get("subject_post", ""),
            "category": data["category"],
            "summary": data["summary"],
            "owner": data["owner"],
        }
        if self.report is None:
            fields.update(source=data["source"], received_on=data["received_on"], reporter=self.reporter())
        else:
            fields.update(
                source=Source.PORTAL,
                received_on=self.report.received_at.date(),
                report=self.report,
                report_version=data.get("report_version"),
            )
        return fields


class ClueEditForm(StyledForm):
    category = forms.ChoiceField(label=pgettext_lazy("clue", "Category"), choices=Category.choices)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Summarise what the clue says.")},
    )
    owner = UserChoice(label=_("Owner"), queryset=None, help_text=_("One of the clue's handlers."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, clue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=clue.handlers.values("user_id")).order_by("username")
        )


class HandlerForm(StyledForm):
    user = UserChoice(
        label=pgettext_lazy("clue handler", "Person"),
        queryset=None,
        error_messages={"required": _("Choose whom to add."), "invalid_choice": _("Choose someone from the list.")},
    )
    role = forms.ChoiceField(label=_("Role"), choices=HandlerRole.choices, initial=HandlerRole.HANDLER)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, clue, **kwargs):
        super().__init__(*args, **kwargs)
        on = clue.handlers.values("user_id")
        handlers = services.assignable(clue.organisation, HandlerRole.HANDLER)
        leaders = services.assignable(clue.organisation, HandlerRole.LEADER)
        self.fields["user"].queryset = (handlers | leaders).exclude(pk__in=on).distinct().order_by("username")


class ReferralForm(StyledForm):
    to = forms.CharField(
        label=_("Body it goes to"),
        max_length=120,
        help_text=_("E.g. 市纪委监委第三监督检查室, 第二党支部纪检委员."),
        error_messages={"required": _("Name the body the clue goes to.")},
    )
    direction = forms.ChoiceField(
        label=_("Up or down"),
        choices=ReferralDirection.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the clue goes to a higher or a lower body.")},
    )
    referred_on = _date(
        _("Sent on"),
        required=False,
        help_text=_("Leave empty when it is decided but not sent yet: it then shows as due."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RepeatForm(StyledForm):
    original = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(StyledForm):
    user = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
