"""A unit tightening a frequency rule of organisational life for its subtree (never loosening it)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.models import Rule
from qinglian.core.rules import RuleMissing, rule_get, rule_revise
from qinglian.orglife.rules import FREQUENCY, PERIOD_MONTHS, kind_rule_of
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.models import STEP, Organisation


def frequency_floor(kind: str, org: Organisation, *, on: date) -> Rule | None:
    """The version a unit may only tighten: the one in force for its parent (the system one at the top)."""
    parent_path = org.path[:-STEP] if len(org.path) > STEP else ""
    try:
        return rule_get(FREQUENCY + kind, org_path=parent_path, on=on)
    except RuleMissing:
        return None


@transaction.atomic
def frequency_tighten(
    *,
    org: Organisation,
    kind: str,
    per: str,
    times: int,
    quorum: tuple[int, int],
    strict: bool,
    day: int | None,
    effective_from: date,
    source: str,
    reason: str,
    actor,
) -> Rule:
    """Add a version of `kind`'s frequency rule for `org`'s subtree from `effective_from`.

    Only a tightening is accepted: periods no longer than the floor's (the rule in force for the
    parent), at least as many meetings a year, a quorum at least as high, the same fixed day if the
    floor sets one. Whom it applies to and who attends stay the floor's.
    """
    if kind not in MeetingKind.values:
        raise ValidationError(_("Unknown kind of meeting: {kind}.").format(kind=kind))
    floor = frequency_floor(kind, org, on=effective_from)
    if floor is None:
        raise ValidationError(_("No rule for this kind of meeting is in force on that day."))
    base = kind_rule_of(kind, floor)
    errors = []
    if per not in PERIOD_MONTHS:
        errors.append(_("Choose a month, a quarter or a year."))
    elif PERIOD_MONTHS[per] > PERIOD_MONTHS[base.per]:
        errors.append(
            _("The period cannot be longer than the rule above (every {per}).").format(per=PER_LABELS[base.per])
        )
    elif times * 12 // PERIOD_MONTHS[per] < base.times * 12 // PERIOD_MONTHS[base.per]:
        errors.append(
            _("At least {n} meetings a year are required by the rule above.").format(
                n=base.times * 12 // PERIOD_MONTHS[base.per]
            )
        )
    if not 1 <= times <= 31:
        errors.append(_("Give between 1 and 31 meetings per period."))
    num, den = quorum
    if den <= 0 or not 0 < num <= den:
        errors.append(_("The quorum must be a fraction between 0 and 1."))
    elif Fraction(num, den) < base.quorum or (Fraction(num, den) == base.quorum and base.strict and not strict):
        errors.append(_("The quorum cannot be lower than the rule above."))
    if day is not None and not 1 <= day <= 28:
        errors.append(_("The fixed day must be between the 1st and the 28th."))
    if base.day and day != base.day:
        errors.append(_("The rule above fixes the day on the {day}th; keep it.").format(day=base.day))
    if day is not None and per != "month":
        errors.append(_("A fixed day is only for a monthly rule."))
    if not source.strip():
        errors.append(_("Quote the unit's own document that sets the stricter rule."))
    if errors:
        raise ValidationError(errors)
    value = {
        **floor.value,
        "per": per,
        "times": times,
        "quorum": [num, den],
        "strict": strict,
    }
    if day is not None or "day" in floor.value:
        value["day"] = day
    return rule_revise(
        rule=floor,
        value=value,
        effective_from=effective_from,
        source=source.strip(),
        actor=actor,
        reason=reason,
        org_path=org.path,
    )


PER_LABELS = {
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
}
