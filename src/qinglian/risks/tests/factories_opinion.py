"""Factories of integrity opinion replies: a cadre with a year's integrity file, confirmed conflicts of interest,
person facts from a provider registered for the length of a test, and compiled replies."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from django.utils import timezone

from qinglian.core.registry import PersonFact, registry
from qinglian.risks.models import ConflictCheck, ConflictMatch, FileSection, IntegrityFile, Supplier
from qinglian.risks.services import opinion as services
from qinglian.risks.vocab import MatchBasis, MatchStatus, SectionKind, SectionStatus

REQUESTED_BY = "机关党委组织部"


def cadre(member, *, post: str = "办公室主任"):
    """Mark a member of the register as a cadre."""
    member.is_cadre = True
    member.post = post
    member.save(update_fields=["is_cadre", "post"])
    return member


def file_make(member, year: int | None = None, *, status: str = SectionStatus.SUBMITTED, wedding=True, gift=True):
    """A year's file with every section handed in (`status`), a wedding held and a gift handed in when asked."""
    year = year or timezone.localdate().year
    file = IntegrityFile.objects.create(member=member, year=year)
    now = timezone.now()
    data = {
        SectionKind.BASICS: {"post": member.post or "科员"},
        SectionKind.PERSONAL_MATTERS: {
            "trips": [{"destination": "日本", "start": f"{year}-07-01", "end": f"{year}-07-08", "reason": "探亲"}],
            "businesses": [
                {"relation": "spouse", "person": "赵敏", "company": "青莲建材有限公司", "role": "legal_representative"}
            ],
        },
        SectionKind.WEDDINGS_FUNERALS: {
            "events": [
                {
                    "occasion": "wedding",
                    "date": f"{year}-05-01",
                    "place": "市区酒店",
                    "guests": 80,
                    "gifts": "3000",
                    "reported": True,
                }
            ]
            if wedding
            else []
        },
        SectionKind.GIFTS: {
            "gifts": [
                {
                    "date": f"{year}-02-01",
                    "giver": "某供应商",
                    "items": "购物卡",
                    "value": "1000",
                    "handed_to": "机关纪委",
                }
            ]
            if gift
            else []
        },
    }
    for kind in SectionKind.values:
        handed = status != SectionStatus.DRAFT
        FileSection.objects.create(
            file=file,
            kind=kind,
            data=data.get(kind, {}),
            status=status,
            submitted_at=now if handed else None,
        )
    return file


def conflict_confirmed(member, *, by, supplier: str = "青莲建材有限公司"):
    """A confirmed conflict: the cadre's declared family business is a supplier of the agency."""
    org = member.organisation
    company = Supplier.objects.create(organisation=org, name=supplier, name_key=supplier, business="办公用品采购")
    run = ConflictCheck.objects.create(organisation=org, started_by=by, finished_at=timezone.now())
    return ConflictMatch.objects.create(
        check_run=run,
        organisation=org,
        member=member,
        supplier=company,
        declared=supplier,
        relation="配偶",
        basis=MatchBasis.NAME_EXACT,
        score=1.0,
        status=MatchStatus.CONFIRMED,
        decided_by=by,
        decided_at=timezone.now(),
        note="配偶任法定代表人，核实属实",
    )


@contextmanager
def person_facts(facts_by_member: dict, topics: tuple[str, ...]):
    """Register a provider of person facts (member pk -> [(topic, day, title, detail)]) for the `with` block."""

    def provider(member, year):
        return [
            PersonFact(topic=topic, day=day, title=title, detail=detail)
            for topic, day, title, detail in facts_by_member.get(member.pk, [])
            if year is None or day.year == year
        ]

    registry.add_person_facts(999, provider, topics=topics)
    try:
        yield provider
    finally:
        registry.remove_person_facts(provider)


def reply_make(member, actor, *, purpose: str = "promotion", requested_by: str = REQUESTED_BY, years: int = 3):
    return services.reply_compile(member=member, purpose=purpose, requested_by=requested_by, years=years, actor=actor)


def this_year(month: int = 3, day: int = 1) -> date:
    return date(timezone.localdate().year, month, day)
