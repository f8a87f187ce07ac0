"""Transfer pages and API: each side sees what it must, nobody else sees anything (404)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from qinglian.orgs.models import Member, Organisation, Transfer
from qinglian.orgs.services import transfer_request


@pytest.fixture(autouse=True)
def _english(client):
    # The assertions read the English source strings, whatever the catalogue holds.
    client.cookies["django_language"] = "en"


def issue(cast, member="a1", to="branch_b", actor="secretary", **extra):
    letter = {"letter_no": "", "scope": "基层党委内部", "valid_days": 30, "dues_paid_until": None, "reason": ""}
    letter.update(extra)
    return transfer_request(
        kind="internal",
        member=cast.members[member],
        to_org=getattr(cast.tree, to),
        actor=getattr(cast, actor),
        **letter,
    )


def form_data(cast, **extra):
    data = {
        "kind": "internal",
        "member": cast.members["a1"].pk,
        "to_org": cast.tree.branch_c.pk,
        "letter_no": "机关党转〔2026〕7号",
        "scope": "基层党委内部",
        "valid_days": "30",
        "dues_paid_until": "2026-10-31",
        "reason": "工作调动",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("name", ["transfer_list", "transfer_create", "transfer_members", "transfer_targets"], ids=str)
def test_pages_refuse_an_outsider_and_a_plain_member(cast, login, name):
    for who in ("outsider", "member", "liaison"):
        client = login(getattr(cast, who))
        assert client.get(reverse(f"orgs:{name}"), {"q": "第"}).status_code == 404, who


def test_the_list_shows_both_sides_and_nobody_else(cast, login):
    to_b = issue(cast, "a1", "branch_b")
    to_c = issue(cast, "a2", "branch_c", letter_no="A-TO-C")
    page = login(cast.secretary).get(reverse("orgs:transfer_list")).content.decode()
    assert to_b.letter_no in page and "A-TO-C" in page
    page = login(cast.secretary_b).get(reverse("orgs:transfer_list")).content.decode()
    assert to_b.letter_no in page and "A-TO-C" not in page
    incoming = login(cast.secretary_b).get(reverse("orgs:transfer_list"), {"direction": "outgoing"}).content.decode()
    assert to_b.letter_no not in incoming
    assert to_c.pk


def test_a_sibling_branchs_secretary_gets_404_for_a_letter_not_theirs(cast, login):
    transfer = issue(cast, "a1", "branch_c")
    client = login(cast.secretary_b)
    for name in ("transfer_detail", "transfer_letter"):
        response = client.get(reverse(f"orgs:{name}", args=[transfer.pk]))
        assert response.status_code == 404, name
        assert "张伟" not in response.content.decode(errors="ignore")
    response = client.post(
        reverse("orgs:transfer_decide", args=[transfer.pk]), {"to_status": "accepted", "version": transfer.version}
    )
    assert response.status_code == 404
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def test_the_receiving_side_sees_the_letter_and_accepts_it(cast, login):
    transfer = issue(cast, "a1", "branch_b")
    client = login(cast.secretary_b)
    page = client.get(reverse("orgs:transfer_detail", args=[transfer.pk])).content.decode()
    assert "张伟" in page and 'value="accepted"' in page and 'value="cancelled"' not in page
    response = client.post(
        reverse("orgs:transfer_decide", args=[transfer.pk]),
        {"to_status": "accepted", "version": transfer.version},
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=cast.members["a1"].pk).organisation == cast.tree.branch_b


def test_the_sender_sees_no_accept_button_and_cannot_accept(cast, login):
    transfer = issue(cast, "a1", "branch_b")
    client = login(cast.secretary)
    page = client.get(reverse("orgs:transfer_detail", args=[transfer.pk])).content.decode()
    assert 'value="accepted"' not in page and 'value="cancelled"' in page
    response = client.post(
        reverse("orgs:transfer_decide", args=[transfer.pk]), {"to_status": "accepted", "version": transfer.version}
    )
    assert response.status_code == 422
    assert Transfer.objects.get(pk=transfer.pk).status == "pending"


def test_a_stale_form_is_refused_with_a_clear_message(cast, login):
    transfer = issue(cast, "a1", "branch_b")
    old = transfer.version
    client = login(cast.secretary_b)
    url = reverse("orgs:transfer_decide", args=[transfer.pk])
    assert client.post(url, {"to_status": "returned", "version": old, "reason": "重复"}).status_code == 302
    response = client.post(url, {"to_status": "accepted", "version": old})
    assert response.status_code == 422
    assert "Reload" in response.content.decode()


def test_an_expired_letter_shows_as_expired_and_cannot_be_accepted(cast, login):
    transfer = issue(cast, "a1", "branch_b")
    Transfer.objects.filter(pk=transfer.pk).update(requested_on=timezone.localdate() - timedelta(days=45))
    client = login(cast.secretary_b)
    page = client.get(reverse("orgs:transfer_detail", args=[transfer.pk])).content.decode()
    assert "expired" in page
    response = client.post(
        reverse("orgs:transfer_decide", args=[transfer.pk]), {"to_status": "accepted", "version": transfer.version}
    )
    assert response.status_code == 422 and "expired" in response.content.decode()
    assert "Letter expired" in client.get(reverse("orgs:transfer_list")).content.decode()


def test_the_form_starts_from_a_members_page_link(cast, login):
    client = login(cast.secretary)
    page = client.get(reverse("orgs:transfer_create"), {"member": cast.members["a2"].pk}).content.decode()
    assert "李娜" in page and "checked" in page
    # A member outside the sender's scope cannot be named in the link.
    assert client.get(reverse("orgs:transfer_create"), {"member": cast.members["c1"].pk}).status_code == 404


def test_issuing_a_letter_to_a_branch_outside_the_senders_scope(cast, login):
    client = login(cast.secretary)
    response = client.post(reverse("orgs:transfer_create"), form_data(cast))
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orgs:transfer_detail", args=[transfer.pk])
    assert (transfer.from_org, transfer.to_org, transfer.letter_no) == (
        cast.tree.branch_a,
        cast.tree.branch_c,
        "机关党转〔2026〕7号",
    )
    assert transfer.dues_paid_until == date(2026, 10, 31)


def test_a_refused_letter_keeps_what_was_typed(cast, login):
    Organisation.objects.filter(pk=cast.tree.branch_c.pk).update(is_active=False, dissolved_on=date(2025, 12, 31))
    client = login(cast.secretary)
    response = client.post(reverse("orgs:transfer_create"), form_data(cast, reason="随调"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "机关党转〔2026〕7号" in page and "随调" in page and "张伟" in page
    assert not Transfer.objects.exists()


def test_a_dissolved_target_named_through_the_api_is_refused_with_its_name(cast, login):
    Organisation.objects.filter(pk=cast.tree.branch_c.pk).update(is_active=False, dissolved_on=date(2025, 12, 31))
    response = login(cast.secretary).post(
        "/api/v1/orgs/transfers",
        {"kind": "internal", "member_id": cast.members["a1"].pk, "to_org_id": cast.tree.branch_c.pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "直属党支部" in json.dumps(response.json(), ensure_ascii=False)
    assert not Transfer.objects.exists()


def test_the_target_search_finds_any_active_branch_and_shows_only_its_name(cast, login):
    Organisation.objects.filter(pk=cast.tree.branch_c.pk).update(code="SECRET-CODE")
    page = login(cast.secretary).get(reverse("orgs:transfer_targets"), {"q": "直属"}).content.decode()
    assert "直属党支部" in page and "SECRET-CODE" not in page
    assert str(cast.tree.branch_c.pk) in page
    assert (
        "第一党总支" not in login(cast.secretary).get(reverse("orgs:transfer_targets"), {"q": "总支"}).content.decode()
    )


def test_the_member_search_finds_only_members_the_user_may_transfer(cast, login):
    client = login(cast.secretary)
    assert "李娜" in client.get(reverse("orgs:transfer_members"), {"q": "李"}).content.decode()
    assert "刘洋" not in client.get(reverse("orgs:transfer_members"), {"q": "刘"}).content.decode()


def test_the_letter_downloads_as_a_word_document(cast, login):
    transfer = issue(cast, "a1", "branch_b", letter_no="机关党转〔2026〕9号", dues_paid_until=date(2026, 11, 30))
    Member.objects.filter(pk=cast.members["a1"].pk).update(birth_date=date(1990, 1, 1))
    response = login(cast.secretary_b).get(reverse("orgs:transfer_letter", args=[transfer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        cell.text for table in doc.tables for row in table.rows for cell in row.cells
    )
    assert "中国共产党党员组织关系介绍信" in text
    assert "机关党转〔2026〕9号" in text and "张伟" in text and "第二党支部" in text and "2026年11月" in text


def test_the_list_query_count_does_not_grow_with_the_rows(cast, login):
    client = login(cast.office)
    issue(cast, "a1", "branch_b", actor="office")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("orgs:transfer_list")).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request of a session does one-off work (login bookkeeping)
    one = count()
    issue(cast, "a2", "branch_c", actor="office")
    issue(cast, "b1", "branch_c", actor="office")
    issue(cast, "c1", "branch_b", actor="office")
    assert count() == one


def test_the_api_lists_gets_creates_and_transitions(cast, login):
    client = login(cast.secretary)
    created = client.post(
        "/api/v1/orgs/transfers",
        {"kind": "internal", "member_id": cast.members["a1"].pk, "to_org_id": cast.tree.branch_b.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["to_org_name"] == "第二党支部" and body["status"] == "pending"
    assert [t["id"] for t in client.get("/api/v1/orgs/transfers").json()["items"]] == [body["id"]]
    client = login(cast.secretary_b)
    assert client.get(f"/api/v1/orgs/transfers/{body['id']}").status_code == 200
    url = f"/api/v1/orgs/transfers/{body['id']}/transition"
    ok = client.post(url, {"to_status": "accepted", "version": body["version"]}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    stale = client.post(url, {"to_status": "returned", "version": body["version"]}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict" and stale.json()["error"]["message"]


def test_the_api_refuses_an_outsider_and_a_sibling(cast, login):
    transfer = issue(cast, "a1", "branch_c")
    for who in ("outsider", "secretary_b"):
        client = login(getattr(cast, who))
        assert client.get(f"/api/v1/orgs/transfers/{transfer.pk}").status_code == 404, who
        assert client.get("/api/v1/orgs/transfers").json()["items"] == [], who
        response = client.post(
            f"/api/v1/orgs/transfers/{transfer.pk}/transition",
            {"to_status": "accepted", "version": transfer.version},
            content_type="application/json",
        )
        assert response.status_code == 404, who
    response = login(cast.secretary_b).post(
        "/api/v1/orgs/transfers",
        {"kind": "internal", "member_id": cast.members["a1"].pk, "to_org_id": cast.tree.branch_b.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Transfer.objects.count() == 1


def test_a_members_page_links_to_a_new_letter_for_those_who_may_transfer(cast, login):
    url = reverse("orgs:member_detail", args=[cast.members["a2"].pk])
    link = f"{reverse('orgs:transfer_create')}?member={cast.members['a2'].pk}"
    assert link in login(cast.secretary).get(url).content.decode()
    assert link not in login(cast.propagandist).get(url).content.decode()
    transfer = issue(cast, "a2", "branch_b")
    assert reverse("orgs:transfer_detail", args=[transfer.pk]) in login(cast.secretary).get(url).content.decode()


def test_the_demo_puts_three_transfers_in_place(db):
    from qinglian.orgs import demo, demo_transfers

    demo.load(members=40)
    assert demo_transfers.load() == {"transfers": 3}
    assert demo_transfers.load() == {"transfers": 0}  # once only
    pending = Transfer.objects.filter(status="pending").select_related("from_org", "to_org")
    assert {(t.kind, t.from_org.name if t.from_org else "", t.to_org.name) for t in pending} == {
        ("internal", "预算处党支部", "国库处党支部"),
        ("in", "", "办公室党支部"),
    }
    accepted = Transfer.objects.get(status="accepted")
    assert (timezone.localdate() - accepted.requested_on).days >= 30  # dated last month
