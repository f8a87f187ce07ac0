"""Indicators of discipline inspection, registered for evaluation (which reads modules only through them).

Signature of every indicator here (as orglife's):

    fn(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]

For many units at once (one query per indicator for all of them), keyed by organisation id. A unit's value covers
the clues about people of the unit and every unit below it (the reported person's unit, `subject_unit`), in `year`
up to `on` (default today). Access control is the caller's; only aggregates leave: no name, no content.

- discipline.first_form_share: of the persons-times under the four forms (outcomes in force decided in the year,
  counted as the four-forms statistics count them: one person on one clue once, under the heaviest form, a repeated
  report with the clue it repeats), the share under the first form. None when no one was counted.
- discipline.clues_per_100: clues received in the year (repeated reports not counted) per 100 members on the
  register of the subtree. None when the subtree has no member on the register.
- discipline.cases_filed: cases filed in the year on clues about people of the subtree (0 when none).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.discipline.models import Case, Clue, Outcome
from qinglian.discipline.services.stats import heaviest
from qinglian.discipline.vocab import ClueStatus
from qinglian.orgs.models import Member, Organisation, subtree_q, topmost


def _within(orgs: list[Organisation], prefix: str) -> Q:
    return reduce(or_, (subtree_q(top.path, prefix) for top in topmost(orgs)), Q(pk__in=[]))


def _per_path_sums(orgs: list[Organisation], counts: dict[str, int]) -> dict[int, int]:
    """Each unit's subtree total from counts per unit path."""
    return {org.pk: sum(n for path, n in counts.items() if path and path.startswith(org.path)) for org in orgs}


def first_form_share(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Share of the persons-times under the four forms that are under the first form, per unit subtree."""
    orgs = list(orgs)
    if not orgs:
        return {}
    on = on or timezone.localdate()
    outcomes = Outcome.objects.filter(
        _within(orgs, "subject_unit__"),
        superseded_by__isnull=True,
        form__isnull=False,
        decided_on__gte=date(year, 1, 1),
        decided_on__lte=min(on, date(year, 12, 31)),
    )
    items, _read = heaviest(outcomes)
    out: dict[int, float | None] = {}
    for org in orgs:
        mine = [item for item in items if item.unit_path.startswith(org.path)]
        out[org.pk] = sum(1 for item in mine if item.form == 1) / len(mine) if mine else None
    return out


def clues_per_100(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Clues received in the year about people of the subtree (repeats not counted) per 100 members on its register."""
    orgs = list(orgs)
    if not orgs:
        return {}
    on = on or timezone.localdate()
    clues = (
        Clue.objects.filter(
            _within(orgs, "subject_unit__"),
            received_on__gte=date(year, 1, 1),
            received_on__lte=min(on, date(year, 12, 31)),
        )
        .exclude(Q(repeat_of__isnull=False) | Q(status=ClueStatus.REPEATED))
        .order_by()
        .values_list("subject_unit__path")
        .annotate(n=Count("pk"))
    )
    members = (
        Member.objects.on_register()
        .filter(_within(orgs, "organisation__"))
        .order_by()
        .values_list("organisation__path")
        .annotate(n=Count("pk"))
    )
    found, register = _per_path_sums(orgs, dict(clues)), _per_path_sums(orgs, dict(members))
    return {org.pk: (100 * found[org.pk] / register[org.pk] if register[org.pk] else None) for org in orgs}


def cases_filed(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Cases filed in the year on clues about people of the subtree."""
    orgs = list(orgs)
    if not orgs:
        return {}
    on = on or timezone.localdate()
    cases = (
        Case.objects.filter(
            _within(orgs, "clue__subject_unit__"),
            filed_on__gte=date(year, 1, 1),
            filed_on__lte=min(on, date(year, 12, 31)),
        )
        .order_by()
        .values_list("clue__subject_unit__path")
        .annotate(n=Count("pk"))
    )
    return {pk: float(n) for pk, n in _per_path_sums(orgs, dict(cases)).items()}


def register() -> None:
    registry.add_indicator("discipline.first_form_share", first_form_share)
    registry.add_indicator("discipline.clues_per_100", clues_per_100)
    registry.add_indicator("discipline.cases_filed", cases_filed)
