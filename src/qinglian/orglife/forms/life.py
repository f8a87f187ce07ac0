"""Forms of the life-meeting record: criticism, and the problems found for the rectification list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orglife.forms.common import MemberChoice
from qinglian.orglife.vocab import CritiqueKind
from qinglian.orgs.models import Member
from qinglian.rectification.forms import ProblemFields


class CritiqueForm(StyledForm):
    """Criticism at a life meeting. Members record their own self-criticism and the criticism they made;
    the unit's managers also choose who made it, or record an opinion collected before the meeting."""

    kind = forms.ChoiceField(label=_("Kind"), choices=CritiqueKind.choices)
    subject = MemberChoice(label=_("About"), queryset=Member.objects.none(), empty_label=_("Choose a member"))
    critic = MemberChoice(
        label=_("From"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("—"),
        help_text=_("Who made the criticism; leave empty for an opinion collected anonymously."),
    )
    content = forms.CharField(label=_("What was said"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, people=None, manager: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        people = people if people is not None else Member.objects.none()
        self.fields["subject"].queryset = people
        self.fields["critic"].queryset = people
        self.manager = manager
        if not manager:
            self.fields["kind"].choices = [
                (CritiqueKind.SELF, _("My self-criticism")),
                (CritiqueKind.PEER, _("My criticism of another member")),
            ]
            del self.fields["critic"]
            self.fields["subject"].required = False
            self.fields["subject"].help_text = _("For criticism of another member: whom it is about.")


class ProblemForm(ProblemFields):
    """A problem found at a life meeting, for the unit's rectification list (rectification.item_create)."""
