"""Duty list pages: the list of lists in constant queries, one list grouped by holder with its markers,
making a list and its duties with bad input kept and refused, publishing, copying, the Word export, the htmx
move, a template above read by the units below, and "My duties"."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from qinglian.core.tests.web import count_queries
from qinglian.duties.models import Duty, DutyList
from qinglian.duties.services import lists as services
from qinglian.duties.services.lists import Source
from qinglian.duties.tests.factories import lists_duty, lists_list, lists_post

YEAR = timezone.localdate().year


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def template(cast):
    duty_list = services.list_create(
        org=cast.tree.root, year=YEAR, source=Source.DEFAULT, is_template=True, actor=cast.office
    )
    return services.list_publish(duty_list=duty_list, version=duty_list.version, actor=cast.office)


def test_the_list_page_filters_and_reads_a_fixed_number_of_queries(cast, login, english):
    client = login(cast.office)
    url = reverse("duties:list_list")
    lists_duty(lists_list(cast.tree.branch_a, title="第一支部清单"))
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n, org in enumerate([cast.tree.branch_b, cast.tree.branch_c, cast.tree.gb, cast.tree.root]):
        duty_list = lists_list(org, year=YEAR - 1 - n % 2, title=f"清单{n}")
        for _ in range(3):
            lists_duty(duty_list)
    assert count_queries(lambda: client.get(url)) == few
    page = client.get(url, {"year": YEAR}).content.decode()
    assert "第一支部清单" in page and "清单0" not in page
    page = client.get(url, {"unit": cast.tree.branch_b.pk}).content.decode()
    assert "清单0" in page and "第一支部清单" not in page
    # branch_a's secretary sees branch_a's list only.
    page = login(cast.secretary).get(url).content.decode()
    assert "第一支部清单" in page and "清单0" not in page


def test_the_detail_groups_duties_by_holder_with_markers_and_holders(cast, login, english, template):
    branch_b = cast.tree.branch_b
    lists_post(branch_b, cast.members["b1"], "书记")
    duty_list = services.list_create(org=branch_b, year=YEAR, source=Source.TEMPLATE, actor=cast.secretary_b)
    first = duty_list.duties.first()
    services.duty_update(duty=first, version=None, content="支部改写的职责", actor=None)
    services.duty_add(duty_list=duty_list, version=None, holder="member", content="支部新增的职责", actor=None)
    client = login(cast.secretary_b)
    response = client.get(reverse("duties:list_detail", args=[duty_list.pk]))
    page = response.content.decode()
    for text in ("Party committee, collectively", "Secretary, first responsible person", "Discipline inspection"):
        assert text in page
    assert "支部改写的职责" in page and "支部新增的职责" in page and "Differs from the template" in page
    assert page.count(">Changed<") == 1 and page.count(">Added<") == 1
    assert "王芳" in page  # she holds the secretary's post now
    assert "第九条" in page and reverse("duties:list_publish", args=[duty_list.pk]) in page
    # The root's template is read by branch_b's people, who inherit it, but not edited by them.
    page = client.get(reverse("duties:list_detail", args=[template.pk])).content.decode()
    assert "第八条" in page and "Add a duty" not in page
    assert reverse("duties:list_update", args=[template.pk]) not in page
    # A draft list above, or another branch's list, stays hidden.
    draft_above = lists_list(cast.tree.gb, is_template=True)
    assert client.get(reverse("duties:list_detail", args=[draft_above.pk])).status_code == 404
    assert login(cast.secretary).get(reverse("duties:list_detail", args=[duty_list.pk])).status_code == 404


def test_the_detail_reads_a_fixed_number_of_queries(cast, login, template):
    client = login(cast.office)
    url = reverse("duties:list_detail", args=[template.pk])
    client.get(url)
    many = count_queries(lambda: client.get(url))
    small = lists_list(cast.tree.branch_c)
    lists_duty(small)
    assert count_queries(lambda: client.get(reverse("duties:list_detail", args=[small.pk]))) <= many


def test_making_a_list_on_the_page_keeps_bad_input_and_refuses_a_second_one(cast, login, english, template):
    client = login(cast.secretary_b)
    url = reverse("duties:list_create")
    assert client.get(url).status_code == 200
    data = {"organisation": cast.tree.branch_b.pk, "year": YEAR + 3, "source": "template", "title": "我的清单"}
    response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f"A duty list can be made for the years {YEAR - 5} to {YEAR + 1}." in page and "我的清单" in page
    response = client.post(url, {**data, "organisation": cast.tree.branch_a.pk, "year": YEAR})
    assert response.status_code == 422  # not a unit of theirs: not even offered
    assert not DutyList.objects.filter(organisation__in=[cast.tree.branch_a, cast.tree.branch_b]).exists()
    response = client.post(url, {**data, "year": YEAR})
    duty_list = DutyList.objects.get(organisation=cast.tree.branch_b)
    assert response.status_code == 302 and response["Location"] == reverse("duties:list_detail", args=[duty_list.pk])
    assert duty_list.title == "我的清单" and duty_list.based_on == template
    response = client.post(url, {**data, "year": YEAR})
    assert (
        response.status_code == 422 and f"第二党支部 already has a duty list for {YEAR}." in response.content.decode()
    )


def test_duties_are_added_edited_and_removed_on_the_page(cast, login, english):
    duty_list = lists_list(cast.tree.branch_b)
    client = login(cast.secretary_b)
    url = reverse("duties:duty_create", args=[duty_list.pk])
    assert 'value="discipline" selected' in client.get(url, {"holder": "discipline"}).content.decode()
    data = {"version": 1, "holder": "committee", "post": "组织委员", "content": "研究部署", "frequency": "quarterly"}
    response = client.post(url, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Only a committee member&#x27;s duty names a committee post." in page and "研究部署" in page
    response = client.post(url, {**data, "holder": "member", "person": cast.members["b1"].pk})
    assert response.status_code == 302 and response["Location"].endswith("#holder-member")
    duty = Duty.objects.get(duty_list=duty_list)
    assert (duty.post, duty.person, duty.frequency) == ("组织委员", cast.members["b1"], "quarterly")
    edit = reverse("duties:duty_update", args=[duty_list.pk, duty.pk])
    response = client.post(edit, {**data, "holder": "member", "version": 1, "content": "旧版本的改动"})
    assert response.status_code == 422 and "Someone else changed this duty list" in response.content.decode()
    response = client.post(edit, {**data, "holder": "member", "version": 2, "content": "改好的职责"})
    assert response.status_code == 302
    duty.refresh_from_db()
    assert duty.content == "改好的职责" and duty.person is None
    client.post(reverse("duties:duty_remove", args=[duty_list.pk, duty.pk]), {"version": 3})
    assert not Duty.objects.filter(duty_list=duty_list).exists()


def test_publishing_copying_and_deleting_from_the_page(cast, login, english):
    duty_list = lists_list(cast.tree.branch_b)
    client = login(cast.secretary_b)
    detail = reverse("duties:list_detail", args=[duty_list.pk])
    response = client.post(reverse("duties:list_publish", args=[duty_list.pk]), {"version": 1}, follow=True)
    assert "Add at least one duty before publishing." in response.content.decode()
    lists_duty(duty_list)
    client.post(reverse("duties:list_publish", args=[duty_list.pk]), {"version": 1})
    duty_list.refresh_from_db()
    assert duty_list.status == "published"
    assert "each change is recorded in the audit trail" in client.get(detail).content.decode()
    response = client.post(reverse("duties:list_copy_year", args=[duty_list.pk]))
    following = DutyList.objects.get(organisation=cast.tree.branch_b, year=YEAR + 1)
    assert response["Location"] == reverse("duties:list_detail", args=[following.pk])
    response = client.post(reverse("duties:list_copy_year", args=[duty_list.pk]), follow=True)
    assert f"already has a duty list for {YEAR + 1}" in response.content.decode()
    response = client.post(reverse("duties:list_delete", args=[following.pk]), {"version": following.version})
    assert response["Location"] == reverse("duties:list_list")
    assert not DutyList.objects.filter(pk=following.pk).exists()


def test_the_list_is_renamed_on_the_page(cast, login, english):
    duty_list = lists_list(cast.tree.branch_b)
    client = login(cast.secretary_b)
    url = reverse("duties:list_update", args=[duty_list.pk])
    response = client.post(url, {"title": "", "version": 1})
    assert response.status_code == 422 and "Give the list a title." in response.content.decode()
    client.post(url, {"title": "第二支部责任清单", "is_template": "on", "version": 1})
    duty_list.refresh_from_db()
    assert duty_list.title == "第二支部责任清单" and duty_list.is_template


def test_an_htmx_move_answers_the_holders_group(cast, login):
    duty_list = lists_list(cast.tree.branch_b)
    first = lists_duty(duty_list, holder="member", content="第一条")
    second = lists_duty(duty_list, holder="member", content="第二条")
    client = login(cast.secretary_b)
    url = reverse("duties:duty_move", args=[duty_list.pk, second.pk])
    response = client.post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and 'id="holder-member"' in page and "<html" not in page
    assert page.index("第二条") < page.index("第一条")
    response = client.post(reverse("duties:duty_move", args=[duty_list.pk, first.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(duty_list.duties.values_list("content", flat=True)) == ["第一条", "第二条"]


def test_the_word_export_has_a_table_per_holder_in_chinese(cast, login, template):
    lists_post(cast.tree.root, cast.members["c1"], "书记")
    response = login(cast.auditor).get(reverse("duties:list_export", args=[template.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert template.title in text and f"机关党委　{YEAR}年度" in text
    assert "一、党委（党组）集体领导责任（主体责任）" in text and "四、纪检监督责任" in text
    assert len(doc.tables) == 4
    secretary = doc.tables[1]
    assert [c.text for c in secretary.rows[0].cells] == [
        "序号",
        "工作领域",
        "职责内容",
        "依据",
        "频次",
        "佐证材料",
        "责任人",
    ]
    assert "第一责任人" in secretary.rows[1].cells[2].text and "刘洋" in secretary.rows[1].cells[6].text
    assert sum(len(t.rows) - 1 for t in doc.tables) == template.duties.count()


def test_my_duties_shows_the_members_duties_by_unit(cast, login, english):
    a1 = cast.members["a1"]
    branch_a = cast.tree.branch_a
    lists_post(branch_a, a1, "组织委员")
    duty_list = lists_list(branch_a, status="published", title="第一支部清单")
    lists_duty(duty_list, holder="member", post="组织委员", content="发展党员工作", evidence="发展党员台账")
    lists_duty(duty_list, holder="secretary", content="书记的职责")
    client = login(cast.member)
    page = client.get(reverse("duties:my_duties")).content.decode()
    assert "发展党员工作" in page and "发展党员台账" in page and "As Organisation commissioner" in page
    assert "书记的职责" not in page
    page = client.get(reverse("duties:my_duties"), {"year": YEAR - 1}).content.decode()
    assert "发展党员工作" not in page and f"No published duty list of {YEAR - 1} gives you a duty." in page
    page = login(cast.office).get(reverse("duties:my_duties")).content.decode()
    assert "not linked to a member" in page


def test_my_duties_reads_a_fixed_number_of_queries(cast, login):
    a1 = cast.members["a1"]
    lists_post(cast.tree.branch_a, a1, "书记")
    client = login(cast.member)
    url = reverse("duties:my_duties")
    duty_list = lists_list(cast.tree.branch_a, status="published")
    lists_duty(duty_list, holder="secretary")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    api_few = count_queries(lambda: client.get("/api/v1/duties/lists/mine"))
    for n in range(6):
        lists_duty(duty_list, holder=["committee", "secretary"][n % 2], content=f"职责{n}")
    lists_duty(lists_list(cast.tree.gb, status="published"), holder="member", person=a1)
    assert count_queries(lambda: client.get(url)) == few
    assert count_queries(lambda: client.get("/api/v1/duties/lists/mine")) == api_few
    assert len(client.get("/api/v1/duties/lists/mine").json()) == 8
