"""Forms of responsibility assessment: a score table, its grades and its items (with each rule's parameters), a
round, a unit's self-score and the assessor's score of an item, the result with its feedback, a send-back."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.core.registry import registry
from qinglian.duties.vocab import RuleKind

FIRST_YEAR, LAST_YEAR = 2000, 2100
GRADE_ROWS = 6
POINTS = {"max_digits": 6, "decimal_places": 2, "min_value": Decimal(0), "max_value": Decimal(1000)}
NUMBER = forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def plain_number(value):
    """A Decimal as people write it in a form: 3 rather than 3.00."""
    if value is None:
        return None
    return int(value) if value == int(value) else value.normalize()


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


def points_field(label, *, required=False, help_text="", **extra) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, help_text=help_text, widget=NUMBER, **{**POINTS, **extra})


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class UnitsChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return obj.name


class TableChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.year} · {obj.title} · {obj.organisation.name}"


class VersionForm(StyledForm):
    version = version_field()


# --- tables -----------------------------------------------------------------------------------------------------


class TableCreateForm(StyledForm):
    START_CHOICES = [
        ("default", _("The default table (100 points, every kind of rule)")),
        ("blank", _("An empty table")),
        ("copy", _("A copy of another table")),
    ]
    organisation = UnitChoice(label=_("Assessing unit"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    title = forms.CharField(label=_("Title"), max_length=200)
    start = forms.ChoiceField(label=_("Start from"), choices=START_CHOICES, widget=forms.RadioSelect)
    copy_from = TableChoice(label=_("Table to copy"), queryset=None, required=False)

    def __init__(self, *args, units, tables, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units
        self.fields["copy_from"].queryset = tables
        self.fields["start"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("start") == "copy" and not data.get("copy_from"):
            self.add_error("copy_from", _("Choose the table to copy."))
        return data


class TableForm(StyledForm):
    """The title and the grade thresholds, a row per grade (highest first; empty rows are left out)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    version = version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(GRADE_ROWS):
            self.fields[f"grade_{i}"] = forms.CharField(label=_("Grade"), max_length=20, required=False)
            self.fields[f"min_{i}"] = points_field(_("From (points)"))
            self.fields[f"nozero_{i}"] = forms.BooleanField(label=_("No item scored 0"), required=False)
        for name, field in self.fields.items():
            if name.startswith("nozero_"):
                field.widget.attrs["class"] = "form-check-input"

    @staticmethod
    def initial_for(table) -> dict:
        initial = {"title": table.title, "version": table.version}
        for i, grade in enumerate(table.grades[:GRADE_ROWS]):
            initial.update(
                {f"grade_{i}": grade["grade"], f"min_{i}": grade["min"], f"nozero_{i}": grade.get("no_zero_item")}
            )
        return initial

    def grade_rows(self) -> list:
        return [(self[f"grade_{i}"], self[f"min_{i}"], self[f"nozero_{i}"]) for i in range(GRADE_ROWS)]

    def grades(self) -> list[dict]:
        data = self.cleaned_data
        rows = []
        for i in range(GRADE_ROWS):
            name = (data.get(f"grade_{i}") or "").strip()
            if not name:
                continue
            rows.append({"grade": name, "min": data.get(f"min_{i}") or 0, "no_zero_item": data.get(f"nozero_{i}")})
        return rows


def tiers_text(tiers: dict) -> str:
    return ", ".join(f"{label}={value}" for label, value in (tiers or {}).items())


def tiers_parse(text: str) -> dict:
    """ "A=10, B=9; C=8" → {"A": "10", "B": "9", "C": "8"}; the service checks the numbers."""
    out = {}
    for part in re.split(r"[,，;；\n]+", text or ""):
        if not part.strip():
            continue
        label, sep, value = part.partition("=")
        if not sep:
            label, sep, value = part.partition("＝")
        if not sep or not label.strip() or not value.strip():
            raise forms.ValidationError(_("Write each tier as name=points, like A=10, B=9."))
        out[label.strip()] = value.strip()
    return out


class ItemForm(StyledForm):
    """A line of a table. A section heading has a number, a title and perhaps a bonus cap; an item has its
    section, points, rule and the rule's parameters (the fields the rule does not read are ignored)."""

    section = forms.ModelChoiceField(label=_("Section"), queryset=None, required=False)
    code = forms.CharField(label=_("Number"), max_length=20)
    title = forms.CharField(label=_("Item"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    points = points_field(_("Points"), help_text=_("For a bonus item, the most it adds; a veto item has 0."))
    rule = forms.ChoiceField(label=_("Scoring rule"), choices=RuleKind.choices)
    evidence = forms.CharField(
        label=_("Evidence required"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    indicator = forms.CharField(
        label=_("Filled from records"),
        required=False,
        max_length=80,
        help_text=_("The code of an indicator registered by a module; leave empty to score by hand."),
    )
    order = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=32000)
    # the rules' parameters
    target = points_field(_("Target (K)"), help_text=_("Count: what is required; k of K gives k/K of the points."))
    target_indicator = forms.CharField(
        label=_("Target from records"),
        required=False,
        max_length=80,
        help_text=_("Count: an indicator giving the target per unit (e.g. the meetings required)."),
    )
    percent = forms.BooleanField(label=_("The indicator gives a share (scored as a percentage of 100)"), required=False)
    per = points_field(_("Points per occurrence"), help_text=_("Deduction: taken off; bonus: added."))
    floor = points_field(_("Floor"), help_text=_("Deduction: the item never scores below this (0 by default)."))
    max_deduction = points_field(_("Most taken off"), help_text=_("Discretionary deduction: the range is 0 to this."))
    tiers = forms.CharField(
        label=_("Tiers"), required=False, max_length=300, help_text=_("Tier: name=points, like A=10, B=9, C=8, D=7.")
    )
    veto_grade = forms.ChoiceField(label=_("Grade at most"), required=False)
    bonus_cap = points_field(
        _("Bonus cap of the section"), help_text=_("The most the section's bonus items add together.")
    )
    version = version_field()

    PARAM_FIELDS = {
        RuleKind.COUNT: ("target", "target_indicator", "percent"),
        RuleKind.DEDUCTION: ("per", "floor"),
        RuleKind.DISCRETIONARY: ("max_deduction",),
        RuleKind.TIER: ("tiers",),
        RuleKind.BONUS: ("per",),
        RuleKind.VETO: ("veto_grade",),
    }

    def __init__(self, *args, table, is_section: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_section = is_section
        self.fields["section"].queryset = table.items.filter(section__isnull=True).order_by("order", "pk")
        self.fields["section"].label_from_instance = lambda s: f"{s.code} {s.title}"
        self.fields["veto_grade"].choices = [(g["grade"], g["grade"]) for g in table.grades]
        self.fields["indicator"].widget.attrs["list"] = "indicator-codes"
        self.fields["target_indicator"].widget.attrs["list"] = "indicator-codes"
        self.fields["percent"].widget.attrs["class"] = "form-check-input"
        if is_section:
            for name in ("section", "points", "rule", "evidence", "indicator", *self.rule_fields()):
                del self.fields[name]
        else:
            del self.fields["bonus_cap"]
            self.fields["section"].required = True
            self.fields["points"].required = True

    @classmethod
    def rule_fields(cls) -> list[str]:
        return sorted({name for names in cls.PARAM_FIELDS.values() for name in names})

    @staticmethod
    def indicator_codes() -> list[str]:
        return sorted(registry.indicators)

    @classmethod
    def initial_for(cls, item) -> dict:
        params = item.params or {}
        initial = {
            "section": item.section_id,
            "code": item.code,
            "title": item.title,
            "points": plain_number(item.points),
            "rule": item.rule,
            "evidence": item.evidence,
            "indicator": item.indicator,
            "order": item.order,
            "target": params.get("target"),
            "target_indicator": params.get("target_indicator", ""),
            "percent": params.get("percent", False),
            "per": params.get("per"),
            "floor": params.get("floor"),
            "max_deduction": params.get("max"),
            "tiers": tiers_text(params.get("tiers")),
            "veto_grade": params.get("grade"),
            "bonus_cap": params.get("bonus_cap"),
        }
        return initial

    def clean_tiers(self):
        return tiers_parse(self.cleaned_data.get("tiers", ""))

    def params(self) -> dict:
        data = self.cleaned_data
        if self.is_section:
            return {"bonus_cap": data["bonus_cap"]} if data.get("bonus_cap") is not None else {}
        rule = data.get("rule")
        if rule == RuleKind.COUNT:
            if data.get("percent"):
                return {"percent": True}
            if data.get("target_indicator"):
                return {"target_indicator": data["target_indicator"]}
            return {"target": data.get("target")}
        if rule == RuleKind.DEDUCTION:
            return {"per": data.get("per") or 1, "floor": data.get("floor") or 0}
        if rule == RuleKind.DISCRETIONARY:
            return {"max": data.get("max_deduction") if data.get("max_deduction") is not None else data.get("points")}
        if rule == RuleKind.TIER:
            return {"tiers": data.get("tiers") or {}}
        if rule == RuleKind.BONUS:
            return {"per": data.get("per") or 1}
        if rule == RuleKind.VETO:
            return {"grade": data.get("veto_grade", "")}
        return {}

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {"code": data["code"], "title": data["title"], "order": data.get("order"), "params": self.params()}
        if not self.is_section:
            fields.update(
                section=data["section"],
                points=data["points"],
                rule=data["rule"],
                evidence=data.get("evidence", ""),
                indicator=data.get("indicator", ""),
            )
        return fields


# --- rounds -----------------------------------------------------------------------------------------------------


class RoundForm(StyledForm):
    table = TableChoice(label=_("Score table"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("Year assessed"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    title = forms.CharField(label=_("Title"), max_length=200)
    units = UnitsChoice(label=_("Units assessed"), queryset=None)
    self_due = forms.DateField(label=_("Self-scoring due"), required=False, widget=date_input())
    assess_due = forms.DateField(label=_("Assessment due"), required=False, widget=date_input())
    version = version_field()

    def __init__(self, *args, tables, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["table"].queryset = tables
        self.fields["units"].queryset = units
        self.fields["units"].widget.attrs["class"] = "form-check-input"
        if editing:
            del self.fields["table"]
            del self.fields["year"]


# --- scoring ----------------------------------------------------------------------------------------------------


class SelfScoreForm(StyledForm):
    self_score = points_field(_("Self-score"))
    self_note = forms.CharField(
        label=_("What the unit did"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()


class AssessForm(StyledForm):
    """The assessor's score of an item: what the rule reads (count or tier) or the score, and a comment."""

    count = forms.DecimalField(
        label=_("Count"), required=False, min_value=0, max_digits=10, decimal_places=2, widget=NUMBER
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False)
    value = points_field(_("Score"))
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()

    COUNT_LABELS = {
        RuleKind.COUNT: _("Achieved (k)"),
        RuleKind.DEDUCTION: _("Occurrences"),
        RuleKind.DISCRETIONARY: _("Points taken off"),
        RuleKind.BONUS: _("Occurrences"),
        RuleKind.VETO: _("Cases that happened"),
    }

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        tiers = (item.params or {}).get("tiers") or {}
        self.fields["tier"].choices = [("", "—")] + [(k, f"{k} ({v})") for k, v in tiers.items()]
        if item.rule in self.COUNT_LABELS:
            self.fields["count"].label = self.COUNT_LABELS[item.rule]
        else:
            del self.fields["count"]
        if item.rule != RuleKind.TIER:
            del self.fields["tier"]
        if item.rule in (RuleKind.VETO, RuleKind.TIER):
            del self.fields["value"]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "count": data.get("count"),
            "tier": data.get("tier", ""),
            "value": data.get("value"),
            "comment": data.get("comment", ""),
            "version": data.get("version"),
        }


class FinishForm(StyledForm):
    feedback = forms.CharField(
        label=_("Feedback to the unit"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What it did well and what to improve; the unit reads it with its result."),
    )
    version = version_field()


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label=_("What to complete or correct"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()
