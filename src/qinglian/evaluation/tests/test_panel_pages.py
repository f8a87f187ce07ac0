"""The panel page: a unit × period table of one indicator with the reasons for missing values, the scope chooser
within the reader's scope, clear errors for a bad range, and the .xlsx and .csv downloads."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.evaluation.models import Indicator, Value

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1
URL = "/evaluation/panel/"


@pytest.fixture
def survey(cast):
    internal = Indicator.objects.filter(code="perceptions.internal").first()
    return Value.objects.create(indicator=internal, organisation=cast.tree.branch_b, period_start=date(YEAR, 4, 1),
                                period_end=date(YEAR, 6, 30), value=86.5)  # fmt: skip


def _get(client, **params):
    response = client.get(reverse("evaluation:panel"), params)
    return response, response.content.decode()


def test_the_table_with_values_and_reasons(cast, login, survey):
    client = login(cast.office)
    client.cookies["django_language"] = "en"
    response, html = _get(client, org=cast.tree.root.pk, indicator="perceptions.internal", first=YEAR, last=YEAR)
    assert response.status_code == 200
    assert "86.5" in html and "第二党支部" in html and "第一党支部" in html
    assert f"{YEAR} Q2" in html
    assert "No survey result entered for this period." in html  # the legend of the reasons
    assert "1 of 12 values read" in html
    assert reverse("evaluation:panel_export", args=["xlsx"]) in html


def test_yearly_and_a_bad_range(cast, login, survey):
    client = login(cast.office)
    client.cookies["django_language"] = "en"
    response, html = _get(client, freq="year", first=YEAR - 2, last=YEAR, indicator="perceptions.internal")
    assert response.status_code == 200 and str(YEAR - 2) in html
    assert "Mean of 1 quarterly values." in html
    response, html = _get(client, first=YEAR, last=YEAR - 1)
    assert response.status_code == 422 and "is after the last" in html
    response, html = _get(client, first=2000, last=2020)
    assert response.status_code == 422 and "At most 40 quarters" in html


def test_a_secretary_sees_their_branch_only(cast, login, survey):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    response, html = _get(client, indicator="perceptions.internal")
    assert response.status_code == 200
    assert "第一党支部" in html and "第二党支部" not in html
    response, _html = _get(client, org=cast.tree.branch_b.pk)
    assert response.status_code == 404
    response, _html = _get(client, org="not-a-number")
    assert response.status_code == 404
    assert login(cast.users["member"]).get(URL).status_code == 404


def test_downloads(cast, login, survey):
    client = login(cast.office)
    params = {"org": cast.tree.gb.pk, "indicator": "perceptions.internal", "first": YEAR, "last": YEAR}
    response = client.get(reverse("evaluation:panel_export", args=["csv"]), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2 * 4  # branch_a and branch_b under the general branch, four quarters
    assert any(r[1] == "第二党支部" and r[2] == f"{YEAR}Q2" and r[7] == "86.5" for r in rows[1:])
    response = client.get(reverse("evaluation:panel_export", args=["xlsx"]), {**params, "all": "1"})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(reverse("evaluation:panel_export", args=["pdf"]), params).status_code == 404
