"""Shared test helpers for discipline: a head of discipline inspection, and clues made straight in the database so
that each area's tests can start from a clue in any status without going through the others' services.

The usual world: the root committee's discipline inspection handles the clues; `inspector` (discipline_staff on the
root) is assigned as handler where a test says so; `lead_user(cast)` adds 纪委书记 "lead" (discipline_lead on the root,
with its subtree). The reported person is b1 王芳 of branch_b unless told otherwise.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from qinglian.discipline.models import Clue, ClueHandler
from qinglian.discipline.services.sealing import seal_identity
from qinglian.discipline.vocab import Category, ClueStatus, HandlerRole, Source
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign


def day(days: int = 0):
    return timezone.localdate() + timedelta(days=days)


def lead_user(cast, name: str = "lead"):
    """The head of discipline inspection on the root (discipline_lead with its subtree), added to the cast."""
    if name in cast.users:
        return cast.users[name]
    user = get_user_model().objects.create_user(name, f"{name}@example.cn", "pw", first_name="纪委书记")
    role_assign(
        user=user,
        role=Role.objects.get(code="discipline_lead"),
        organisation=cast.tree.root,
        include_subtree=True,
        actor=None,
    )
    cast.users[name] = user
    return user


def clue_make(
    cast,
    *,
    subject=None,
    status: str = ClueStatus.REGISTERED,
    handlers=("inspector",),
    summary: str = "反映其在办公用房装修采购中收受供应商购物卡。",
    category: str = Category.INTEGRITY,
    source: str = Source.LETTER,
    reporter: dict | None = None,
    received_on=None,
    number: str = "",
) -> Clue:
    """A clue of the root's discipline inspection about `subject` (a Member; b1 王芳 by default)."""
    subject = subject or cast.members["b1"]
    org = cast.tree.root
    year = (received_on or day()).year
    seq = (
        Clue.objects.filter(organisation=org, year=year).order_by("-seq").values_list("seq", flat=True).first() or 0
    ) + 1
    clue = Clue(
        organisation=org,
        year=year,
        seq=seq,
        number=number or f"纪线〔{year}〕{seq}号",
        source=source,
        received_on=received_on or day(-20),
        subject_member=subject,
        subject_name=subject.name,
        subject_unit=subject.organisation,
        category=category,
        summary=summary,
        status=status,
        owner=cast.users.get(handlers[0]) if handlers else None,
        dispose_due=day(10),
    )
    seal_identity(clue, reporter)
    clue.save()
    for name in handlers:
        ClueHandler.objects.create(clue=clue, user=cast.users[name], role=HandlerRole.HANDLER)
    return clue
