"""Forms of the risk register: a risk point with its measures (a formset of rows), the moves of its workflow,
a periodic review (with a problem to rectify, perhaps), a linked incident, and posts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import RecordChoiceMixin, StyledForm
from qinglian.orgs.models import Department, Member, Organisation
from qinglian.risks.models import Post
from qinglian.risks.services import levels
from qinglian.risks.services.register import MeasureIn
from qinglian.risks.services.workflow import ACTIONS
from qinglian.risks.vocab import IncidentKind, Level, Process

MEASURES_PREFIX = "measures"


def date_input() -> forms.DateInput:
    """The browser's date picker, showing a saved date as it expects it."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name if obj.organisation_id is None else f"{obj.name}（{obj.organisation.display_name}）"


class NameChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return getattr(obj, "display_name", None) or str(obj)


def _int_or_none(value):
    return int(value) if value not in (None, "") else None


# --- a risk point ------------------------------------------------------------------------------------------


class PointForm(StyledForm):
    """A risk point's own fields. The criteria, the likelihood and the impact are offered as the unit's rules
    say (rules risks.level_criteria and risks.matrix)."""

    post = NameChoice(
        label=pgettext_lazy("risk post", "Post"),
        queryset=Post.objects.none(),
        required=False,
        empty_label=_("No particular post"),
    )
    process = forms.ChoiceField(label=_("Business process"), required=False)
    title = forms.CharField(
        label=_("Risk point"), max_length=200, error_messages={"required": _("Name the risk point.")}
    )
    description = forms.CharField(
        label=_("Description of the risk"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the risk.")},
    )
    causes = forms.CharField(
        label=_("Causes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    criteria = forms.MultipleChoiceField(
        label=_("Criteria met"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one criterion: the level of a risk point comes from the criteria it meets.")
        },
    )
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, empty_value=None, required=False)
    level_reason = forms.CharField(
        label=_("Why another level"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the level set differs from the one the criteria give."),
    )
    likelihood = forms.TypedChoiceField(
        label=_("Likelihood"), coerce=int, error_messages={"required": _("Choose how likely the risk is.")}
    )
    impact = forms.TypedChoiceField(
        label=_("Impact"), coerce=int, error_messages={"required": _("Choose how serious its impact would be.")}
    )

    def __init__(self, *args, org: Organisation, posts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["post"].queryset = posts if posts is not None else Post.objects.none()
        self.fields["process"].choices = [("", _("—")), *Process.choices]
        self.fields["criteria"].choices = levels.criteria_choices(org_path=org.path)
        self.fields["criteria"].widget.attrs["class"] = "form-check-input"
        self.fields["level"].choices = [("", _("As the criteria give")), *Level.choices]
        grid = levels.matrix(org_path=org.path)
        self.matrix = grid
        self.fields["likelihood"].choices = [
            ("", _("Choose")),
            *((n, f"{n} · {label}") for n, label in grid.likelihood),
        ]
        self.fields["impact"].choices = [("", _("Choose")), *((n, f"{n} · {label}") for n, label in grid.impact)]

    def computed_level(self) -> int | None:
        """The level the ticked criteria give, for the page to show beside the checkboxes."""
        data = self.data.getlist(self.add_prefix("criteria")) if self.is_bound else self.initial.get("criteria")
        try:
            return levels.level_for(list(data or []), org_path=self.org.path)
        except forms.ValidationError:
            return None

    def point_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class PointEditForm(PointForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeasureForm(StyledForm):
    """One measure row: what is done, who owns it, by when. A row left blank is ignored."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("Measure"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = MemberChoice(
        label=_("Owner"), queryset=Member.objects.none(), required=False, empty_label=_("Choose a member")
    )
    due_on = forms.DateField(label=_("In place by"), required=False, widget=date_input())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else Member.objects.none()

    def clean(self):
        data = super().clean()
        text, owner = (data.get("text") or "").strip(), data.get("owner")
        if (owner or data.get("due_on")) and not text:
            self.add_error("text", _("Say what the measure is."))
        if text and owner is None and "owner" not in self.errors:
            self.add_error("owner", _("Name the member responsible for this measure."))
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("text") or data.get("owner") or data.get("due_on") or data.get("id"))


class BaseMeasureFormSet(forms.BaseFormSet):
    def measures(self) -> list[MeasureIn]:
        """The rows kept (not ticked for removal, not blank), for point_create / point_update."""
        rows = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.is_blank():
                continue
            data = form.cleaned_data
            rows.append(MeasureIn(data["text"], data["owner"], data.get("due_on"), data.get("id")))
        return rows


def measure_formset(data=None, *, people, initial=None, blank: int = 1):
    """The measure rows: those given in `initial` and `blank` empty ones (bound: as many as were sent)."""
    factory = forms.formset_factory(MeasureForm, formset=BaseMeasureFormSet, extra=blank, can_delete=True)
    return factory(data, initial=initial, prefix=MEASURES_PREFIX, form_kwargs={"people": people})


def measures_initial(point) -> list[dict]:
    return [{"id": m.pk, "text": m.text, "owner": m.owner_id, "due_on": m.due_on} for m in point.measures.all()]


def initial_from_post(data, *, form: forms.Form, rows: bool = True) -> tuple[dict, list[dict]]:
    """What the user typed, as initial values of an unbound form and measure rows ("add another measure"
    re-shows the form with one more row, without complaining about what is not filled in yet)."""
    initial = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field, forms.MultipleChoiceField):
            initial[name] = data.getlist(key)
        elif key in data:
            initial[name] = data.get(key)
    measures = []
    if rows:
        total = _int_or_none(data.get(f"{MEASURES_PREFIX}-TOTAL_FORMS")) or 0
        for i in range(min(total, 100)):
            key = f"{MEASURES_PREFIX}-{i}-"
            if data.get(key + "DELETE"):
                continue
            measures.append({name: data.get(key + name, "") for name in ("id", "text", "owner", "due_on")})
    return initial, measures


# --- the workflow ------------------------------------------------------------------------------------------


class TransitionForm(StyledForm):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=pgettext_lazy("risk point", "Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    opinion = forms.CharField(
        label=_("Discipline inspection's opinion"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why the risk point is returned."))
        if data.get("action") == "consult" and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("Write discipline inspection's opinion."))
        return data


# --- periodic reviews and incidents ------------------------------------------------------------------------


class ReviewForm(StyledForm):
    reviewed_on = forms.DateField(
        label=_("Reviewed on"), widget=date_input(), error_messages={"required": _("Give the day of the review.")}
    )
    measures_effective = forms.TypedChoiceField(
        label=_("Were the measures effective?"),
        choices=[("yes", _("Yes, effective")), ("no", _("No, not effective"))],
        coerce=lambda value: value == "yes",
    )
    conclusion = forms.CharField(
        label=_("Conclusion"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the review's conclusion.")},
    )
    level_after = forms.TypedChoiceField(label=_("Level after the review"), choices=Level.choices, coerce=int)
    problem = forms.CharField(
        label=_("Problem found"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Put it on the unit's rectification list, pointing at this review."),
    )
    problem_measures = forms.CharField(
        label=_("Rectification measures"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    problem_owner = MemberChoice(
        label=_("Person responsible"), queryset=Member.objects.none(), required=False, empty_label=_("Choose a member")
    )
    problem_due_on = forms.DateField(label=_("Deadline"), required=False, widget=date_input())

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problem_owner"].queryset = people if people is not None else Member.objects.none()

    def clean(self):
        data = super().clean()
        if (data.get("problem_owner") or data.get("problem_due_on") or data.get("problem_measures")) and not (
            data.get("problem") or ""
        ).strip():
            self.add_error("problem", _("Describe the problem to rectify, or leave its fields empty."))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        problem = {
            "problem": data.pop("problem", ""),
            "measures": data.pop("problem_measures", ""),
            "owner": data.pop("problem_owner", None),
            "due_on": data.pop("problem_due_on", None),
        }
        data["problem"] = problem if problem["problem"].strip() else None
        return data


class IncidentForm(RecordChoiceMixin, StyledForm):
    kind = forms.ChoiceField(
        label=pgettext_lazy("incident", "Kind"),
        choices=[("", _("What kind of incident?")), *IncidentKind.choices],
        error_messages={"required": _("Choose what kind of incident it is.")},
    )
    occurred_on = forms.DateField(
        label=_("Date"), widget=date_input(), error_messages={"required": _("Give the day it happened.")}
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what happened.")},
    )

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["record_kind"], data["record_id"] = self.record_pop(data)
        return data


# --- posts -------------------------------------------------------------------------------------------------


class PostForm(StyledForm):
    name = forms.CharField(
        label=pgettext_lazy("risk post", "Post"), max_length=80, error_messages={"required": _("Name the post.")}
    )
    department = NameChoice(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("—")
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()


class PostCreateForm(PostForm):
    unit = NameChoice(label=_("Unit"), queryset=Organisation.objects.none(), empty_label=None)

    field_order = ["unit", "department", "name"]

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Organisation.objects.none()
