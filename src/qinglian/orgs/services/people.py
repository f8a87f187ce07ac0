"""Writes to the organisation register: each a keyword-only function that audits itself."""

from __future__ import annotations

from django.db import transaction
from pypinyin import lazy_pinyin

from qinglian.core.audit import audit_record
from qinglian.orgs.models import (
    Member,
    Organisation,
)


def full_pinyin(name: str) -> str:
    return " ".join(lazy_pinyin(name)).lower()


@transaction.atomic
def member_create(*, organisation: Organisation, name: str, gender: str, actor, **fields) -> Member:
    """Put a member on an organisation's register."""
    member = Member(
        organisation=organisation, name=name.strip(), gender=gender, name_pinyin=full_pinyin(name), **fields
    )
    member.full_clean()
    member.save()
    audit_record(
        actor=actor, action="member.create", obj=member, changes={"name": member.name, "organisation": organisation.pk}
    )
    return member
