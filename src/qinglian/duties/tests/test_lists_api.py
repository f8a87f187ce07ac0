"""Duty lists over the API: the list with filters in constant queries, one list with its duties and markers,
making a list from the template, its duties added, patched, moved and deleted, publishing with versions, the
refusals (another unit, bad input, a stale version), the Word export and the caller's own duties."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document

from qinglian.core.tests.web import count_queries
from qinglian.duties.models import Duty, DutyList
from qinglian.duties.services import lists as services
from qinglian.duties.services.lists import Source
from qinglian.duties.tests.factories import lists_duty, lists_list, lists_post

YEAR = timezone.localdate().year
API = "/api/v1/duties"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


@pytest.fixture(autouse=True)
def _english_pages(client):
    """The messages asserted are the English ones (the site's language is Chinese)."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def template(cast):
    duty_list = services.list_create(org=cast.tree.gb, year=YEAR, source=Source.DEFAULT, is_template=True, actor=None)
    return services.list_publish(duty_list=duty_list, version=None, actor=None)


def test_the_list_filters_and_reads_a_fixed_number_of_queries(cast, login):
    client = login(cast.office)
    url = f"{API}/lists"
    lists_duty(lists_list(cast.tree.branch_a))
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for org in (cast.tree.branch_b, cast.tree.branch_c, cast.tree.gb):
        lists_list(org, year=YEAR - 1, is_template=org == cast.tree.gb)
    assert count_queries(lambda: client.get(url)) == few
    assert client.get(url).json()["count"] == 4
    assert client.get(url, {"year": YEAR - 1}).json()["count"] == 3
    assert [i["organisation_name"] for i in client.get(url, {"template": True}).json()["items"]] == ["第一党总支"]
    items = client.get(url, {"organisation_id": cast.tree.branch_b.pk}).json()["items"]
    assert [i["organisation_name"] for i in items] == ["第二党支部"]
    assert login(cast.secretary_b).get(url).json()["count"] == 1


def test_a_branch_makes_its_list_from_the_template_and_adapts_it(cast, login, template):
    client = login(cast.secretary_b)
    payload = {"organisation_id": cast.tree.branch_b.pk, "year": YEAR, "source": "template"}
    response = post(client, f"{API}/lists", payload)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["based_on_id"] == template.pk and data["status"] == "draft" and data["version"] == 1
    assert len(data["duties"]) == template.duties.count() and data["differences"]["removed"] == []
    list_url = f"{API}/lists/{data['id']}"
    first, last = data["duties"][0], data["duties"][-1]
    response = patch(client, f"{list_url}/duties/{first['id']}", {"version": 1, "content": "支部改写"})
    assert response.status_code == 200 and response.json()["content"] == "支部改写"
    assert response.json()["basis"] == first["basis"]  # left out: kept
    response = client.delete(f"{list_url}/duties/{last['id']}?version=2")
    assert response.status_code == 204
    b1 = cast.members["b1"]
    response = post(
        client,
        f"{list_url}/duties",
        {
            "version": 3,
            "holder": "member",
            "post": "组织委员",
            "person_id": b1.pk,
            "content": "新增",
            "frequency": "monthly",
        },
    )
    assert response.status_code == 201 and response.json()["person_id"] == b1.pk
    added = response.json()
    data = client.get(list_url).json()
    marks = {d["id"]: d["mark"] for d in data["duties"]}
    assert marks[first["id"]] == "changed" and marks[added["id"]] == "added"
    assert data["differences"]["added"] == 1 and data["differences"]["changed"] == 1
    assert [d["id"] for d in data["differences"]["removed"]] == [last["template_duty_id"]]
    assert next(d for d in data["duties"] if d["id"] == added["id"])["holders_now"] == [{"id": b1.pk, "name": "王芳"}]
    response = post(client, f"{list_url}/duties/{added['id']}/move", {"direction": "up"})
    members = [d["id"] for d in response.json() if d["holder"] == "member"]
    assert members.index(added["id"]) == len(members) - 2
    response = post(client, f"{list_url}/publish", {"version": 4})
    assert response.status_code == 200 and response.json()["status"] == "published"
    response = patch(client, list_url, {"version": 5, "title": "第二支部年度责任清单"})
    assert response.json()["title"] == "第二支部年度责任清单" and response.json()["is_template"] is False


def test_bad_input_and_stale_versions_are_refused_with_reasons(cast, login, in_english):
    client = login(cast.secretary_b)
    response = post(client, f"{API}/lists", {"organisation_id": cast.tree.branch_b.pk, "year": YEAR, "source": "x"})
    assert response.status_code == 422
    response = post(client, f"{API}/lists", {"organisation_id": cast.tree.branch_b.pk, "year": 1990})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "year"
    response = post(
        client, f"{API}/lists", {"organisation_id": cast.tree.branch_b.pk, "year": YEAR, "source": "last_year"}
    )
    assert response.status_code == 422 and "has no duty list for" in response.json()["error"]["details"][0]["message"]
    assert not DutyList.objects.exists()
    duty_list = lists_list(cast.tree.branch_b)
    url = f"{API}/lists/{duty_list.pk}"
    response = post(
        client, f"{url}/duties", {"version": 1, "holder": "member", "content": "x", "person_id": cast.members["a1"].pk}
    )
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "person_id"
    response = post(client, f"{url}/duties", {"version": 1, "holder": "nobody", "content": "x"})
    assert response.status_code == 422
    response = post(client, f"{url}/duties", {"version": 1, "holder": "committee", "content": " "})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "content"
    response = post(client, f"{url}/publish", {"version": 1})
    assert response.status_code == 422 and "at least one duty" in response.content.decode()
    duty = lists_duty(duty_list)
    response = patch(client, f"{url}/duties/{duty.pk}", {"version": 1, "holder": None})
    assert response.status_code == 422
    response = patch(client, f"{url}/duties/{duty.pk}", {"version": 9, "content": "改"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    assert post(client, f"{url}/duties/{duty.pk}/move", {"direction": "left"}).status_code == 422
    duty.refresh_from_db()
    assert duty.content == "专题研究党风廉政建设工作"


def test_other_units_lists_answer_404(cast, login):
    duty_list = lists_list(cast.tree.branch_b)
    duty = lists_duty(duty_list)
    url = f"{API}/lists/{duty_list.pk}"
    client = login(cast.secretary)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/export").status_code == 404
    assert post(client, f"{url}/publish", {"version": 1}).status_code == 404
    assert patch(client, f"{url}/duties/{duty.pk}", {"version": 1, "content": "越权"}).status_code == 404
    assert client.delete(f"{url}/duties/{duty.pk}?version=1").status_code == 404
    assert client.delete(f"{url}?version=1").status_code == 404
    payload = {"organisation_id": cast.tree.branch_b.pk, "year": YEAR + 1}
    assert post(client, f"{API}/lists", payload).status_code == 404
    # The template above is read by the branches below, who inherit it, and changed only by its unit.
    template = lists_list(cast.tree.root, status="published", is_template=True)
    assert client.get(f"{API}/lists/{template.pk}").status_code == 200
    assert patch(client, f"{API}/lists/{template.pk}", {"version": 1, "title": "改"}).status_code == 404
    # The auditor reads every list but changes none.
    auditor = login(cast.auditor)
    assert auditor.get(url).status_code == 200
    assert post(auditor, f"{url}/duties", {"version": 1, "holder": "committee", "content": "x"}).status_code == 404
    assert Duty.objects.filter(duty_list=duty_list).count() == 1 and DutyList.objects.count() == 2


def test_copy_delete_export_and_mine(cast, login, template):
    client = login(cast.office)
    response = post(client, f"{API}/lists/{template.pk}/copy", {})
    assert response.status_code == 201 and response.json()["year"] == YEAR + 1
    following = response.json()
    assert client.delete(f"{API}/lists/{following['id']}?version=1").status_code == 204
    response = client.get(f"{API}/lists/{template.pk}/export")
    doc = Document(io.BytesIO(response.content))
    assert "书记第一责任人责任" in "\n".join(p.text for p in doc.paragraphs)
    lists_post(cast.tree.gb, cast.members["a1"], "纪检委员")
    mine = login(cast.member).get(f"{API}/lists/mine").json()
    kinds = {row["duty"]["holder"] for row in mine}
    assert kinds == {"committee", "member", "discipline"}  # not the secretary's
    assert {row["organisation_name"] for row in mine} == {"第一党总支"}
    assert login(cast.office).get(f"{API}/lists/mine").json() == []
