"""Test data for conflict-of-interest checks: credit codes, identity numbers, suppliers and cadres' declarations.

Declarations are written straight into integrity-file sections in the shape `risks.sections` defines (the files
area's services are not needed to have something declared).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from qinglian.core import crypto
from qinglian.core.lib import idcard
from qinglian.risks.models import FileSection, IntegrityFile
from qinglian.risks.names import credit_code_make
from qinglian.risks.services.conflicts import supplier_create
from qinglian.risks.vocab import SectionKind, SectionStatus


def code(n: int, area: str = "110108") -> str:
    """A valid unified social credit code: 91 (an enterprise) + area + a running number + the check character."""
    return credit_code_make(f"91{area}MA{n:07d}")


def id_number(n: int, born: date = date(1978, 4, 12), address: str = "110101") -> str:
    return idcard.make(address, born, n % 1000)


CITIES = ("上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "重庆", "天津")


def branch_names(company: str = "恒信达科技有限公司", n: int = 10) -> list[str]:
    """Names of a company's branches in other cities: each its own supplier, all with the company's key."""
    return [f"{company}{city}分公司" for city in CITIES[:n]]


def supplier_make(organisation, name: str = "北京恒信达科技有限公司", **values):
    return supplier_create(organisation=organisation, actor=None, name=name, **values)


def family_row(relation: str, name: str, *, id_number: str = "", employer: str = "") -> dict:
    row = {"relation": relation, "name": name, "employer": employer}
    if id_number:
        number = idcard.normalise(id_number)
        row.update(
            id_number_cipher=crypto.encrypt(number),
            id_number_index=crypto.blind_index(number),
            id_number_masked=idcard.mask(number),
        )
    return row


def business_row(relation: str, person: str, company: str, *, credit_code: str = "", role: str = "owner") -> dict:
    return {"relation": relation, "person": person, "company": company, "credit_code": credit_code, "role": role}


def declare(
    member,
    *,
    year: int | None = None,
    family: list[dict] | None = None,
    businesses: list[dict] | None = None,
    status: str = SectionStatus.SUBMITTED,
) -> IntegrityFile:
    """Give a cadre a file for `year` with the family and personal-matters sections in `status`."""
    year = year or timezone.localdate().year
    file, _created = IntegrityFile.objects.get_or_create(member=member, year=year)
    submitted = None if status == SectionStatus.DRAFT else timezone.now()
    extra = {"return_reason": "请补充"} if status == SectionStatus.RETURNED else {}
    if family is not None:
        FileSection.objects.update_or_create(
            file=file,
            kind=SectionKind.FAMILY,
            defaults={"data": {"members": family}, "status": status, "submitted_at": submitted, **extra},
        )
    if businesses is not None:
        FileSection.objects.update_or_create(
            file=file,
            kind=SectionKind.PERSONAL_MATTERS,
            defaults={"data": {"businesses": businesses}, "status": status, "submitted_at": submitted, **extra},
        )
    return file
