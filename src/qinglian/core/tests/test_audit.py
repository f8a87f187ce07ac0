"""The audit trail: every write is a chained event, and verification finds the first tampered row."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from qinglian.core.audit import GENESIS, audit_record, audit_verify, event_hash
from qinglian.core.models import AppendOnlyError, AuditEvent, AuditHead
from qinglian.core.rules import rule_get, rule_revise
from qinglian.orgs.models import Role
from qinglian.orgs.services import member_create, org_create, org_move, org_rename, role_assign, role_revoke


def _sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _lift_update_guard():
    """Let raw UPDATEs through, as someone with direct database access could (rolled back with the test)."""
    if connection.vendor == "postgresql":
        # Deferred foreign-key checks from this test's inserts would block ALTER TABLE: run them now.
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        _sql("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update")
        _sql("SET CONSTRAINTS ALL DEFERRED")
    else:
        _sql("DROP TRIGGER IF EXISTS core_auditevent_no_update")


def _edit(seq: int, **values):
    _lift_update_guard()
    for column, value in values.items():
        _sql(f"UPDATE core_auditevent SET {column} = %s WHERE seq = %s", [value, seq])


def _delete(where: str, params):
    _sql(f"DELETE FROM core_auditevent WHERE {where}", params)


def _swap(seq_a: int, seq_b: int):
    _lift_update_guard()
    _sql("UPDATE core_auditevent SET seq = -1 WHERE seq = %s", [seq_a])
    _sql("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [seq_a, seq_b])
    _sql("UPDATE core_auditevent SET seq = %s WHERE seq = -1", [seq_b])


@pytest.fixture
def chain(tree):
    """Ten events: six organisations, then four members."""
    for n, org in enumerate([tree.branch_a, tree.group_a, tree.branch_b, tree.branch_c]):
        member_create(organisation=org, name=f"成员{n}", gender="F", actor=None)
    assert AuditEvent.objects.count() == 10
    return tree


def test_every_service_call_appends_a_chained_event(tree, django_user_model):
    actor = django_user_model.objects.create_user("clerk", "clerk@example.cn", "pw")
    start = AuditHead.objects.get().seq
    group = org_create(name="新党小组", kind="group", parent=tree.branch_b, actor=actor)
    org_rename(org=group, name="改名党小组", short_name="", actor=actor, version=1)
    sub = org_create(name="下级党委", kind="committee", parent=tree.root, actor=actor)
    org_move(org=tree.gb, new_parent=sub, actor=actor, reason="机构调整")
    member_create(organisation=tree.branch_c, name="赵敏", gender="F", actor=actor)
    assignment = role_assign(
        user=actor, role=Role.objects.get(code="member"), organisation=tree.branch_c, include_subtree=False, actor=actor
    )
    role_revoke(assignment=assignment, actor=actor, reason="调离")
    rule = rule_get("core.reminder_lead_days", on=date(2025, 6, 1))
    rule_revise(rule=rule, value=[5, 1], effective_from=date(2030, 1, 1), source="文件", actor=actor, reason="调整")

    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [e.action for e in events] == [
        "org.create",
        "org.rename",
        "org.create",
        "org.move",
        "member.create",
        "role.assign",
        "role.revoke",
        "rule.revise",
    ]
    assert all(e.actor_label == "clerk" and e.actor == actor for e in events)
    assert [e.seq for e in events] == list(range(start + 1, start + 9))
    previous = AuditEvent.objects.get(seq=start)
    for event in events:
        assert event.prev_hash == previous.hash
        previous = event
    assert AuditHead.objects.get().hash == events[-1].hash
    assert events[3].reason == "机构调整"
    assert events[4].organisation_path == tree.branch_c.path
    assert audit_verify().ok


def test_the_first_event_follows_the_genesis_value(chain):
    first = AuditEvent.objects.get(seq=1)
    assert first.prev_hash == GENESIS
    assert (first.action, first.actor_label, first.object_repr) == ("org.create", "system", "机关党委")


def test_verify_passes_on_a_clean_chain(chain):
    result = audit_verify()
    assert result.ok
    assert result.checked == 10


def test_verify_passes_on_an_empty_trail(db):
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("object_repr", "篡改后的名称"),
        ("actor_label", "someone"),
        ("reason", "补记"),
        ("changes", json.dumps({"name": "篡改"})),
        ("organisation_path", "0009"),
    ],
)
def test_verify_reports_an_edited_row(chain, column, value):
    _edit(4, **{column: value})
    result = audit_verify()
    assert not result.ok
    assert result.breaks[0].seq == 4
    assert "#4" in result.breaks[0].problem and "changed" in result.breaks[0].problem


def test_verify_reports_the_first_of_several_edited_rows(chain):
    _edit(7, object_repr="后改")
    _edit(3, object_repr="先改")
    assert audit_verify().breaks[0].seq == 3
    assert audit_verify(stop_at_first=False).breaks[0].seq == 3


def test_verify_catches_an_edit_whose_hash_was_recomputed_without_the_key(chain, settings):
    event = AuditEvent.objects.get(seq=5)
    event.reason = "补记"
    real_key = settings.AUDIT_KEY
    settings.AUDIT_KEY = "a guessed key"
    forged = event_hash(event)
    settings.AUDIT_KEY = real_key
    _edit(5, reason="补记", hash=forged)
    assert audit_verify().breaks[0].seq == 5


def test_verify_depends_on_the_audit_key(chain, settings):
    settings.AUDIT_KEY = "another key"
    result = audit_verify()
    assert result.breaks[0].seq == 1


@pytest.mark.parametrize("seq", [1, 5, 9])
def test_verify_reports_a_deleted_row(chain, seq):
    _delete("seq = %s", [seq])
    result = audit_verify()
    assert result.breaks[0].seq == seq
    assert "missing" in result.breaks[0].problem


@pytest.mark.parametrize(("a", "b"), [(3, 4), (2, 8)])
def test_verify_reports_reordered_rows(chain, a, b):
    _swap(a, b)
    result = audit_verify()
    assert result.breaks[0].seq == a
    assert f"#{a}" in result.breaks[0].problem


@pytest.mark.parametrize("kept", [9, 7, 0])
def test_verify_reports_a_cut_tail(chain, kept):
    _delete("seq > %s", [kept])
    result = audit_verify()
    assert not result.ok
    assert result.breaks[0].seq == kept + 1
    assert f"#{kept}" in result.breaks[0].problem and "#10" in result.breaks[0].problem


def test_verify_reports_a_rewritten_head(chain):
    AuditHead.objects.update(hash="f" * 64)
    result = audit_verify()
    assert not result.ok and result.breaks[0].seq == 10


def test_verify_reports_progress_in_batches(chain):
    seen = []
    assert audit_verify(progress=seen.append, batch=3).ok
    assert seen == [3, 6, 9]


def test_the_database_refuses_an_update(chain):
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("UPDATE core_auditevent SET reason = %s WHERE seq = %s", ["补记", 2])
    assert AuditEvent.objects.get(seq=2).reason == ""
    assert audit_verify().ok


def test_the_model_refuses_to_change_or_delete_events(chain):
    event = AuditEvent.objects.get(seq=2)
    event.reason = "补记"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=2).update(reason="补记")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 10
    assert audit_verify().ok


def test_events_written_under_either_crypto_suite_verify_after_switching(chain, settings):
    settings.CRYPTO_SUITE = "gm"
    audit_record(actor=None, action="test.gm", changes={"n": 1})
    assert audit_verify().ok
    settings.CRYPTO_SUITE = "intl"
    audit_record(actor=None, action="test.intl")
    assert audit_verify().ok
    _edit(11, reason="补记")
    assert audit_verify().breaks[0].seq == 11


def test_the_verify_command_passes_on_a_clean_chain(chain, capsys):
    call_command("audit", "verify")
    assert "10 events" in capsys.readouterr().out


def test_the_verify_command_fails_naming_the_tampered_row(chain):
    _edit(6, object_repr="篡改")
    with pytest.raises(CommandError, match="#6"):
        call_command("audit", "verify")


def test_the_export_command_writes_json_lines(chain, tmp_path):
    target = tmp_path / "audit.jsonl"
    call_command("audit", "export", "--output", str(target))
    lines = target.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == list(range(1, 11))
    by_seq = {e.seq: e for e in AuditEvent.objects.all()}
    for record in records:
        event = by_seq[record["seq"]]
        assert (record["hash"], record["prev_hash"], record["action"], record["object"]) == (
            event.hash,
            event.prev_hash,
            event.action,
            event.object_repr,
        )
    assert records[0]["object"] == "机关党委"  # Chinese kept readable, not \\u-escaped
    assert "机关党委" in lines[0]


def test_the_export_command_continues_after_a_sequence_number(chain, tmp_path):
    target = tmp_path / "audit.jsonl"
    call_command("audit", "export", "--after-seq", "7", "-o", str(target))
    assert [json.loads(line)["seq"] for line in target.read_text(encoding="utf-8").splitlines()] == [8, 9, 10]


def test_the_export_command_refuses_a_malformed_date(chain, tmp_path):
    with pytest.raises(CommandError, match="2025-13-01"):
        call_command("audit", "export", "--since", "2025-13-01", "-o", str(tmp_path / "x.jsonl"))
