"""The API's doors onto organisation structure: update, merge, dissolve, departments, terms and posts."""

from __future__ import annotations

from datetime import date

import pytest

from qinglian.core.tests.web import count_queries
from qinglian.orgs.models import CommitteePost, Department, Organisation
from qinglian.orgs.services import department_create, post_assign, term_start

API = "/api/v1/orgs"


@pytest.fixture
def dept(cast):
    return department_create(organisation=cast.tree.root, name="办公室", kind="办公室", actor=None)


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_update_merge_and_dissolve(cast, dept, client):
    client.force_login(cast.office)
    client.cookies["django_language"] = "en"
    a, b = cast.tree.branch_a, cast.tree.branch_b
    response = _post(client, f"{API}/{a.pk}/update", {"founded_on": "2011-07-01", "department_id": dept.pk})
    assert response.status_code == 200, response.content
    assert response.json()["founded_on"] == "2011-07-01" and response.json()["department_id"] == dept.pk
    refused = _post(client, f"{API}/{cast.tree.gb.pk}/dissolve", {"dissolved_on": "2026-01-01", "reason": "x"})
    assert refused.status_code == 422 and "subordinate" in refused.content.decode()
    merged = _post(client, f"{API}/{a.pk}/merge", {"target_id": b.pk, "reason": "机构改革"})
    assert merged.status_code == 200 and merged.json()["id"] == b.pk
    detail = client.get(f"{API}/{a.pk}").json()
    assert detail["is_active"] is False and detail["successor_id"] == b.pk


def test_structure_endpoints_are_404_outside_the_callers_units(cast, dept, client):
    term = term_start(org=cast.tree.branch_a, elected_on=date(2024, 1, 1), actor=None)
    seat = post_assign(term=term, member=cast.members["a1"], post="书记", actor=None)
    a = cast.tree.branch_a.pk
    calls = [
        ("post", f"{API}/{a}/update", {"code": "Z"}),
        ("post", f"{API}/{a}/merge", {"target_id": cast.tree.branch_b.pk, "reason": "x"}),
        ("post", f"{API}/{a}/dissolve", {"dissolved_on": "2026-01-01", "reason": "x"}),
        ("get", f"{API}/{a}/terms", None),
        ("post", f"{API}/{a}/terms", {"elected_on": "2026-01-01"}),
        ("post", f"{API}/terms/{term.pk}/posts", {"member_id": cast.members["a1"].pk, "post": "委员"}),
        ("post", f"{API}/posts/{seat.pk}/end", {"ends_on": "2026-01-01"}),
        ("get", f"{API}/departments/{dept.pk}", None),
        ("post", f"{API}/departments/{dept.pk}", {"name": "x", "kind": "其他"}),
        ("post", f"{API}/departments/{dept.pk}/active", {"is_active": False}),
        ("post", f"{API}/departments", {"organisation_id": cast.tree.root.pk, "name": "新处"}),
    ]
    for user in (cast.outsider, cast.secretary_b):
        client.force_login(user)
        for method, url, data in calls:
            response = client.get(url) if method == "get" else _post(client, url, data)
            assert response.status_code == 404, (user, url, response.content)
    assert Organisation.objects.get(pk=a).is_active and Department.objects.count() == 1
    assert CommitteePost.objects.holding().count() == 1


def test_viewers_may_read_but_not_change(cast, client):
    term_start(org=cast.tree.branch_a, elected_on=date(2024, 1, 1), actor=None)
    client.force_login(cast.secretary)  # org.view on branch_a, no org.manage
    assert client.get(f"{API}/{cast.tree.branch_a.pk}/terms").status_code == 200
    assert _post(client, f"{API}/{cast.tree.branch_a.pk}/terms", {"elected_on": "2026-01-01"}).status_code == 404


def test_departments_crud_and_list_is_scoped(cast, dept, client):
    client.force_login(cast.office)
    created = _post(
        client, f"{API}/departments", {"organisation_id": cast.tree.root.pk, "name": "审计处", "kind": "审计"}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert _post(client, f"{API}/departments/{pk}", {"name": "内审处", "kind": "审计"}).json()["name"] == "内审处"
    assert _post(client, f"{API}/departments/{pk}/active", {"is_active": False}).json()["is_active"] is False
    names = [d["name"] for d in client.get(f"{API}/departments").json()["items"]]
    assert sorted(names) == sorted(["办公室", "内审处"])
    client.force_login(cast.secretary)
    assert client.get(f"{API}/departments").json()["items"] == []


def test_terms_and_posts(cast, client):
    client.force_login(cast.office)
    a = cast.tree.branch_a.pk
    term = _post(client, f"{API}/{a}/terms", {"elected_on": "2024-03-01"})
    assert term.status_code == 201 and term.json()["ends_on"] == "2027-03-01"
    seat = _post(client, f"{API}/terms/{term.json()['id']}/posts", {"member_id": cast.members["a2"].pk, "post": "书记"})
    assert seat.status_code == 201 and seat.json()["member_name"] == "李娜"
    outside = _post(
        client, f"{API}/terms/{term.json()['id']}/posts", {"member_id": cast.members["c1"].pk, "post": "委员"}
    )
    assert outside.status_code == 404
    ended = _post(client, f"{API}/posts/{seat.json()['id']}/end", {"ends_on": "2025-01-01"})
    assert ended.json()["ends_on"] == "2025-01-01"
    listed = client.get(f"{API}/{a}/terms").json()["items"]
    assert listed[0]["posts"][0]["post"] == "书记"


def test_list_endpoints_query_count_does_not_grow(cast, client):
    client.force_login(cast.office)
    for n in range(2):
        department_create(organisation=cast.tree.root, name=f"处{n}", actor=None)
    term_start(org=cast.tree.branch_a, elected_on=date(2019, 1, 1), actor=None)
    urls = [f"{API}/departments", f"{API}/{cast.tree.branch_a.pk}/terms"]
    for url in urls:
        client.get(url)
    few = [count_queries(lambda u=url: client.get(u)) for url in urls]
    for n in range(2, 20):
        department_create(organisation=cast.tree.root, name=f"处{n}", actor=None)
    for year in range(2020, 2027, 2):
        term = term_start(org=cast.tree.branch_a, elected_on=date(year, 1, 1), actor=None)
        post_assign(term=term, member=cast.members["a1"], post="书记", actor=None)
        post_assign(term=term, member=cast.members["a2"], post="委员", actor=None)
    assert [count_queries(lambda u=url: client.get(u)) for url in urls] == few
