"""Cycles, scores and values over the API: scoped lists, creating a cycle, scoring refused until frozen, a unit's
detail, entering a value and a survey import."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qinglian.evaluation.models import Cycle, Score, Value
from qinglian.evaluation.tests.test_scores_pages import _scored_cycle
from qinglian.evaluation.tests.test_values_services import workbook

API = "/api/v1/evaluation"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_cycles_and_scores(cast):
    office = client_for(cast.office)
    response = office.post(
        f"{API}/cycles", {"organisation_id": cast.tree.gb.pk, "year": 2023}, content_type="application/json"
    )
    assert response.status_code == 201
    draft = response.json()["id"]
    refused = office.post(f"{API}/cycles/{draft}/score")
    assert refused.status_code in (400, 422) and "Freeze" in refused.content.decode()
    assert client_for(cast.secretary).post(f"{API}/cycles", {"organisation_id": cast.tree.root.pk, "year": 2023},
                                           content_type="application/json").status_code == 404  # fmt: skip
    cycle = _scored_cycle(cast)
    assert office.post(f"{API}/cycles/{cycle.pk}/score").json() == {"units": 5, "job_id": None}
    secretary_b = client_for(cast.secretary_b)
    assert [c["id"] for c in secretary_b.get(f"{API}/cycles").json()] == [cycle.pk]
    scores = secretary_b.get(f"{API}/cycles/{cycle.pk}/scores").json()
    assert [s["organisation_id"] for s in scores] == [cast.tree.branch_b.pk]
    detail = secretary_b.get(f"{API}/scores/{scores[0]['id']}").json()
    assert detail["detail"]["perceptions.internal"]["raw"] == 70
    score_a = Score.objects.get(cycle=cycle, organisation=cast.tree.branch_a)
    assert secretary_b.get(f"{API}/scores/{score_a.pk}").status_code == 404
    assert client_for(cast.outsider).get(f"{API}/cycles").status_code == 404
    assert Cycle.objects.count() == 2


def test_values_over_the_api(cast):
    office = client_for(cast.office)
    data = {
        "organisation_id": cast.tree.branch_a.pk,
        "indicator": "perceptions.internal",
        "period": "2025",
        "value": 88,
    }
    assert office.post(f"{API}/values", data).status_code == 201
    data["indicator"], data["value"] = "work.orglife.meetings", 0.9
    refused = office.post(f"{API}/values", data)
    assert refused.status_code in (400, 422) and "computed" in refused.content.decode()
    assert [v["period"] for v in office.get(f"{API}/values").json()] == ["2025"]
    upload = SimpleUploadedFile("s.xlsx", workbook([["ROOT", "2025Q1", "perceptions.external", 77, 20, 2]]))
    checked = office.post(f"{API}/values/import", {"organisation_id": cast.tree.root.pk, "file": upload}).json()
    assert checked["state"] == "ready"
    assert office.post(f"{API}/values/import/{checked['id']}/confirm").json() == {"saved": 1}
    assert Value.objects.count() == 2
    assert client_for(cast.secretary_b).get(f"{API}/values").status_code == 404
