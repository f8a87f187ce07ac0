"""What organisational life knows about a person, for cadres' integrity files and integrity opinion replies.

Registered with core.registry as a person-fact provider (risks reads it there and never imports this app):
the talks the member received (integrity and reminder talks above all, every kind listed) and the grade the
member was given in the democratic appraisal of the year.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from qinglian.core.registry import FACT_APPRAISAL, FACT_TALKS, PersonFact
from qinglian.orglife.models import AppraisalEntry, Talk


def talks_received(member, year: int | None) -> list[PersonFact]:
    """The talks in which the member was talked with (not those they held), with who talked and when."""
    talks = Talk.objects.filter(counterpart=member).select_related("initiator").order_by("talked_on", "pk")
    if year is not None:
        talks = talks.in_year(year)
    return [
        PersonFact(
            topic=FACT_TALKS,
            day=talk.talked_on,
            title=str(talk.get_kind_display()),
            detail=_("By {name} on {day}").format(name=talk.initiator.name, day=talk.talked_on.isoformat()),
            url=reverse("orglife:talk_detail", args=[talk.pk]),
        )
        for talk in talks
    ]


def appraisal_grades(member, year: int | None) -> list[PersonFact]:
    """The grade decided for the member in each democratic appraisal (a probationary member has none)."""
    entries = (
        AppraisalEntry.objects.filter(member=member)
        .exclude(final_grade="")
        .select_related("round__organisation")
        .order_by("round__year", "pk")
    )
    if year is not None:
        entries = entries.filter(round__year=year)
    return [
        PersonFact(
            topic=FACT_APPRAISAL,
            day=entry.round.decided_on or date(entry.round.year, 12, 31),
            title=_("Democratic appraisal {year}: {grade}").format(
                year=entry.round.year, grade=entry.get_final_grade_display()
            ),
            detail=entry.round.organisation.name,
            url=reverse("orglife:appraisal_detail", args=[entry.round_id]),
        )
        for entry in entries
    ]


def person_facts(member, year: int | None) -> list[PersonFact]:
    return talks_received(member, year) + appraisal_grades(member, year)


# The topics this provider keeps: a topic nobody keeps reads "not recorded in this system" rather than "none".
TOPICS = (FACT_TALKS, FACT_APPRAISAL)
