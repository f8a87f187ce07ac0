"""Forms of democratic appraisal. Per-member fields are named after the entry: `grade-<entry id>`,
`masses-<entry id>-<grade code>`, so that a page and a script can find each one."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orglife.forms.common import UnitChoice, date_input
from qinglian.orglife.vocab import AppraisalStatus, Grade
from qinglian.orgs.models import Organisation

# Short, stable codes for the grades (whose values are Chinese), used in field names.
GRADE_CODES = {grade.value: grade.name.lower() for grade in Grade}


def grade_choices(blank_label=None):
    return [("", blank_label or _("Choose a grade")), *Grade.choices]


class RoundOpenForm(StyledForm):
    organisation = UnitChoice(
        label=_("Party branch"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Choose the Party branch to appraise.")},
    )
    year = forms.IntegerField(
        label=_("Year appraised"),
        min_value=2000,
        error_messages={"required": _("Give the year the appraisal is for.")},
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units if units is not None else Organisation.objects.none()
        today = timezone.localdate()
        # An appraisal is usually held at the turn of the year: in the first quarter it is for the year before.
        self.fields["year"].initial = today.year - 1 if today.month <= 3 else today.year
        self.fields["year"].max_value = today.year
        self.fields["year"].widget.attrs.update({"max": today.year, "min": 2000})


class VersionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StepForm(VersionForm):
    to_status = forms.ChoiceField(choices=AppraisalStatus.choices, widget=forms.HiddenInput)


class GradesForm(VersionForm):
    """One grade select per member of the round (`grade-<entry id>`); probationary members have none."""

    field_prefix = "grade"

    def __init__(self, *args, entries=(), required=False, blank_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = [entry for entry in entries if not entry.probationary]
        for entry in self.entries:
            self.fields[self.name_for(entry)] = forms.ChoiceField(
                label=entry.member.name,
                choices=grade_choices(blank_label),
                required=required,
                error_messages={"required": _("Choose a grade for {name}.").format(name=entry.member.name)},
            )
            self.fields[self.name_for(entry)].widget.attrs.update({"class": "form-select form-select-sm ql-grade"})

    @classmethod
    def name_for(cls, entry) -> str:
        return f"{cls.field_prefix}-{entry.pk}"

    def bound_for(self, entry):
        name = self.name_for(entry)
        return self[name] if name in self.fields else None

    def grades(self) -> dict[int, str]:
        return {entry.pk: self.cleaned_data.get(self.name_for(entry), "") for entry in self.entries}


class BallotForm(GradesForm):
    """The member's peer ballot: a grade for each colleague, all required."""

    def __init__(self, *args, entries=(), voter=None, **kwargs):
        colleagues = [entry for entry in entries if voter is None or entry.pk != voter.pk]
        super().__init__(*args, entries=colleagues, required=True, **kwargs)
        self.fields.pop("version")


class DecideForm(GradesForm):
    meeting = forms.ModelChoiceField(
        label=_("Deciding general meeting"),
        queryset=None,
        required=False,
        empty_label=_("Not recorded in the system"),
    )
    decided_on = forms.DateField(
        label=_("Decided on"),
        required=False,
        widget=date_input(),
        help_text=_("Taken from the meeting when one is chosen."),
    )

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: f"{m.starts_on:%Y-%m-%d} · {m.title}"
        self.order_fields(["meeting", "decided_on"])


class MassesForm(VersionForm):
    """The masses' paper ballots: how many votes each member received for each grade."""

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = [entry for entry in entries if not entry.probationary]
        for entry in self.entries:
            for grade, label in Grade.choices:
                field = forms.IntegerField(
                    label=f"{entry.member.name} · {label}",
                    min_value=0,
                    max_value=100_000,
                    required=False,
                    error_messages={
                        "min_value": _("Votes cannot be negative."),
                        "invalid": _("Enter a whole number of votes."),
                    },
                )
                field.widget.attrs.update({"class": "form-control form-control-sm", "inputmode": "numeric"})
                self.fields[self.name_for(entry, grade)] = field

    @staticmethod
    def name_for(entry, grade: str) -> str:
        return f"masses-{entry.pk}-{GRADE_CODES[grade]}"

    def rows(self):
        """(entry, [bound field per grade]) for the template."""
        return [(entry, [self[self.name_for(entry, grade)] for grade in Grade.values]) for entry in self.entries]

    def counts(self) -> dict[int, dict[str, int]]:
        return {
            entry.pk: {grade: self.cleaned_data.get(self.name_for(entry, grade)) or 0 for grade in Grade.values}
            for entry in self.entries
        }


class SelfAssessmentForm(VersionForm):
    text = forms.CharField(
        label=_("My self-assessment"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Against the four standards of a qualified member: politics, discipline, conduct and the part you "
            "played; with shortcomings and what you will do about them."
        ),
    )


class FollowUpForm(VersionForm):
    measure = forms.CharField(
        label=_("Improvement measures or handling"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the improvement measures or the handling.")},
    )
    due = forms.DateField(
        label=_("Due"),
        required=False,
        widget=date_input(),
        help_text=_("Left empty: the default period from the rules."),
    )


class FollowUpDoneForm(VersionForm):
    done_on = forms.DateField(
        label=_("Completed on"),
        required=False,
        widget=date_input(),
    )
