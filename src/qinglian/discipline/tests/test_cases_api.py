"""Cases over the API: the list and its filters, one case (an audited read), filing, moving on with refusals and
their reasons, extending, the decision with its effect periods, judicial transfer, an appeal, closing, a
rectification item, the sanctions in effect, a stale version, and 404 for everyone outside and for staff not
handling the clue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qinglian.core.lib.dates import add_months
from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.discipline.models import Case
from qinglian.discipline.tests.factories import day, lead_user
from qinglian.discipline.tests.factories_cases import case_make, outcome_of, proposed_clue, staff_user
from qinglian.discipline.tests.routes import NO_DISCIPLINE
from qinglian.discipline.vocab import CaseStage as St
from qinglian.discipline.vocab import ClueStatus
from qinglian.rectification.models import Item

pytestmark = pytest.mark.usefixtures("in_english")
BASE = "/api/v1/discipline"
TODAY = timezone.localdate


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        send = getattr(client, method)
        if method == "post":
            return send(BASE + path, data or {}, content_type="application/json")
        return send(BASE + path, data or {})

    return call


@pytest.fixture
def lead(cast):
    return lead_user(cast)


def _details(response) -> str:
    return " ".join(d["message"] for d in response.json()["error"].get("details", []))


def test_file_a_case_and_walk_it_to_its_close(cast, lead, api):
    clue = proposed_clue(cast, received_on=day(-90))
    response = api(lead, "post", f"/clues/{clue.pk}/case", {"filed_on": day(-60).isoformat(), "version": clue.version})
    assert response.status_code == 201, response.content
    body = response.json()
    case_id, version = body["id"], body["version"]
    assert body["stage"] == "investigation" and body["stage_due_on"] == (day(-60) + timedelta(days=90)).isoformat()
    assert [s["stage"] for s in body["stages"]] == ["filing", "investigation"]

    jump = api(cast.inspector, "post", f"/cases/{case_id}/advance", {"to": "decision", "version": version})
    assert jump.status_code == 422 and "moves on only to “Trial review (审理)”" in _details(jump)
    for stage in ("review", "decision"):
        moved = api(cast.inspector, "post", f"/cases/{case_id}/advance", {"to": stage, "version": version})
        assert moved.status_code == 200, moved.content
        version = moved.json()["version"]
    payload = {"decided_on": TODAY().isoformat(), "party": "party_probation", "admin": "admin_expulsion"}
    missing = api(lead, "post", f"/cases/{case_id}/decide", {**payload, "version": version})
    assert missing.status_code == 422 and "12 / 24 months" in _details(missing)
    handler = api(
        cast.inspector, "post", f"/cases/{case_id}/decide", {**payload, "party_months": 24, "version": version}
    )
    assert handler.status_code == 403
    decided = api(lead, "post", f"/cases/{case_id}/decide", {**payload, "party_months": 24, "version": version})
    assert decided.status_code == 201, decided.content
    outcomes = {o["measure"]: o for o in decided.json()}
    assert outcomes["party_probation"]["effect_ends_on"] == add_months(TODAY(), 24).isoformat()
    assert outcomes["admin_expulsion"]["effect_ends_on"] is None and outcomes["admin_expulsion"]["form"] == 3
    version = Case.objects.get(pk=case_id).version
    for stage in ("announcement", "execution"):
        version = api(cast.inspector, "post", f"/cases/{case_id}/advance", {"to": stage, "version": version}).json()[
            "version"
        ]
    assert api(cast.inspector, "post", f"/cases/{case_id}/close", {"version": version}).status_code == 403
    closed = api(lead, "post", f"/cases/{case_id}/close", {"note": "执行完毕", "version": version})
    assert closed.status_code == 200 and closed.json()["stage"] == "closed"
    clue.refresh_from_db()
    assert (
        clue.status == ClueStatus.CLOSED and clue.outcome == "admin_expulsion"
    )  # both third form: expulsion outweighs


def test_list_detail_and_sanctions_in_effect(cast, lead, api):
    late = case_make(cast, stage_started_on=day(-100))
    executed = case_make(
        cast, stage=St.EXECUTION, decision=("admin_warning",), decided_on=day(-150), stage_started_on=day(-2)
    )
    closed = case_make(cast, stage=St.CLOSED)
    listed = api(cast.inspector, "get", "/cases").json()
    assert listed["count"] == 2 and {c["id"] for c in listed["items"]} == {late.pk, executed.pk}
    overdue = api(cast.inspector, "get", "/cases", {"show": "overdue"}).json()["items"]
    assert [c["id"] for c in overdue] == [late.pk] and overdue[0]["overdue"]
    assert [c["id"] for c in api(lead, "get", "/cases", {"show": "closed"}).json()["items"]] == [closed.pk]
    one = count_queries(lambda: api(lead, "get", "/cases", {"show": "all"}))
    case_make(cast, stage=St.REVIEW)
    assert count_queries(lambda: api(lead, "get", "/cases", {"show": "all"})) == one
    detail = api(cast.inspector, "get", f"/cases/{executed.pk}").json()
    assert detail["outcomes"][0]["measure"] == "admin_warning" and detail["subject_name"] == "王芳"
    assert AuditEvent.objects.filter(action="sealed.read", object_type="discipline.case", object_id=str(executed.pk))
    sanctions = api(cast.inspector, "get", "/sanctions").json()["items"]
    assert [s["case_number"] for s in sanctions] == [executed.number, closed.number]
    soon = api(cast.inspector, "get", "/sanctions", {"ending_within": 60}).json()["items"]
    assert [s["case_id"] for s in soon] == [executed.pk]
    assert api(staff_user(cast), "get", "/sanctions").json()["items"] == []


def test_extend_transfer_appeal_and_rectification(cast, lead, api):
    case = case_make(cast, stage_started_on=day(-5))
    extended = api(
        lead, "post", f"/cases/{case.pk}/extend", {"days": 30, "reason": "案情复杂", "version": case.version}
    )
    assert extended.status_code == 200 and extended.json()["stages"][-1]["extended_days"] == 30
    transfer = api(lead, "post", f"/cases/{case.pk}/transfer", {"on": TODAY().isoformat(), "version": case.version + 1})
    assert transfer.status_code == 201 and transfer.json()["form"] == 4
    closed = case_make(cast, stage=St.CLOSED, decision=("party_serious_warning",), stage_started_on=day(-10))
    api(lead, "post", f"/cases/{closed.pk}/appeal", {"on": day(-3).isoformat(), "grounds": "情节轻微", "version": 1})
    old = outcome_of(closed, "party_serious_warning")
    ended = api(
        lead,
        "post",
        f"/cases/{closed.pk}/appeal/end",
        {"on": TODAY().isoformat(), "result": "changed", "outcome_id": old.pk, "measure": "party_warning",
         "note": "改为警告", "version": Case.objects.get(pk=closed.pk).version},
    )  # fmt: skip
    assert ended.status_code == 200, ended.content
    rows = {o["measure"]: o for o in ended.json()["outcomes"]}
    assert rows["party_serious_warning"]["superseded_by_id"] == rows["party_warning"]["id"]
    rectified = api(
        lead,
        "post",
        f"/cases/{closed.pk}/rectification",
        {"problem": "支部采购管理不严", "owner_id": cast.members["b1"].pk, "due_on": day(60).isoformat(),
         "version": Case.objects.get(pk=closed.pk).version},
    )  # fmt: skip
    assert rectified.status_code == 201, rectified.content
    assert Item.objects.get(pk=rectified.json()["id"]).source_id == closed.pk


def test_a_stale_version_is_a_conflict(cast, api):
    case = case_make(cast, stage_started_on=day(-5))
    api(cast.inspector, "post", f"/cases/{case.pk}/advance", {"to": "review", "version": case.version})
    stale = api(cast.inspector, "post", f"/cases/{case.pk}/advance", {"to": "decision", "version": case.version})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"


def test_everyone_outside_and_staff_not_handling_get_404(cast, lead, api):
    case = case_make(cast, stage=St.EXECUTION)
    clue = proposed_clue(cast)
    users = [*(cast.users[n] for n in NO_DISCIPLINE if n in cast.users), staff_user(cast)]
    calls = [
        ("get", f"/cases/{case.pk}", None),
        ("post", f"/cases/{case.pk}/advance", {"to": "closed", "version": case.version}),
        ("post", f"/cases/{case.pk}/appeal", {"on": TODAY().isoformat(), "grounds": "x", "version": case.version}),
        ("post", f"/clues/{clue.pk}/case", {}),
    ]
    for user in users:
        for method, path, data in calls:
            response = api(user, method, path, data)
            assert response.status_code == 404, (user.username, path, response.status_code)
            assert "王芳" not in response.content.decode()
    for user in (u for u in users if u.username in NO_DISCIPLINE):
        assert api(user, "get", "/cases").status_code == 404
        assert api(user, "get", "/sanctions").status_code == 404
    case.refresh_from_db()
    clue.refresh_from_db()
    assert case.stage == St.EXECUTION and clue.status == ClueStatus.PROPOSED and not case.stages.filter(stage="appeal")
