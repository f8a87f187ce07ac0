"""Pages for the organisation's details, restructuring, departments and committee."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from qinglian.core.tests.web import count_queries
from qinglian.orgs.models import CommitteePost, Department, Member, Organisation
from qinglian.orgs.services import department_create, org_create, org_dissolve, post_assign, term_start


@pytest.fixture
def dept(cast):
    return department_create(organisation=cast.tree.root, name="办公室", kind="办公室", actor=None)


@pytest.fixture
def term(cast):
    term = term_start(org=cast.tree.branch_a, elected_on=date(2024, 1, 8), actor=None)
    post_assign(term=term, member=cast.members["a1"], post="书记", actor=None)
    return term


def _views(cast, dept, term):
    """(method, url, data) of every new page and action, all aimed at branch_a or the root's department."""
    a = cast.tree.branch_a.pk
    seat = CommitteePost.objects.get(term=term).pk
    return [
        ("get", reverse("orgs:org_detail", args=[a]), {}),
        ("post", reverse("orgs:org_update", args=[a]), {"code": "X", "version": 1}),
        ("post", reverse("orgs:org_move", args=[a]), {"target": cast.tree.branch_c.pk, "reason": "x"}),
        ("post", reverse("orgs:org_merge", args=[a]), {"target": cast.tree.branch_b.pk, "reason": "x"}),
        ("post", reverse("orgs:org_dissolve", args=[a]), {"dissolved_on": "2026-01-01", "reason": "x"}),
        ("post", reverse("orgs:term_start", args=[a]), {"elected_on": "2026-01-01"}),
        ("post", reverse("orgs:post_assign", args=[a]), {"member": cast.members["a1"].pk, "post": "组织委员"}),
        ("get", reverse("orgs:member_pick", args=[a]), {"q": "张"}),
        ("post", reverse("orgs:post_end", args=[seat]), {"ends_on": "2026-01-01"}),
        ("get", reverse("orgs:department_detail", args=[dept.pk]), {}),
        ("post", reverse("orgs:department_detail", args=[dept.pk]), {"name": "y", "kind": "其他", "order": 1}),
        ("post", reverse("orgs:department_active", args=[dept.pk]), {}),
        ("post", reverse("orgs:department_link", args=[dept.pk]), {"target": a}),
    ]


def test_every_new_page_is_404_for_an_outsider(cast, dept, term, client):
    client.force_login(cast.outsider)
    for method, url, data in _views(cast, dept, term):
        assert getattr(client, method)(url, data).status_code == 404, url
    for url in (reverse("orgs:department_list"), reverse("orgs:org_pick") + "?q=a"):
        assert client.get(url).status_code == 404, url


def test_a_sibling_branchs_secretary_gets_404_and_nothing_changes(cast, dept, term, client):
    client.force_login(cast.secretary_b)
    for method, url, data in _views(cast, dept, term):
        assert getattr(client, method)(url, data).status_code == 404, url
    branch_a = Organisation.objects.get(pk=cast.tree.branch_a.pk)
    assert (branch_a.is_active, branch_a.code, branch_a.parent_id) == (True, "", cast.tree.gb.pk)
    assert Department.objects.get(pk=dept.pk).is_active and CommitteePost.objects.holding().count() == 1


def test_a_manager_may_not_reach_out_of_their_subtree_through_the_target(cast, client, django_user_model):
    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    gb_manager = django_user_model.objects.create_user("gbm", password="pw")
    role_assign(
        user=gb_manager,
        role=Role.objects.get(code="committee_office"),
        organisation=cast.tree.gb,
        include_subtree=True,
        actor=None,
    )
    client.force_login(gb_manager)
    url = reverse("orgs:org_merge", args=[cast.tree.branch_a.pk])
    assert client.post(url, {"target": cast.tree.branch_c.pk, "reason": "x"}).status_code == 404
    assert Organisation.objects.get(pk=cast.tree.branch_a.pk).is_active


def test_the_page_shows_details_committee_and_history(cast, dept, term, client):
    from qinglian.orgs.services import org_update

    org_update(org=cast.tree.branch_a, department=dept, founded_on=date(2010, 7, 1), actor=cast.office)
    client.force_login(cast.office)
    page = client.get(reverse("orgs:org_detail", args=[cast.tree.branch_a.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    for expected in ("2010-07-01", "办公室", "Term 1", "2027-01-08", "张伟", "Secretary", "Details changed", "Merge"):
        assert expected in text, expected


def test_the_member_sees_the_page_without_the_forms(cast, term, client):
    client.force_login(cast.member)
    text = client.get(reverse("orgs:org_detail", args=[cast.tree.branch_a.pk])).content.decode()
    assert "张伟" in text and reverse("orgs:org_merge", args=[cast.tree.branch_a.pk]) not in text


def test_a_refused_dissolve_keeps_what_was_typed_and_says_why(cast, client):
    client.force_login(cast.office)
    url = reverse("orgs:org_dissolve", args=[cast.tree.branch_a.pk])
    data = {
        "dissolved_on": "2026-02-03",
        "reason": "合并到第二支部的理由",
        "q": "直属",
        "target": cast.tree.branch_c.pk,
    }
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 400
    assert "合并到第二支部的理由" in text and 'value="2026-02-03"' in text and 'value="直属"' in text
    assert f'value="{cast.tree.branch_c.pk}" checked' in text
    assert "1 member(s)" in text
    assert Organisation.objects.get(pk=cast.tree.branch_a.pk).is_active


def test_an_invalid_details_form_keeps_the_input(cast, client):
    client.force_login(cast.office)
    url = reverse("orgs:org_update", args=[cast.tree.branch_a.pk])
    response = client.post(url, {"short_name": "一支部", "code": "C-1", "founded_on": "not a date", "version": 1})
    text = response.content.decode()
    assert response.status_code == 400 and 'value="一支部"' in text and 'value="C-1"' in text


def test_merge_through_the_page(cast, client):
    client.force_login(cast.office)
    url = reverse("orgs:org_merge", args=[cast.tree.branch_a.pk])
    response = client.post(url, {"target": cast.tree.branch_b.pk, "reason": "机构改革"})
    assert response.status_code == 302
    assert Member.objects.get(pk=cast.members["a1"].pk).organisation_id == cast.tree.branch_b.pk
    assert not Organisation.objects.get(pk=cast.tree.branch_a.pk).is_active


def test_start_a_term_and_assign_a_post_through_the_page(cast, client):
    client.force_login(cast.office)
    a = cast.tree.branch_a.pk
    assert client.post(reverse("orgs:term_start", args=[a]), {"elected_on": "2025-06-01"}).status_code == 302
    response = client.post(reverse("orgs:post_assign", args=[a]), {"member": cast.members["a2"].pk, "post": "书记"})
    assert response.status_code == 302
    assert CommitteePost.objects.get().member == cast.members["a2"]
    outside = client.post(reverse("orgs:post_assign", args=[a]), {"member": cast.members["c1"].pk, "post": "委员"})
    assert outside.status_code == 400


def test_pickers_search_within_reach(cast, client):
    client.force_login(cast.office)
    text = client.get(reverse("orgs:org_pick"), {"q": "第二", "box": "move"}).content.decode()
    assert "第二党支部" in text and 'name="target"' in text
    text = client.get(reverse("orgs:member_pick", args=[cast.tree.branch_a.pk]), {"q": "li"}).content.decode()
    assert "李娜" in text and "王芳" not in text


def test_departments_list_create_edit_link_and_retire(cast, client):
    client.force_login(cast.office)
    response = client.post(reverse("orgs:department_create"), {"name": "财务处", "kind": "财务", "order": 10})
    assert response.status_code == 302
    dept = Department.objects.get(name="财务处")
    assert dept.organisation == cast.tree.root
    assert "财务处" in client.get(reverse("orgs:department_list")).content.decode()
    link = reverse("orgs:department_link", args=[dept.pk])
    assert client.post(link, {"target": cast.tree.branch_b.pk}).status_code == 302
    assert Organisation.objects.get(pk=cast.tree.branch_b.pk).department == dept
    assert client.post(link, {"target": cast.tree.branch_b.pk, "unlink": "1"}).status_code == 302
    assert Organisation.objects.get(pk=cast.tree.branch_b.pk).department is None
    client.post(reverse("orgs:department_active", args=[dept.pk]))
    assert not Department.objects.get(pk=dept.pk).is_active


def test_a_duplicate_department_keeps_the_input(cast, dept, client):
    client.force_login(cast.office)
    response = client.post(
        reverse("orgs:department_create"), {"name": "办公室", "kind": "其他", "code": "Q9", "order": 7}
    )
    assert response.status_code == 400 and 'value="Q9"' in response.content.decode()


def test_branch_users_see_an_empty_department_list(cast, dept, client):
    client.force_login(cast.secretary)
    response = client.get(reverse("orgs:department_list"))
    assert response.status_code == 200 and "办公室" not in response.content.decode()


def test_dissolved_units_are_hidden_in_the_tree_unless_asked(cast, client):
    gone = org_create(name="已撤销党支部", kind="branch", parent=cast.tree.root, actor=None)
    org_dissolve(org=gone, on=date(2026, 1, 1), successor=None, actor=None, reason="x")
    client.force_login(cast.office)
    assert "已撤销党支部" not in client.get(reverse("orgs:org_list")).content.decode()
    assert "已撤销党支部" in client.get(reverse("orgs:org_list"), {"dissolved": "1"}).content.decode()
    assert "已撤销党支部" not in client.get(reverse("orgs:org_list"), {"q": "已撤销"}).content.decode()
    children = client.get(reverse("orgs:org_children", args=[cast.tree.root.pk]), {"dissolved": "1"})
    assert "已撤销党支部" in children.content.decode()


def _grow_departments(cast, n):
    start = Department.objects.count()
    for i in range(n):
        d = department_create(organisation=cast.tree.root, name=f"处室{start + i}", actor=None)
        Organisation.objects.filter(pk=cast.tree.branch_b.pk).update(department=d)


def _grow_posts(cast, n, term):
    from qinglian.orgs.services import member_create

    for _i in range(n):
        m = member_create(organisation=cast.tree.branch_a, name="赵六", gender="M", actor=None)
        CommitteePost.objects.create(term=term, member=m, post="委员", starts_on=term.elected_on)


def test_department_list_query_count_does_not_grow(cast, client):
    client.force_login(cast.office)
    url = reverse("orgs:department_list")
    _grow_departments(cast, 2)
    client.get(url)
    few = count_queries(lambda: client.get(url))
    _grow_departments(cast, 20)
    assert count_queries(lambda: client.get(url)) == few


def test_org_page_query_count_does_not_grow_with_posts_and_history(cast, term, client):
    client.force_login(cast.office)
    url = reverse("orgs:org_detail", args=[cast.tree.branch_a.pk])
    _grow_posts(cast, 2, term)
    client.get(url)
    few = count_queries(lambda: client.get(url))
    _grow_posts(cast, 15, term)
    term_start(org=cast.tree.branch_a, elected_on=date(2025, 1, 1), actor=None)
    for n in range(5):
        from qinglian.orgs.services import org_update

        org_update(org=cast.tree.branch_a, code=f"C{n}", actor=None)
    assert count_queries(lambda: client.get(url)) == few
