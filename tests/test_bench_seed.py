"""The benchmark seed at its tiny scale: a register, then records in every module, the same for the same seed."""

from __future__ import annotations

import hashlib

import pytest
from bench import seed as bench_seed
from bench.seed_records import record_models
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

MODULES = ("orglife", "study", "duties", "rectification", "risks", "discipline", "evaluation")
# Sealed identities are encrypted under a fresh key each time, by design.
RANDOM_COLUMNS = {"identity_sealed", "identity_key"}


def _tables() -> list:
    return [m for m in apps.get_models() if m._meta.app_label in MODULES and not m._meta.proxy]


def _digest(model) -> tuple[int, str]:
    columns = [f.column for f in model._meta.concrete_fields if f.column not in RANDOM_COLUMNS]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    digest = hashlib.sha256()
    n = 0
    with connection.cursor() as cur:
        cur.execute(f"SELECT {quoted} FROM {model._meta.db_table} ORDER BY {connection.ops.quote_name('id')}")
        for row in cur.fetchall():
            digest.update(repr(row).encode())
            n += 1
    return n, digest.hexdigest()


def _snapshot() -> dict:
    return {m._meta.db_table: _digest(m) for m in _tables() if m._meta.pk.column == "id"}


def _ids_from_one() -> None:
    """Start the ids of every empty table at 1, as in the fresh database the seed is made for and as --replace leaves
    them: PostgreSQL's sequences keep counting through the rolled-back tests before this one."""
    sequences = []
    with connection.cursor() as cur:
        for sequence in connection.introspection.sequence_list():
            cur.execute(f"SELECT 1 FROM {connection.ops.quote_name(sequence['table'])} LIMIT 1")
            if cur.fetchone() is None:
                sequences.append(sequence)
        for statement in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cur.execute(statement)


@pytest.mark.django_db
def test_tiny_seed_writes_every_module_and_the_same_seed_the_same_rows(capsys):
    _ids_from_one()
    result = bench_seed.seed(scale="tiny", seed=3, replace=False, password="x", keep_indexes=False)
    assert result is not None and result["counts"]["members"] == 600
    records = result["records"]
    for module in MODULES:
        written = {table: n for table, n in records.items() if table.startswith(f"{module}_")}
        assert written and all(n > 0 for n in written.values()), (module, written)
    # Each count is what is in the table, and the big tables are the big ones.
    for table, n in records.items():
        with connection.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM {table}")
            assert cur.fetchone()[0] == n, table
    assert records["orglife_attendee"] > 10 * records["orglife_meeting"]
    assert records["study_attemptitem"] == 20 * records["study_attempt"]
    assert records["study_studyrecord"] >= 9 * 500
    _check_records_are_valid()
    first = _snapshot()

    # --records-only refuses to add records twice; with --replace it writes the same rows again.
    assert bench_seed.seed_records_only(seed=3, replace=False, keep_indexes=False) is None
    assert "already holds records" in capsys.readouterr().err
    again = bench_seed.seed_records_only(seed=3, replace=True, keep_indexes=True)
    assert again is not None and again["records"] == records
    assert _snapshot() == first
    # Another seed gives other rows.
    other = bench_seed.seed_records_only(seed=4, replace=True, keep_indexes=False)
    assert other is not None
    changed = _snapshot()
    assert changed["orglife_attendee"] != first["orglife_attendee"]
    assert changed["study_attemptitem"] != first["study_attemptitem"]


def _check_records_are_valid() -> None:
    """Sample rows pass their models' validation, and the kept counts agree with the rows they count."""
    from django.db.models import Count, F, Q

    from qinglian.discipline.models import Clue
    from qinglian.orglife.models import Meeting, Minutes
    from qinglian.rectification.models import Item
    from qinglian.study.models import Attempt

    for model in record_models():
        for obj in model.objects.all()[:20]:
            obj.full_clean(validate_unique=False, validate_constraints=True)
    counted = Meeting.objects.annotate(
        invited=Count("attendees"), came=Count("attendees", filter=Q(attendees__presence__in=["present", "late"]))
    )
    assert not counted.exclude(invitee_count=F("invited"), present_count=F("came")).exists()
    assert Meeting.objects.filter(status="held").count() == Minutes.objects.count()
    attempt = Attempt.objects.first()
    assert attempt.score == sum(item.score for item in attempt.items.all())
    closed = Item.objects.filter(status="closed").first()
    assert closed.closed_by.username == "bench_admin"
    named = Clue.objects.filter(is_anonymous=False).first()
    assert named.identity_sealed and "举报人" not in named.identity_sealed
    from qinglian.discipline.services.sealing import open_identity

    assert open_identity(named)["name"].startswith("举报人")
