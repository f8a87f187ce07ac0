"""The cycle and score pages: creating a cycle, scoring it from its page, the score table within the reader's scope,
and one unit's score drilled down to its indicators and to the records behind a computed one."""

from __future__ import annotations

from datetime import date

from django.test import Client
from django.urls import reverse

from qinglian.evaluation.models import Cycle, Indicator, Score, Value
from qinglian.evaluation.tests.test_scoring_services import freeze


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _scored_cycle(cast):
    cycle = Cycle.objects.create(organisation=cast.tree.root, year=2024, name="Cycle 2024")
    freeze(cycle, {"perceptions.internal": 1.0}, layers={"work": 0, "results": 0, "perceptions": 1})
    internal = Indicator.objects.filter(code="perceptions.internal").first()
    for org, value in ((cast.tree.branch_a, 90), (cast.tree.branch_b, 70)):
        Value.objects.create(
            indicator=internal, organisation=org, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31),
            value=value,
        )  # fmt: skip
    return cycle


def test_create_and_score_from_the_pages(cast):
    office = client_for(cast.office)
    response = office.post(reverse("evaluation:cycle_create"), {"organisation": cast.tree.root.pk, "year": 2024})
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and cycle.year == 2024
    again = office.post(reverse("evaluation:cycle_create"), {"organisation": cast.tree.root.pk, "year": 2024})
    assert again.status_code == 422 and "already has" in again.content.decode()
    page = office.get(reverse("evaluation:cycle_detail", args=[cycle.pk])).content.decode()
    assert "Freeze the cycle" in page and reverse("evaluation:weights", args=[cycle.pk]) in page
    response = office.post(reverse("evaluation:cycle_score", args=[cycle.pk]), follow=True)
    assert "Freeze the cycle" in response.content.decode() and not Score.objects.exists()


def test_score_table_within_scope_and_drill_down(cast):
    cycle = _scored_cycle(cast)
    office = client_for(cast.office)
    office.post(reverse("evaluation:cycle_score", args=[cycle.pk]))
    assert Score.objects.filter(cycle=cycle).count() == 5
    page = office.get(reverse("evaluation:cycle_detail", args=[cycle.pk])).content.decode()
    assert "第一党支部" in page and "第二党支部" in page and "not computed" in page
    # branch_b's secretary sees the cycle with branch_b's score only
    secretary_b = client_for(cast.secretary_b)
    assert "Cycle 2024" in secretary_b.get(reverse("evaluation:cycle_list")).content.decode()
    page = secretary_b.get(reverse("evaluation:cycle_detail", args=[cycle.pk])).content.decode()
    assert "第二党支部" in page and "第一党支部" not in page
    score_a = Score.objects.get(cycle=cycle, organisation=cast.tree.branch_a)
    assert secretary_b.get(reverse("evaluation:score_detail", args=[score_a.pk])).status_code == 404
    page = client_for(cast.secretary).get(reverse("evaluation:score_detail", args=[score_a.pk])).content.decode()
    # 90 % against the anchors 60 → 100 earns 75 points: a fair grade
    assert "75.0" in page and "Fair" in page and "perceptions.internal" in page


def test_drill_down_to_records_or_not_itemised(cast):
    cycle = Cycle.objects.create(organisation=cast.tree.root, year=2024, name="Cycle 2024")
    entry = {"raw": 0.8, "points": 60.0, "weight": 0.5, "source": "computed", "layer": "work", "rule": "linear",
             "anchors": [0.5, 1.0]}  # fmt: skip
    detail = {
        "work.orglife.meetings": {**entry, "query": "orglife.meeting_compliance_rate"},
        "work.x": {**entry, "query": "nobody.registered"},
    }
    score = Score.objects.create(
        cycle=cycle, organisation=cast.tree.branch_a, total=60, layers={"work": 60, "missing": {}}, detail=detail
    )
    page = client_for(cast.office).get(reverse("evaluation:score_detail", args=[score.pk])).content.decode()
    assert "Records not itemised" in page
    from qinglian.core.registry import registry

    if "orglife.meeting_compliance_rate" in registry.indicator_records:
        assert "behind this value" in page


def test_a_unit_without_a_total_says_why(cast):
    cycle = Cycle.objects.create(organisation=cast.tree.root, year=2024, name="Cycle 2024")
    score = Score.objects.create(
        cycle=cycle, organisation=cast.tree.branch_a, total=None,
        layers={"work": None, "missing": {"work": "No indicator of this layer has a value for this unit."}}, detail={},
    )  # fmt: skip
    page = client_for(cast.office).get(reverse("evaluation:score_detail", args=[score.pk])).content.decode()
    assert "The total is not computed" in page and "No indicator of this layer" in page
