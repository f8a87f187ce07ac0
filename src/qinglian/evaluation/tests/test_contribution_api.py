"""The contribution analysis over the API: run (201 or 400 with the reason), list and get within scope."""

from __future__ import annotations

import pytest
from django.test import Client

from qinglian.evaluation.models import Analysis
from qinglian.evaluation.tests.test_contribution_services import OUTCOME, _fake_panel

pytestmark = pytest.mark.django_db
API = "/api/v1/evaluation/contribution/analyses"


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


def test_run_list_get(cast, committee, monkeypatch):
    _fake_panel(monkeypatch, beta=0.8)
    office = client_for(cast.office)
    body = {"kind": "twfe", "organisation_id": committee.pk, "outcome": OUTCOME, "inputs": ["work.study.hours"],
            "first_year": 2021, "last_year": 2022}  # fmt: skip
    response = office.post(API, body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["result"]["verdict"] == "evidence" and data["result"]["units"] == 12
    assert any("association is not a cause" in t for t in data["caveat_texts"])
    assert [a["id"] for a in office.get(API).json()] == [data["id"]]
    assert office.get(f"{API}/{data['id']}").json()["kind"] == "twfe"
    # within the root's subtree: the inspector reads it, branch secretaries do not
    assert client_for(cast.inspector).get(f"{API}/{data['id']}").status_code == 200
    assert client_for(cast.secretary_b).get(f"{API}/{data['id']}").status_code == 404
    assert client_for(cast.secretary).get(f"{API}/{data['id']}").status_code == 404
    assert client_for(cast.secretary).get(API).json() == []


def test_run_refusals(cast, monkeypatch):
    _fake_panel(monkeypatch)
    office = client_for(cast.office)
    body = {"kind": "twfe", "organisation_id": cast.tree.root.pk, "outcome": OUTCOME, "inputs": ["work.study.hours"],
            "first_year": 2021, "last_year": 2022}  # fmt: skip
    response = office.post(API, body, content_type="application/json")
    assert response.status_code == 400 and "at least 10 units" in response.json()["detail"]
    assert client_for(cast.inspector).post(API, body, content_type="application/json").status_code == 404
    assert client_for(cast.member).get(API).status_code == 404
    assert not Analysis.objects.exists()
