"""Revealing a reporter's identity takes two people: one who handles the clue asks with a reason, a second who leads
discipline inspection approves, and only then, for a limited time, may the one who asked read it — each step and
each reading in the audit trail. The name is never readable in the database file."""

from __future__ import annotations

import io
import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from qinglian.core.models import AuditEvent, Notification
from qinglian.core.rules import rules_load_shipped
from qinglian.discipline.models import RevealRequest
from qinglian.discipline.services import sealed
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_sealed import REASON, REPORTER, real_name_clue, reveal_approved, reveal_asked
from qinglian.discipline.vocab import RevealStatus

NAME = REPORTER["name"]


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


def database_bytes() -> bytes:
    """What is on disk for the database: the file itself (with its WAL and journal) when it is one, and a page-by-page
    copy made with SQLite's backup API in every case (the test database is in memory)."""
    name = str(connection.settings_dict["NAME"])
    chunks = []
    for suffix in ("", "-wal", "-journal"):
        path = Path(name + suffix)
        if not name.startswith("file:") and ":memory:" not in name and path.is_file():
            chunks.append(path.read_bytes())
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as folder:
        copy = sqlite3.connect(Path(folder) / "copy.sqlite3")
        connection.connection.backup(copy)
        copy.close()
        chunks.append((Path(folder) / "copy.sqlite3").read_bytes())
    return b"".join(chunks)


def dumped() -> str:
    out = io.StringIO()
    call_command("dumpdata", "discipline", "core.auditevent", "core.notification", stdout=out)
    return out.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's own file")
@pytest.mark.django_db(transaction=True)
def test_a_real_name_is_not_in_the_database_file_and_shows_only_after_a_second_approval(cast, in_english):
    """The must-show: the reporter's name and phone are not readable in the database file or a dump of it; the name
    shows only after a second person approves; request, approval and reading are all in the audit trail."""
    rules_load_shipped()  # a transactional test may follow another's flush, which empties the rules
    lead_user(cast)
    clue = real_name_clue(cast, summary="反映王芳在办公用房装修采购中收受购物卡。")
    secrets = [NAME, REPORTER["phone"]]
    raw = database_bytes()
    assert "王芳".encode() in raw and clue.number.encode() in raw  # the file is readable: plain columns show
    for secret in secrets:
        assert secret.encode("utf-8") not in raw
        assert secret not in dumped()
    assert clue.identity_sealed and NAME not in clue.identity_sealed

    req = sealed.reveal_ask(clue=clue, actor=cast.inspector, reason=REASON)
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_open(req=req, actor=cast.inspector)
    assert "approved" in _messages(refused)

    req = sealed.reveal_approve(req=req, actor=cast.users["lead"], note="同意，仅用于核实")
    identity = sealed.reveal_open(req=req, actor=cast.inspector)
    assert identity["name"] == NAME and identity["phone"] == REPORTER["phone"]

    actions = list(
        AuditEvent.objects.filter(object_type="discipline.clue", object_id=str(clue.pk)).values_list(
            "action", "actor__username", "reason", "sealed"
        )
    )
    assert ("discipline.reveal.request", "inspector", REASON, True) in actions
    assert ("discipline.reveal.approve", "lead", "同意，仅用于核实", True) in actions
    assert ("sealed.read", "inspector", REASON, True) in actions
    # Reading left nothing behind: the database still holds no name.
    raw = database_bytes()
    for secret in secrets:
        assert secret.encode("utf-8") not in raw
        assert secret not in dumped()


def test_the_steps_are_audited_in_order_and_every_reading_counts(cast):
    req = reveal_approved(cast)
    for _ in range(2):
        sealed.reveal_open(req=req, actor=cast.inspector)
    events = AuditEvent.objects.filter(object_id=str(req.clue_id), object_type="discipline.clue").order_by("seq")
    assert [e.action for e in events] == [
        "discipline.reveal.request", "discipline.reveal.approve", "sealed.read", "sealed.read",
    ]  # fmt: skip
    assert sealed.reads_of(req).count() == 2


def test_the_approver_sees_nothing_by_approving_and_may_not_read(cast, in_english):
    req = reveal_approved(cast)
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_open(req=req, actor=cast.users["lead"])
    assert "Only the person who asked" in _messages(refused)
    assert not AuditEvent.objects.filter(action="sealed.read").exists()


def test_one_may_not_approve_ones_own_request(cast, in_english):
    lead = lead_user(cast)
    req = reveal_asked(cast, by="lead")
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_approve(req=req, actor=lead, note="自己批准")
    assert "your own request" in _messages(refused)
    req.refresh_from_db()
    assert req.status == RevealStatus.PENDING
    with pytest.raises(ValidationError):
        sealed.reveal_open(req=req, actor=lead)
    # A second leader may.
    lead2 = lead_user(cast, "lead2")
    assert sealed.reveal_approve(req=req, actor=lead2, note="同意").status == RevealStatus.APPROVED


def test_a_request_is_decided_once(cast, in_english):
    req = reveal_approved(cast)
    lead2 = lead_user(cast, "lead2")
    for decide in (sealed.reveal_approve, sealed.reveal_refuse):
        with pytest.raises(ValidationError) as refused:
            decide(req=req, actor=lead2, note="再批一次")
        assert "already decided" in _messages(refused)
    assert AuditEvent.objects.filter(action="discipline.reveal.approve").count() == 1


def test_a_handler_without_the_lead_role_cannot_approve(cast, django_user_model, in_english):
    from qinglian.discipline.models import ClueHandler

    lead_user(cast)
    clue = real_name_clue(cast)
    colleague = django_user_model.objects.create_user("colleague", "c@example.cn", "pw")
    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    role_assign(user=colleague, role=Role.objects.get(code="discipline_staff"), organisation=cast.tree.root,
                include_subtree=True, actor=None)  # fmt: skip
    ClueHandler.objects.create(clue=clue, user=colleague)
    req = reveal_asked(cast, clue)
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_approve(req=req, actor=colleague, note="同意")
    assert "leads discipline inspection" in _messages(refused)


def test_a_refusal_needs_a_reason_and_closes_the_request(cast, in_english):
    lead = lead_user(cast)
    req = reveal_asked(cast)
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_refuse(req=req, actor=lead, note=" ")
    assert "why you refuse" in _messages(refused)
    req = sealed.reveal_refuse(req=req, actor=lead, note="理由不充分")
    assert req.status == RevealStatus.REFUSED
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_open(req=req, actor=cast.inspector)
    assert "refused" in _messages(refused)
    note = Notification.objects.get(user=cast.inspector, kind=sealed.NOTE_KIND)
    assert note.body == "理由不充分" and NAME not in note.title + note.body


def test_the_reason_is_required_and_long_enough(cast, in_english):
    clue = real_name_clue(cast)
    for reason in ("", "   ", "想看看"):
        with pytest.raises(ValidationError) as refused:
            sealed.reveal_ask(clue=clue, actor=cast.inspector, reason=reason)
        assert "at least 10 characters" in _messages(refused)
    assert not RevealRequest.objects.exists()


def test_an_anonymous_clue_has_nothing_to_reveal(cast, in_english):
    clue = clue_make(cast)
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_ask(clue=clue, actor=cast.inspector, reason=REASON)
    assert "anonymously" in _messages(refused)


def test_one_who_cannot_open_the_clue_cannot_ask(cast):
    clue = real_name_clue(cast, handlers=())
    with pytest.raises(PermissionDenied):
        sealed.reveal_ask(clue=clue, actor=cast.inspector, reason=REASON)


def test_a_second_request_waits_for_the_first(cast, in_english):
    clue = real_name_clue(cast)
    reveal_asked(cast, clue)
    with pytest.raises(ValidationError) as refused:
        reveal_asked(cast, clue)
    assert "already have a request" in _messages(refused)


def test_the_approval_runs_out_after_the_rules_hours(cast, in_english):
    req = reveal_approved(cast)
    assert req.valid_until - req.decided_at == timedelta(hours=24)
    RevealRequest.objects.filter(pk=req.pk).update(valid_until=req.decided_at - timedelta(seconds=1))
    req.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_open(req=req, actor=cast.inspector)
    assert "ran out" in _messages(refused)
    assert not AuditEvent.objects.filter(action="sealed.read").exists()
    # Once run out, one may ask again.
    assert reveal_asked(cast, req.clue).status == RevealStatus.PENDING


def test_stale_pending_requests_expire_after_seven_days(cast):
    old = reveal_asked(cast)
    fresh = reveal_asked(cast, real_name_clue(cast))
    RevealRequest.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=7, minutes=1))
    assert sealed.reveal_daily(old.created_at.date()) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == RevealStatus.EXPIRED and fresh.status == RevealStatus.PENDING
    assert AuditEvent.objects.filter(action="discipline.reveal.expire", object_id=str(old.clue_id)).exists()
    with pytest.raises(ValidationError):
        sealed.reveal_approve(req=old, actor=lead_user(cast), note="晚")


def test_a_wrong_sealing_key_shows_nothing_and_says_why(cast, settings, in_english):
    req = reveal_approved(cast)
    settings.SEALED_KEY = "another-key-" + "x" * 40
    with pytest.raises(ValidationError) as refused:
        sealed.reveal_open(req=req, actor=cast.inspector)
    assert "not the one that sealed it" in _messages(refused)
    assert not AuditEvent.objects.filter(action="sealed.read").exists()


def test_the_identity_sealed_on_the_portal_report_is_the_one_read(cast):
    from qinglian.discipline.tests.factories_sealed import report_make

    report = report_make(cast, status="registered", reporter={"name": "司马光", "phone": "13800000000"})
    clue = clue_make(cast)
    clue.report = report
    clue.save(update_fields=["report"])
    req = reveal_approved(cast, clue)
    assert sealed.reveal_open(req=req, actor=cast.inspector)["name"] == "司马光"


def test_leaders_are_told_of_a_request_and_the_requester_of_the_decision(cast):
    lead = lead_user(cast)
    req = reveal_asked(cast)
    assert Notification.objects.filter(user=lead, kind=sealed.NOTE_KIND).count() == 1
    assert not Notification.objects.filter(user=cast.inspector).exists()
    sealed.reveal_approve(req=req, actor=lead, note="同意")
    assert Notification.objects.filter(user=cast.inspector, kind=sealed.NOTE_KIND).count() == 1
    for note in Notification.objects.all():
        assert NAME not in note.title + note.body and req.clue.summary not in note.body


def test_lists_of_requests_follow_need_to_know(cast):
    lead = lead_user(cast)
    mine = reveal_asked(cast)
    hidden = reveal_asked(cast, real_name_clue(cast, handlers=()), by="lead")
    assert set(sealed.requests_visible(cast.inspector)) == {mine}
    assert set(sealed.requests_visible(lead)) == {mine, hidden}
    assert set(sealed.requests_to_approve(lead)) == {mine}
    assert set(sealed.requests_to_approve(cast.inspector)) == set()
    for outsider in ("admin", "secretary", "discipline", "member"):
        assert not sealed.requests_visible(cast.users[outsider]).exists()
