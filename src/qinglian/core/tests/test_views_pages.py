"""The pages as their users work with them: lists, search, filters, background jobs, rule
revision, renaming with a conflict, and the organisation scope selector.
"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qinglian.core.audit import audit_record
from qinglian.core.models import AuditEvent, Job, Notification, Rule
from qinglian.core.tests.web import body, count_queries
from qinglian.orgs.models import Role
from qinglian.orgs.services import member_create, role_assign

_serial = itertools.count()


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def as_user(client, user):
    client.force_login(user)
    return client


# --- list pages: the query count does not grow with the rows on the page ----------------------------------


def _grow_members(cast, n, _users):
    for _ in range(n):
        member_create(organisation=cast.tree.branch_c, name=f"成员{next(_serial)}", gender="M", actor=None)


def _grow_assignments(cast, n, users):
    role = Role.objects.get(code="org_commissioner")  # the page leaves plain members out by default
    for _ in range(n):
        user = users.objects.create_user(f"extra{next(_serial)}", first_name="临时")
        role_assign(user=user, role=role, organisation=cast.tree.branch_c, include_subtree=False, actor=None)


def _grow_audit(cast, n, _users):
    for _ in range(n):
        audit_record(actor=cast.admin, action="test.event", object_repr=f"对象{next(_serial)}")


def _grow_inbox(cast, n, _users):
    Notification.objects.bulk_create([Notification(user=cast.auditor, title=f"消息{next(_serial)}") for _ in range(n)])


LIST_PAGES = {
    "/orgs/members/": ("admin", _grow_members),
    "/orgs/roles/": ("admin", _grow_assignments),
    "/audit/": ("auditor", _grow_audit),
    "/inbox/": ("auditor", _grow_inbox),
}


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_page_query_count_does_not_grow_with_rows(url, cast, client, django_user_model):
    user, grow = LIST_PAGES[url]
    as_user(client, getattr(cast, user))
    grow(cast, 3, django_user_model)
    client.get(url)  # warm up the session and the content types
    few = count_queries(lambda: client.get(url))
    grow(cast, 27, django_user_model)
    response = client.get(url)
    assert response.status_code == 200
    rows = body(response).count("<tr") + body(response).count('<li class="list-group-item')
    assert rows >= 30
    many = count_queries(lambda: client.get(url))
    assert many == few, f"{url}: {few} queries with 3 rows, {many} with 30"


# --- members ------------------------------------------------------------------------------------------------


def test_member_search_matches_name_and_pinyin(cast, client):
    as_user(client, cast.admin)
    page = body(client.get("/orgs/members/", {"q": "张"}))
    assert "张伟" in page
    assert "李娜" not in page
    page = body(client.get("/orgs/members/", {"q": "LI NA"}))
    assert "李娜" in page
    assert "张伟" not in page
    page = body(client.get("/orgs/members/", {"q": "wang"}))
    assert "王芳" in page
    assert "刘洋" not in page


def test_member_search_by_htmx_returns_only_the_rows(cast, client):
    as_user(client, cast.admin)
    response = client.get("/orgs/members/", {"q": "liu"}, headers={"HX-Request": "true"})
    page = body(response)
    assert "刘洋" in page
    assert "<html" not in page
    assert "orgs/partials/member_rows.html" in [t.name for t in response.templates]


def test_member_list_shows_only_the_users_organisations(cast, client):
    page = body(as_user(client, cast.secretary).get("/orgs/members/"))
    assert "张伟" in page and "李娜" in page
    assert "王芳" not in page and "刘洋" not in page


# --- audit trail ---------------------------------------------------------------------------------------------


def test_audit_page_filters_by_action(cast, client):
    audit_record(actor=cast.admin, action="rule.revise", object_repr="修订的规则")
    page = body(as_user(client, cast.auditor).get("/audit/", {"action": "rule."}))
    assert "修订的规则" in page
    assert "member.create" not in page
    page = body(client.get("/audit/", {"action": "member.create"}))
    assert "张伟" in page and "王芳" in page
    assert "修订的规则" not in page


def test_audit_page_filters_by_date(cast, client):
    today = timezone.localdate()
    as_user(client, cast.auditor)
    page = body(client.get("/audit/", {"since": today.isoformat(), "until": today.isoformat()}))
    assert "第二党支部" in page
    page = body(client.get("/audit/", {"until": (today - timedelta(days=1)).isoformat()}))
    assert "第二党支部" not in page
    page = body(client.get("/audit/", {"since": (today + timedelta(days=1)).isoformat()}))
    assert "第二党支部" not in page


def test_audit_page_says_when_the_dates_are_reversed(cast, english):
    today = timezone.localdate()
    as_user(english, cast.auditor)
    params = {"since": today.isoformat(), "until": (today - timedelta(days=3)).isoformat()}
    page = body(english.get("/audit/", params))
    assert "The start date is after the end date." in page


def test_audit_export_makes_a_job_with_progress_and_a_download(cast, client, django_capture_on_commit_callbacks):
    as_user(client, cast.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/export/", {"action": "member.create"})
    job = Job.objects.get(owner=cast.auditor, kind="audit.export")
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Job.Status.DONE
    assert job.params["action"] == "member.create"
    page = body(client.get(response["Location"]))
    assert 'aria-valuenow="100"' in page
    assert f'href="/jobs/{job.pk}/download/"' in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    lines = [json.loads(line) for line in body(download).splitlines()]
    assert {line["action"] for line in lines} == {"member.create"}
    assert {line["object"] for line in lines} == {"张伟", "李娜", "王芳", "刘洋"}
    assert AuditEvent.objects.filter(action="export.download", actor=cast.auditor).exists()


def test_audit_verify_job_reports_the_chain_intact(cast, english, django_capture_on_commit_callbacks):
    as_user(english, cast.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post("/audit/verify/")
    job = Job.objects.get(owner=cast.auditor, kind="audit.verify")
    page = body(english.get(response["Location"], headers={"HX-Request": "true"}))
    assert "The chain is intact" in page
    assert 'aria-valuenow="100"' in page
    assert "hx-trigger" not in page  # finished: the page stops polling
    assert job.pk


def test_a_queued_job_page_keeps_polling(cast, client):
    as_user(client, cast.auditor)
    client.post("/audit/verify/")  # no commit in a test transaction: the task stays queued
    job = Job.objects.get(owner=cast.auditor)
    assert job.status == Job.Status.QUEUED
    page = body(client.get(f"/jobs/{job.pk}/"))
    assert 'hx-trigger="every 1s"' in page
    assert "/download/" not in page
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_unknown_audit_job_kind_is_404(cast, client):
    assert as_user(client, cast.auditor).post("/audit/shred/").status_code == 404


# --- rules ---------------------------------------------------------------------------------------------------


def _rule():
    return Rule.objects.get(key="core.overdue_reminder_every_days", version=1)


def test_administrator_revises_a_rule_and_the_new_version_appears(cast, english):
    rule = _rule()
    as_user(english, cast.admin)
    start = timezone.localdate() + timedelta(days=10)
    response = english.post(
        f"/rules/{rule.pk}/",
        {"value": "3", "effective_from": start.isoformat(), "source": "党委会议决定", "reason": "减轻基层负担"},
        follow=True,
    )
    new = Rule.objects.get(key=rule.key, version=2)
    assert response.redirect_chain[-1][0] == f"/rules/{new.pk}/"
    page = body(response)
    assert "Version 2 of the rule is saved." in page
    assert "v2" in page and "v1" in page
    assert "减轻基层负担" in page
    assert new.value == 3
    rule.refresh_from_db()
    assert rule.effective_to == start - timedelta(days=1)


def test_rule_revision_without_a_reason_keeps_what_was_typed(cast, english):
    rule = _rule()
    as_user(english, cast.admin)
    response = english.post(
        f"/rules/{rule.pk}/",
        {"value": "[5, 2]", "effective_from": "2031-03-01", "source": "我刚输入的来源说明", "reason": ""},
    )
    assert response.status_code == 200
    page = body(response)
    assert "This field is required." in page
    assert "我刚输入的来源说明" in page
    assert 'value="2031-03-01"' in page
    assert "[5, 2]" in page
    assert not Rule.objects.filter(key=rule.key, version=2).exists()


def test_rule_revision_before_the_version_in_force_explains_and_keeps_the_form(cast, english):
    rule = _rule()
    as_user(english, cast.admin)
    response = english.post(
        f"/rules/{rule.pk}/",
        {"value": "4", "effective_from": "2024-06-01", "source": "倒签的来源", "reason": "理由"},
    )
    assert response.status_code == 200
    page = body(response)
    assert "The new version must start after the version in force" in page
    assert "倒签的来源" in page
    assert not Rule.objects.filter(key=rule.key, version=2).exists()


def test_rule_pages_are_read_only_for_those_who_cannot_change_rules(cast, client):
    rule = _rule()
    as_user(client, cast.secretary)
    page = body(client.get(f"/rules/{rule.pk}/"))
    assert rule.title_zh in page
    assert 'name="reason"' not in page
    client.post(f"/rules/{rule.pk}/", {"value": "9", "effective_from": "2031-01-01", "source": "s", "reason": "r"})
    assert not Rule.objects.filter(key=rule.key, version=2).exists()


# --- organisations ------------------------------------------------------------------------------------------


def test_org_rename_with_a_stale_version_shows_the_conflict(cast, english):
    org = cast.tree.branch_a
    as_user(english, cast.admin)
    form = {"name": "第一党支部（甲）", "short_name": "", "version": org.version}
    english.post(f"/orgs/{org.pk}/rename/", form)  # someone else saves first
    response = english.post(f"/orgs/{org.pk}/rename/", {**form, "name": "第一党支部（乙）"}, follow=True)
    assert "Someone else changed this organisation while you were editing." in body(response)
    org.refresh_from_db()
    assert org.name == "第一党支部（甲）"
    assert org.version == 2


def test_org_rename_and_create_from_the_detail_page(cast, english):
    org = cast.tree.branch_c
    as_user(english, cast.admin)
    page = body(english.get(f"/orgs/{org.pk}/"))
    assert f'action="/orgs/{org.pk}/rename/"' in page
    response = english.post(f"/orgs/{org.pk}/rename/", {"name": "直属机关党支部", "version": 1}, follow=True)
    assert "The name was saved." in body(response)
    assert "直属机关党支部" in body(response)
    response = english.post(f"/orgs/{org.pk}/create/", {"name": "直属党小组", "kind": "group"}, follow=True)
    assert "“直属党小组” was created." in body(response)
    response = english.post(f"/orgs/{org.pk}/create/", {"name": "错层总支", "kind": "general_branch"}, follow=True)
    assert "cannot sit under" in body(response)


def test_org_detail_hides_management_forms_from_readers(cast, client):
    page = body(as_user(client, cast.secretary).get(f"/orgs/{cast.tree.branch_a.pk}/"))
    assert "第一党小组" in page
    assert "/rename/" not in page


def test_org_tree_opens_one_level_at_a_time_and_searches_initials(cast, client):
    as_user(client, cast.admin)
    page = body(client.get("/orgs/"))
    assert "第一党总支" in page and "直属党支部" in page
    assert "第一党支部" not in page  # one level below: opened on demand
    page = body(client.get(f"/orgs/{cast.tree.gb.pk}/children/", headers={"HX-Request": "true"}))
    assert "第一党支部" in page and "第二党支部" in page
    page = body(client.get("/orgs/", {"q": "dyd"}))
    assert "第一党支部" in page and "第一党小组" in page
    assert "第二党支部" not in page.split("ql-tree")[0]


# --- the scope selector --------------------------------------------------------------------------------------


def test_scope_selector_switches_the_organisation(cast, client):
    as_user(client, cast.admin)
    page = body(client.get("/orgs/members/"))
    assert "王芳" in page and "张伟" in page
    response = client.post(
        "/orgs/scope/", {"organisation": cast.tree.branch_a.pk, "next": "/orgs/members/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/orgs/members/"
    page = body(response)
    assert "张伟" in page
    assert "王芳" not in page
    assert f'<option value="{cast.tree.branch_a.pk}" selected>' in page


def test_scope_selector_refuses_an_organisation_the_user_cannot_see(cast, client):
    as_user(client, cast.secretary)
    assert client.post("/orgs/scope/", {"organisation": cast.tree.branch_b.pk}).status_code == 404
    assert client.post("/orgs/scope/", {"organisation": cast.tree.root.pk}).status_code == 404
    page = body(client.get("/"))
    assert f'<option value="{cast.tree.branch_b.pk}"' not in page
    assert f'<option value="{cast.tree.branch_a.pk}" selected>' in page


def test_scope_redirect_stays_on_this_site(cast, client):
    as_user(client, cast.admin)
    response = client.post("/orgs/scope/", {"organisation": cast.tree.branch_a.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/"


# --- inbox ---------------------------------------------------------------------------------------------------


def test_inbox_opens_a_message_and_marks_it_read(cast, client):
    note = Notification.objects.create(user=cast.member, title="请参加组织生活会", url="/orgs/members/")
    as_user(client, cast.member)
    assert "请参加组织生活会" in body(client.get("/"))
    response = client.get(f"/inbox/{note.pk}/")
    assert response["Location"] == "/orgs/members/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_inbox_mark_all_read(cast, client):
    Notification.objects.bulk_create([Notification(user=cast.member, title=f"消息{i}") for i in range(3)])
    Notification.objects.create(user=cast.secretary, title="别人的")
    as_user(client, cast.member)
    response = client.post("/inbox/read/")
    assert response["Location"] == "/inbox/"
    assert not Notification.objects.filter(user=cast.member, read_at__isnull=True).exists()
    assert Notification.objects.get(title="别人的").read_at is None


def test_role_assignment_from_the_roles_page(cast, english):
    as_user(english, cast.admin)
    role = Role.objects.get(code="member")
    form = {"username": "outsider", "role": role.pk, "organisation": cast.tree.branch_c.pk, "include_subtree": "on"}
    response = english.post("/orgs/roles/assign/", form, follow=True)
    assert "The role was assigned." in body(response)
    response = english.post("/orgs/roles/assign/", {**form, "username": "nobody"}, follow=True)
    assert "No active login is called “nobody”." in body(response)
    assignment = cast.outsider.role_assignments.get()
    outsider = Client()
    outsider.force_login(cast.outsider)
    assert "直属党支部" in body(outsider.get(f"/orgs/{cast.tree.branch_c.pk}/"))
    response = english.post(f"/orgs/roles/{assignment.pk}/revoke/", {"reason": "调离"}, follow=True)
    assert "The role was ended." in body(response)
    # Ended means ended: the page is gone for them at once, not at midnight.
    assert outsider.get(f"/orgs/{cast.tree.branch_c.pk}/").status_code == 404
