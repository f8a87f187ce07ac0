"""Forms of exams: the settings and audience, a paper's question or rule, and the mark of a short answer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.orglife.forms.common import MembersChoice
from qinglian.orgs.models import Member, Organisation
from qinglian.study.models import Category, Exam
from qinglian.study.vocab import GradingMethod, PaperMode, QuestionType, TopicKind


def moment_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class ExamForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Instructions"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=TopicKind.choices)
    mode = forms.ChoiceField(label=_("Paper"), choices=PaperMode.choices)
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=moment_input())
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=moment_input())
    time_limit_minutes = forms.IntegerField(label=_("Time limit (minutes)"), min_value=1, max_value=600, initial=30)
    attempts_allowed = forms.IntegerField(
        label=_("Attempts allowed"), min_value=0, max_value=100, initial=1, help_text=_("0 for no limit.")
    )
    grading = forms.ChoiceField(label=_("Grade by"), choices=GradingMethod.choices)
    pass_percent = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100, initial=60)
    shuffle_questions = forms.BooleanField(label=_("Shuffle questions"), required=False, initial=True)
    shuffle_options = forms.BooleanField(label=_("Shuffle options"), required=False, initial=True)
    review = forms.ChoiceField(label=_("Show answers"), choices=Exam.Review.choices)
    units = UnitsChoice(
        label=_("Units"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Each with all units below it."),
    )
    members = MembersChoice(
        label=_("Named members"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Organisation.objects.none()
        self.fields["members"].queryset = people if people is not None else Member.objects.none()


class SlotForm(StyledForm):
    question = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.DecimalField(label=_("Marks"), required=False, min_value=0, max_digits=5, decimal_places=1)


class RuleForm(StyledForm):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("Any category")
    )
    qtype = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    difficulty_min = forms.IntegerField(label=_("Easiest"), min_value=1, max_value=5, initial=1)
    difficulty_max = forms.IntegerField(label=_("Hardest"), min_value=1, max_value=5, initial=5)
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=500)
    score = forms.DecimalField(label=_("Marks each"), min_value=0, max_digits=5, decimal_places=1)


class MarkForm(StyledForm):
    score = forms.DecimalField(label=_("Marks"), min_value=0, max_digits=5, decimal_places=2)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
