"""Rectification's pages: the list and its filters, recording an item, its page with the forms each person may
use, the workflow in the browser, evidence files, and My rectification."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.urls import reverse

from qinglian.core.tests.web import count_queries
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import MeetingKind
from qinglian.rectification.models import Evidence, Item
from qinglian.rectification.services import items as services
from qinglian.rectification.tests.factories import day, item_closed, item_make, item_submitted, png

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


# --- the list ----------------------------------------------------------------------------------------------


def test_the_list_shows_the_scopes_items_with_their_counts_and_filters(cast, login, english):
    item_make(cast, problem="台账不规范")
    item_make(cast, problem="逾期未改", days=-2, found_on=day(-9))
    item_submitted(cast, problem="待核验的问题", source="audit")
    item_make(cast, org=cast.tree.branch_b, owner=cast.members["b1"], problem="第二支部的问题")
    client = login(cast.secretary)
    page = _page(client.get(reverse("rectification:item_list")))
    assert "台账不规范" in page and "待核验的问题" in page
    assert "第二支部的问题" not in page  # another unit's
    page = _page(client.get(reverse("rectification:item_list"), {"status": "overdue"}))
    assert "逾期未改" in page and "台账不规范" not in page
    page = _page(client.get(reverse("rectification:item_list"), {"source": "audit"}))
    assert "待核验的问题" in page and "台账不规范" not in page


def test_the_list_reads_a_constant_number_of_queries(cast, login):
    client = login(cast.office)
    item_make(cast)
    url = reverse("rectification:item_list")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for n in range(12):
        item_make(cast, problem=f"问题{n}", org=cast.tree.branch_b if n % 2 else cast.tree.group_a,
                  owner=cast.members["b1"] if n % 2 else cast.members["a2"])  # fmt: skip
    item_closed(cast)
    many = count_queries(lambda: client.get(url))
    assert many == one


# --- recording ---------------------------------------------------------------------------------------------


def test_a_problem_is_recorded_from_the_form(cast, login):
    client = login(cast.secretary)
    response = client.post(
        reverse("rectification:item_create"),
        {
            "unit": cast.tree.branch_a.pk,
            "source": "inspection",
            "source_title": "巡察反馈意见第3条",
            "problem": "三会一课落实不到位",
            "measures": "建立台账，按月检查",
            "owner": cast.members["a1"].pk,
            "due_on": day(30).isoformat(),
        },
    )
    item = Item.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rectification:item_detail", args=[item.pk])
    assert (item.source_title, item.owner, item.created_by) == ("巡察反馈意见第3条", cast.members["a1"], cast.secretary)


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(cast, login, english):
    client = login(cast.secretary)
    english.cookies["django_language"] = "en"
    response = client.post(
        reverse("rectification:item_create"),
        {"unit": cast.tree.branch_a.pk, "source": "audit", "problem": "经费使用不规范", "due_on": day(-1).isoformat()},
    )
    assert response.status_code == 422
    page = _page(response)
    assert "经费使用不规范" in page
    assert "Name the member responsible for the rectification." in page
    assert not Item.objects.exists()
    response = client.post(
        reverse("rectification:item_create"),
        {"unit": cast.tree.branch_a.pk, "source": "audit", "problem": "经费使用不规范", "owner": cast.members["a1"].pk,
         "due_on": day(-1).isoformat()},
    )  # fmt: skip
    assert response.status_code == 422
    assert "The deadline cannot be in the past." in _page(response)
    assert not Item.objects.exists()


def test_a_problem_found_at_a_meeting_is_picked_as_its_source(cast, login):
    meeting = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-4, title="年度组织生活会")
    attend_all(meeting)
    client = login(cast.secretary)
    response = client.post(
        reverse("rectification:item_create"),
        {"unit": cast.tree.branch_a.pk, "source": "life_meeting", "problem": "批评不够深入",
         "owner": cast.members["a1"].pk, "due_on": day(20).isoformat(), "record_kind": "orglife.meeting",
         "record_id": meeting.pk},
    )  # fmt: skip
    assert response.status_code == 302
    item = Item.objects.get()
    assert (item.source_kind, item.source_id, item.created_on) == ("orglife.meeting", meeting.pk, meeting.starts_on)
    page = _page(client.get(reverse("rectification:item_detail", args=[item.pk])))
    assert "年度组织生活会" in page and reverse("orglife:meeting_detail", args=[meeting.pk]) in page


# --- an item's page ----------------------------------------------------------------------------------------


def _forms(page: str) -> set[str]:
    return set(re.findall(r'action="/rectification/\d+/(\w+)/"', page))


def test_each_person_sees_only_the_forms_they_may_use(cast, login):
    item = item_make(cast)
    url = reverse("rectification:item_detail", args=[item.pk])
    assert _forms(_page(login(cast.member).get(url))) == {"progress", "evidence", "submit"}  # the owner
    assert _forms(_page(login(cast.secretary).get(url))) == {"progress", "evidence", "submit"}
    assert _forms(_page(login(cast.auditor).get(url))) == set()  # reads only
    services.evidence_add(item=item, actor=None, file=png())
    item = services.item_submit(item=item, version=None, result="已整改", actor=None)
    assert _forms(_page(login(cast.member).get(url))) == {"progress", "evidence"}
    assert _forms(_page(login(cast.discipline).get(url))) == {"verify", "return"}
    assert _forms(_page(login(cast.organiser).get(url))) == {"progress", "evidence"}  # manages, does not verify
    services.item_verify(item=item, version=None, actor=cast.discipline)
    assert _forms(_page(login(cast.member).get(url))) == set()
    assert _forms(_page(login(cast.secretary).get(url))) == {"reopen"}


def test_another_units_user_gets_404_everywhere(cast, login):
    item = item_submitted(cast)
    evidence = item.evidence.get()
    client = login(cast.secretary_b)
    for name, args in [("item_detail", [item.pk]), ("item_edit", [item.pk]), ("evidence_file", [evidence.pk])]:
        assert client.get(reverse(f"rectification:{name}", args=args)).status_code == 404
    for name in ("item_verify", "item_return", "item_progress", "evidence_add"):
        response = client.post(
            reverse(f"rectification:{name}", args=[item.pk]), {"version": item.version, "reason": "x"}
        )
        assert response.status_code == 404, name
    assert Item.objects.get().status == "submitted"


def test_the_head_of_discipline_inspection_reads_the_list_and_the_ledger_of_their_units(cast, client):
    """The head holds rectification.view (to follow the items a case opens) but not org.view, which the top bar's
    scope follows: the list and the ledger work in the topmost unit where they hold it instead of answering 404."""
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    item_make(cast, problem="第一支部的问题")
    item_make(cast, org=cast.tree.branch_b, owner=cast.members["b1"], problem="第二支部的问题")
    lead = get_user_model().objects.create_user("lead_b", "lead_b@example.cn")
    role = Role.objects.get(code="discipline_lead")
    role_assign(user=lead, role=role, organisation=cast.tree.branch_b, include_subtree=True, actor=None)
    client.force_login(lead)
    page = _page(client.get(reverse("rectification:item_list")))
    assert "第二支部的问题" in page and "第一支部的问题" not in page
    response = client.get(reverse("rectification:ledger"))
    assert response.status_code == 200 and cast.tree.branch_b.name in _page(response)
    assert client.get(reverse("rectification:ledger"), {"org": cast.tree.branch_b.pk}).status_code == 200
    assert client.get(reverse("rectification:ledger"), {"org": cast.tree.branch_a.pk}).status_code == 404


def test_the_whole_journey_in_the_browser(cast, login, english):
    item = item_make(cast)
    owner = login(cast.member)
    url = reverse("rectification:item_detail", args=[item.pk])
    owner.post(reverse("rectification:item_progress", args=[item.pk]), {"comment": "已召开专题会"})
    response = owner.post(
        reverse("rectification:item_submit", args=[item.pk]), {"version": item.version, "result": "已整改"}
    )
    assert response.status_code == 422
    assert "Add at least one piece of evidence before reporting the item rectified." in _page(response)
    response = owner.post(
        reverse("rectification:evidence_add", args=[item.pk]), {"file": png("会议记录.png"), "note": "记录"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    response = owner.post(
        reverse("rectification:item_submit", args=[item.pk]), {"version": item.version, "result": "已整改完毕"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    # The owner tries to close it: refused with the reason, nothing changes.
    response = owner.post(reverse("rectification:item_verify", args=[item.pk]), {"version": item.version})
    assert response.status_code == 404  # the member holds no verify role anywhere
    verifier = login(cast.discipline)
    response = verifier.post(
        reverse("rectification:item_return", args=[item.pk]), {"version": item.version, "reason": "照片不清楚"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    owner = login(cast.member)
    owner.post(reverse("rectification:evidence_add", args=[item.pk]), {"file": png("清晰照片.png")})
    item.refresh_from_db()
    owner.post(reverse("rectification:item_submit", args=[item.pk]), {"version": item.version, "result": "已补充"})
    item.refresh_from_db()
    verifier = login(cast.discipline)
    response = verifier.post(
        reverse("rectification:item_verify", args=[item.pk]), {"version": item.version, "comment": "属实"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.closed_by) == ("closed", cast.discipline)
    page = _page(verifier.get(url))
    for words in (
        "Progress reported",
        "Evidence added",
        "Reported rectified",
        "Sent back",
        "Verified and closed",
        "照片不清楚",
    ):
        assert words in page


def test_the_owner_with_a_verify_role_is_told_why_they_may_not_close_their_own_item(cast, login, english):
    from qinglian.orgs.services import member_create

    own = member_create(organisation=cast.tree.branch_a, name="赵书记", gender="M", actor=None, user=cast.secretary)
    item = item_submitted(cast, owner=own)
    response = login(cast.secretary).post(
        reverse("rectification:item_verify", args=[item.pk]), {"version": item.version}
    )
    assert response.status_code == 422
    assert "You are the person responsible for this item: someone else must verify and close it." in _page(response)
    assert Item.objects.get().status == "submitted"


def test_two_verifiers_at_once_the_second_is_told_someone_acted_first(cast, client, english):
    item = item_submitted(cast)
    client.force_login(cast.discipline)
    assert (
        client.post(reverse("rectification:item_verify", args=[item.pk]), {"version": item.version}).status_code == 302
    )
    client.force_login(cast.office)
    response = client.post(
        reverse("rectification:item_return", args=[item.pk]), {"version": item.version, "reason": "不行"}
    )
    assert response.status_code == 409
    assert "Someone else changed this item" in _page(response)
    item.refresh_from_db()
    assert (item.status, item.closed_by) == ("closed", cast.discipline)


def test_the_edit_form_keeps_what_was_typed_and_refuses_a_stale_version(cast, login, english):
    item = item_make(cast)
    client = login(cast.secretary)
    url = reverse("rectification:item_edit", args=[item.pk])
    data = {
        "version": item.version,
        "source": "audit",
        "problem": "改过的描述",
        "owner": "",
        "due_on": day(9).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 422 and "改过的描述" in _page(response)
    data["owner"] = cast.members["a2"].pk
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "problem": "旧页面的描述"})
    assert response.status_code == 409 and "Someone else changed this item" in _page(response)
    assert Item.objects.get().problem == "改过的描述"


# --- evidence files ----------------------------------------------------------------------------------------


def test_an_evidence_file_is_sent_under_its_safe_name_to_those_who_may_see_the_item(cast, login):
    item = item_make(cast)
    evidence = services.evidence_add(item=item, actor=None, file=png("整改/报告?.png"))
    url = reverse("rectification:evidence_file", args=[evidence.pk])
    response = login(cast.member).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert evidence.name == "报告_.png"
    assert f"filename*=utf-8''{quote(evidence.name)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert login(cast.secretary_b).get(url).status_code == 404
    assert login(cast.outsider).get(url).status_code == 404


def test_removing_evidence_of_a_closed_item_is_refused(cast, login):
    item = item_closed(cast)
    evidence = item.evidence.get()
    response = login(cast.secretary).post(reverse("rectification:evidence_remove", args=[evidence.pk]))
    assert response.status_code == 302
    assert Evidence.objects.filter(pk=evidence.pk).exists()


# --- My rectification --------------------------------------------------------------------------------------


def test_my_rectification_lists_the_members_own_items(cast, login, english):
    item_make(cast, problem="我负责的问题")
    item_make(cast, problem="别人负责的问题", owner=cast.members["a2"])
    page = _page(login(cast.member).get(reverse("rectification:my_items")))
    assert "我负责的问题" in page and "别人负责的问题" not in page
    page = _page(login(cast.outsider).get(reverse("rectification:my_items")))
    assert "not linked to a member" in page


def test_my_rectification_reads_a_constant_number_of_queries(cast, login):
    client = login(cast.member)
    item_make(cast)
    url = reverse("rectification:my_items")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for n in range(10):
        item_make(cast, problem=f"问题{n}")
    item_closed(cast)
    assert count_queries(lambda: client.get(url)) == one
