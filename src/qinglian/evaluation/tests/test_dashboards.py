"""The evaluation dashboard: each chart's data and its table, within the viewer's scope."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from qinglian.evaluation.services import dashboards as services
from qinglian.evaluation.tests.factories_dashboards import analysis_make, board_make, cycle_make, score_make


@pytest.fixture
def board(cast):
    return board_make(cast)


def _page(client, user, url=None, **params):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client.get(url or reverse("evaluation:dashboard"), params)


def _charts(response) -> dict:
    """The charts' data as the page's script reads it (through JSON, as the browser does)."""
    assert 'id="evaluation-dashboard-data"' in response.content.decode()
    return json.loads(json.dumps(response.context["charts"], default=str))


def test_the_office_sees_the_latest_cycle_with_every_chart_and_table(cast, client, board):
    this, _last = board
    response = _page(client, cast.office)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["cycle"] == this
    for table in ("table-ranking", "table-radar", "table-trend", "table-tree"):
        assert f'id="{table}"' in html
    for chart in ("chart-ranking", "chart-radar", "chart-trend", "chart-tree"):
        assert f'id="{chart}"' in html
    data = _charts(response)
    # The office's top unit is the committee; its peer group holds only itself.
    assert data["radar"]["name"] == "机关党委"
    assert [r["name"] for r in data["tree"]["roots"]] == ["机关党委"]


def test_the_ranking_of_the_branches_is_best_first_with_the_stored_ranks(cast, client, board):
    data = _charts(_page(client, cast.office, peers="branch"))
    rows = data["ranking"]["rows"]
    assert [(r["name"], r["total"], r["rank"], r["peers"]) for r in rows] == [
        ("第二党支部", 91.25, 1, 3),
        ("第一党支部", 75.5, 2, 3),
        ("直属党支部", 58.0, 3, 3),
    ]
    html = _page(client, cast.office, peers="branch").content.decode()
    assert "91.25" in html and "2 of 3" in html


def test_the_radar_shows_the_layers_and_the_other_peers_mean(cast, client, board):
    this, _last = board
    data = _charts(_page(client, cast.office, cycle=this.pk, org=cast.tree.branch_a.pk))
    rows = {r["key"]: r for r in data["radar"]["rows"]}
    assert rows["work"]["value"] == 80.0 and rows["work"]["on_radar"]
    assert rows["work"]["peer_mean"] == pytest.approx((95.0 + 50.0) / 2)
    # branch_c's missing perceptions are left out of the mean, not counted as 0.
    assert rows["perceptions"]["peer_mean"] == 88.0
    assert rows["incidents"]["on_radar"] is False and rows["topsis"]["value"] == 0.61


def test_the_trend_runs_over_the_years(cast, client, board):
    data = _charts(_page(client, cast.office, org=cast.tree.branch_a.pk))
    assert [(r["year"], r["total"], r["work"]) for r in data["trend"]["rows"]] == [
        (2024, 70.0, 72.0),
        (2025, 75.5, 80.0),
    ]
    assert data["trend"]["series"][0]["key"] == "total"


def test_the_tree_nests_the_units_coloured_by_total(cast, client, board):
    data = _charts(_page(client, cast.office))
    root = data["tree"]["roots"][0]
    gb = next(c for c in root["children"] if c["name"] == "第一党总支")
    assert sorted(c["name"] for c in gb["children"]) == ["第一党支部", "第二党支部"]
    colours = {c["name"]: c["itemStyle"]["color"] for c in gb["children"]}
    assert colours["第二党支部"] == "#2e7d32"  # excellent
    assert colours["第一党支部"] == "#ef6c00"  # fair


def test_the_contribution_shows_the_latest_analyses_with_intervals(cast, client, board):
    response = _page(client, cast.office)
    data = _charts(response)
    by_title = {f["title"]: f for f in data["contribution"]}
    estimates = by_title["政治工作对廉洁得分的贡献"]["estimates"]
    assert estimates[0] == {"name": "学习时长", "label": "学习时长", "coef": 0.42, "se": 0.1, "ci_low": 0.22,
                            "ci_high": 0.62, "p_value": 0.001, "verdict": ""}  # fmt: skip
    events = by_title["警示教育月的效果"]["events"]
    # A NaN effect stays missing, never a made-up number.
    assert [(e["e"], e["att"]) for e in events] == [(-1, 0.1), (0, 1.2), (1, None)]
    html = response.content.decode()
    assert "[0.22, 0.62]" in html and "关联不等于因果。" in html


def test_an_analysis_with_missing_keys_is_shown_without_them(cast, board):
    analysis = analysis_make(cast.tree.root, kind="shapley", title="残缺的结果", result={"verdict": 3, "n": "many"})
    f = services.finding(analysis)
    assert f["estimates"] == [] and f["events"] == [] and f["caveats"] == []
    assert f["n"] is None and f["verdict"] == "3"


def test_a_stored_contribution_result_reads_in_words(cast, board, in_english):
    result = {
        "grade": "associational",
        "verdict": "no evidence",
        "caveats": ["association", "我自己写的提醒"],
        "estimates": [{"name": "x", "coef": 0.1, "ci_low": -0.2, "ci_high": 0.4, "verdict": "no evidence"}],
    }
    f = services.finding(analysis_make(cast.tree.root, result=result))
    assert f["evidence_label"] == "Associational" and f["verdict"] == "No evidence"
    assert f["caveats"][0].startswith("An association is not a cause") and f["caveats"][1] == "我自己写的提醒"
    assert f["estimates"][0]["verdict"] == "No evidence" and f["estimates"][0]["p_value"] is None


def test_a_branch_secretary_sees_only_their_branch(cast, client, board):
    response = _page(client, cast.secretary)
    assert response.status_code == 200
    html = response.content.decode()
    data = _charts(response)
    assert [r["name"] for r in data["ranking"]["rows"]] == ["第一党支部"]
    assert data["radar"]["name"] == "第一党支部"
    assert all(r["peer_mean"] is None for r in data["radar"]["rows"])
    assert [r["name"] for r in data["tree"]["roots"]] == ["第一党支部"]
    assert data["contribution"] == []  # the analyses belong to the root
    for other in ("第二党支部", "直属党支部", "91.25", "58.00"):
        assert other not in html
    # Another unit asked for by id falls back to their own.
    data = _charts(_page(client, cast.secretary, org=cast.tree.branch_b.pk))
    assert data["radar"]["name"] == "第一党支部"


def test_outsiders_and_members_get_404(cast, client, board):
    this, _last = board
    for user in (cast.outsider, cast.member, cast.liaison):
        client.force_login(user)
        assert client.get(reverse("evaluation:dashboard")).status_code == 404
        assert client.get(reverse("evaluation:dashboard_cycle", args=[this.pk])).status_code == 404


def test_a_cycle_without_a_visible_score_is_404(cast, client):
    cycle = cycle_make(cast.tree.root, 2023)
    score_make(cycle, cast.tree.branch_b, 70.0)
    client.force_login(cast.secretary)
    assert client.get(reverse("evaluation:dashboard_cycle", args=[cycle.pk])).status_code == 404
    assert client.get(reverse("evaluation:dashboard"), {"cycle": cycle.pk}).status_code == 404
    # With no cycle of theirs at all, the page says so.
    response = client.get(reverse("evaluation:dashboard"))
    assert response.status_code == 200 and response.context["cycle"] is None


def test_the_page_reads_in_a_few_queries(cast, client, board, django_assert_max_num_queries):
    client.force_login(cast.office)
    client.get(reverse("evaluation:dashboard"))
    with django_assert_max_num_queries(25):
        assert client.get(reverse("evaluation:dashboard")).status_code == 200


def test_the_menu_offers_the_dashboard(cast, client, board):
    html = _page(client, cast.secretary, reverse("core:home")).content.decode()
    assert reverse("evaluation:dashboard") in html
