"""Forms of the sealed compartment: asking to read a reporter's identity, and the second person's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.discipline.services.sealed import REASON_MIN


class RevealAskForm(StyledForm):
    reason = forms.CharField(
        label=_("Why you need the reporter's identity"),
        min_length=REASON_MIN,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A second person who leads discipline inspection reads it before deciding, and it is written beside every "
            "reading in the audit trail."
        ),
        error_messages={
            "min_length": _("Say why in at least %(limit_value)d characters (you wrote %(show_value)d)."),
            "required": _("Say why you need the reporter's identity."),
        },
    )


class RevealDecideForm(StyledForm):
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you approve or refuse.")},
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("With an approval: what the identity may be used for. With a refusal: why."),
        error_messages={"required": _("Write a note with your decision.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons take Bootstrap's check class, not the select's.
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
