"""Risk levels and the risk matrix, read from the rules (rules as data, each unit may tighten them):

- risks.level_criteria: the criteria a risk point may meet and how many of them give each level (the
  "five-criteria rule": three or more → level 1, two → level 2, one → level 3);
- risks.matrix: the likelihood and impact scales and the rating of each cell (low … extreme, with a colour);
- risks.review_months: how often a point of each level is reviewed.

Labels come in the language of the request (the rules carry Chinese and English).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qinglian.core.rules import rule_value
from qinglian.risks.vocab import LEVEL_SHORT, Level

LEVEL_CRITERIA, MATRIX, REVIEW_MONTHS = "risks.level_criteria", "risks.matrix", "risks.review_months"


def _label(entry: dict) -> str:
    """The entry's label in the active language (Chinese unless the page is in English)."""
    if (get_language() or "zh").startswith("en"):
        return entry.get("en") or entry.get("zh", "")
    return entry.get("zh") or entry.get("en", "")


# --- levels from criteria ----------------------------------------------------------------------------------


def criteria_choices(*, org_path: str = "", on: date | None = None) -> list[tuple[str, str]]:
    """(key, label) of each criterion of the rule in force for the unit."""
    value = rule_value(LEVEL_CRITERIA, org_path=org_path, on=on)
    return [(c["key"], _label(c)) for c in value["criteria"]]


def level_thresholds(*, org_path: str = "", on: date | None = None) -> list[tuple[int, int]]:
    """(level, how many criteria it needs at least), the most serious level first."""
    value = rule_value(LEVEL_CRITERIA, org_path=org_path, on=on)
    return sorted(((int(row["level"]), int(row["min_criteria"])) for row in value["levels"]), key=lambda r: r[0])


def criteria_clean(criteria, *, org_path: str = "", on: date | None = None) -> list[str]:
    """The criteria ticked, as the rule's keys in the rule's order; refuses none and unknown keys."""
    if not criteria:
        raise ValidationError(
            {"criteria": _("Tick at least one criterion: the level of a risk point comes from the criteria it meets.")}
        )
    if isinstance(criteria, str):
        criteria = [criteria]
    known = [key for key, _name in criteria_choices(org_path=org_path, on=on)]
    unknown = [str(key) for key in criteria if key not in known]
    if unknown:
        raise ValidationError(
            {"criteria": _("Unknown criterion “{key}”: choose among the criteria of the rule.").format(key=unknown[0])}
        )
    ticked = set(criteria)
    return [key for key in known if key in ticked]


def level_for(criteria, *, org_path: str = "", on: date | None = None) -> int:
    """The level (1, 2 or 3) the criteria met give under the rule in force for the unit."""
    count = len(criteria_clean(criteria, org_path=org_path, on=on))
    for level, needed in level_thresholds(org_path=org_path, on=on):
        if count >= needed:
            return level
    raise ValidationError(
        {"criteria": _("{n} criteria met are too few for any level under the unit's rule.").format(n=count)}
    )


def level_check(level) -> int:
    """A level the register knows (1, 2 or 3); anything else is refused."""
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = None
    if value not in Level.values:
        raise ValidationError(
            {"level": _("Unknown risk level “{level}”: a risk point is of level 1, 2 or 3.").format(level=level)}
        )
    return value


def level_short(level: int) -> str:
    """ "Level 1" … without the explanation (for badges and tables)."""
    return str(LEVEL_SHORT[level]) if level in LEVEL_SHORT else _("Level {n}").format(n=level)


# --- the matrix --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """One cell of the matrix: its rating's key, label and colour."""

    key: str
    label: str
    colour: str
    likelihood: int
    impact: int


@dataclass(frozen=True)
class Matrix:
    likelihood: list[tuple[int, str]]  # (1…n, label), the least likely first
    impact: list[tuple[int, str]]
    grid: list[list[str]]  # grid[likelihood - 1][impact - 1] -> rating key
    ratings: dict[str, tuple[str, str]]  # key -> (label, colour)

    def rating(self, likelihood, impact) -> Rating:
        try:
            row, column = int(likelihood), int(impact)
        except (TypeError, ValueError):
            row = column = 0
        errors = {}
        if not 1 <= row <= len(self.likelihood):
            errors["likelihood"] = _("Choose a likelihood from 1 to {n}.").format(n=len(self.likelihood))
        if not 1 <= column <= len(self.impact):
            errors["impact"] = _("Choose an impact from 1 to {n}.").format(n=len(self.impact))
        if errors:
            raise ValidationError(errors)
        key = self.grid[row - 1][column - 1]
        label, colour = self.ratings.get(key, (key, "#6c757d"))
        return Rating(key=key, label=label, colour=colour, likelihood=row, impact=column)

    def rows(self) -> list[tuple[int, str, list[Rating]]]:
        """The grid for display: the most likely row first, each with its cells from the least impact."""
        return [
            (row, label, [self.rating(row, column) for column, _name in self.impact])
            for row, label in reversed(self.likelihood)
        ]


def matrix(*, org_path: str = "", on: date | None = None) -> Matrix:
    value = rule_value(MATRIX, org_path=org_path, on=on)
    return Matrix(
        likelihood=[(i, _label(e)) for i, e in enumerate(value["likelihood"], start=1)],
        impact=[(i, _label(e)) for i, e in enumerate(value["impact"], start=1)],
        grid=value["grid"],
        ratings={r["key"]: (_label(r), r.get("colour", "#6c757d")) for r in value["ratings"]},
    )


def rating(likelihood, impact, *, org_path: str = "", on: date | None = None) -> Rating:
    """The matrix cell of a likelihood and an impact; out-of-range values are refused."""
    return matrix(org_path=org_path, on=on).rating(likelihood, impact)


# --- review cycle ------------------------------------------------------------------------------------------


def review_months(level: int, *, org_path: str = "", on: date | None = None) -> int:
    """How many months a point of this level may go without a review."""
    value = rule_value(REVIEW_MONTHS, org_path=org_path, on=on)
    level = level_check(level)
    months = value.get(str(level))
    if months is None:
        raise ValidationError(_("The rule of review cycles says nothing of level {n}.").format(n=level))
    return int(months)
