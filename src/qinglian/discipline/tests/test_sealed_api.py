"""The sealed compartment over the API: the same two-person reveal and the same retention as on the pages, with the
same refusals — 404 outside the module or the clue, 422 with the reason for a refused step."""

from __future__ import annotations

import pytest

from qinglian.core.models import AuditEvent, Job
from qinglian.core.tests.web import body
from qinglian.discipline.models import Clue, RevealRequest
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_sealed import REASON, REPORTER, ended_clue, real_name_clue, reveal_asked
from qinglian.discipline.tests.routes import NO_DISCIPLINE

BASE = "/api/v1/discipline"


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        if method == "post":
            return client.post(BASE + path, data or {}, content_type="application/json")
        return client.get(BASE + path, data or {})

    return call


def error(response) -> str:
    return response.json()["error"]["message"] + " ".join(
        d["message"] for d in response.json()["error"].get("details", [])
    )


def test_the_two_person_reveal_over_the_api(cast, api):
    lead = lead_user(cast)
    clue = real_name_clue(cast)
    short = api(cast.inspector, "post", f"/clues/{clue.pk}/identity-requests", {"reason": "想看"})
    assert short.status_code == 422 and "at least 10 characters" in error(short)
    made = api(cast.inspector, "post", f"/clues/{clue.pk}/identity-requests", {"reason": REASON})
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["reason"], body["may_read"]) == ("pending", REASON, False)
    rid = body["id"]
    early = api(cast.inspector, "post", f"/identity-requests/{rid}/identity")
    assert early.status_code == 422 and "not been approved" in error(early)
    own = api(cast.inspector, "post", f"/identity-requests/{rid}/approve", {"note": "自批"})
    assert own.status_code == 422 and "your own request" in error(own)
    assert [r["id"] for r in api(lead, "get", "/identity-requests", {"box": "to_approve"}).json()["items"]] == [rid]
    approved = api(lead, "post", f"/identity-requests/{rid}/approve", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert REPORTER["name"] not in approved.content.decode()
    twice = api(lead, "post", f"/identity-requests/{rid}/refuse", {"note": "再决定"})
    assert twice.status_code == 422 and "already decided" in error(twice)
    by_lead = api(lead, "post", f"/identity-requests/{rid}/identity")
    assert by_lead.status_code == 422 and "Only the person who asked" in error(by_lead)
    read = api(cast.inspector, "post", f"/identity-requests/{rid}/identity")
    assert read.status_code == 200 and "no-store" in read["Cache-Control"]
    assert (read.json()["name"], read.json()["phone"]) == (REPORTER["name"], REPORTER["phone"])
    event = AuditEvent.objects.get(action="sealed.read")
    assert read.json()["audit_seq"] == event.seq and event.reason == REASON
    assert api(cast.inspector, "get", f"/identity-requests/{rid}").json()["may_read"] is True


def test_an_anonymous_clue_answers_422(cast, api):
    clue = clue_make(cast)
    response = api(cast.inspector, "post", f"/clues/{clue.pk}/identity-requests", {"reason": REASON})
    assert response.status_code == 422 and "anonymously" in error(response)


def test_outsiders_and_staff_off_the_clue_get_404(cast, api):
    lead_user(cast)
    mine = reveal_asked(cast)
    hidden_clue = real_name_clue(cast, handlers=())
    hidden = reveal_asked(cast, hidden_clue, by="lead")
    calls = [
        ("get", "/identity-requests", None),
        ("get", f"/identity-requests/{mine.pk}", None),
        ("post", f"/clues/{mine.clue_id}/identity-requests", {"reason": REASON}),
        ("post", f"/identity-requests/{mine.pk}/approve", {"note": "同意"}),
        ("post", f"/identity-requests/{mine.pk}/refuse", {"note": "不同意"}),
        ("post", f"/identity-requests/{mine.pk}/identity", None),
        ("get", "/retention/due", None),
        ("post", "/retention/runs", {}),
        ("get", "/retention/runs/00000000-0000-0000-0000-000000000001", None),
    ]
    for name in NO_DISCIPLINE:
        user = cast.users.get(name)
        if user is None:  # manager_a lives in the route world only
            continue
        for method, path, data in calls:
            response = api(user, method, path, data)
            assert response.status_code == 404, (name, path, response.status_code)
            assert REASON not in body(response)
    for method, path, data in [
        ("get", f"/identity-requests/{hidden.pk}", None),
        ("post", f"/clues/{hidden_clue.pk}/identity-requests", {"reason": REASON}),
        ("post", f"/identity-requests/{hidden.pk}/identity", None),
    ]:
        assert api(cast.inspector, method, path, data).status_code == 404, path
    assert [r["id"] for r in api(cast.inspector, "get", "/identity-requests").json()["items"]] == [mine.pk]
    assert RevealRequest.objects.count() == 2


def test_retention_over_the_api(cast, api, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from qinglian.core.lib.dates import add_years

    lead = lead_user(cast)
    old = add_years(timezone.localdate(), -6)
    free = ended_clue(cast, ended_on=old, number="到期可删")
    ended_clue(cast, ended_on=old, case_stage="review", number="审理中")
    assert api(cast.inspector, "get", "/retention/due").status_code == 404  # staff hold no discipline.retention
    due = api(lead, "get", "/retention/due").json()
    assert due["count"] == 2
    rows = {row["number"]: row for row in due["items"]}
    assert rows["到期可删"]["blockers"] == [] and rows["到期可删"]["rule"] == "clue_without_measure"
    assert "is not closed" in rows["审理中"]["blockers"][0]
    with django_capture_on_commit_callbacks(execute=True):
        run = api(lead, "post", "/retention/runs", {"items": [f"clue-{free.pk}"]})
    assert run.status_code == 202, run.content
    polled = api(lead, "get", f"/retention/runs/{run.json()['id']}").json()
    assert (polled["status"], polled["deleted"], polled["refused"]) == ("done", ["到期可删"], [])
    assert not Clue.objects.filter(pk=free.pk).exists()
    nothing = api(lead, "post", "/retention/runs", {"items": ["clue-999999"]})
    assert nothing.status_code == 422 and "Nothing selected" in error(nothing)
    assert api(lead, "get", "/retention/runs/not-a-run").status_code == 404
    other = lead_user(cast, "lead2")
    assert api(other, "get", f"/retention/runs/{run.json()['id']}").status_code == 404
    assert Job.objects.count() == 1
