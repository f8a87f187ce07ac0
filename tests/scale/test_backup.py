"""Backup and restore on PostgreSQL: a small demo organisation (its register) with an uploaded file is backed up
with pg_dump by `qinglian backup`, and restored by `qinglian restore` into a second, fresh database and data folder
with the keys given as files, as on a new machine. After it `qinglian audit verify` passes, every table holds the same
rows as the source, and the file's bytes are the same; a second restore is refused without --force, and replaces
with it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.scale.stack import PGHOST, PGPORT, PGUSER, Stack, create_database, database_url, drop_database

pytestmark = pytest.mark.scale

UPLOAD = "duties/2026/05/plan-evidence.bin"
PAYLOAD = os.urandom(20_000)  # passed in the code of `python -c`, which has a length limit

# A smaller world than `qinglian demo` (which loads every module and takes minutes): the demo organisation's
# tree, register and transfers (the loaders before order 20), an uploaded file and an audit event of our own.
WORLD = f"""
from django.db import transaction
from qinglian.core.registry import registry
with transaction.atomic():
    for order, load in registry.demo:
        if order < 20:
            load(members=20)
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from qinglian.core.audit import audit_record
from django.contrib.auth.models import User
default_storage.save({UPLOAD!r}, ContentFile(bytes.fromhex({PAYLOAD.hex()!r})))
audit_record(actor=User.objects.order_by("id").first(), action="update", obj=User.objects.order_by("id").first(),
             changes={{"note": ["", "before the backup"]}}, reason="backup round trip")
"""


def _counts(name: str) -> dict[str, int]:
    with psycopg.connect(host=PGHOST, port=PGPORT, user=PGUSER, dbname=name) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qinglian.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def second_database():
    name = f"qinglian_g_restore_{os.getpid()}"
    create_database(name)
    folder = Path(tempfile.mkdtemp(prefix="qinglian-g-restore-"))
    yield name, folder
    drop_database(name)
    shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_round_trip_of_a_small_demo_organisation(second_database):
    restored_db, fresh = second_database
    with Stack("g_backup", redis_db=8, tasks_immediate=True) as stack:
        started = time.monotonic()
        stack.manage("migrate", "-v0")
        stack.python(WORLD)
        seeded = time.monotonic() - started
        archive, keys = stack.data_dir / "backups" / "demo.tar.gz", stack.data_dir.parent / f"{stack.name}-keys"
        try:
            out = stack.manage("backup", str(archive), "--keys-out", str(keys)).stdout
            assert "pg_dump" in out and "Backup written" in out
            source_counts = _counts(stack.name)
            with tarfile.open(archive) as tar:
                manifest = json.loads(tar.extractfile("manifest.json").read())
                assert tar.getnames()[0] == "database.pgdump" and "media/" + UPLOAD in tar.getnames()
            archive_size = archive.stat().st_size
            assert manifest["database"]["vendor"] == "postgresql"
            assert manifest["tables"] == source_counts
            assert manifest["tables"]["core_auditevent"] >= 1 and manifest["tables"]["orgs_member"] >= 20

            # A new machine: another database, an empty data folder, the keys as files from --keys-out.
            env = dict(
                stack.env,
                DATABASE_URL=database_url(restored_db),
                QINGLIAN_DATA_DIR=str(fresh),
                SECRET_KEY_FILE=str(keys / "secret_key"),
                QINGLIAN_AUDIT_KEY_FILE=str(keys / "audit_key"),
                QINGLIAN_DATA_KEY_FILE=str(keys / "data_key"),
                QINGLIAN_SEALED_KEY_FILE=str(keys / "sealed_key"),
            )
            timer = time.monotonic()
            out = _ok(_run(env, "restore", str(archive)))
            restore_seconds = time.monotonic() - timer
            assert "Row counts match the manifest" in out and "audit chain intact" in out
            assert _counts(restored_db) == source_counts
            assert (fresh / "media" / UPLOAD).read_bytes() == PAYLOAD
            verified = _ok(_run(env, "audit", "verify"))
            assert f"{source_counts['core_auditevent']} events checked" in verified

            refused = _run(env, "restore", str(archive))
            assert refused.returncode != 0 and "--force" in refused.stderr
            out = _ok(_run(env, "restore", "--force", str(archive)))
            assert "audit chain intact" in out and "previous media folder was kept" in out
            assert _counts(restored_db) == source_counts
        finally:
            shutil.rmtree(keys, ignore_errors=True)
    print(
        f"\nbackup round trip (PostgreSQL, the demo organisation's register, 20 members): seeded in {seeded:.1f} s, "
        f"{sum(source_counts.values())} rows in {len(source_counts)} tables, "
        f"archive {archive_size} bytes, restore {restore_seconds:.1f} s"
    )
