"""Forms for minutes, their workflow steps and attachments.

The agenda items are a list the page grows and shrinks (rows named item-<n>-<field>), so they are
read from the posted data by `items_from`, not declared as fields; the service checks them.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orglife.vocab import AttachmentKind

ITEM_FIELDS = ("title", "discussion", "decision", "for", "against", "abstain")
ITEM_KEY = re.compile(r"^item-(\d{1,4})-(title|discussion|decision|for|against|abstain)$")


def items_from(data) -> list[dict]:
    """The agenda items as posted, in page order, rows left wholly empty dropped.

    Vote counts stay as typed (the service says what is wrong with them); all three blank means no vote.
    """
    rows: dict[int, dict] = {}
    for key in data:
        match = ITEM_KEY.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = str(data.get(key) or "").strip()
    items = []
    for _n, row in sorted(rows.items()):
        if not any(row.get(name) for name in ITEM_FIELDS):
            continue
        votes = {"for": row.get("for", ""), "against": row.get("against", ""), "abstain": row.get("abstain", "")}
        items.append(
            {
                "title": row.get("title", ""),
                "discussion": row.get("discussion", ""),
                "decision": row.get("decision", ""),
                "votes": votes if any(votes.values()) else None,
            }
        )
    return items


class MinutesForm(StyledForm):
    summary = forms.CharField(
        label=_("Summary of the meeting"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the meeting went: who spoke, what was studied or discussed, in a few sentences."),
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class VersionForm(StyledForm):
    """A workflow step (submit, approve) that only carries the version the person saw."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ReturnForm(VersionForm):
    note = forms.CharField(
        label=_("What should be changed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CorrectForm(VersionForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the new version and printed on the record, e.g. “a vote count was recorded wrongly”."),
    )


class AttachmentForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices, initial=AttachmentKind.PHOTO)
    file = forms.FileField(
        label=_("File"),
        help_text=_("Photos (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,application/pdf,.pdf,.docx,.xlsx"}
        ),
    )
