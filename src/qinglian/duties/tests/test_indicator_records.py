"""The drill-down behind the on-time rate of tasks: the tasks counted as due, latest deadline first."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.duties.tests.factories import dash_plan, dash_task

pytestmark = pytest.mark.django_db


def test_task_records(cast, in_english):
    tree = cast.tree
    year = timezone.localdate().year - 1
    plan = dash_plan(tree.branch_a, year=year)
    on_time = dash_task(plan, tree.branch_a, status="accepted", due_on=date(year, 3, 1), accepted_on=date(year, 2, 20))
    missed = dash_task(plan, tree.group_a, status="assigned", due_on=date(year, 5, 1), title="整改落实")
    dash_task(plan, tree.branch_b, status="assigned", due_on=date(year, 5, 1))  # another unit
    dash_task(plan, tree.branch_a, status="draft", due_on=date(year, 5, 1))  # not counted
    records = registry.indicator_records["duties.tasks_on_time_rate"](org=tree.branch_a, year=year)
    assert records.total == 2
    assert [(r.on, r.value) for r in records] == [
        (missed.due_on, "not accepted by the deadline"),
        (on_time.due_on, "accepted on time"),
    ]
    assert records[0].url == f"/duties/tasks/{missed.pk}/" and "整改落实" in records[0].label
    early = registry.indicator_records["duties.tasks_on_time_rate"](org=tree.branch_a, year=year, on=date(year, 4, 1))
    assert [r.on for r in early] == [on_time.due_on]  # the May task was not due yet
