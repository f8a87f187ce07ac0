"""Indicators of work-plan tasks, registered for evaluation (which reads modules only through them).

    fn(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]

Each unit's value covers the tasks of the unit and of every unit below it (every task is tracked on its own:
one passed down to five branches counts five times), for the tasks whose deadline falls in `year`, as the
tasks stand now, seen on `on` (default today). Access control is the caller's.

- duties.tasks_on_time_rate: tasks accepted by their deadline over the tasks due: those whose deadline has
  passed by `on`, and those accepted already. None when no task is due.
- duties.tasks_overdue: tasks past their deadline on `on` and not yet submitted or accepted.

Drill-down (registry.indicator_records): `task_records(*, org, year, on=None)` lists the tasks counted as due for
the on-time rate, newest deadline first, each linking to its page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import RECORDS_LIMIT, IndicatorRecord, IndicatorRecords, registry
from qinglian.duties.models import Task
from qinglian.duties.vocab import TASK_OPEN, TaskStatus
from qinglian.orgs.models import PATH_END, Organisation, subtree_q, topmost


def _counts(orgs: list[Organisation], year: int, on: date) -> dict[str, dict[str, int]]:
    """Per unit path: tasks due, accepted on time and overdue; one query for all the subtrees asked about."""
    tops = topmost(orgs)
    if not tops:
        return {}
    within = Q(pk__in=[])
    for top in tops:
        within |= Q(organisation__path__gte=top.path, organisation__path__lt=top.path + PATH_END)
    accepted = Q(status=TaskStatus.ACCEPTED)
    rows = (
        Task.objects.carried_out()
        .filter(within, due_on__year=year)
        .exclude(status=TaskStatus.DRAFT)
        .values(path=F("organisation__path"))
        .annotate(
            due=Count("pk", filter=Q(due_on__lt=on) | accepted),
            on_time=Count("pk", filter=accepted & Q(accepted_on__lte=F("due_on"))),
            overdue=Count("pk", filter=Q(status__in=TASK_OPEN, due_on__lt=on) & ~Q(status=TaskStatus.SUBMITTED)),
        )
        .order_by()
    )
    return {row["path"]: row for row in rows}


def _subtree_sum(counts: dict[str, dict[str, int]], org: Organisation, key: str) -> int:
    return sum(row[key] for path, row in counts.items() if path.startswith(org.path))


def tasks_on_time_rate(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Share of the tasks due in the year that were accepted by their deadline, per unit subtree."""
    orgs = list(orgs)
    counts = _counts(orgs, year, on or timezone.localdate())
    out: dict[int, float | None] = {}
    for org in orgs:
        due = _subtree_sum(counts, org, "due")
        out[org.pk] = _subtree_sum(counts, org, "on_time") / due if due else None
    return out


def tasks_overdue(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Tasks due in the year that are past their deadline and not yet submitted, per unit subtree."""
    orgs = list(orgs)
    counts = _counts(orgs, year, on or timezone.localdate())
    return {org.pk: float(_subtree_sum(counts, org, "overdue")) for org in orgs}


def task_records(*, org: Organisation, year: int, on: date | None = None) -> IndicatorRecords:
    """The tasks of the unit's subtree counted as due in the on-time rate, latest deadline first."""
    on = on or timezone.localdate()
    tasks = (
        Task.objects.carried_out()
        .filter(subtree_q(org.path, "organisation__"), due_on__year=year)
        .exclude(status=TaskStatus.DRAFT)
        .filter(Q(due_on__lt=on) | Q(status=TaskStatus.ACCEPTED))
        .select_related("organisation")
        .order_by("-due_on", "-pk")
    )
    total = tasks.count()
    found = []
    for task in tasks[:RECORDS_LIMIT]:
        if task.status == TaskStatus.ACCEPTED and task.accepted_on and task.accepted_on <= task.due_on:
            value = _("accepted on time")
        elif task.status == TaskStatus.ACCEPTED:
            value = _("accepted late")
        else:
            value = _("not accepted by the deadline")
        found.append(
            IndicatorRecord(
                label=f"{task.organisation.display_name} · {task.title}",
                url=reverse("duties:task_detail", args=[task.pk]),
                on=task.due_on,
                value=value,
            )
        )
    return IndicatorRecords(found, total)


def register() -> None:
    registry.add_indicator("duties.tasks_on_time_rate", tasks_on_time_rate, task_records)
    registry.add_indicator("duties.tasks_overdue", tasks_overdue)
