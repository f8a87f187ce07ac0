"""The drill-down behind the rectification indicators: the items of a unit's subtree, newest first."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.rectification.models import Item

pytestmark = pytest.mark.django_db


def _item(org, owner, created_on, **fields):
    fields.setdefault("due_on", date(created_on.year, 12, 1))
    return Item.objects.create(
        organisation=org, owner=owner, problem="理论学习不够系统", source="inspection", created_on=created_on, **fields
    )


def test_item_records(cast, in_english):
    tree, a1 = cast.tree, cast.members["a1"]
    year = timezone.localdate().year - 1
    closed = _item(
        tree.branch_a, a1, date(year, 2, 1), status="closed", submitted_on=date(year, 2, 10),
        closed_on=date(year, 2, 13), closed_by=cast.office,
    )  # fmt: skip
    late = _item(tree.group_a, a1, date(year, 3, 1), due_on=date(year, 3, 15))
    _item(tree.branch_b, cast.members["b1"], date(year, 3, 5))  # another unit
    _item(tree.branch_a, a1, date(year - 1, 3, 5))  # another year
    closure = registry.indicator_records["rectification.closure_rate"](org=tree.branch_a, year=year)
    assert closure.total == 2
    assert [(r.on, r.value) for r in closure] == [
        (late.created_on, "not closed"),
        (closed.created_on, f"closed on {year}-02-13"),
    ]
    assert closure[0].url == f"/rectification/{late.pk}/" and "理论学习" in closure[0].label
    days = registry.indicator_records["rectification.median_days_to_close"](org=tree.branch_a, year=year)
    assert [r.value for r in days] == ["not closed (not counted)", "closed after 12 days"]
    on_time = registry.indicator_records["rectification.on_time_rate"](org=tree.branch_a, year=year)
    assert [r.value for r in on_time] == [f"deadline {year}-03-15 passed, not reported", "reported by the deadline"]
    early = registry.indicator_records["rectification.on_time_rate"](org=tree.branch_a, year=year, on=date(year, 3, 10))
    assert [r.value for r in early] == [f"deadline {year}-03-15 not reached (not counted)", "reported by the deadline"]
    assert registry.indicator_records["rectification.closure_rate"](org=tree.root, year=year).total == 3
