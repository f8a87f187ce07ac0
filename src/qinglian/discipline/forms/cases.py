"""The forms of cases: filing, moving to the next stage, extending a stage, the decision, transfer to judicial organs,
an appeal and its result, and a rectification item. They check types and required fields; the services check the
rest (which stage, which measure, whose unit) and their refusals are shown beside the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.discipline.services import cases as services
from qinglian.discipline.vocab import CaseStage, Measure


def _date(label):
    # An ISO value whatever the language: a date input reads only YYYY-MM-DD.
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _blank(label, measures) -> list[tuple[str, str]]:
    return [("", label), *((m, Measure(m).label) for m in measures)]


class VersionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CaseFileForm(VersionForm):
    filed_on = _date(_("Filed on"))
    number = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to number it 纪立〔year〕N号 in order."),
    )


class AdvanceForm(VersionForm):
    to = forms.ChoiceField(choices=CaseStage.choices, widget=forms.HiddenInput)
    on = _date(_("Day"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtendForm(VersionForm):
    days = forms.IntegerField(label=_("Days to add"), min_value=1, max_value=services.EXTENSION_MAX_DAYS)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(VersionForm):
    decided_on = _date(_("Decided on"))
    party = forms.ChoiceField(
        label=_("Party sanction"), required=False, choices=_blank(_("No Party sanction"), services.PARTY)
    )
    party_months = forms.TypedChoiceField(
        label=_("Probation period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (12, _("1 year")), (24, _("2 years"))],
        help_text=_("Only for probation within the Party (留党察看): one or two years."),
    )
    admin = forms.ChoiceField(
        label=_("Administrative sanction"),
        required=False,
        choices=_blank(_("No administrative sanction"), services.ADMIN),
    )
    organisational = forms.ChoiceField(
        label=_("Organisational handling"),
        required=False,
        choices=_blank(_("No organisational handling"), services.ORGANISATIONAL),
    )
    note = forms.CharField(
        label=_("Decision document and note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the decision's number and the facts it rests on."),
    )


class TransferForm(VersionForm):
    on = _date(_("Transferred on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(VersionForm):
    on = _date(_("Appeal received on"))
    grounds = forms.CharField(
        label=_("Grounds of the appeal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealEndForm(VersionForm):
    on = _date(_("Decided on"))
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(services.KEPT, _("The decision is kept")), (services.CHANGED, _("The decision is changed"))],
        widget=forms.RadioSelect,
    )
    outcome = forms.TypedChoiceField(label=_("Measure changed"), required=False, coerce=int, empty_value=None)
    measure = forms.ChoiceField(label=_("Changed to"), required=False)
    months = forms.TypedChoiceField(
        label=_("Probation period"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), (12, _("1 year")), (24, _("2 years"))],
    )
    note = forms.CharField(label=_("Result of the appeal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, outcomes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].widget.attrs["class"] = "form-check-input"
        self.fields["outcome"].choices = [("", "—"), *((o.pk, o.get_measure_display()) for o in outcomes)]
        targets: list[str] = []
        for outcome in outcomes:
            targets += [m for m in services.appeal_measures(outcome) if m not in targets]
        labels = {m: Measure(m).label for m in targets} | {Measure.CLARIFIED: _("Revoked: no sanction")}
        self.fields["measure"].choices = [("", "—"), *((m, labels[m]) for m in targets)]


class RectifyForm(VersionForm):
    problem = forms.CharField(
        label=_("Problem to rectify"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the unit must put right. The unit's managers read it: name no one who reported."),
    )
    measures = forms.CharField(
        label=_("Rectification measures"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(label=_("Person responsible"), queryset=None)
    due_on = _date(_("Deadline"))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["owner"].label_from_instance = lambda m: f"{m.name} · {m.organisation.display_name}"
