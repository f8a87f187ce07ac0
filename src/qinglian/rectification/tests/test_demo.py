"""The demo's rectification items: every state, the demo member's own, figures the ledger and dashboards show."""

from __future__ import annotations

import pytest
from django.db.models import Count

from qinglian.core.registry import registry
from qinglian.orgs import demo as orgs_demo
from qinglian.rectification import demo
from qinglian.rectification.models import Evidence, Item
from qinglian.rectification.stats import closure_stats


@pytest.fixture
def loaded(db):
    orgs_demo.load(members=60)
    return demo.load()


def test_the_demo_has_items_in_every_state_and_the_ledgers_figures(loaded):
    assert loaded["loaded"] and loaded["rectification_items"] == Item.objects.count() > 30
    states = dict(Item.objects.values_list("status").annotate(n=Count("pk")))
    assert set(states) == {"open", "submitted", "closed"}
    assert Item.objects.overdue().exists() and Item.objects.filter(reopened__gt=0, status="open").exists()
    assert Item.objects.filter(reopened__gt=0, status="closed").exists()
    assert not Item.objects.exclude(status="open").filter(evidence__isnull=True).exists()
    assert Evidence.objects.exclude(file="").filter(name="整改情况报告.docx").exists()
    assert set(Item.objects.filter(owner__user__username="member").values_list("status", flat=True)) == {
        "open", "submitted", "closed"
    }  # fmt: skip
    for item in Item.objects.filter(status="closed"):
        assert item.created_on <= item.submitted_on <= item.closed_on and item.closed_by != item.owner.user
    for item in Item.objects.filter(reopened__gt=0):
        moments = list(item.events.order_by("pk").values_list("at", flat=True))
        assert moments == sorted(moments), "the story is told in the order it happened"
    # The figures the ledger and the dashboards show.
    stats = closure_stats(Item.objects.all())
    closed = list(Item.objects.filter(status="closed"))
    assert stats.closure_rate == len(closed) / Item.objects.count()
    assert sorted(stats.days) == sorted(item.days_to_close for item in closed)
    assert 20 <= stats.median_days <= 90
    assert demo.load() == {"loaded": False}


def test_the_demo_is_registered_after_organisational_life():
    orders = {fn.__module__: order for order, fn in registry.demo}
    assert orders["qinglian.rectification.demo"] > orders["qinglian.orglife.demo"]
