"""The indicator tree as data: loaded once after migrate, four layers, every leaf's source known, and an
indicator of a module that is not installed simply not offered."""

from __future__ import annotations

import json

from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.evaluation.models import Indicator
from qinglian.evaluation.services.catalogue import CATALOGUE, catalogue_load, in_force, offered
from qinglian.evaluation.vocab import Direction, Layer, Source


def test_the_shipped_tree_is_loaded_once_with_its_parents(db):
    rows = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    assert Indicator.objects.count() == len(rows)
    assert catalogue_load() == 0
    hours = Indicator.objects.get(code="work.study.hours")
    assert hours.parent.code == "work.study" and hours.parent.parent.code == "work"
    assert hours.flow and hours.source == Source.COMPUTED and hours.query == "study.hours_per_member"
    assert {i.layer for i in Indicator.objects.all()} == set(Layer.values)


def test_every_leaf_has_a_direction_anchors_or_a_deduction_rule_and_a_registered_source(db):
    for leaf in Indicator.objects.exclude(source=""):
        assert leaf.direction in Direction.values, leaf.code
        if leaf.rule.get("type") == "deduction":
            assert leaf.rule["per"] > 0 and leaf.rule["cap"] > 0, leaf.code
        else:
            assert leaf.anchor_low is not None and leaf.anchor_high is not None, leaf.code
            assert leaf.anchor_low != leaf.anchor_high, leaf.code
        if leaf.source == Source.COMPUTED:
            assert leaf.query in registry.indicators, leaf.code  # every module of this installation is present


def test_a_version_changed_in_the_database_is_left_alone_and_a_new_version_wins(db):
    hours = Indicator.objects.get(code="work.study.hours")
    Indicator.objects.filter(pk=hours.pk).update(anchor_high=40)
    assert catalogue_load() == 0
    assert Indicator.objects.get(pk=hours.pk).anchor_high == 40
    today = timezone.localdate()
    Indicator.objects.create(
        code="work.study.hours", version=2, layer=Layer.WORK, name_zh="人均学时", name_en="Hours per member",
        source=Source.COMPUTED, query="study.hours_per_member", anchor_low=0, anchor_high=48, effective_from=today,
    )  # fmt: skip
    (current,) = [i for i in in_force(today) if i.code == "work.study.hours"]
    assert current.version == 2 and current.anchor_high == 48


def test_an_indicator_of_a_module_not_installed_is_not_offered(db, monkeypatch):
    today = timezone.localdate()
    codes = {i.code for i in offered(today)}
    assert "results.first_form" in codes and "perceptions.internal" in codes
    monkeypatch.delitem(registry.indicators, "discipline.first_form_share")
    codes = {i.code for i in offered(today)}
    assert "results.first_form" not in codes
    assert "perceptions.internal" in codes  # a survey needs no module
