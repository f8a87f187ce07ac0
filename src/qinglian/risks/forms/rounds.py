"""The forms of identification rounds: opening one (copying last year's register by default) and closing it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm


class RoundOpenForm(StyledForm):
    organisation = forms.TypedChoiceField(label=_("Organising committee"), coerce=int, choices=())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=120)
    due_on = forms.DateField(
        label=_("Proposals due"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("By this day each post holder proposes the risk points of their post."),
    )
    copy = forms.BooleanField(
        label=_("Copy last year's register"),
        required=False,
        initial=True,
        help_text=_(
            "Every approved point of the last closed round is copied as a draft, with its measures, for the post "
            "holders to confirm or change; this year's register can then be compared with last year's."
        ),
    )

    def __init__(self, *args, committees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(c.pk, c.name) for c in committees]


class RoundCloseForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
