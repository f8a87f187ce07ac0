"""Forms of talks: recording one (or one initiator's talks with several members) and correcting one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orglife.forms.common import MemberChoice, MembersChoice, UnitChoice, date_input
from qinglian.orglife.vocab import TalkKind
from qinglian.orgs.models import Member, Organisation


class TalkForm(StyledForm):
    """A talk. On a new record, `counterparts` takes several members: one talk is recorded with each."""

    organisation = UnitChoice(label=_("Unit"), queryset=Organisation.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=TalkKind.choices, initial=TalkKind.HEART_TO_HEART)
    talked_on = forms.DateField(
        label=_("Date"),
        widget=date_input(),
        error_messages={"required": _("Give the day of the talk.")},
    )
    initiator = MemberChoice(
        label=_("Held by"),
        queryset=Member.objects.none(),
        empty_label=_("Choose a member"),
        error_messages={"required": _("Say who held the talk.")},
    )
    counterpart = MemberChoice(
        label=_("With"),
        queryset=Member.objects.none(),
        empty_label=_("Choose a member"),
        error_messages={"required": _("Say with whom the talk was held.")},
    )
    counterparts = MembersChoice(
        label=_("With"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick several members to record one talk with each of them."),
        error_messages={"required": _("Choose at least one member the talk was held with.")},
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a summary of the talk.")},
    )
    follow_up = forms.CharField(
        label=_("Follow-up"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=None, people=None, several: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units if units is not None else Organisation.objects.none()
        people = people if people is not None else Member.objects.none()
        for name in ("initiator", "counterpart", "counterparts"):
            self.fields[name].queryset = people
        # A new record takes several counterparts; a correction is about its one counterpart.
        # and stays at the unit where it was recorded.
        if several:
            del self.fields["counterpart"]
            self.fields["counterparts"].widget.attrs["class"] = "form-check-input"
        else:
            del self.fields["counterparts"]
            del self.fields["organisation"]
