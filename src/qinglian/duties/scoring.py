"""Scoring a responsibility-assessment table: pure functions on Decimals, without the database.

The rule types of 党风廉政建设责任制考核 tables (duties.vocab.RuleKind; evaluation-methods §1.2):

- presence: full points when the thing was done, none otherwise ("有就得满分，没有得0分");
- count: k of the K required → k/K of the points (at most K counted: more does not make up elsewhere);
- deduction: `per` points off for each occurrence, never below the item's floor (0 by default) — the
  floor is per item, so one item's many occurrences never eat into another item;
- discretionary (酌情扣分): the rater takes off up to `max` points, saying why;
- tier: another assessment's grade mapped to points (A/B/C/D → 10/9/8/7);
- bonus: `per` points for each occurrence, at most the item's points; a section may also cap the bonus of
  its items together (`bonus_cap`), so that bonus never dominates the table;
- veto (一票否决): scores nothing, but when it is triggered the unit's grade is at most the item's grade.

Averaging the scores of several persons (each 班子成员 scored separately) is not a rule here: an item is
scored once per unit.

Every result is a Decimal rounded to the cent (half up), never above the item's points and never below 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from qinglian.duties.vocab import RuleKind

CENT = Decimal("0.01")
ZERO = Decimal(0)
# Items whose points make up the table's base total (bonus adds to it, veto scores nothing).
BASE_RULES = frozenset({RuleKind.PRESENCE, RuleKind.COUNT, RuleKind.DEDUCTION, RuleKind.DISCRETIONARY, RuleKind.TIER})


class ScoringError(ValueError):
    """An input the rule cannot score (a negative count, a tier the item does not know, a missing target)."""


def dec(value) -> Decimal:
    """A Decimal of a number given as int, str, float (by its shortest repr) or Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ScoringError(f"not a number: {value!r}") from None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _count(value) -> Decimal:
    if value is None or value == "":
        raise ScoringError("no count given")
    number = dec(value)
    if not number.is_finite() or number < 0:
        raise ScoringError(f"a count is never negative: {value!r}")
    return number


def item_score(rule: str, params: Mapping, points, value) -> Decimal:
    """The score of one item under its rule, for `value`: whether it was done (presence), the count achieved
    (count), the occurrences (deduction, bonus), the points taken off (discretionary), the tier (tier), or
    whether it was triggered (veto, which always scores 0)."""
    points = dec(points)
    if points < 0:
        raise ScoringError("an item's points are never negative")
    params = params or {}
    if rule == RuleKind.PRESENCE:
        done = _count(value) > 0 if not isinstance(value, bool) else value
        return cents(points if done else ZERO)
    if rule == RuleKind.COUNT:
        target = dec(params.get("target") or 0)
        if target <= 0:
            raise ScoringError("a count item needs a target above 0")
        achieved = min(_count(value), target)
        return cents(points * achieved / target)
    if rule == RuleKind.DEDUCTION:
        per, floor = dec(params.get("per", 1)), dec(params.get("floor", 0))
        floor = min(max(floor, ZERO), points)
        return cents(max(floor, points - _count(value) * per))
    if rule == RuleKind.DISCRETIONARY:
        most = min(dec(params.get("max", points)), points)
        taken = _count(value)
        if taken > most:
            raise ScoringError(f"at most {most} points may be taken off")
        return cents(points - taken)
    if rule == RuleKind.TIER:
        tiers = params.get("tiers") or {}
        if str(value) not in tiers:
            raise ScoringError(f"unknown tier {value!r}")
        return cents(min(max(dec(tiers[str(value)]), ZERO), points))
    if rule == RuleKind.BONUS:
        return cents(min(points, _count(value) * dec(params.get("per", 1))))
    if rule == RuleKind.VETO:
        return cents(ZERO)
    raise ScoringError(f"unknown rule {rule!r}")


def score_bounds(rule: str, params: Mapping, points) -> tuple[Decimal, Decimal]:
    """The lowest and highest score an item can be given by hand (the floor of a deduction, its points)."""
    points = dec(points)
    if rule == RuleKind.VETO:
        return ZERO, ZERO
    if rule == RuleKind.DEDUCTION:
        return min(max(dec((params or {}).get("floor", 0)), ZERO), points), points
    if rule == RuleKind.DISCRETIONARY:
        return max(ZERO, points - min(dec((params or {}).get("max", points)), points)), points
    return ZERO, points


def score_allowed(rule: str, params: Mapping, points, score) -> bool:
    """Whether a score typed by hand is one the rule can give: within the bounds, on the cent; for presence
    all or nothing; for a tier one of the tiers' points."""
    try:
        score = dec(score)
    except ScoringError:
        return False
    low, high = score_bounds(rule, params, points)
    if not score.is_finite() or score != cents(score) or not low <= score <= high:
        return False
    if rule == RuleKind.PRESENCE:
        return score in (ZERO, dec(points))
    if rule == RuleKind.TIER:
        return any(score == cents(min(dec(v), dec(points))) for v in ((params or {}).get("tiers") or {}).values())
    return True


def vetoes(rule: str, value) -> bool:
    """Whether a veto item is triggered by `value` (an occurrence count, or yes/no)."""
    if rule != RuleKind.VETO or value is None or value == "":
        return False
    return bool(value) if isinstance(value, bool) else _count(value) > 0


@dataclass(frozen=True)
class Item:
    """A scored item as the result needs it: a key, its rule, points and parameters, and its section's key."""

    key: Hashable
    rule: str
    points: Decimal
    params: Mapping = field(default_factory=dict)
    section: Hashable | None = None


@dataclass(frozen=True)
class Result:
    total: Decimal
    grade: str
    vetoed: bool
    base: Decimal  # the points of the base items: what a unit gets with everything done and no bonus
    bonus: Decimal  # the bonus counted, after the section caps
    zero_items: tuple = ()  # keys of base items with points that scored 0
    veto_items: tuple = ()  # keys of the veto items triggered


def grade_for(total: Decimal, grades: Iterable[Mapping], *, zero_item: bool = False) -> str:
    """The highest grade whose minimum the total reaches (and, for a grade asking it, with no item scored 0).

    `grades` are the table's thresholds, highest first: [{"grade": "优秀", "min": 90, "no_zero_item": true}, …].
    A total below every minimum gets the lowest grade.
    """
    grades = list(grades)
    if not grades:
        return ""
    for grade in grades:
        if total >= dec(grade.get("min", 0)) and not (zero_item and grade.get("no_zero_item")):
            return grade["grade"]
    return grades[-1]["grade"]


def _lower(grades: list[Mapping], first: str, second: str) -> str:
    names = [g["grade"] for g in grades]
    rank = {name: i for i, name in enumerate(names)}
    return names[max(rank.get(first, len(names) - 1), rank.get(second, len(names) - 1))]


def unit_result(
    items: Iterable[Item],
    scores: Mapping[Hashable, object],
    grades: Iterable[Mapping],
    *,
    bonus_caps: Mapping[Hashable, object] | None = None,
) -> Result:
    """A unit's total, grade and veto from its item scores.

    `scores` maps each item's key to its score (None counts as 0); for a veto item, to whether it was
    triggered (an occurrence count or yes/no). `bonus_caps` maps a section's key to the most its bonus items
    may add together. The grade is the thresholds' for the total, lowered to the ceiling of any veto
    triggered (to the lowest grade when the ceiling names no grade of the table).
    """
    grades = list(grades)
    bonus_caps = bonus_caps or {}
    base = total = ZERO
    bonus_by_section: dict[Hashable, Decimal] = {}
    zero_items, veto_items, ceilings = [], [], []
    for item in items:
        value = scores.get(item.key)
        if item.rule == RuleKind.VETO:
            if vetoes(item.rule, value):
                veto_items.append(item.key)
                ceilings.append(str((item.params or {}).get("grade") or ""))
            continue
        score = ZERO if value is None or value == "" else min(max(dec(value), ZERO), dec(item.points))
        if item.rule == RuleKind.BONUS:
            bonus_by_section[item.section] = bonus_by_section.get(item.section, ZERO) + score
            continue
        base += dec(item.points)
        total += score
        if score == 0 and dec(item.points) > 0:
            zero_items.append(item.key)
    bonus = ZERO
    for section, added in bonus_by_section.items():
        cap = bonus_caps.get(section)
        bonus += added if cap is None else min(added, max(dec(cap), ZERO))
    total = cents(total + bonus)
    grade = grade_for(total, grades, zero_item=bool(zero_items))
    for ceiling in ceilings:
        grade = _lower(grades, grade, ceiling) if grades else grade
    return Result(
        total=total,
        grade=grade,
        vetoed=bool(veto_items),
        base=cents(base),
        bonus=cents(bonus),
        zero_items=tuple(zero_items),
        veto_items=tuple(veto_items),
    )
