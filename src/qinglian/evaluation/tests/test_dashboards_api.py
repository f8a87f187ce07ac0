"""The dashboard's data and the reports over the API, within the caller's scope."""

from __future__ import annotations

import io

import pytest
from docx import Document

from qinglian.evaluation.tests.factories_dashboards import board_make

API = "/api/v1/evaluation"


@pytest.fixture
def board(cast):
    return board_make(cast)


def _as(client, user):
    client.force_login(user)
    return client


def test_the_cycles_and_the_ranking(cast, client, board):
    this, _last = board
    c = _as(client, cast.office)
    assert [x["year"] for x in c.get(f"{API}/dashboards/cycles").json()] == [2025, 2024]
    body = c.get(f"{API}/dashboards/{this.pk}/ranking", {"peer_group": "branch"}).json()
    assert [(r["name"], r["total"], r["rank"]) for r in body["rows"]] == [
        ("第二党支部", 91.25, 1),
        ("第一党支部", 75.5, 2),
        ("直属党支部", 58.0, 3),
    ]
    assert {g["code"] for g in body["groups"]} == {"branch", "committee:1", "general_branch:2"}


def test_the_radar_trend_tree_and_contribution(cast, client, board):
    this, _last = board
    c = _as(client, cast.office)
    radar = c.get(f"{API}/dashboards/{this.pk}/radar", {"org_id": cast.tree.branch_c.pk}).json()
    layers = {r["key"]: r["value"] for r in radar["rows"]}
    assert layers["work"] == 50.0 and layers["perceptions"] is None  # missing stays missing
    trend = c.get(f"{API}/dashboards/{this.pk}/trend", {"org_id": cast.tree.branch_a.pk}).json()
    assert [(r["year"], r["total"]) for r in trend["rows"]] == [(2024, 70.0), (2025, 75.5)]
    tree = c.get(f"{API}/dashboards/{this.pk}/tree").json()
    assert tree["roots"][0]["name"] == "机关党委" and len(tree["rows"]) == 5
    findings = c.get(f"{API}/dashboards/{this.pk}/contribution").json()
    fe = next(f for f in findings if f["kind"] == "twfe")
    assert fe["estimates"][0]["ci_low"] == 0.22 and fe["units"] == 30 and fe["evidence"] == "associational"


def test_a_branch_secretary_reads_only_their_branch(cast, client, board):
    this, _last = board
    c = _as(client, cast.secretary)
    assert [r["name"] for r in c.get(f"{API}/dashboards/{this.pk}/ranking").json()["rows"]] == ["第一党支部"]
    assert [r["name"] for r in c.get(f"{API}/dashboards/{this.pk}/tree").json()["rows"]] == ["第一党支部"]
    assert c.get(f"{API}/dashboards/{this.pk}/radar").json()["name"] == "第一党支部"
    assert c.get(f"{API}/dashboards/{this.pk}/radar", {"org_id": cast.tree.branch_b.pk}).status_code == 404
    assert c.get(f"{API}/dashboards/{this.pk}/trend", {"org_id": cast.tree.branch_b.pk}).status_code == 404
    assert c.get(f"{API}/dashboards/{this.pk}/contribution").json() == []
    assert c.get(f"{API}/reports/{this.pk}").status_code == 404
    response = c.get(f"{API}/reports/{this.pk}", {"org_id": cast.tree.branch_a.pk, "format": "docx"})
    assert response.status_code == 200 and Document(io.BytesIO(response.content)).inline_shapes


def test_the_report_endpoint_checks_the_format(cast, client, board):
    this, _last = board
    c = _as(client, cast.office)
    assert c.get(f"{API}/reports/{this.pk}", {"format": "pdf"}).status_code == 422
    response = c.get(f"{API}/reports/{this.pk}", {"format": "xlsx"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_outsiders_and_members_get_404(cast, client, board):
    this, _last = board
    for user in (cast.outsider, cast.member, cast.liaison):
        c = _as(client, user)
        for url in (
            "dashboards/cycles",
            f"dashboards/{this.pk}/ranking",
            f"dashboards/{this.pk}/radar",
            f"dashboards/{this.pk}/trend",
            f"dashboards/{this.pk}/tree",
            f"dashboards/{this.pk}/contribution",
            f"reports/{this.pk}",
        ):
            assert c.get(f"{API}/{url}").status_code == 404, (user.username, url)
