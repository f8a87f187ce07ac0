"""Weights over the API: nodes and judgments, saving with versions, refusals naming the cell, computing a set,
freezing, and 404 for those outside the cycle's subtree."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from qinglian.evaluation.models import Cycle

YEAR = timezone.localdate().year


@pytest.fixture
def cycle(cast):
    return Cycle.objects.create(organisation=cast.tree.root, year=YEAR, name="机关党委年度考评")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_judgments_sets_and_freezing(cast, cycle):
    api = f"/api/v1/evaluation/cycles/{cycle.pk}/weights"
    office, inspector = client_for(cast.office), client_for(cast.inspector)
    nodes = inspector.get(f"{api}/nodes").json()
    assert nodes[0]["code"] == "" and [i["code"] for i in nodes[0]["items"]] == ["work", "results", "perceptions"]
    saved = post(inspector, f"{api}/judgments", {"node": "", "values": [2, 4, 2]})
    assert saved.status_code == 200, saved.content
    assert saved.json()["cr"] == pytest.approx(0, abs=1e-9) and saved.json()["expert"] == "inspector"
    stale = post(inspector, f"{api}/judgments", {"node": "", "values": [1, 1, 1]})
    assert stale.status_code == 409
    post(office, f"{api}/judgments", {"node": "", "values": ["8", "4", "1/2"]})
    bad = post(office, f"{api}/judgments", {"node": "", "values": [3, 0, 2], "version": 1})
    assert bad.status_code == 422
    assert "“Work done” compared with “Perceptions”" in bad.json()["error"]["details"][0]["message"]
    check = post(inspector, f"{api}/check", {"node": "", "values": [3, "1/3", 3]}).json()
    assert not check["acceptable"] and check["worst"]["suggested"]
    nodes = office.get(f"{api}/nodes").json()
    assert len(nodes[0]["judgments"]) == 2
    assert post(inspector, f"{api}/sets", {"kind": "subjective"}).status_code == 404  # experts do not compute
    made = post(office, f"{api}/sets", {"kind": "subjective"})
    assert made.status_code == 201, made.content
    ws = made.json()
    assert ws["weights"]["layers"]["work"] == pytest.approx(2 / 3, abs=1e-6)
    assert len(ws["inputs"]["judgments"]) == 2 and ws["created_by"] == "office"
    assert [s["id"] for s in client_for(cast.auditor).get(f"{api}/sets").json()] == [ws["id"]]
    frozen = post(office, f"{api}/freeze", {"weight_set_id": ws["id"], "version": cycle.version})
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    assert frozen.json()["layer_weights"]["incident_cap"] == 10
    again = post(office, f"{api}/freeze", {"weight_set_id": ws["id"], "version": frozen.json()["version"]})
    assert again.status_code == 422
    late = post(inspector, f"{api}/judgments", {"node": "", "values": [1, 1, 1], "version": 1})
    assert late.status_code == 422 and "frozen" in late.json()["error"]["details"][0]["message"]


def test_outside_the_subtree(cast, cycle):
    api = f"/api/v1/evaluation/cycles/{cycle.pk}/weights"
    for user in (cast.outsider, cast.secretary_b, cast.member):
        client = client_for(user)
        assert client.get(f"{api}/nodes").status_code == 404
        assert post(client, f"{api}/judgments", {"node": "", "values": [2, 4, 2]}).status_code == 404
    assert post(client_for(cast.auditor), f"{api}/judgments", {"node": "", "values": [2, 4, 2]}).status_code == 404
