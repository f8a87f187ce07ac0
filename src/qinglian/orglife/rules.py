"""Reading organisational-life rules: how often each kind of meeting is due, for whom, with what quorum.

The values live in `fixtures/rules/*.json` (rules as data, with their source text); a unit tightens a
rule for its subtree by adding a version with its path (e.g. Party lectures every quarter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qinglian.core.lib.dates import add_months
from qinglian.core.rules import RuleMissing, rule_get
from qinglian.orglife.vocab import MeetingKind

FREQUENCY = "orglife.frequency."  # + the kind of meeting: the key of its frequency rule
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class KindRule:
    """The frequency and quorum rule for one kind of meeting, as in force for one unit on one day."""

    kind: str
    per: str  # month | quarter | year
    times: int
    org_kinds: tuple[str, ...]
    attendees: str  # members (the unit's register, subtree included) | committee (current committee)
    quorum: Fraction
    strict: bool  # more than the fraction (True) or at least it (False)
    day: int | None  # a fixed day of the month, where the unit set one
    rule_id: int
    source: str

    def applies_to(self, org) -> bool:
        return org.kind in self.org_kinds

    def quorum_met(self, present: int, expected: int) -> bool | None:
        """Whether `present` out of `expected` meets the quorum; None when nobody was expected."""
        if expected <= 0:
            return None
        share = Fraction(present, expected)
        return share > self.quorum if self.strict else share >= self.quorum

    def quorum_needed(self, expected: int) -> int:
        """The smallest number present that meets the quorum."""
        needed = self.quorum * expected
        whole = int(needed)
        if self.strict:
            return whole + 1
        return whole if whole == needed else whole + 1

    def periods(self, year: int) -> list[tuple[date, date]]:
        """The periods of a year as [start, end) pairs."""
        step = PERIOD_MONTHS[self.per]
        start = date(year, 1, 1)
        out = []
        while start.year == year:
            end = add_months(start, step)
            out.append((start, end))
            start = end
        return out


def kind_rule(kind: str, org, *, on: date) -> KindRule | None:
    """The rule for `kind` in force for `org` on `on`, or None when no version is in force."""
    try:
        rule = rule_get(FREQUENCY + kind, org_path=org.path, on=on)
    except RuleMissing:
        return None
    return kind_rule_of(kind, rule)


def kind_rule_of(kind: str, rule) -> KindRule:
    """The KindRule a stored version of `orglife.frequency.<kind>` says (for callers that read many at once)."""
    value = rule.value
    num, den = value.get("quorum", [1, 2])
    return KindRule(
        kind=kind,
        per=value["per"],
        times=int(value.get("times", 1)),
        org_kinds=tuple(value.get("org_kinds", ["branch"])),
        attendees=value.get("attendees", "members"),
        quorum=Fraction(int(num), int(den)),
        strict=bool(value.get("strict", True)),
        day=value.get("day"),
        rule_id=rule.pk,
        source=rule.source,
    )


def kind_rules(org, *, on: date) -> list[KindRule]:
    """The rules in force for every kind of meeting that applies to `org`."""
    out = []
    for kind in MeetingKind.values:
        rule = kind_rule(kind, org, on=on)
        if rule is not None and rule.applies_to(org):
            out.append(rule)
    return out


def rule_text(rule: KindRule) -> str:
    """The rule in a sentence: how often, the quorum, the fixed day."""
    often = {
        "month": ngettext("Once a month", "{n} times a month", rule.times),
        "quarter": ngettext("Once a quarter", "{n} times a quarter", rule.times),
        "year": ngettext("Once a year", "{n} times a year", rule.times),
    }[rule.per].format(n=rule.times)
    whom = _("the committee members") if rule.attendees == "committee" else _("the members")
    share = f"{rule.quorum.numerator}/{rule.quorum.denominator}"
    if rule.strict:
        quorum = _("more than {share} of {whom} present").format(share=share, whom=whom)
    else:
        quorum = _("at least {share} of {whom} present").format(share=share, whom=whom)
    parts = [often, quorum]
    if rule.day:
        parts.append(_("on day {day} of each month").format(day=rule.day))
    return _("; ").join(parts)
