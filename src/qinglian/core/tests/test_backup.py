"""Backup and restore through the real `qinglian` command, each step in its own process with its own data folder.

The source data folder starts from a copy of the test database (migrated once by the test run, saving a migrate of
its own), gets an uploaded file and audit events from a `qinglian shell` process, and is backed up by the real
command; the restore goes into a new, empty data folder in other processes — refused with the wrong keys, refused
for a tampered archive (leaving the folder untouched), then done with the right keys — after which `qinglian audit
verify` passes, every table's row count matches and the file's bytes are the same.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from qinglian.core.backup import DUMPS, MANIFEST, key_fingerprint

UPLOAD = "rectification/2026/03/evidence.bin"
PAYLOAD = bytes(range(256)) * 37 + "整改材料".encode()

CREATE = f"""
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import execute_from_command_line
from qinglian.core.audit import audit_record

for n in range(3):
    user = User.objects.create_user(f"backup{{n}}", password="pw")
    audit_record(actor=user, action="create", obj=user, changes={{"username": [None, user.username]}})
audit_record(actor=None, action="update", obj=user, changes={{"first_name": ["", "青莲"]}}, reason="round trip")
default_storage.save({UPLOAD!r}, ContentFile({PAYLOAD!r}))
import sys
execute_from_command_line(["qinglian", "backup", *sys.argv[1:]])
"""


def _env(data_dir: Path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "QINGLIAN_", "DATABASE_", "PYTEST", "REDIS_", "SECRET_KEY"))
    }
    env.update(DEBUG="1", QINGLIAN_DATA_DIR=str(data_dir), QINGLIAN_2FA_REQUIRED="0", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def _run(env: dict, *args: str, code: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "qinglian.cli", *args]
    if code is not None:
        prelude = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'qinglian.settings')\n"
        command = [sys.executable, "-c", prelude + "django.setup()\n" + code, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}


def _tamper(archive: Path, target: Path) -> None:
    """The same archive with one byte of the uploaded file changed and the manifest left as it was."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "media/" + UPLOAD:
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            dst.addfile(member, io.BytesIO(data))


@pytest.fixture
def migrated_database(tmp_path, db) -> Path:
    """A file copy of the test run's migrated database, as SQL (the test's open transaction holds the lock SQLite's
    backup API would wait for); nothing is written in this test before it."""
    path = tmp_path / "source" / "qinglian.sqlite3"
    path.parent.mkdir()
    connection.ensure_connection()
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip (the PostgreSQL one is in tests/scale/test_backup.py)")
    target = sqlite3.connect(path)
    target.executescript("\n".join(connection.connection.iterdump()))
    target.close()
    return path


def test_backup_and_restore_round_trip(tmp_path, migrated_database):
    source = migrated_database.parent
    # The test run's keys, so that anything the test database already holds stays readable and verifiable.
    keys = {
        "SECRET_KEY": settings.SECRET_KEY,
        "QINGLIAN_AUDIT_KEY": settings.AUDIT_KEY,
        "QINGLIAN_DATA_KEY": settings.DATA_KEY,
        "QINGLIAN_SEALED_KEY": settings.SEALED_KEY,
    }
    archive, keys_dir = tmp_path / "out" / "site.tar.gz", tmp_path / "keys"
    out = _ok(_run(_env(source, **keys), str(archive), "--keys-out", str(keys_dir), code=CREATE))
    assert "Backup written" in out
    assert archive.exists() and not list(archive.parent.glob("*.partial"))

    # The keys are beside, never inside, the archive; the manifest names them by fingerprint only.
    assert sorted(p.name for p in keys_dir.iterdir() if p.name.endswith("_key")) == [
        "audit_key",
        "data_key",
        "sealed_key",
        "secret_key",
    ]
    assert (keys_dir / "audit_key").read_text().strip() == settings.AUDIT_KEY
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(MANIFEST).read())
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers())
    assert names == [DUMPS["sqlite"], "media/" + UPLOAD, MANIFEST]
    assert all(value.encode() not in blob for value in keys.values())
    assert manifest["keys"]["QINGLIAN_AUDIT_KEY"] == key_fingerprint("QINGLIAN_AUDIT_KEY", settings.AUDIT_KEY)
    source_counts = _counts(migrated_database)
    assert manifest["tables"] == source_counts
    assert manifest["tables"]["core_auditevent"] >= 4 and manifest["tables"]["auth_user"] >= 3
    assert manifest["media"] == {"files": 1, "bytes": len(PAYLOAD)}

    target = tmp_path / "fresh"
    # Forgetting the keys: a development data folder makes new ones, and the restore refuses with a clear message.
    wrong = _run(_env(tmp_path / "forgot"), "restore", str(archive))
    assert wrong.returncode != 0
    assert "keys do not match this backup" in wrong.stderr and "QINGLIAN_AUDIT_KEY" in wrong.stderr

    # The keys given as files, as in production.
    key_env = {f"{name}_FILE": str(keys_dir / file) for name, file in _key_files().items()}
    tampered = tmp_path / "tampered.tar.gz"
    _tamper(archive, tampered)
    refused = _run(_env(target, **key_env), "restore", str(tampered))
    assert refused.returncode != 0
    assert "does not match the SHA-256" in refused.stderr, refused.stderr

    # The refused restore left the data folder empty, so the real one needs no --force.
    out = _ok(_run(_env(target, **key_env), "restore", str(archive)))
    assert "Row counts match the manifest" in out and "audit chain intact" in out
    assert _counts(target / "qinglian.sqlite3") == source_counts
    assert (target / "media" / UPLOAD).read_bytes() == PAYLOAD

    verified = _ok(_run(_env(target, **key_env), "audit", "verify"))
    assert f"{manifest['tables']['core_auditevent']} events checked" in verified

    again = _run(_env(target, **key_env), "restore", str(archive))
    assert again.returncode != 0 and "--force" in again.stderr


def _key_files() -> dict[str, str]:
    from qinglian.core.backup import KEYS

    return KEYS
