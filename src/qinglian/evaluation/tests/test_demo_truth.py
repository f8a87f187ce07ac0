"""The planted truth: deterministic, made of real records, and read back by the panel as it was planted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from qinglian.evaluation.demo_truth import INPUT, plant
from qinglian.evaluation.models import Campaign, CampaignStart, Value
from qinglian.evaluation.services.panel import build_panel
from qinglian.study.models import StudyRecord
from qinglian.study.vocab import RecordSource

pytestmark = pytest.mark.django_db


def _years():
    year = timezone.localdate().year
    return year - 2, year - 1  # two whole years that have ended: eight quarters


def _snapshot():
    records = sorted(StudyRecord.objects.values_list("member__name", "studied_on", "hours"))
    values = sorted(
        Value.objects.values_list("indicator__code", "organisation__name", "period_start", "value", "respondents")
    )
    starts = sorted(CampaignStart.objects.values_list("organisation__name", "started_on"))
    return records, values, starts


def test_plant_creates_records_and_the_panel_reads_them_back(cast):
    first, last = _years()
    truth = plant(scope=cast.tree.root, first_year=first, last_year=last)
    tree = cast.tree
    assert [u.pk for u in truth.units] == [tree.branch_a.pk, tree.branch_b.pk, tree.branch_c.pk]
    assert len(truth.periods) == 8
    records = StudyRecord.objects.filter(source=RecordSource.SELF)
    assert records.count() == 4 * 8  # four members, eight quarters
    assert all(Decimal("0.5") <= r.hours <= 3 for r in records)
    # the panel reads each quarter's hours per member back from the records
    panel = build_panel(scope=tree.root, periods=truth.periods, codes=[INPUT])
    for period in truth.periods:
        in_quarter = records.filter(studied_on__gte=period.start, studied_on__lte=period.end)
        b_hours = float(in_quarter.filter(member=cast.members["b1"]).aggregate(s=Sum("hours"))["s"])
        assert panel.value(tree.branch_b, period, INPUT) == pytest.approx(b_hours)
        a_total = float(in_quarter.filter(member__in=[cast.members["a1"], cast.members["a2"]]).aggregate(
            s=Sum("hours"))["s"])  # fmt: skip
        assert panel.value(tree.branch_a, period, INPUT) == pytest.approx(
            a_total / 2, abs=0.101
        )  # each year-to-date average is rounded to 0.1 h
        assert truth.hours[(tree.branch_b.pk, period.key)] == panel.value(tree.branch_b, period, INPUT)
    # quarterly hours vary within a branch
    assert len({truth.hours[(tree.branch_b.pk, p.key)] for p in truth.periods}) > 1
    # outcomes: internal from the second quarter, external every quarter
    assert Value.objects.filter(indicator__code=truth.outcome).count() == 3 * 7
    assert Value.objects.filter(indicator__code=truth.null_outcome).count() == 3 * 8
    value = Value.objects.filter(indicator__code=truth.outcome).first()
    assert 20 <= value.respondents <= 60 and value.std_error > 0
    # the campaign starts in two of three branches
    assert Campaign.objects.get() == truth.campaign
    assert CampaignStart.objects.count() == 2 == len(truth.starts)
    assert (truth.effect, truth.campaign_effect, truth.input) == (0.8, 3.0, INPUT)


def test_plant_is_deterministic(cast, django_db_blocker):
    first, last = _years()
    plant(scope=cast.tree.root, first_year=first, last_year=last, seed=11)
    once = _snapshot()
    StudyRecord.objects.all().delete()
    Value.objects.all().delete()
    Campaign.objects.all().delete()
    plant(scope=cast.tree.root, first_year=first, last_year=last, seed=11)
    assert _snapshot() == once
    StudyRecord.objects.all().delete()
    Value.objects.all().delete()
    Campaign.objects.all().delete()
    plant(scope=cast.tree.root, first_year=first, last_year=last, seed=12)
    assert _snapshot() != once


def test_nothing_planted_for_periods_not_ended(cast):
    year = timezone.localdate().year
    truth = plant(scope=cast.tree.root, first_year=year + 1, last_year=year + 1)
    assert truth.periods == [] and StudyRecord.objects.count() == 0
