"""The member-list filters, shared by the list page, the API and the export."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orgs.models import Member
from qinglian.orgs.vocab import AGE_BANDS, ETHNICITY_CHOICES, Education, MemberStatus

ANY = [("", _("Any"))]


def name_query(text: str) -> Q:
    """Match a name typed in characters (anywhere in the name) or in pinyin (from the start).

    Pinyin matches by prefix ("wang", "wang w") so that the pinyin index serves it; a
    substring match over pinyin cannot use any index and was 1.8 s over a province's members.
    """
    if text.isascii():
        return Q(name_pinyin__startswith=" ".join(text.lower().split()))
    return Q(name__contains=text)


class MemberFilterForm(StyledForm):
    q = forms.CharField(label=_("Name or pinyin"), required=False, max_length=60)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=ANY + Member.Category.choices)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("On the register")), ("all", _("All")), *MemberStatus.choices],
    )
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=ANY + Member.Gender.choices)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False, choices=ANY + ETHNICITY_CHOICES)
    age_band = forms.ChoiceField(
        label=_("Age"), required=False, choices=ANY + [(str(i), label) for i, (_lo, _hi, label) in enumerate(AGE_BANDS)]
    )
    education = forms.ChoiceField(label=_("Education"), required=False, choices=ANY + Education.choices)
    joined_year = forms.IntegerField(label=_("Year joined"), required=False, min_value=1921, max_value=2100)
    post = forms.CharField(label=_("Post contains"), required=False, max_length=40)

    def apply(self, members):
        """Narrow a member queryset by the valid filters (invalid ones are ignored, and shown as errors)."""
        data = self.cleaned_data if self.is_valid() else {}
        q = (data.get("q") or "").strip()
        if q:
            members = members.filter(name_query(q))
        status = data.get("status")
        if not status:
            members = members.on_register()
        elif status != "all":
            members = members.filter(status=status)
        for field in ("category", "gender", "ethnicity", "education"):
            if data.get(field):
                members = members.filter(**{field: data[field]})
        if data.get("age_band"):
            youngest, oldest, _label = AGE_BANDS[int(data["age_band"])]
            members = members.born_between(youngest, oldest)
        if data.get("joined_year"):
            members = members.filter(joined_on__year=data["joined_year"])
        if data.get("post"):
            members = members.filter(post__icontains=data["post"])
        return members
