"""Study points: off unless an organisation turns them on (rule `study.points`), capped per kind and day,
never paid twice for the same thing. No individual ranking is kept or shown anywhere."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.models import Rule
from qinglian.core.rules import RuleMissing, rule_get, rule_revise, rule_value
from qinglian.study.models import PointEntry
from qinglian.study.vocab import PointsKind

RULE = "study.points"


def points_rule(org_path: str, on: date | None = None) -> dict:
    """The points rule in force for a unit: {"enabled": bool, "rules": {kind: {"points", "daily_cap"}}}."""
    try:
        value = rule_value(RULE, org_path=org_path, on=on) or {}
    except RuleMissing:
        value = {}
    rules = {
        kind: dict(value.get("rules", {}).get(kind) or {"points": 0, "daily_cap": 0}) for kind in PointsKind.values
    }
    return {"enabled": bool(value.get("enabled", False)), "rules": rules}


def points_enabled(member) -> bool:
    return points_rule(member.organisation.path)["enabled"]


def points_award(*, member, kind: str, ref, on: date | None = None) -> PointEntry | None:
    """Give `member` the points of `kind` for `ref` (what earned them) if their organisation turned points on.

    Never more than the rule's daily cap for the kind (the remainder up to the cap, or nothing), never twice
    for the same (member, kind, ref). Returns the entry, or None when nothing was awarded.
    """
    day = on or timezone.localdate()
    rule = points_rule(member.organisation.path, on=day)
    if not rule["enabled"]:
        return None
    spec = rule["rules"].get(str(kind)) or {}
    points, cap = int(spec.get("points") or 0), int(spec.get("daily_cap") or 0)
    if points <= 0:
        return None
    ref = str(ref)[:40]
    mine = PointEntry.objects.filter(member=member, kind=kind)
    if mine.filter(ref=ref).exists():
        return None
    if cap > 0:
        earned = mine.filter(earned_on=day).aggregate(s=Sum("points"))["s"] or 0
        points = min(points, cap - earned)
        if points <= 0:
            return None
    try:
        with transaction.atomic():
            return PointEntry.objects.create(
                member=member, organisation=member.organisation, earned_on=day, kind=kind, points=points, ref=ref
            )
    except IntegrityError:  # the same thing awarded at the same moment by another request
        return None


def points_of(member, *, on: date | None = None) -> dict:
    """A member's points today and this year, with each kind's earned today / daily cap (like 学习强国's display)."""
    day = on or timezone.localdate()
    rule = points_rule(member.organisation.path, on=day)
    entries = PointEntry.objects.filter(member=member, earned_on__year=day.year)
    today = dict(entries.filter(earned_on=day).order_by().values_list("kind").annotate(s=Sum("points")))
    year = entries.aggregate(s=Sum("points"))["s"] or 0
    rows = [
        {
            "kind": kind,
            "label": label,
            "points": rule["rules"][kind].get("points", 0),
            "cap": rule["rules"][kind].get("daily_cap", 0),
            "earned": today.get(kind, 0),
        }
        for kind, label in PointsKind.choices
        if rule["rules"][kind].get("points")
    ]
    return {"enabled": rule["enabled"], "today": sum(today.values()), "year": year, "rules": rows}


@transaction.atomic
def points_configure(*, org, enabled: bool, rules: dict, effective_from: date, reason: str, actor) -> Rule:
    """Turn points on or off for `org`'s subtree and set each kind's points and daily cap, from `effective_from`
    (a new version of the rule `study.points` for the subtree, as a unit tightens any rule)."""
    clean = {}
    for kind in PointsKind.values:
        spec = rules.get(kind) or {}
        points, cap = int(spec.get("points") or 0), int(spec.get("daily_cap") or 0)
        if points < 0 or cap < 0 or points > 100 or cap > 1000:
            raise ValidationError(_("Points and caps are whole numbers from 0 to 100 (caps up to 1000)."))
        if points and cap and cap < points:
            raise ValidationError(_("A daily cap cannot be lower than the points of one award."))
        clean[kind] = {"points": points, "daily_cap": cap}
    base = rule_get(RULE, org_path=org.path, on=effective_from)
    return rule_revise(
        rule=base,
        value={"enabled": bool(enabled), "rules": clean},
        effective_from=effective_from,
        source=_("Set by {org}.").format(org=org.name),
        reason=reason,
        actor=actor,
        org_path=org.path,
    )
