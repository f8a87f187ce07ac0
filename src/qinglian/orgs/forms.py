from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orgs.models import Organisation, Role


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
