"""The demo's duty lists: the agency committee's template for two years, most branches' lists inherited from
it, the budget branch's adapted, and duties on the demo secretary's "My duties"."""

from __future__ import annotations

from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.duties import demo_lists
from qinglian.duties.models import DutyList
from qinglian.duties.services import lists as services
from qinglian.orgs import demo, demo_structure
from qinglian.orgs.models import Member


def test_it_loads_after_the_committees_once(db):
    orders = {fn: order for order, fn in registry.demo}
    assert orders[demo_lists.load] > orders[demo_structure.load]
    assert demo_lists.load() == {"loaded": False}
    demo.load(members=40)
    demo_structure.load(members=40)
    result = demo_lists.load()
    assert result["loaded"] is True and demo_lists.load() == {"loaded": False}
    year = timezone.localdate().year
    root = DutyList.objects.get(organisation__code=demo.ROOT_CODE, year=year)
    assert root.is_template and root.status == "published" and root.based_on.year == year - 1
    _groups, counts = services.list_groups(root)
    assert counts == {"added": 1, "changed": 0, "removed": 0}
    budget = DutyList.objects.get(organisation__code=f"{demo.ROOT_CODE}-BUDGET")
    _groups, counts = services.list_groups(budget)
    assert counts == {"added": 1, "changed": 1, "removed": 1}
    assert not DutyList.objects.filter(organisation__code=f"{demo.ROOT_CODE}-IT").exists()
    secretary = Member.objects.get(user__username="secretary")
    holders = {row.duty.holder for row in services.member_duties(secretary)}
    assert {"committee", "secretary"} <= holders
