"""The sealed compartment's pages as people meet them: asking for a reporter's identity from a clue, the second
person's decision, reading the identity (never stored by the browser, never on any other page), and retention's
list, confirmation and progress — with 404 for anyone who may not open the clue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qinglian.core.models import AuditEvent
from qinglian.discipline.models import Clue, RevealRequest
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_sealed import REASON, REPORTER, ended_clue, real_name_clue, reveal_asked
from qinglian.discipline.vocab import CaseStage, RevealStatus

NAME = REPORTER["name"]


@pytest.fixture
def as_user(client):
    client.cookies["django_language"] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


def page(response) -> str:
    return response.content.decode()


def test_asking_from_a_clue_keeps_what_was_typed_and_leads_to_the_request(cast, as_user):
    lead_user(cast)
    clue = real_name_clue(cast)
    client = as_user(cast.inspector)
    url = reverse("discipline:reveal_request_new", args=[clue.pk])
    form = page(client.get(url))
    assert "Ask for the reporter's identity" in form
    assert clue.number in form and NAME not in form
    short = client.post(url, {"reason": "想知道"})
    assert short.status_code == 422
    assert "at least 10 characters" in page(short) and "想知道" in page(short)
    sent = client.post(url, {"reason": REASON})
    req = RevealRequest.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse("discipline:reveal_detail", args=[req.pk])
    detail = page(client.get(sent["Location"]))
    assert REASON in detail and "Waiting for a second person" in detail and NAME not in detail


def test_an_anonymous_clue_offers_no_request(cast, as_user):
    clue = clue_make(cast)
    response = as_user(cast.inspector).get(reverse("discipline:reveal_request_new", args=[clue.pk]))
    assert "reported anonymously" in page(response) and 'name="reason"' not in page(response)


def test_staff_who_cannot_open_the_clue_get_404_on_every_reveal_page(cast, as_user, django_user_model):
    lead_user(cast)
    clue = real_name_clue(cast, handlers=())
    req = reveal_asked(cast, clue, by="lead")
    client = as_user(cast.inspector)  # discipline staff, not a handler of this clue
    for response in (
        client.get(reverse("discipline:reveal_request_new", args=[clue.pk])),
        client.post(reverse("discipline:reveal_request_new", args=[clue.pk]), {"reason": REASON}),
        client.get(reverse("discipline:reveal_detail", args=[req.pk])),
        client.post(reverse("discipline:reveal_decide", args=[req.pk]), {"decision": "approve", "note": "同意"}),
        client.get(reverse("discipline:reveal_identity", args=[req.pk])),
        client.post(reverse("discipline:reveal_identity", args=[req.pk])),
    ):
        assert response.status_code == 404
        assert REASON not in page(response) and clue.number not in page(response)
    assert RevealRequest.objects.count() == 1 and RevealRequest.objects.get().status == RevealStatus.PENDING
    assert REASON not in page(client.get(reverse("discipline:reveal_list") + "?box=all"))


def test_the_second_person_decides_and_sees_nothing(cast, as_user):
    lead = lead_user(cast)
    req = reveal_asked(cast)
    client = as_user(lead)
    listing = page(client.get(reverse("discipline:reveal_list")))
    assert "Awaiting my decision" in listing and req.clue.number in listing
    detail = page(client.get(reverse("discipline:reveal_detail", args=[req.pk])))
    assert "Your decision" in detail and REASON in detail
    missing = client.post(reverse("discipline:reveal_decide", args=[req.pk]), {"decision": "approve", "note": ""})
    assert missing.status_code == 422 and "Write a note" in page(missing)
    done = client.post(reverse("discipline:reveal_decide", args=[req.pk]), {"decision": "approve", "note": "同意核实"})
    assert done.status_code == 302
    after = client.get(done["Location"])
    assert "Only the one who asked may read the identity" in page(after) and NAME not in page(after)
    tried = client.post(reverse("discipline:reveal_identity", args=[req.pk]))
    assert tried.status_code == 302
    assert "Only the person who asked" in page(client.get(tried["Location"]))
    assert not AuditEvent.objects.filter(action="sealed.read").exists()


def test_one_cannot_decide_ones_own_request_on_the_page(cast, as_user):
    lead = lead_user(cast)
    req = reveal_asked(cast, by="lead")
    client = as_user(lead)
    assert "Your decision" not in page(client.get(reverse("discipline:reveal_detail", args=[req.pk])))
    response = client.post(reverse("discipline:reveal_decide", args=[req.pk]), {"decision": "approve", "note": "同意"})
    assert response.status_code == 302
    assert "cannot decide on your own request" in page(client.get(response["Location"]))
    req.refresh_from_db()
    assert req.status == RevealStatus.PENDING


def test_the_requester_reads_the_identity_only_on_its_own_page_never_cached(cast, as_user):
    lead = lead_user(cast)
    req = reveal_asked(cast)
    client = as_user(cast.inspector)
    url = reverse("discipline:reveal_identity", args=[req.pk])
    early = client.post(url)
    assert early.status_code == 302 and "has not been approved" in page(client.get(early["Location"]))
    from qinglian.discipline.services.sealed import reveal_approve

    reveal_approve(req=req, actor=lead, note="同意")
    confirm = client.get(url)
    assert "no-store" in confirm["Cache-Control"]
    assert "Show the identity" in page(confirm) and NAME not in page(confirm)
    shown = client.post(url)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert NAME in page(shown) and REPORTER["phone"] in page(shown) and REPORTER["unit"] in page(shown)
    assert ">Name<" in page(shown) and ">Telephone<" in page(shown)  # labels in the reader's language
    event = AuditEvent.objects.get(action="sealed.read")
    assert (event.actor, event.reason, event.object_id) == (cast.inspector, REASON, str(req.clue_id))
    # Nowhere else: not on the request, the list, or the request form.
    for other in (
        reverse("discipline:reveal_detail", args=[req.pk]),
        reverse("discipline:reveal_list") + "?box=all",
        reverse("discipline:reveal_request_new", args=[req.clue_id]),
    ):
        assert NAME not in page(client.get(other)), other
    assert "Readings recorded" in page(client.get(reverse("discipline:reveal_detail", args=[req.pk])))


def test_the_pages_speak_chinese_by_default(cast, client):
    lead_user(cast)
    req = reveal_asked(cast)
    client.force_login(cast.inspector)
    response = client.get(reverse("discipline:reveal_detail", args=[req.pk]))
    assert response.status_code == 200 and '<html lang="zh-hans">' in page(response)


def test_the_list_reads_a_page_in_a_few_queries(cast, as_user, django_assert_max_num_queries):
    lead = lead_user(cast)
    for _ in range(5):
        reveal_asked(cast, real_name_clue(cast))
    client = as_user(lead)
    client.get(reverse("discipline:reveal_list"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("discipline:reveal_list") + "?box=all")
    assert page(response).count("discipline/identity-requests/") >= 5


# --- retention -----------------------------------------------------------------------------------------------------


def test_retention_lists_what_is_due_says_what_goes_and_deletes_in_the_background(
    cast, as_user, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from qinglian.core.lib.dates import add_years

    lead = lead_user(cast)
    old = add_years(timezone.localdate(), -31) - timedelta(days=1)
    free = ended_clue(cast, ended_on=old, measures=("criticism",), number="纪线〔1994〕1号")
    stuck = ended_clue(cast, ended_on=old, case_stage=CaseStage.REVIEW, number="纪线〔1994〕2号")
    client = as_user(lead)
    listing = page(client.get(reverse("discipline:retention_list")))
    assert free.number in listing and stuck.number in listing and "is not closed" in listing
    assert f'value="clue-{free.pk}"' in listing and f'value="clue-{stuck.pk}"' not in listing
    assert "王芳" not in listing and free.summary not in listing
    confirm = page(client.get(reverse("discipline:retention_confirm"), {"item": [f"clue-{free.pk}"]}))
    assert "Delete 1 record" in confirm and "four-forms statistics of " + str(old.year) in confirm
    nothing = client.get(reverse("discipline:retention_confirm"))
    assert nothing.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        run = client.post(reverse("discipline:retention_run"), {"item": [f"clue-{free.pk}", f"clue-{stuck.pk}"]})
    assert run.status_code == 302
    done = page(client.get(run["Location"]))
    assert "1 records deleted, 1 not deleted." in done and free.number in done and "is not closed" in done
    assert not Clue.objects.filter(pk=free.pk).exists() and Clue.objects.filter(pk=stuck.pk).exists()


def test_a_running_deletion_is_polled_by_htmx(cast, as_user):
    from qinglian.core.models import Job
    from qinglian.discipline.services.retention import JOB_KIND

    lead = lead_user(cast)
    job = Job.objects.create(owner=lead, kind=JOB_KIND, title="删除", status=Job.Status.RUNNING, done=1, total=3)
    client = as_user(lead)
    url = reverse("discipline:retention_job", args=[job.pk])
    assert 'hx-trigger="every 1s"' in page(client.get(url))
    assert "1 / 3" in page(client.get(url, headers={"HX-Request": "true"}))
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE)
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    # Someone else's run is not there for another leader.
    other = lead_user(cast, "lead2")
    assert as_user(other).get(url).status_code == 404
