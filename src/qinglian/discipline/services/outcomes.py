"""Recording outcomes: every measure taken on a clue or a case, for one person, with the form it counts under
(rule `discipline.forms`) and, for a sanction, its effect period (rule `discipline.sanctions`) and end date.

Both disposal (first-form measures, clearing up, transfer) and cases (sanctions, organisational handling, judicial
transfer) record through `outcome_record`, so the four-forms statistics read one table.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.lib.dates import add_months
from qinglian.core.rules import rule_value
from qinglian.discipline.models import Case, Clue, Outcome
from qinglian.discipline.vocab import MEASURE_FAMILY, Family, Measure


def form_of(measure: str, *, org_path: str, on: date) -> int | None:
    """The form (1-4) a measure counts under on a day, by the rule then in force; None for clearing up."""
    value = rule_value("discipline.forms", org_path=org_path, on=on).get(measure)
    return int(value) if value else None


def effect_months(measure: str, *, org_path: str, on: date, months: int | None = None) -> int | None:
    """A sanction's effect period in months by the rule; where the rule offers a choice (留党察看: 1 or 2 years)
    `months` picks one of them and is required."""
    rule = rule_value("discipline.sanctions", org_path=org_path, on=on)
    if measure not in rule:
        return None
    allowed = rule[measure]
    if allowed is None:
        return None
    if isinstance(allowed, list):
        if months not in allowed:
            raise ValidationError(
                {
                    "effect_months": _("Choose the effect period: {choices} months.").format(
                        choices=" / ".join(str(m) for m in allowed)
                    )
                }
            )
        return months
    return int(allowed)


def outcome_record(
    *,
    clue: Clue,
    measure: str,
    decided_on: date,
    actor,
    case: Case | None = None,
    months: int | None = None,
    note: str = "",
) -> Outcome:
    """Record one outcome for the clue's reported person, in the caller's transaction."""
    if measure not in Measure.values:
        raise ValidationError({"measure": _("“{value}” is not an outcome this system knows.").format(value=measure)})
    family = MEASURE_FAMILY[Measure(measure)]
    if family in (Family.PARTY, Family.ADMIN, Family.ORGANISATIONAL, Family.JUDICIAL) and case is None:
        raise ValidationError({"measure": _("A sanction, organisational handling or judicial transfer needs a case.")})
    path = clue.organisation.path
    period = effect_months(measure, org_path=path, on=decided_on, months=months)
    outcome = Outcome.objects.create(
        clue=clue,
        case=case,
        subject_member=clue.subject_member,
        subject_name=clue.subject_name,
        subject_unit=clue.subject_unit,
        source=clue.source,
        measure=measure,
        family=family,
        form=form_of(measure, org_path=path, on=decided_on),
        decided_on=decided_on,
        effect_months=period,
        effect_ends_on=add_months(decided_on, period) if period else None,
        note=note,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="discipline.outcome.record",
        obj=clue,
        changes={"measure": measure, "form": outcome.form, "decided_on": decided_on.isoformat()},
        sealed=True,
    )
    return outcome
