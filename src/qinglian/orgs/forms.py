from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orgs.models import Department, Organisation, Role
from qinglian.orgs.vocab import DepartmentKind, PartyPost


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
        label=_("Date founded"), required=False, widget=forms.DateInput(attrs={"type": "date"})
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
    dissolved_on = forms.DateField(label=_("Dissolved on"), widget=forms.DateInput(attrs={"type": "date"}))
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
    elected_on = forms.DateField(label=_("Elected on"), widget=forms.DateInput(attrs={"type": "date"}))


class PostAssignForm(StyledForm):
    member = forms.IntegerField(
        label=_("Member"), error_messages={"required": _("Search for the member and choose one.")}
    )
    post = forms.ChoiceField(label=_("Post"), choices=PartyPost.choices)
    starts_on = forms.DateField(
        label=_("From (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PostEndForm(StyledForm):
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
