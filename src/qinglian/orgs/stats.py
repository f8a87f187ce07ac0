"""The usual Party statistics table (党内统计): members of each direct child organisation by
category, gender, ethnicity, age band and education.

One aggregate query for the whole table: members of the subtree grouped by the first step of
their organisation's path below the chosen organisation, each count a conditional COUNT. Its cost
follows the number of members in the subtree, not the number of child organisations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import STEP, Member, Organisation
from qinglian.orgs.models.people import born_between_q
from qinglian.orgs.vocab import AGE_BANDS, Education

HAN = "汉族"


def stats_columns(today: date | None = None) -> list[tuple[str, object, Q | None]]:
    """(key, label, condition) of each column; None counts every member on the register."""
    today = today or timezone.localdate()
    columns: list[tuple[str, object, Q | None]] = [
        ("total", _("On the register"), None),
        ("full", _("Full members"), Q(category=Member.Category.FULL)),
        ("probationary", _("Probationary"), Q(category=Member.Category.PROBATIONARY)),
        ("male", _("Men"), Q(gender=Member.Gender.MALE)),
        ("female", _("Women"), Q(gender=Member.Gender.FEMALE)),
        ("minority", _("Ethnic minorities"), ~Q(ethnicity=HAN) & ~Q(ethnicity="")),
    ]
    for i, (youngest, oldest, label) in enumerate(AGE_BANDS):
        columns.append((f"age{i}", label, born_between_q(youngest, oldest, on=today)))
    for value, label in Education.choices:
        columns.append((f"edu_{value}", label, Q(education=value)))
    return columns


@dataclass
class StatsRow:
    organisation: Organisation | None  # None: the total row; the parent itself: members registered on it directly
    counts: dict[str, int] = field(default_factory=dict)
    is_total: bool = False
    is_self: bool = False


def member_statistics(*, user, parent: Organisation) -> tuple[list[tuple[str, object]], list[StatsRow]]:
    """The columns and the rows (each direct child, members on the parent itself if any, and the total).

    Counts only members the user may see (`member.view`): two queries, the children and the counts.
    """
    columns = stats_columns()
    prefix_length = len(parent.path) + STEP
    members = Member.objects.visible_to(user).in_subtree(parent).on_register()
    aggregates = {key: Count("pk", filter=condition) if condition is not None else Count("pk")
                  for key, _label, condition in columns}  # fmt: skip
    grouped = (
        members.annotate(branch=Substr("organisation__path", 1, prefix_length))
        .values("branch")
        .annotate(**aggregates)
        .order_by()
    )
    by_branch = {row.pop("branch"): row for row in grouped}
    children = list(parent.children.order_by("path"))
    zero = {key: 0 for key, _label, _condition in columns}
    rows = [StatsRow(child, by_branch.get(child.path, dict(zero))) for child in children if child.is_active
            or child.path in by_branch]  # fmt: skip
    if parent.path in by_branch:
        rows.insert(0, StatsRow(parent, by_branch[parent.path], is_self=True))
    total = {key: sum(row.get(key, 0) for row in by_branch.values()) for key in zero}
    rows.append(StatsRow(None, total, is_total=True))
    return [(key, label) for key, label, _condition in columns], rows
