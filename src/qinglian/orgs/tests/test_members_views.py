"""The member register's pages: list and filters, profile, edit with versions, the full ID number, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from qinglian.core.lib import idcard
from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.orgs import services
from qinglian.orgs.models import Member

NUMBER = idcard.make("360103", date(1990, 2, 3), 246)


def _names(response) -> set[str]:
    return {m.name for m in response.context["page"]}


@pytest.fixture
def register(cast, tree):
    """Members of branch_a that differ in one filtered attribute each."""
    made = {
        "full": services.member_create(
            organisation=tree.branch_a,
            name="孙悦",
            gender="F",
            actor=None,
            ethnicity="回族",
            education="研究生",
            birth_date=date(1996, 1, 1),
            joined_on=date(2018, 7, 1),
            post="一级主任科员",
        ),
        "probationary": services.member_create(
            organisation=tree.branch_a,
            name="周强",
            gender="M",
            actor=None,
            category="probationary",
            birth_date=date(1970, 1, 1),
            joined_on=date(2026, 1, 5),
            post="处长",
        ),
    }
    services.member_change_status(member=cast.members["a2"], status="去世", effective_on=date(2026, 1, 1),
                                  reason="病故", actor=None)  # fmt: skip
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "sun"}, {"孙悦"}),
        ({"q": "周"}, {"周强"}),
        ({"category": "probationary"}, {"周强"}),
        ({"status": "去世"}, {"李娜"}),
        ({"status": "all"}, {"孙悦", "周强", "张伟", "李娜"}),
        ({"gender": "F"}, {"孙悦"}),
        ({"ethnicity": "回族"}, {"孙悦"}),
        ({"age_band": "0"}, {"孙悦"}),
        ({"age_band": "4"}, set()),
        ({"education": "研究生"}, {"孙悦"}),
        ({"joined_year": "2026"}, {"周强"}),
        ({"post": "处长"}, {"周强"}),
    ],
)
def test_each_filter_narrows_the_list(register, login, cast, query, expected):
    response = login(cast.organiser).get(reverse("orgs:member_list"), query)
    assert response.status_code == 200
    assert _names(response) == expected


def test_the_list_is_sorted_by_pinyin_and_hides_other_statuses_by_default(register, login, cast):
    response = login(cast.organiser).get(reverse("orgs:member_list"))
    assert [m.name for m in response.context["page"]] == ["孙悦", "张伟", "周强"]


def test_the_list_shows_masked_numbers_only(cast, login):
    services.member_set_id_number(member=cast.members["a1"], number=NUMBER, actor=None)
    html = login(cast.organiser).get(reverse("orgs:member_list")).content.decode()
    assert idcard.mask(NUMBER) in html and NUMBER not in html


def test_the_list_query_count_does_not_grow_with_the_page(cast, tree, login):
    client = login(cast.organiser)
    url = reverse("orgs:member_list")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    Member.objects.bulk_create(
        Member(organisation=tree.branch_a, name=f"成员{i}", name_pinyin=f"cheng yuan {i:03d}", gender="M")
        for i in range(60)
    )
    assert count_queries(lambda: client.get(url)) == few


def test_the_profile_shows_the_register_and_the_masked_number(cast, login):
    member = cast.members["a1"]
    services.member_set_id_number(member=member, number=NUMBER, actor=None)
    client = login(cast.organiser)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert idcard.mask(NUMBER) in html and NUMBER not in html
    assert "Show the full number" in html
    html = login(cast.secretary).get(reverse("orgs:member_detail", args=[member.pk])).content.decode()
    assert "Show the full number" not in html


def test_revealing_the_number_needs_a_reason_and_is_audited(cast, login):
    member = cast.members["a1"]
    services.member_set_id_number(member=member, number=NUMBER, actor=None)
    url = reverse("orgs:member_reveal_id", args=[member.pk])
    client = login(cast.organiser)
    assert NUMBER not in client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true").content.decode()
    response = client.post(url, {"reason": "办理组织关系转接"}, HTTP_HX_REQUEST="true")
    assert NUMBER in response.content.decode()
    assert AuditEvent.objects.filter(action="member.id_viewed", reason="办理组织关系转接").count() == 1
    assert login(cast.secretary).post(url, {"reason": "好奇"}).status_code == 404


def test_a_stale_edit_is_refused_and_keeps_what_was_typed(cast, login):
    member = cast.members["a1"]
    url = reverse("orgs:member_edit", args=[member.pk])
    client = login(cast.organiser)
    client.cookies["django_language"] = "en"
    form = {"name": "张伟", "gender": "M", "category": "full", "post": "副处长", "version": member.version}
    assert client.post(url, form).status_code == 302
    form["post"] = "我输入的职务"
    response = client.post(url, form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this member" in html and "我输入的职务" in html
    assert Member.objects.get(pk=member.pk).post == "副处长"


def test_adding_a_member_with_an_id_number(cast, tree, login):
    response = login(cast.organiser).post(
        reverse("orgs:member_create"),
        {"organisation": tree.group_a.pk, "name": "吴迪", "gender": "M", "category": "full", "id_number": NUMBER},
    )
    member = Member.objects.get(name="吴迪")
    assert response.status_code == 302 and member.id_number_masked == idcard.mask(NUMBER)


def test_a_bad_id_number_on_the_form_is_explained(cast, tree, login):
    client = login(cast.organiser)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("orgs:member_create"),
        {"organisation": tree.branch_a.pk, "name": "吴迪", "gender": "M", "category": "full", "id_number": "123"},
    )
    assert response.status_code == 200 and "An ID number has 18 characters" in response.content.decode()
    assert 'value="吴迪"' in response.content.decode()
    assert not Member.objects.filter(name="吴迪").exists()


def test_status_and_probation_forms(cast, tree, login):
    client = login(cast.organiser)
    member = cast.members["a1"]
    client.post(
        reverse("orgs:member_status", args=[member.pk]),
        {"status": "保留党籍", "effective_on": "2026-01-01", "reason": "出国", "version": member.version},
    )
    assert Member.objects.get(pk=member.pk).status == "保留党籍"
    probationer = services.member_create(
        organisation=tree.branch_a,
        name="钱程",
        gender="M",
        actor=None,
        category="probationary",
        joined_on=date(2025, 3, 1),
    )
    client.post(
        reverse("orgs:member_probation", args=[probationer.pk, "confirm"]),
        {"on": "2026-03-01", "version": probationer.version},
    )
    assert Member.objects.get(pk=probationer.pk).category == "full"


def test_an_administrator_creates_the_members_login(cast, login):
    member = cast.members["a2"]
    login(cast.admin).post(reverse("orgs:member_login_create", args=[member.pk]), {"username": "lina"})
    member.refresh_from_db()
    assert member.user.username == "lina"
    login(cast.organiser).post(reverse("orgs:member_login_create", args=[cast.members["c1"].pk]), {"username": "x"})
    assert Member.objects.get(pk=cast.members["c1"].pk).user is None


def _routes(cast):
    a1 = cast.members["a1"].pk
    edit = {"name": "改", "gender": "M", "category": "full", "version": 1}
    status = {"status": "去世", "effective_on": "2026-01-01", "reason": "x", "version": 1}
    cancel = {"on": "2026-01-01", "reason": "x", "version": 1}
    return [
        ("get", reverse("orgs:member_detail", args=[a1]), {}),
        ("get", reverse("orgs:member_edit", args=[a1]), {}),
        ("post", reverse("orgs:member_edit", args=[a1]), edit),
        ("post", reverse("orgs:member_status", args=[a1]), status),
        ("post", reverse("orgs:member_probation", args=[a1, "cancel"]), cancel),
        ("post", reverse("orgs:member_reveal_id", args=[a1]), {"reason": "x"}),
        ("post", reverse("orgs:member_login_create", args=[a1]), {"username": "zw"}),
    ]


@pytest.mark.parametrize("who", ["outsider", "secretary_b"])
def test_every_member_page_is_404_for_an_outsider_and_a_sibling_branch(cast, login, who):
    services.member_set_id_number(member=cast.members["a1"], number=NUMBER, actor=None)
    client = login(cast.users[who])
    for method, url, data in _routes(cast):
        assert getattr(client, method)(url, data).status_code == 404, url
    member = Member.objects.get(pk=cast.members["a1"].pk)
    assert (member.name, member.status, member.user_id) == ("张伟", "正常", cast.member.pk)
    assert not AuditEvent.objects.filter(action="member.id_viewed").exists()


def test_adding_is_404_for_an_outsider_and_cannot_reach_a_sibling_branch(cast, tree, login):
    assert login(cast.outsider).get(reverse("orgs:member_create")).status_code == 404
    response = login(cast.secretary_b).post(
        reverse("orgs:member_create"),
        {"organisation": tree.branch_a.pk, "name": "越权", "gender": "M", "category": "full"},
    )
    assert response.status_code == 200 and not Member.objects.filter(name="越权").exists()
