"""The drill-down behind the study-hours indicators (registry.indicator_records): the sessions and the records
that give the hours of the members on the register of a unit's subtree in a year, up to a day.

A session is listed once (with how many of those members attended it and its hours), linking to its page; a
self-study record or training taken elsewhere is listed on its own, linking to the member's page. Self-study
counts towards the hours only up to the year's cap (study.hour_conversion), which the indicator applies.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import RECORDS_LIMIT, IndicatorRecord, IndicatorRecords
from qinglian.orgs.models import Member, Organisation
from qinglian.study.models import StudyRecord
from qinglian.study.vocab import RecordSource


def _hours(value) -> str:
    text = f"{value:f}".rstrip("0").rstrip(".")
    return _("%(hours)s h") % {"hours": text}


def hours_records(*, org: Organisation, year: int, on: date | None = None) -> IndicatorRecords:
    """The study sessions and the other study records behind the hours of `org`'s subtree, newest first."""
    on = on or timezone.localdate()
    records = StudyRecord.objects.filter(
        member__in=Member.objects.on_register().in_subtree(org), year=year, studied_on__lte=on
    )
    sessions = (
        records.filter(source=RecordSource.SESSION)
        .order_by()
        .values("session", "session__title", "session__held_on", "session__hours", "session__organisation__name")
        .annotate(n=Count("pk"))
        .order_by("-session__held_on", "-session")
    )
    others = records.exclude(source=RecordSource.SESSION).select_related("member").order_by("-studied_on", "-pk")
    total = sessions.count() + others.count()
    found: list[IndicatorRecord] = []
    for row in sessions[:RECORDS_LIMIT]:
        found.append(
            IndicatorRecord(
                label=f"{row['session__organisation__name']} · {row['session__title']}",
                url=reverse("study:session_detail", args=[row["session"]]),
                on=row["session__held_on"],
                value=_("%(hours)s × %(n)s members") % {"hours": _hours(row["session__hours"]), "n": row["n"]},
            )
        )
    labels = dict(RecordSource.choices)
    for record in others[:RECORDS_LIMIT]:
        found.append(
            IndicatorRecord(
                label=f"{record.member.name} · {labels[record.source]} · {record.title}",
                url=reverse("orgs:member_detail", args=[record.member_id]),
                on=record.studied_on,
                value=_hours(record.hours),
            )
        )
    found.sort(key=lambda r: r.on, reverse=True)
    return IndicatorRecords(found[:RECORDS_LIMIT], total)
