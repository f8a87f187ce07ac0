"""The panel over the API: the same values as the page, within the caller's scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qinglian.evaluation.models import Indicator, Value

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1
API = "/api/v1/evaluation/panel"


@pytest.fixture
def survey(cast):
    internal = Indicator.objects.filter(code="perceptions.internal").first()
    return Value.objects.create(indicator=internal, organisation=cast.tree.branch_b, period_start=date(YEAR, 1, 1),
                                period_end=date(YEAR, 12, 31), value=91.0)  # fmt: skip


def test_the_panel_as_json(cast, login, survey):
    client = login(cast.office)
    params = {"org_id": cast.tree.root.pk, "freq": "year", "first": YEAR, "last": YEAR,
              "indicator": ["perceptions.internal", "perceptions.external"]}  # fmt: skip
    data = client.get(API, params).json()
    assert data["scope_id"] == cast.tree.root.pk
    assert [u["name"] for u in data["units"]] == ["第一党支部", "第二党支部", "直属党支部"]
    assert [p["key"] for p in data["periods"]] == [str(YEAR)]
    assert [i["code"] for i in data["indicators"]] == ["perceptions.internal", "perceptions.external"]
    assert len(data["values"]) == 3 * 1 * 2
    cell = next(c for c in data["values"] if c["unit_id"] == cast.tree.branch_b.pk and c["indicator"] ==
                "perceptions.internal")  # fmt: skip
    assert cell["value"] == 91.0 and cell["missing"] == ""
    empty = next(c for c in data["values"] if c["unit_id"] == cast.tree.branch_a.pk)
    assert empty["value"] is None and empty["missing"]


def test_scope_and_errors(cast, login, survey):
    client = login(cast.secretary)
    data = client.get(API, {"freq": "year", "first": YEAR, "last": YEAR, "indicator": "perceptions.internal"}).json()
    assert [u["name"] for u in data["units"]] == ["第一党支部"]
    assert client.get(API, {"org_id": cast.tree.branch_b.pk}).status_code == 404
    assert login(cast.users["member"]).get(API).status_code == 404
    client = login(cast.office)
    assert client.get(API, {"indicator": "nope"}).status_code == 422
    assert client.get(API, {"first": YEAR, "last": YEAR - 1}).status_code == 422
