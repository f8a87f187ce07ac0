"""The contribution pages: the list, running an analysis (refusal kept on the form), the result page with its chart
data, tables and caveats, and campaigns with their start dates."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from qinglian.evaluation.models import Analysis, Campaign, CampaignStart
from qinglian.evaluation.services import contribution as services
from qinglian.evaluation.tests.test_contribution_services import OUTCOME, _fake_panel

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def committee(cast):
    from qinglian.orgs.services import org_create

    scope = org_create(name="测试党委", kind="committee", parent=cast.tree.root, actor=None)
    for i in range(12):
        org_create(name=f"测试第{i + 1}支部", kind="branch", parent=scope, actor=None)
    return scope


def _form(scope, **extra):
    data = {"kind": "twfe", "organisation": scope.pk, "outcome": OUTCOME, "inputs": ["work.study.hours"], "lag": 1,
            "frequency": "q", "first_year": 2021, "last_year": 2022}  # fmt: skip
    data.update(extra)
    return data


def test_run_shows_the_result_with_chart_table_and_caveats(cast, committee, monkeypatch):
    _fake_panel(monkeypatch, beta=0.8)
    office = client_for(cast.office)
    response = office.post(reverse("evaluation:contribution_run"), _form(committee))
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and response.url == reverse("evaluation:contribution_detail", args=[analysis.pk])
    page = office.get(response.url)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="contribution-data"' in text and "echarts.min.js" in text and "contribution.js" in text
    assert "An association is not a cause" in text and "Detection effect" in text and "Reverse causality" in text
    assert "Associational" in text and "Wild cluster bootstrap" in text
    assert "[" in text and "Study hours per member" in text  # the table with the interval
    listing = office.get(reverse("evaluation:contribution_list")).content.decode()
    assert analysis.title in listing


def test_run_refusal_is_shown_on_the_form_with_what_was_typed(cast, monkeypatch):
    _fake_panel(monkeypatch)
    office = client_for(cast.office)
    response = office.post(reverse("evaluation:contribution_run"), _form(cast.tree.root, lag=2))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Too little data" in text and "at least 10 units" in text
    assert 'value="2"' in text  # the lag typed is kept
    assert not Analysis.objects.exists()
    missing = office.post(reverse("evaluation:contribution_run"), _form(cast.tree.root, inputs=[]))
    assert "Choose at least one political-work measure" in missing.content.decode()


def test_campaign_create_and_starts(cast):
    office = client_for(cast.office)
    response = office.post(
        reverse("evaluation:campaign_create"),
        {"organisation": cast.tree.gb.pk, "name": "警示教育月", "description": ""},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    url = reverse("evaluation:campaign_detail", args=[campaign.pk])
    saved = office.post(url, {"organisation": cast.tree.branch_b.pk, "started_on": "2024-03-05"})
    assert saved.status_code == 302
    assert CampaignStart.objects.get().started_on == date(2024, 3, 5)
    wrong = office.post(url, {"organisation": cast.tree.branch_c.pk, "started_on": "2024-03-05"})
    assert wrong.status_code == 200  # branch_c is not under the general branch: not a choice
    page = office.get(url).content.decode()
    assert "第二党支部" in page and "2024-03-05" in page
    # the campaign belongs to the general branch: above secretary_b's scope; the inspector reads but cannot record
    assert client_for(cast.secretary_b).get(url).status_code == 404
    reader = client_for(cast.inspector)
    assert reader.get(url).status_code == 200
    assert reader.post(url, {"organisation": cast.tree.branch_b.pk, "started_on": ""}).status_code == 302
    assert CampaignStart.objects.count() == 1


def test_reading_is_scoped(cast):
    analysis = Analysis.objects.create(
        organisation=cast.tree.branch_b, kind="twfe", title="B 的分析",
        result={"estimates": [], "verdict": "no evidence", "caveats": ["association"]},
    )  # fmt: skip
    assert (
        client_for(cast.secretary_b).get(reverse("evaluation:contribution_detail", args=[analysis.pk])).status_code
        == 200
    )
    assert (
        client_for(cast.secretary).get(reverse("evaluation:contribution_detail", args=[analysis.pk])).status_code == 404
    )
    assert "B 的分析" not in client_for(cast.secretary).get(reverse("evaluation:contribution_list")).content.decode()
    assert services.caveat_texts(["association", "unknown"]) == [str(services.CAVEATS["association"])]


def test_campaign_result_page_shows_the_event_study(cast):
    analysis = Analysis.objects.create(
        organisation=cast.tree.root, kind="did", title="警示教育月的效果",
        result={
            "estimates": [{"name": "att", "label": "Average effect", "coef": 2.9, "se": 0.5, "p_value": 0.001,
                           "ci_low": 1.9, "ci_high": 3.9, "verdict": "evidence"}],
            "events": [{"e": -2, "att": 0.1, "se": 0.3, "ci_low": -0.5, "ci_high": 0.7, "n": 4},
                       {"e": -1, "att": 0.0, "se": 0.0, "ci_low": 0.0, "ci_high": 0.0, "n": 4},
                       {"e": 0, "att": 3.0, "se": 0.4, "ci_low": 2.2, "ci_high": 3.8, "n": 4}],
            "pre_trend_p": 0.74, "n": 80, "units": 10, "treated_units": 4, "periods": 8,
            "inference": "unit_bootstrap", "level": 0.95, "reps": 999, "grade": "quasi-experimental",
            "verdict": "evidence", "caveats": ["detection", "few_units"],
        },
    )  # fmt: skip
    text = client_for(cast.office).get(reverse("evaluation:contribution_detail", args=[analysis.pk])).content.decode()
    assert 'id="chart-events"' in text and "Quasi-experimental" in text and "p = 0.740" in text
    assert "Units that took part" in text and "Period −1 is the reference" in text
