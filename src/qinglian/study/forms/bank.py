"""Forms of the question bank: a question (adapting to its type), the list's filters, an import upload."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.study.imports.common import QuestionData, category_path, check_key, parse_blanks, parse_tags
from qinglian.study.marking import LETTERS
from qinglian.study.vocab import MultipleRule, QuestionStatus, QuestionType, TopicKind

OPTION_FIELDS = [f"option_{letter.lower()}" for letter in LETTERS]
DIFFICULTIES = [(1, _("1 · easy")), (2, "2"), (3, _("3 · medium")), (4, "4"), (5, _("5 · hard"))]
# The answer field each type is answered in: the form shows only the type's own.
ANSWER_FIELD = {
    QuestionType.SINGLE: "answer_letters",
    QuestionType.MULTIPLE: "answer_letters",
    QuestionType.JUDGE: "answer_judge",
    QuestionType.FILL: "answer_blanks",
    QuestionType.SHORT: "answer_reference",
}


class QuestionForm(StyledForm):
    qtype = forms.ChoiceField(label=pgettext_lazy("question", "Type"), choices=QuestionType.choices)
    stem = forms.CharField(
        label=_("Question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mark blanks with （  ） or ____."),
    )
    answer_letters = forms.MultipleChoiceField(
        label=_("Correct options"),
        required=False,
        choices=[(x, x) for x in LETTERS],
        widget=forms.CheckboxSelectMultiple,
    )
    answer_judge = forms.ChoiceField(
        label=_("Answer"),
        required=False,
        choices=[("true", _("True")), ("false", _("False"))],
        widget=forms.RadioSelect,
    )
    answer_blanks = forms.CharField(
        label=_("Blanks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One line per blank; accepted alternatives separated by /, e.g. 党规/党内法规."),
    )
    answer_reference = forms.CharField(
        label=_("Reference answer"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the person who marks it by hand."),
    )
    explanation = forms.CharField(
        label=_("Explanation"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    source = forms.CharField(
        label=pgettext_lazy("question", "Source"),
        required=False,
        max_length=200,
        help_text=_("Document and article, e.g. 《中国共产党章程》第三条."),
    )
    category = forms.CharField(
        label=pgettext_lazy("question", "Category"),
        max_length=400,
        help_text=_("A path such as 党章党规/纪律处分条例."),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=TopicKind.choices, initial=TopicKind.CHARTER)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=400, help_text=_("Separated by commas."))
    difficulty = forms.TypedChoiceField(label=_("Difficulty"), choices=DIFFICULTIES, coerce=int, initial=3)
    score = forms.DecimalField(
        label=_("Marks"), min_value=Decimal("0.1"), max_digits=5, decimal_places=1, initial=Decimal(1)
    )
    multiple_rule = forms.ChoiceField(
        label=_("A correct subset of the options"), choices=MultipleRule.choices, initial=MultipleRule.PARTIAL
    )
    partial_fraction = forms.DecimalField(
        label=_("Share of the marks for a correct subset"),
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=2,
        initial=Decimal("0.5"),
    )
    fill_any_order = forms.BooleanField(label=_("Blanks may be answered in any order"), required=False)
    fill_ignore_case = forms.BooleanField(label=_("Ignore upper and lower case"), required=False, initial=True)
    status = forms.ChoiceField(label=_("Status"), choices=QuestionStatus.choices, initial=QuestionStatus.PUBLISHED)
    external_code = forms.CharField(
        label=_("External code"), required=False, max_length=60, help_text=_("A stable code for re-imports.")
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("answer_letters", "answer_judge"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        for letter, name in zip(LETTERS, OPTION_FIELDS, strict=True):
            self.fields[name] = forms.CharField(
                label=_("Option %(letter)s") % {"letter": letter}, required=False, max_length=1000
            )
            self.fields[name].widget.attrs["class"] = "form-control"

    @staticmethod
    def initial_for(data: QuestionData, token: str) -> dict:
        initial = {
            name: getattr(data, name)
            for name in (
                "qtype",
                "stem",
                "explanation",
                "source",
                "category",
                "topic",
                "difficulty",
                "score",
                "multiple_rule",
                "partial_fraction",
                "fill_any_order",
                "fill_ignore_case",
                "status",
                "external_code",
            )
        }
        initial["tags"] = "，".join(data.tags)
        initial["token"] = token
        for name, text in zip(OPTION_FIELDS, data.options, strict=False):
            initial[name] = text
        if data.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            initial["answer_letters"] = list(data.answer)
        elif data.qtype == QuestionType.JUDGE:
            initial["answer_judge"] = "true" if data.answer and data.answer[0] else "false"
        elif data.qtype == QuestionType.FILL:
            initial["answer_blanks"] = "\n".join("/".join(blank) for blank in data.answer)
        else:
            initial["answer_reference"] = data.answer[0] if data.answer else ""
        return initial

    def option_fields(self):
        return [self[name] for name in OPTION_FIELDS]

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("qtype")
        if not qtype or self.errors:
            return cleaned
        options = [cleaned.get(name, "").strip() for name in OPTION_FIELDS]
        while options and not options[-1]:
            options.pop()
        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            answer = list(cleaned.get("answer_letters") or [])
        elif qtype == QuestionType.JUDGE:
            answer = [cleaned["answer_judge"] == "true"] if cleaned.get("answer_judge") else []
            options = []
        elif qtype == QuestionType.FILL:
            text = (cleaned.get("answer_blanks") or "").strip()
            answer = parse_blanks(text.replace("\r\n", "\n").replace("\n", "|")) if text else []
            options = []
        else:
            reference = (cleaned.get("answer_reference") or "").strip()
            answer = [reference] if reference else []
            options = []
        data = QuestionData(
            qtype=qtype,
            stem=cleaned["stem"].strip(),
            options=options,
            answer=answer,
            explanation=cleaned.get("explanation", ""),
            source=cleaned.get("source", ""),
            difficulty=cleaned["difficulty"],
            score=str(cleaned["score"]),
            multiple_rule=cleaned["multiple_rule"],
            partial_fraction=str(cleaned["partial_fraction"]),
            fill_any_order=cleaned.get("fill_any_order", False),
            fill_ignore_case=cleaned.get("fill_ignore_case", False),
            category=category_path(cleaned["category"]),
            topic=cleaned["topic"],
            tags=parse_tags(cleaned.get("tags")),
            status=cleaned["status"],
            external_code=cleaned.get("external_code", "").strip(),
        )
        message = check_key(data)
        if message:
            self.add_error(ANSWER_FIELD[qtype], message)
        self.question_data = data
        return cleaned


class BankFilterForm(StyledForm):
    q = forms.CharField(label=pgettext_lazy("question", "Text"), required=False, max_length=100)
    category = forms.CharField(label=pgettext_lazy("question", "Category"), required=False, max_length=400)
    qtype = forms.ChoiceField(
        label=pgettext_lazy("question", "Type"), required=False, choices=[("", _("All types")), *QuestionType.choices]
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=[("", _("All topics")), *TopicKind.choices])
    difficulty = forms.TypedChoiceField(
        label=_("Difficulty"), required=False, coerce=int, empty_value=None, choices=[("", _("Any")), *DIFFICULTIES]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *QuestionStatus.choices]
    )


FORMAT_CHOICES = [
    ("", _("By the file name (.xlsx: the Excel template)")),
    ("xlsx", _("Excel template (.xlsx)")),
    ("aiken", _("Aiken text")),
    ("gift", _("GIFT text")),
]


class BankUploadForm(StyledForm):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)
    category = forms.CharField(
        label=_("Category for questions without one"),
        required=False,
        max_length=400,
        help_text=_("Aiken files name no category; GIFT files may ($CATEGORY:)."),
    )
