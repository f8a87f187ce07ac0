from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.orgs import vocab
from qinglian.orgs.models import Department, Member, Organisation, Role
from qinglian.orgs.vocab import (
    ETHNICITY_CHOICES,
    CadreLevel,
    DepartmentKind,
    Education,
    MemberStatus,
    PartyPost,
)
from qinglian.reports.xlsx import XLSX_TYPE


class OrganisationForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=Organisation.Kind.choices)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)


class RenameForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignmentForm(StyledForm):
    username = forms.CharField(label=_("Login name"), max_length=150)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all())
    organisation = forms.IntegerField(widget=forms.HiddenInput)
    include_subtree = forms.BooleanField(label=_("Also covers subordinate organisations"), required=False, initial=True)
    valid_to = forms.DateField(
        label=_("Valid until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active login is called “{name}”.").format(name=name))
        return user


class OrganisationDetailsForm(StyledForm):
    """An organisation's details other than its name (renamed separately, with its history)."""

    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    founded_on = forms.DateField(
        label=_("Date founded"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    department = forms.ModelChoiceField(label=_("Functional department"), queryset=None, required=False)
    is_village_or_community = forms.BooleanField(
        label=_("Village or community organisation (five-year committee terms)"), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()


class OrganisationPickForm(StyledForm):
    """Base of the forms that name another organisation, chosen from a search (see org_pick)."""

    target = forms.IntegerField(
        label=_("Organisation"), error_messages={"required": _("Search for the organisation and choose one.")}
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class MoveForm(OrganisationPickForm):
    pass


class MergeForm(OrganisationPickForm):
    pass


class DissolveForm(StyledForm):
    dissolved_on = forms.DateField(
        label=_("Dissolved on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    target = forms.IntegerField(label=_("Successor (optional)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=DepartmentKind.choices, initial=DepartmentKind.OTHER)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    order = forms.IntegerField(label=_("Order in lists"), min_value=0, max_value=32767, initial=100)


class DepartmentLinkForm(StyledForm):
    target = forms.IntegerField(
        label=_("Organisation"), error_messages={"required": _("Search for the organisation and choose one.")}
    )


class TermStartForm(StyledForm):
    elected_on = forms.DateField(
        label=_("Elected on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PostAssignForm(StyledForm):
    member = forms.IntegerField(
        label=_("Member"), error_messages={"required": _("Search for the member and choose one.")}
    )
    post = forms.ChoiceField(label=_("Post"), choices=PartyPost.choices)
    starts_on = forms.DateField(
        label=_("From (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PostEndForm(StyledForm):
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberForm(StyledForm):
    """A member's register entry; the organisation is chosen only when the member is added."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Member.Gender.choices])
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        required=False,
        help_text=_("18 characters; checked, then stored encrypted. Leave empty to keep the number on the register."),
    )
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False, choices=[("", "—"), *ETHNICITY_CHOICES])
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_date_input())
    native_place = forms.CharField(label=_("Native place"), max_length=60, required=False)
    education = forms.ChoiceField(label=_("Education"), required=False, choices=[("", "—"), *Education.choices])
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    post = forms.CharField(label=_("Administrative post"), max_length=80, required=False)
    rank = forms.CharField(label=_("Rank"), max_length=40, required=False)
    party_post = forms.ChoiceField(label=_("Party post"), required=False, choices=[("", "—"), *PartyPost.choices])
    category = forms.ChoiceField(label=_("Category"), choices=Member.Category.choices)
    joined_on = forms.DateField(label=_("Date joined the Party"), required=False, widget=_date_input())
    full_member_on = forms.DateField(label=_("Date made a full member"), required=False, widget=_date_input())
    is_mobile = forms.BooleanField(label=_("Mobile member"), required=False)
    is_lost_contact = forms.BooleanField(label=_("Out of contact"), required=False)
    is_cadre = forms.BooleanField(label=_("Cadre"), required=False)
    cadre_level = forms.ChoiceField(label=_("Cadre level"), required=False, choices=[("", "—"), *CadreLevel.choices])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisations=None, departments=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["organisation"]
            self.fields["version"].required = True
        else:
            self.fields["organisation"].queryset = (
                organisations if organisations is not None else Organisation.objects.none()
            )
            del self.fields["version"]
            # A new member has no number on the register to keep.
            self.fields["id_number"].help_text = _("18 characters; checked, then stored encrypted.")
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("category") == Member.Category.PROBATIONARY and not data.get("joined_on"):
            self.add_error("joined_on", _("A probationary member's date of admission is needed to reckon probation."))
        if data.get("cadre_level") and not data.get("is_cadre"):
            self.add_error("cadre_level", _("Only a cadre has a cadre level."))
        return data


class MemberStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    effective_on = forms.DateField(label=_("Effective on"), widget=_date_input())
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        from qinglian.orgs.services.people import STATUS_MOVES

        moves = STATUS_MOVES.get(current, set()) - {MemberStatus.TRANSFERRED_OUT}
        self.fields["status"].choices = [(value, label) for value, label in MemberStatus.choices if value in moves]


class ProbationConfirmForm(StyledForm):
    on = forms.DateField(label=_("Full member from"), widget=_date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProbationExtendForm(StyledForm):
    until = forms.DateField(label=_("Extend probation to"), widget=_date_input())
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProbationCancelForm(StyledForm):
    on = forms.DateField(label=_("Cancelled on"), widget=_date_input())
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class RevealIdForm(StyledForm):
    reason = forms.CharField(
        label=_("Why do you need the full number?"),
        max_length=500,
        help_text=_("Recorded in the audit trail with your name."),
    )


class MemberLoginForm(StyledForm):
    username = forms.CharField(label=_("Login name"), max_length=150)


class TransferForm(StyledForm):
    """A transfer letter: who (a member on the register, or a person coming in), where to, and the letter."""

    kind = forms.ChoiceField(
        label=_("Kind of transfer"), choices=vocab.TransferKind.choices, initial=vocab.TransferKind.INTERNAL
    )
    member = forms.IntegerField(label=_("Member"), required=False, widget=forms.HiddenInput)
    to_org = forms.IntegerField(label=_("Receiving branch"), required=False, widget=forms.HiddenInput)
    external_unit = forms.CharField(label=_("Organisation outside the system"), max_length=120, required=False)
    in_name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60, required=False)
    in_gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Member.Gender.choices], required=False)
    in_id_number = forms.CharField(label=_("Identity number"), max_length=18, required=False)
    in_category = forms.ChoiceField(
        label=_("Category"), choices=Member.Category.choices, required=False, initial=Member.Category.FULL
    )
    in_joined_on = forms.DateField(
        label=_("Date joined the Party"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    letter_no = forms.CharField(
        label=_("Letter number"), max_length=40, required=False, help_text=_("Leave empty to number it automatically.")
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=vocab.TransferScope.choices, initial=vocab.TransferScope.COMMITTEE
    )
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=180, initial=30)
    dues_paid_until = forms.DateField(
        label=_("Dues paid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    LETTER = ("external_unit", "letter_no", "scope", "valid_days", "dues_paid_until", "reason")

    def __init__(self, *args, kind: str = vocab.TransferKind.INTERNAL, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == vocab.TransferKind.IN:
            for name in ("in_name", "in_gender", "in_id_number", "in_category", "in_joined_on", "external_unit"):
                self.fields[name].required = True
            self.fields["external_unit"].label = _("Comes from (Party organisation outside the system)")
        elif kind == vocab.TransferKind.OUT:
            self.fields["external_unit"].required = True
            self.fields["external_unit"].label = _("Goes to (Party organisation outside the system)")
        self.fields["external_unit"].help_text = ""

    def incoming(self) -> dict:
        data = self.cleaned_data
        joined = data.get("in_joined_on")
        return {
            "name": data.get("in_name", ""),
            "gender": data.get("in_gender", ""),
            "id_number": data.get("in_id_number", ""),
            "category": data.get("in_category", ""),
            "joined_on": joined.isoformat() if joined else "",
        }


class TransferDecisionForm(StyledForm):
    to_status = forms.ChoiceField(choices=[(s, s) for s in ("accepted", "returned", "cancelled")])
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RosterUploadForm(StyledForm):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_TYPE}"}),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[("create", _("Add new members")), ("update", _("Update members found by ID number, add the rest"))],
        initial="create",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].widget.attrs["class"] = "form-check-input"  # radios, not a text box
