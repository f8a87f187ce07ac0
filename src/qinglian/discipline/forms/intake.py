"""Forms of the reports inbox: acknowledging receipt, a message to the reporter, not accepting a report, feedback."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.discipline.services.intake import MESSAGE_MAX


def _message(label, help_text="", rows: int = 4):
    return forms.CharField(
        label=label,
        max_length=MESSAGE_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": _("Write the message to the reporter.")},
    )


class AcknowledgeForm(StyledForm):
    body = _message(
        _("Message to the reporter"),
        _("The reporter reads it on the portal with their receipt code. Say the report was received; do not say who "
          "handles it."),
        rows=3,
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReplyForm(StyledForm):
    body = _message(_("Message"), _("The reporter reads it on the portal with their receipt code."))


class NotAcceptForm(StyledForm):
    reason = forms.CharField(
        label=_("Why it is not accepted (kept on record)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the report is not accepted.")},
    )
    message = _message(
        _("Message to the reporter"),
        _("Tell the reporter the report is not accepted, and where such a matter may be raised."),
        rows=3,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class FeedbackForm(StyledForm):
    body = _message(
        _("What was done"),
        _("What was done about the report, as far as the rules allow the reporter to be told."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
