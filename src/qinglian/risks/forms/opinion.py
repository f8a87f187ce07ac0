"""Forms of integrity opinion replies: compiling one on a cadre, editing the draft, signing it, deleting it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.orgs.models import Member
from qinglian.risks.services.opinion import YEARS_MAX
from qinglian.risks.vocab import ReplyPurpose


class CompileForm(StyledForm):
    """The cadre (one of `cadres`, picked from a search), what the opinion is for, who asked, how far back."""

    member = forms.ModelChoiceField(
        label=_("Cadre"),
        queryset=Member.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the cadre the opinion is about."),
            "invalid_choice": _("Choose one of the cadres listed."),
        },
    )
    purpose = forms.ChoiceField(
        label=_("Asked for"),
        choices=[("", _("What is the opinion for?")), *ReplyPurpose.choices],
        error_messages={"required": _("Choose what the opinion is asked for.")},
    )
    requested_by = forms.CharField(
        label=_("Requested by"),
        max_length=120,
        help_text=_("The unit that asked for the opinion, as the letter is addressed (e.g. 机关党委组织部)."),
        error_messages={"required": _("Name the unit that asked for the opinion (e.g. the organisation department).")},
    )
    years = forms.IntegerField(
        label=_("Years to look back"),
        min_value=1,
        max_value=YEARS_MAX,
        initial=3,
        help_text=_("Usually the last three years, this year included."),
    )

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = cadres if cadres is not None else Member.objects.none()


class ReplyEditForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    requested_by = forms.CharField(label=_("Addressed to"), max_length=120)
    number = forms.CharField(
        label=pgettext_lazy("reply number", "Number"),
        max_length=40,
        required=False,
        help_text=_("May be left empty until the reply is signed."),
    )
    body = forms.CharField(
        label=_("Opinion"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18}),
        error_messages={"required": _("The opinion cannot be empty.")},
    )


class ReplySignForm(StyledForm):
    """Shown on the page beside the edit form, whose fields share names: its ids are its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "sign-%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput)
    number = forms.CharField(
        label=pgettext_lazy("reply number", "Number"),
        max_length=40,
        help_text=_("Unique among this year's signed replies, e.g. 纪检组廉复〔2026〕3号."),
        error_messages={"required": _("Give the reply its number before signing it (e.g. 纪检组廉复〔2026〕3号).")},
    )
    signer_title = forms.CharField(
        label=_("Signed in the name of"),
        max_length=120,
        help_text=_("The discipline body whose seal the letter bears, e.g. 中共××机关纪律检查委员会."),
        error_messages={"required": _("Name the body the reply is signed in the name of (e.g. 机关纪委).")},
    )


class ReplyDeleteForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
