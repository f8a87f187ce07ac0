"""What responsibility assessment knows about a person, for cadres' integrity files and integrity opinion replies.

Registered with core.registry as a person-fact provider (risks reads it there and never imports this app): the
results of the finished assessments of the units on whose committee the member sat (as secretary, deputy,
commissioner or member) in the year assessed -- the responsibility a leading cadre carries for the unit.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import FACT_ASSESSMENT, PersonFact
from qinglian.duties.models import UnitAssessment
from qinglian.duties.vocab import RoundStatus
from qinglian.orgs.models import CommitteePost
from qinglian.orgs.vocab import PartyPost


def _held_in(seat: CommitteePost, year: int) -> bool:
    return seat.starts_on.year <= year and (seat.ends_on is None or seat.ends_on.year >= year)


def assessment_results(member, year: int | None) -> list[PersonFact]:
    """Each finished assessment of a unit whose committee the member sat on in the year assessed."""
    seats = list(
        CommitteePost.objects.filter(member=member)
        .exclude(post=PartyPost.GROUP_LEADER)
        .select_related("term")
        .order_by("starts_on", "pk")
    )
    if not seats:
        return []
    results = (
        UnitAssessment.objects.filter(organisation_id__in={seat.term.organisation_id for seat in seats})
        .filter(round__status=RoundStatus.FINISHED)
        .filter(Q(round__year=year) if year is not None else Q())
        .select_related("organisation", "round")
        .order_by("round__year", "pk")
    )
    facts = []
    for result in results:
        held = [s for s in seats if s.term.organisation_id == result.organisation_id and _held_in(s, result.round.year)]
        if not held:
            continue
        outcome = result.grade or "—"
        if result.total is not None:
            outcome = _("{grade}, {total} points").format(grade=outcome, total=format(result.total.normalize(), "f"))
        if result.vetoed:
            outcome = _("{outcome} (vetoed)").format(outcome=outcome)
        facts.append(
            PersonFact(
                topic=FACT_ASSESSMENT,
                day=timezone.localtime(result.round.finished_at).date() if result.round.finished_at else None,
                title=_("{unit} in {year}: {outcome}").format(
                    unit=result.organisation.name, year=result.round.year, outcome=outcome
                ),
                detail=_("{round}; {post} of the unit's committee").format(
                    round=result.round.title, post=held[0].get_post_display()
                ),
                url=reverse("duties:assessment_unit", args=[result.pk]),
            )
        )
    return facts


# The topics this provider keeps: a topic nobody keeps reads "not recorded in this system" rather than "none".
TOPICS = (FACT_ASSESSMENT,)
