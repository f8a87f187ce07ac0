"""The member register's API: filters, masked reads, versioned writes (409), the audited full number, scope."""

from __future__ import annotations

from datetime import date

import pytest

from qinglian.core.lib import idcard
from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.orgs import services
from qinglian.orgs.models import Member

NUMBER = idcard.make("360104", date(1985, 9, 9), 37)


@pytest.fixture
def api(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def test_list_filters_like_the_page(cast, tree, api):
    services.member_update(member=cast.members["a2"], actor=None, version=1, education="研究生")
    client = api(cast.organiser)
    body = client.get(f"/api/v1/orgs/{tree.branch_a.pk}/members", {"education": "研究生"}).json()
    assert [m["name"] for m in body["items"]] == ["李娜"]
    bad = client.get(f"/api/v1/orgs/{tree.branch_a.pk}/members", {"gender": "X"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"


def test_list_query_count_does_not_grow_with_the_page(cast, tree, api):
    client = api(cast.organiser)
    url = f"/api/v1/orgs/{tree.branch_a.pk}/members"
    client.get(url)
    few = count_queries(lambda: client.get(url))
    Member.objects.bulk_create(
        Member(organisation=tree.branch_a, name=f"成员{i}", name_pinyin=f"cy {i:03d}", gender="F") for i in range(40)
    )
    assert count_queries(lambda: client.get(url)) == few


def test_get_one_shows_the_number_masked(cast, api):
    member = cast.members["a1"]
    services.member_set_id_number(member=member, number=NUMBER, actor=None)
    body = api(cast.organiser).get(f"/api/v1/orgs/members/{member.pk}").json()
    assert body["id_number_masked"] == idcard.mask(NUMBER) and NUMBER not in str(body)


def test_create_and_a_stale_update_is_409(cast, tree, api):
    client = api(cast.organiser)
    client.cookies["django_language"] = "en"
    created = client.post(
        f"/api/v1/orgs/{tree.branch_a.pk}/members",
        {"name": "郑爽", "gender": "F", "id_number": NUMBER, "category": "full"},
        "application/json",
    )
    assert created.status_code == 201, created.content
    member = created.json()
    url = f"/api/v1/orgs/members/{member['id']}"
    ok = client.patch(url, {"version": member["version"], "post": "科员"}, "application/json")
    assert ok.status_code == 200 and ok.json()["post"] == "科员"
    stale = client.patch(url, {"version": member["version"], "post": "处长"}, "application/json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert "Someone else changed this member" in stale.json()["error"]["message"]
    bad = client.post(
        f"/api/v1/orgs/{tree.branch_a.pk}/members",
        {"name": "错", "gender": "M", "id_number": "1234"},
        "application/json",
    )
    assert bad.status_code == 422 and "18 characters" in str(bad.json())


def test_reveal_is_audited_and_refused_without_the_permission(cast, api):
    member = cast.members["a1"]
    services.member_set_id_number(member=member, number=NUMBER, actor=None)
    url = f"/api/v1/orgs/members/{member.pk}/id-number"
    response = api(cast.organiser).post(url, {"reason": "档案核对"}, "application/json")
    assert response.json() == {"id_number": NUMBER}
    assert AuditEvent.objects.filter(action="member.id_viewed", reason="档案核对").count() == 1
    assert api(cast.secretary).post(url, {"reason": "x"}, "application/json").status_code == 403
    assert api(cast.secretary_b).post(url, {"reason": "x"}, "application/json").status_code == 404
    assert AuditEvent.objects.filter(action="member.id_viewed").count() == 1


def test_status_and_probation_through_the_api(cast, tree, api):
    client = api(cast.organiser)
    member = cast.members["a1"]
    response = client.post(
        f"/api/v1/orgs/members/{member.pk}/status",
        {"status": "保留党籍", "effective_on": "2026-01-01", "reason": "出国"},
        "application/json",
    )
    assert response.json()["status"] == "保留党籍"
    probationer = services.member_create(
        organisation=tree.branch_a,
        name="钱程",
        gender="M",
        actor=None,
        category="probationary",
        joined_on=date(2025, 3, 1),
    )
    base = f"/api/v1/orgs/members/{probationer.pk}/probation"
    early = client.post(f"{base}/extend", {"until": "2026-04-01", "reason": "考察"}, "application/json")
    assert early.status_code == 422
    response = client.post(f"{base}/extend", {"until": "2026-09-01", "reason": "考察"}, "application/json")
    assert response.json()["probation_extended_to"] == "2026-09-01"


@pytest.mark.parametrize("who", ["outsider", "secretary_b"])
def test_every_member_endpoint_is_404_outside_the_scope(cast, tree, api, who):
    client = api(cast.users[who])
    a1 = cast.members["a1"].pk
    calls = [
        client.get(f"/api/v1/orgs/members/{a1}"),
        client.get(f"/api/v1/orgs/{tree.branch_a.pk}/members"),
        client.post(f"/api/v1/orgs/{tree.branch_a.pk}/members", {"name": "越", "gender": "M"}, "application/json"),
        client.patch(f"/api/v1/orgs/members/{a1}", {"version": 1, "post": "越权"}, "application/json"),
        client.post(f"/api/v1/orgs/members/{a1}/status",
                    {"status": "去世", "effective_on": "2026-01-01", "reason": "x"}, "application/json"),
        client.post(f"/api/v1/orgs/members/{a1}/id-number", {"reason": "x"}, "application/json"),
        client.post(f"/api/v1/orgs/members/{a1}/probation/confirm", {"on": "2026-01-01"}, "application/json"),
    ]  # fmt: skip
    assert [c.status_code for c in calls] == [404] * len(calls)
    assert Member.objects.get(pk=a1).post == "" and not Member.objects.filter(name="越").exists()
