"""Responsibility assessment over the API: tables with items, a round from draft to finished with versions, what
the unit sees of the assessor's work, refusals, and lists in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.duties.tests.factories import assess_round, assess_scores, assess_self_all, assess_small_table

API = "/api/v1/duties/assessment"
YEAR = timezone.localdate().year


def client_for(user) -> Client:
    """A client of its own (the `login` fixture logs one shared client in and out)."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the messages asserted are the English ones
    return client


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


def test_a_table_from_the_default_and_its_items(cast, login):
    client = login(cast.office)
    response = post(client, f"{API}/tables", {"organisation_id": cast.tree.root.pk, "year": YEAR, "title": "评分表"})
    assert response.status_code == 201, response.content
    table = response.json()
    assert Decimal(table["base_points"]) == 100 and len(table["items"]) > 20 and not table["in_use"]
    assert table["grades"][0] == {"grade": "优秀", "min": 90.0, "no_zero_item": True}
    section = next(i for i in table["items"] if i["section_id"] is None)
    item = {"code": "9.9", "title": "新增", "section_id": section["id"], "points": 2, "rule": "presence"}
    response = post(client, f"{API}/tables/{table['id']}/items", {**item, "version": table["version"]})
    assert response.status_code == 201, response.content
    stale = post(client, f"{API}/tables/{table['id']}/items", {**item, "code": "9.8", "version": table["version"]})
    assert stale.status_code == 409
    bad = post(client, f"{API}/tables/{table['id']}/items", {**item, "code": "9.7", "rule": "veto", "points": 3})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "points"
    # a branch secretary makes no tables, and another unit's table does not exist for them
    refused = post(login(cast.secretary_b), f"{API}/tables", {"organisation_id": cast.tree.root.pk, "year": YEAR,
                                                               "title": "表"})  # fmt: skip
    assert refused.status_code == 404
    assert login(cast.secretary_b).get(f"{API}/tables/{table['id']}").status_code == 404


def test_a_round_through_the_api(cast, in_english):
    office = client_for(cast.office)
    table = assess_small_table(cast.tree.root)["table"]
    payload = {
        "organisation_id": cast.tree.root.pk,
        "table_id": table.pk,
        "year": YEAR,
        "title": "年度考核",
        "unit_ids": [cast.tree.branch_b.pk],
    }
    response = post(office, f"{API}/rounds", payload)
    assert response.status_code == 201, response.content
    round = response.json()
    assert round["status"] == "draft" and [u["organisation_name"] for u in round["units"]] == ["第二党支部"]
    round = post(office, f"{API}/rounds/{round['id']}/open", {"version": round["version"]}).json()
    assert round["status"] == "self"
    assert post(office, f"{API}/rounds/{round['id']}/open", {"version": 1}).status_code == 409
    unit_id = round["units"][0]["id"]

    branch = client_for(cast.secretary_b)
    unit = branch.get(f"{API}/units/{unit_id}").json()
    assert unit["assessor_shown"] is False and all(s["score"] is None for s in unit["scores"])
    by_code = {s["code"]: s for s in unit["scores"]}
    too_high = put(branch, f"{API}/scores/{by_code['1.2']['id']}/self", {"self_score": 11, "version": 1})
    assert too_high.status_code == 422
    assert "above the item's 10 points" in too_high.json()["error"]["details"][0]["message"]
    for code, value in {"1.2": 10, "2.1": 20, "2.2": 10, "2.3": 20}.items():
        row = by_code[code]
        response = put(branch, f"{API}/scores/{row['id']}/self", {"self_score": value, "version": row["version"]})
        assert response.status_code == 200, response.content
    unit = post(branch, f"{API}/units/{unit_id}/submit", {"version": unit["version"]}).json()
    assert unit["status"] == "submitted"
    # the branch does not assess itself
    assert put(branch, f"{API}/scores/{by_code['1.2']['id']}/assess", {"value": 10}).status_code == 404

    for code, body in {"1.1": {"value": 40}, "1.2": {"value": 10}, "2.1": {"count": 1}, "2.2": {"count": 0},
                       "2.3": {"tier": "A"}, "3.1": {"count": 0}, "4.1": {"count": 0}}.items():  # fmt: skip
        row = by_code[code]
        current = office.get(f"{API}/units/{unit_id}").json()
        version = next(s["version"] for s in current["scores"] if s["id"] == row["id"])
        response = put(office, f"{API}/scores/{row['id']}/assess", {**body, "version": version})
        assert response.status_code == 200, (code, response.content)
    assert put(office, f"{API}/scores/{by_code['2.1']['id']}/assess", {"count": 1, "version": 1}).status_code == 409
    unit = office.get(f"{API}/units/{unit_id}").json()
    unit = post(office, f"{API}/units/{unit_id}/finish", {"feedback": "较好", "version": unit["version"]}).json()
    assert (Decimal(unit["total"]), unit["grade"]) == (Decimal(95), "优秀")

    seen = branch.get(f"{API}/units/{unit_id}").json()
    assert seen["assessor_shown"] and seen["feedback"] == "较好"
    round = office.get(f"{API}/rounds/{round['id']}").json()
    round = post(office, f"{API}/rounds/{round['id']}/advance", {"version": round["version"]}).json()
    round = post(office, f"{API}/rounds/{round['id']}/finish", {"version": round["version"]}).json()
    assert round["status"] == "finished"
    locked = put(office, f"{API}/scores/{by_code['1.2']['id']}/assess", {"value": 0})
    assert (
        locked.status_code == 422 and "nothing in it can be edited" in locked.json()["error"]["details"][0]["message"]
    )
    results = office.get(f"{API}/rounds/{round['id']}/results").json()
    assert results[0]["grade"] == "优秀" and results[0]["last_total"] is None


def test_lists_read_a_fixed_number_of_queries(cast, login):
    client = login(cast.office)
    round = assess_round(cast.tree.root, [cast.tree.branch_a])
    assess_self_all(round.units.get())
    urls = [f"{API}/rounds", f"{API}/units", f"{API}/tables"]
    for url in urls:
        client.get(url)
    few = [count_queries(lambda url=url: client.get(url)) for url in urls]
    assess_round(cast.tree.gb, [cast.tree.branch_a, cast.tree.branch_b])
    assess_round(cast.tree.root, [cast.tree.branch_b, cast.tree.branch_c, cast.tree.gb], year=YEAR - 1)
    assert [count_queries(lambda url=url: client.get(url)) for url in urls] == few
    assert client.get(f"{API}/units").json()["count"] == 6


def test_a_unit_detail_reads_a_fixed_number_of_queries(cast, login):
    client = login(cast.office)
    round = assess_round(cast.tree.root, [cast.tree.branch_a])
    unit = round.units.get()
    url = f"{API}/units/{unit.pk}"
    client.get(url)
    few = count_queries(lambda: client.get(url))
    row = assess_scores(unit)["1.2"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qinglian.duties.services import assessment as services

    for n in range(3):
        pdf = SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4\n", content_type="application/pdf")
        services.evidence_add(score=row, file=pdf, actor=None)
    assert count_queries(lambda: client.get(url)) == few
    assert next(s for s in client.get(url).json()["scores"] if s["code"] == "1.2")["evidence"] == 3
