from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm


class Styled:
    """Bootstrap classes for Django's own auth forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class LoginForm(Styled, AuthenticationForm):
    error_messages = {
        "invalid_login": _("The login name or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask your administrator."),
    }


class PasswordChange(Styled, PasswordChangeForm):
    pass


class PasswordReset(Styled, PasswordResetForm):
    pass


class PasswordSet(Styled, SetPasswordForm):
    pass


class OtpForm(StyledForm):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the six digits your authenticator app shows."))
        return code


class TokenForm(StyledForm):
    name = forms.CharField(label=_("What the token is for"), max_length=80)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=3650, initial=90)
