"""What supervision and discipline knows about a person, for cadres' integrity files and integrity opinion replies.

Registered with core.registry as a person-fact provider of the topic "sanctions" (risks reads it there and never
imports this app): every outcome of the member's clues and cases that counts under one of the four forms — the
first form's talks and admonishments, sanctions, organisational handling, transfer to judicial organs — on the day it
was decided, with its effect period. An outcome changed on appeal is replaced by the outcome that changed it.

The facts carry no link: the integrity file is read by the cadre and by people outside the sealed compartment,
for whom a case page does not exist.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from qinglian.core.registry import FACT_SANCTIONS, PersonFact
from qinglian.discipline.models import Outcome
from qinglian.discipline.vocab import FORM_SHORT, Form

TOPICS = (FACT_SANCTIONS,)


def _detail(outcome: Outcome) -> str:
    parts = [str(FORM_SHORT[Form(outcome.form)])]
    if outcome.effect_ends_on:
        parts.append(
            _("effect period {months} months, until {day}").format(
                months=outcome.effect_months, day=outcome.effect_ends_on.isoformat()
            )
        )
    if outcome.supersedes.all():  # prefetched
        parts.append(_("decided on appeal"))
    return "; ".join(parts)


def sanction_facts(member, year: int | None) -> list[PersonFact]:
    """The member's outcomes that count under a form, decided in `year` (every year when None)."""
    outcomes = Outcome.objects.filter(subject_member=member, form__isnull=False, superseded_by__isnull=True)
    if year is not None:
        outcomes = outcomes.filter(decided_on__year=year)
    return [
        PersonFact(
            topic=FACT_SANCTIONS,
            day=outcome.decided_on,
            title=outcome.get_measure_display(),
            detail=_detail(outcome),
        )
        for outcome in outcomes.prefetch_related("supersedes").order_by("decided_on", "pk")
    ]
