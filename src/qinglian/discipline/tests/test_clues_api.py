"""The clue register over the API: the list with its filters and paging, my clues, one clue (audited), registering
with the repeat question, similar candidates, changes with their version (409), handlers, repeats, referral, the
thread and a person's history — and 404 for those outside discipline inspection or not on the clue."""

from __future__ import annotations

import pytest

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.discipline.models import Clue, ClueHandler
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.tests.factories_intake import REPORTER, report_make
from qinglian.discipline.vocab import ClueStatus, ReportStatus

pytestmark = pytest.mark.usefixtures("in_english")
BASE = "/api/v1/discipline"
FIRST = "反映王芳在办公设备采购中向特定供应商透露预算和评分细则，事后接受宴请。"
AGAIN = "反映王芳在办公设备采购中向特定供应商泄露预算和评分细则，并接受供应商宴请。"


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        send = getattr(client, method)
        if method in ("post", "patch"):
            return send(BASE + path, data or {}, content_type="application/json")
        if method == "delete":
            return send(BASE + path + ("?" + "&".join(f"{k}={v}" for k, v in (data or {}).items()) if data else ""))
        return send(BASE + path, data or {})

    return call


def _new(cast, **fields) -> dict:
    payload = {
        "source": "letter",
        "received_on": day(-2).isoformat(),
        "subject_member_id": cast.members["b1"].pk,
        "category": "integrity",
        "summary": FIRST,
    }
    payload.update(fields)
    return payload


def test_the_list_filters_and_pages_in_a_constant_number_of_queries(cast, api, client):
    clue_make(cast, summary="收受购物卡", category="integrity")
    overdue = clue_make(cast, summary="公车私用", category="four_winds", source="phone")
    Clue.objects.filter(pk=overdue.pk).update(dispose_due=day(-1))
    body = api(cast.inspector, "get", "/clues").json()
    assert body["count"] == 2 and "summary" not in body["items"][0]
    assert [c["id"] for c in api(cast.inspector, "get", "/clues", {"overdue": True}).json()["items"]] == [overdue.pk]
    assert api(cast.inspector, "get", "/clues", {"category": "four_winds"}).json()["count"] == 1
    assert api(cast.inspector, "get", "/clues", {"source": "phone"}).json()["count"] == 1
    assert api(cast.inspector, "get", "/clues", {"q": "公车"}).json()["count"] == 1
    assert api(cast.inspector, "get", "/clues", {"unit_id": cast.tree.branch_b.pk}).json()["count"] == 2
    few = count_queries(lambda: client.get(BASE + "/clues"))
    for n in range(8):
        clue_make(cast, summary=f"第{n}条")
    assert count_queries(lambda: client.get(BASE + "/clues")) == few


def test_one_clue_is_an_audited_read_and_closed_to_others(cast, api):
    lead = lead_user(cast)
    clue = clue_make(cast, reporter=REPORTER)
    body = api(cast.inspector, "get", f"/clues/{clue.pk}").json()
    assert body["summary"] == clue.summary and body["is_anonymous"] is False and "孙建平" not in str(body)
    assert body["handlers"][0]["username"] == "inspector" and body["may_change"] is True and body["leader"] is False
    assert AuditEvent.objects.filter(action="sealed.read", object_id=str(clue.pk)).count() == 1
    hidden = clue_make(cast, handlers=("lead",))
    assert api(cast.inspector, "get", f"/clues/{hidden.pk}").status_code == 404
    assert api(lead, "get", f"/clues/{hidden.pk}").status_code == 200
    for name in ("admin", "office", "auditor", "secretary", "discipline", "member", "secretary_b"):
        assert api(cast.users[name], "get", f"/clues/{clue.pk}").status_code == 404, name
        assert api(cast.users[name], "get", "/clues").status_code == 404, name
        assert api(cast.users[name], "post", "/clues", _new(cast)).status_code == 404, name


def test_registering_over_the_api_asks_about_look_alikes(cast, api):
    created = api(cast.inspector, "post", "/clues", _new(cast, reporter=REPORTER))
    assert created.status_code == 201
    first = Clue.objects.get(pk=created.json()["id"])
    assert first.number.endswith("1号") and not first.is_anonymous and "孙建平" not in created.content.decode()
    similar = api(
        cast.inspector, "post", "/clues/similar", {"summary": AGAIN, "subject_member_id": cast.members["b1"].pk}
    )
    assert similar.status_code == 200
    (candidate,) = similar.json()
    assert candidate["clue_id"] == first.pk and candidate["same_subject"] and candidate["summary"] == FIRST
    asked = api(cast.inspector, "post", "/clues", _new(cast, summary=AGAIN, source="visit"))
    assert asked.status_code == 422 and asked.json()["error"]["details"][0]["field"] == "repeat_of_id"
    new = api(cast.inspector, "post", "/clues", _new(cast, summary=AGAIN, source="visit", register_as_new=True))
    assert new.status_code == 201 and new.json()["status"] == "registered"
    repeat = api(cast.inspector, "post", "/clues", _new(cast, summary=AGAIN, source="visit", repeat_of_id=first.pk))
    assert (
        repeat.status_code == 201
        and repeat.json()["status"] == "repeated"
        and repeat.json()["repeat_of_id"] == first.pk
    )


def test_look_alikes_the_caller_may_not_open_show_only_their_number(cast, api):
    lead_user(cast)
    hidden = clue_make(cast, summary=FIRST, handlers=("lead",))
    (candidate,) = api(cast.inspector, "post", "/clues/similar", {"summary": AGAIN}).json()
    assert candidate["number"] == hidden.number and candidate["may_open"] is False
    assert candidate["summary"] == "" and candidate["subject_name"] == ""


def test_a_portal_source_is_registered_only_from_its_report(cast, api):
    response = api(cast.inspector, "post", "/clues", _new(cast, source="portal"))
    assert response.status_code == 422 and not Clue.objects.exists()


def test_changes_need_the_current_version(cast, api):
    clue = clue_make(cast)
    ok = api(cast.inspector, "patch", f"/clues/{clue.pk}", {"version": 1, "summary": "改写的摘要", "category": "work"})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.json()["summary"] == "改写的摘要"
    stale = api(cast.inspector, "patch", f"/clues/{clue.pk}", {"version": 1, "summary": "再改"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"


def test_handlers_over_the_api(cast, api):
    lead = lead_user(cast)
    clue = clue_make(cast)
    payload = {"version": 1, "user_id": lead.pk, "role": "leader"}
    assert api(cast.inspector, "post", f"/clues/{clue.pk}/handlers", payload).status_code == 404
    added = api(lead, "post", f"/clues/{clue.pk}/handlers", payload)
    assert added.status_code == 201 and {h["username"] for h in added.json()["handlers"]} == {"inspector", "lead"}
    removed = api(lead, "delete", f"/clues/{clue.pk}/handlers/{lead.pk}", {"version": 2})
    assert removed.status_code == 200 and not ClueHandler.objects.filter(clue=clue, user=lead).exists()
    owner = api(lead, "delete", f"/clues/{clue.pk}/handlers/{cast.inspector.pk}", {"version": 3})
    assert owner.status_code == 422


def test_repeat_referral_and_thread_over_the_api(cast, api):
    first = clue_make(cast, summary=FIRST)
    later = clue_make(cast, summary=AGAIN)
    assert [c["clue_id"] for c in api(cast.inspector, "get", f"/clues/{later.pk}/similar").json()] == [first.pk]
    linked = api(cast.inspector, "post", f"/clues/{later.pk}/repeat", {"version": 1, "original_id": first.pk})
    assert linked.status_code == 200 and linked.json()["status"] == "repeated"
    detail = api(cast.inspector, "get", f"/clues/{first.pk}").json()
    assert [r["id"] for r in detail["repeats"]] == [later.pk]
    other = clue_make(cast, summary="属于下级管辖的线索", received_on=day(-1))
    planned = api(
        cast.inspector, "post", f"/clues/{other.pk}/referral", {"version": 1, "to": "第二党支部", "direction": "down"}
    )
    assert planned.status_code == 200 and planned.json()["referral_due"] and planned.json()["status"] == "registered"
    sent = api(
        cast.inspector,
        "post",
        f"/clues/{other.pk}/referral",
        {"version": 2, "to": "第二党支部", "direction": "down", "referred_on": day().isoformat()},
    )
    assert sent.json()["status"] == "referred" and sent.json()["referred_on"] == day().isoformat()
    report = report_make(cast, status=ReportStatus.REGISTERED)
    portal = clue_make(cast, source="portal", summary="网上举报")
    Clue.objects.filter(pk=portal.pk).update(report=report)
    message = api(cast.inspector, "post", f"/clues/{portal.pk}/messages", {"body": "请补充。"})
    assert message.status_code == 201
    feedback = api(
        cast.inspector, "post", f"/clues/{portal.pk}/feedback", {"version": report.version, "body": "已处理。"}
    )
    assert feedback.status_code == 200
    assert api(cast.inspector, "post", f"/clues/{other.pk}/messages", {"body": "x"}).status_code == 404


def test_my_clues_and_a_persons_history(cast, api):
    lead_user(cast)
    mine = clue_make(cast)
    clue_make(cast, handlers=("lead",))
    clue_make(cast, status=ClueStatus.CLOSED)
    assert [c["id"] for c in api(cast.inspector, "get", "/clues/mine").json()["items"]] == [mine.pk]
    assert api(cast.inspector, "get", "/clues/mine", {"open_only": False}).json()["count"] == 2
    history = api(cast.inspector, "get", f"/subjects/{cast.members['b1'].pk}/history").json()
    assert history["name"] == "王芳" and len(history["clues"]) == 2
    assert len(api(cast.users["lead"], "get", f"/subjects/{cast.members['b1'].pk}/history").json()["clues"]) == 3
    assert api(cast.secretary_b, "get", f"/subjects/{cast.members['b1'].pk}/history").status_code == 404


def test_values_outside_the_vocabularies_are_refused_with_their_field(cast, api):
    lead = lead_user(cast)
    bad = api(cast.inspector, "post", "/clues", _new(cast, category="gossip"))
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "category"
    bad = api(cast.inspector, "post", "/clues", _new(cast, source="rumour"))
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "source"
    clue = clue_make(cast)
    bad = api(
        cast.inspector, "post", f"/clues/{clue.pk}/referral", {"version": 1, "to": "市纪委", "direction": "sideways"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "direction"
    bad = api(lead, "post", f"/clues/{clue.pk}/handlers", {"version": 1, "user_id": lead.pk, "role": "boss"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "role"
    assert not Clue.objects.exclude(pk=clue.pk).exists()
