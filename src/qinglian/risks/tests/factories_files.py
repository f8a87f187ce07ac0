"""Factories of integrity files: cadres, their files opened through the services, sections filled in and moved
along the review, the people around a cadre (a colleague with a login, a named reviewer), valid identity numbers."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from qinglian.core.lib import idcard
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign
from qinglian.risks.models import FileSection
from qinglian.risks.services import files as services
from qinglian.risks.vocab import SectionKind

SPOUSE_ID = idcard.make("110101", date(1982, 3, 14), 124)
SON_ID = idcard.make("110105", date(2008, 9, 2), 315)


def cadre(member, *, post: str = "财务处处长", rank: str = "正处级"):
    """Mark a member of the register as a cadre with an administrative post."""
    member.is_cadre = True
    member.post = post
    member.rank = rank
    member.save(update_fields=["is_cadre", "post", "rank"])
    return member


def file_open(member, year: int | None = None):
    """The member (made a cadre) with their file of the year opened by the system."""
    if not member.is_cadre:
        cadre(member)
    return services.file_open(member=member, year=year or timezone.localdate().year, actor=None)


def section(file, kind: str) -> FileSection:
    return FileSection.objects.select_related("file__member__organisation", "file__member__user").get(
        file=file, kind=kind
    )


def family(spouse: str = "赵敏", *, spouse_id: str = SPOUSE_ID, son_id: str = "") -> dict:
    """A family section's content as the cadre types it."""
    return {
        "members": [
            {
                "relation": "spouse",
                "name": spouse,
                "birth_date": "1982-03-14",
                "id_number": spouse_id,
                "employer": "市第一中学",
                "position": "教师",
            },
            {"relation": "son", "name": "李小明", "birth_date": "2008-09-02", "id_number": son_id},
        ]
    }


def family_saved(file, *, spouse: str = "赵敏"):
    """The family section filled in by the system (as the cadre would)."""
    s = section(file, SectionKind.FAMILY)
    return services.section_save(section=s, data=family(spouse), actor=None, version=s.version)


def submitted(file, kind: str, data: dict | None = None):
    """A section filled in (when `data` is given) and submitted by the system."""
    s = section(file, kind)
    if data is not None:
        s = services.section_save(section=s, data=data, actor=None, version=s.version)
    return services.section_submit(section=s, version=s.version, actor=None)


def accepted(file, kind: str, data: dict | None = None, *, by=None):
    s = submitted(file, kind, data)
    return services.section_accept(section=s, version=s.version, actor=by)


def login_for(cast, member, username: str, *, role: str = "member"):
    """A login linked to `member`, holding `role` on the member's unit."""
    user = get_user_model().objects.create_user(username, f"{username}@example.cn", "pw", first_name=username.title())
    role_assign(
        user=user, role=Role.objects.get(code=role), organisation=member.organisation, include_subtree=False, actor=None
    )
    member.user = user
    member.save(update_fields=["user"])
    return user


def colleague(cast):
    """李娜 (a2, in branch_a's group) with a login of her own: the cadre's colleague."""
    return login_for(cast, cast.members["a2"], "colleague")


def plain_user(username: str):
    return get_user_model().objects.create_user(username, f"{username}@example.cn", "pw", first_name=username.title())


def reviewer(member, user, *, by, days: int | None = 30, reason: str = "干部考察"):
    """`user` named by `by` to read `member`'s files for `days` (no end when None)."""
    until = timezone.localdate() + timedelta(days=days) if days is not None else None
    return services.reviewer_grant(member=member, user=user, reason=reason, expires_on=until, actor=by)
