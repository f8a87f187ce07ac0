"""Backup and restore: one archive with the database and the uploaded files, and the keys kept apart.

An archive is a tar (optionally gzip-compressed) with these members, in this order:

    database.sqlite3 | database.pgdump   a consistent snapshot (SQLite's online backup API, or pg_dump's custom format)
    media/...                            every file under MEDIA_ROOT
    manifest.json                        what the archive holds: version, vendor, migrations, table counts,
                                         the SHA-256 of every member, and the fingerprints of the keys it needs

The keys (SECRET_KEY, QINGLIAN_AUDIT_KEY, QINGLIAN_DATA_KEY, QINGLIAN_SEALED_KEY) are never put in the archive:
`write_keys` writes them to a folder of their own, to be kept apart from the backups. The manifest records a
one-way fingerprint of each, so that a restore with other keys is refused before anything is touched, and it
carries a MAC under the audit key, so that an archive changed on purpose is refused as surely as a damaged one.

The functions raise `BackupError` with a message meant for the person at the terminal; the `backup` and `restore`
commands only turn it into a CommandError.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections

FORMAT = "qinglian-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
# Setting name -> key file name (the names the development data folder and `--keys-out` use).
KEYS = {
    "SECRET_KEY": "secret_key",
    "QINGLIAN_AUDIT_KEY": "audit_key",
    "QINGLIAN_DATA_KEY": "data_key",
    "QINGLIAN_SEALED_KEY": "sealed_key",
}
# Without these the restored data cannot be read or checked; a different SECRET_KEY only signs everyone out.
REQUIRED_KEYS = ("QINGLIAN_AUDIT_KEY", "QINGLIAN_DATA_KEY", "QINGLIAN_SEALED_KEY")
CHUNK = 1 << 20

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _quiet(_message: str) -> None:
    pass


# -- keys ------------------------------------------------------------------------------------------------------------


def _key_values() -> dict[str, str]:
    return {
        "SECRET_KEY": settings.SECRET_KEY,
        "QINGLIAN_AUDIT_KEY": settings.AUDIT_KEY,
        "QINGLIAN_DATA_KEY": settings.DATA_KEY,
        "QINGLIAN_SEALED_KEY": settings.SEALED_KEY,
    }


def key_fingerprint(name: str, value: str) -> str:
    """A short one-way fingerprint of a key: enough to tell two keys apart, useless for finding the key."""
    return hashlib.sha256(f"qinglian-key-fingerprint\0{name}\0{value}".encode()).hexdigest()[:16]


def key_fingerprints() -> dict[str, str]:
    return {name: key_fingerprint(name, value) for name, value in _key_values().items()}


def _manifest_mac(manifest: dict) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(b"qinglian-backup-manifest\0" + settings.AUDIT_KEY.encode()).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def write_keys(folder: Path) -> list[Path]:
    """Write the four key files into `folder` (mode 0600). An existing file with another key is never overwritten:
    older backups need that key."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    values = _key_values()
    clashes = [
        KEYS[name]
        for name, value in values.items()
        if (folder / KEYS[name]).exists() and (folder / KEYS[name]).read_text(encoding="utf-8").strip() != value
    ]
    if clashes:
        raise BackupError(
            f"{folder} already holds other keys ({', '.join(clashes)}): backups made with them still need them. "
            "Choose an empty folder for the keys."
        )
    written = []
    for name, value in values.items():
        path = folder / KEYS[name]
        path.write_text(value + "\n", encoding="utf-8")
        path.chmod(0o600)
        written.append(path)
    fingerprints = "\n".join(f"  {name:<20} {KEYS[name]:<11} {fp}" for name, fp in key_fingerprints().items())
    (folder / "FINGERPRINTS.txt").write_text(
        "Qinglian keys. Store this folder apart from the backups: a backup and its keys together open everything.\n"
        "A restore needs the same keys: give each as NAME_FILE=path (production) or copy the files into the data\n"
        "folder (development).\n\n" + fingerprints + "\n",
        encoding="utf-8",
    )
    return written


# -- small helpers ---------------------------------------------------------------------------------------------------


def _app_version() -> str:
    try:
        return metadata.version("qinglian")
    except metadata.PackageNotFoundError:
        return "unknown"


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _disk_full(error: OSError, where: Path, needed: int | None = None) -> BackupError:
    need = f" It needs about {_human(needed)}; {_human(shutil.disk_usage(where).free)} is free." if needed else ""
    return BackupError(f"No space left on the disk that holds {where}.{need} Free some space or choose another place.")


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _count_tables(cursor, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — names from the catalogue, quoted
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations_from(rows: list[tuple[str, str]]) -> dict:
    latest: dict[str, str] = {}
    for app, name in sorted(rows):
        latest[app] = max(latest.get(app, ""), name)
    return {"applied": len(rows), "latest": latest, "all": sorted([app, name] for app, name in rows)}


# -- PostgreSQL client tools ---------------------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    options = db.get("OPTIONS") or {}
    for option, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT")):
        if options.get(option):
            env[var] = str(options[option])
    env["PGDATABASE"] = db["NAME"]
    return env


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def pg_tool(name: str, *, bin_dir: str | None = None, major: int | None = None) -> tuple[str, int]:
    """The path and major version of pg_dump or pg_restore: from `bin_dir`, else the Debian folder of the server's
    major version, else PATH."""
    candidates = []
    if bin_dir:
        candidates.append(Path(bin_dir) / name)
    else:
        if major:
            candidates.append(Path(f"/usr/lib/postgresql/{major}/bin") / name)
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False).stdout
            match = re.search(r"(\d+)(?:\.\d+)?", out)
            if match:
                return str(path), int(match.group(1))
    where = f"in {bin_dir}" if bin_dir else "on PATH"
    raise BackupError(
        f"{name} was not found {where}. Install the PostgreSQL client tools of the server's version "
        f"(Debian: apt install postgresql-client{'-' + str(major) if major else ''}) or give their folder "
        "with --pg-bin."
    )


def _run_tool(command: list[str], progress: Progress, label: str, watch: Path | None = None) -> tuple[int, str]:
    """Run a client tool, saying every 10 s that it is still at work (and how much it has written)."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=_pg_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while True:
        try:
            _out, err = process.communicate(timeout=10)
            return process.returncode, err.strip()
        except subprocess.TimeoutExpired:
            written = f", {_human(watch.stat().st_size)} written" if watch and watch.exists() else ""
            progress(f"  {label}: {time.monotonic() - started:.0f} s{written}...")


# -- backup ----------------------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    dump: Path
    vendor: str
    server_version: str
    tool: str
    tables: dict[str, int]
    migrations: dict
    extra: dict = field(default_factory=dict)


def _snapshot_sqlite(work: Path, progress: Progress) -> Snapshot:
    source = _sqlite_path()
    target = work / DUMPS["sqlite"]
    progress(f"Copying the SQLite database ({_human(source.stat().st_size)}) with the online backup API...")
    started = time.monotonic()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        # All pages in one step: one read transaction, so the copy is one moment of the database. In WAL mode
        # writers go on meanwhile.
        src.backup(dst, pages=-1)
    except sqlite3.OperationalError as error:
        if "full" in str(error).lower():
            raise _disk_full(OSError(errno.ENOSPC, str(error)), work, source.stat().st_size) from None
        raise BackupError(f"The SQLite database could not be copied: {error}.") from None
    finally:
        src.close()
    try:
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = dst.cursor()
        tables = [
            row[0]
            for row in cursor.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        counts = _count_tables(cursor, tables, lambda t: '"' + t.replace('"', '""') + '"')
        rows = (
            cursor.execute("SELECT app, name FROM django_migrations").fetchall()
            if "django_migrations" in tables
            else []
        )
    finally:
        dst.close()
    progress(f"  database copied in {time.monotonic() - started:.1f} s ({_human(target.stat().st_size)}).")
    return Snapshot(
        target, "sqlite", sqlite3.sqlite_version, f"sqlite3 {sqlite3.sqlite_version}", counts, _migrations_from(rows)
    )


def _snapshot_postgresql(work: Path, progress: Progress, pg_bin: str | None) -> Snapshot:
    major = _server_major()
    tool, tool_major = pg_tool("pg_dump", bin_dir=pg_bin, major=major)
    if tool_major < major:
        raise BackupError(
            f"{tool} is version {tool_major}, older than the PostgreSQL {major} server: pg_dump cannot dump a newer "
            f"server. Install postgresql-client-{major} or give its folder with --pg-bin."
        )
    target = work / DUMPS["postgresql"]
    started = time.monotonic()
    # One REPEATABLE READ transaction whose snapshot pg_dump shares: the counts and migrations in the manifest are
    # those of the very moment the dump holds.
    connection.ensure_connection()
    raw = connection.connection
    previous_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
            )
            tables = [row[0] for row in cursor.fetchall()]
            progress(f"Counting the rows of {len(tables)} tables...")
            counts = _count_tables(cursor, tables, connection.ops.quote_name)
            rows = []
            if "django_migrations" in tables:
                cursor.execute("SELECT app, name FROM django_migrations")
                rows = cursor.fetchall()
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]
            progress(f"Dumping the PostgreSQL database ({_human(size)} on disk) with {tool}...")
            returncode, stderr = _run_tool(
                [
                    tool,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    "-f",
                    str(target),
                ],
                progress,
                "pg_dump",
                watch=target,
            )
        raw.rollback()
    finally:
        raw.autocommit = previous_autocommit
    if returncode != 0:
        if "No space left" in stderr:
            raise _disk_full(OSError(errno.ENOSPC, stderr), work, size)
        raise BackupError(f"pg_dump failed (exit {returncode}): {stderr}")
    progress(f"  database dumped in {time.monotonic() - started:.1f} s ({_human(target.stat().st_size)}).")
    return Snapshot(
        target,
        "postgresql",
        server_version,
        f"pg_dump {tool_major}",
        counts,
        _migrations_from(rows),
        {"pg_dump_major": tool_major, "server_major": major},
    )


class _HashingReader:
    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"name": name, "size": info.size, "sha256": reader.digest.hexdigest()}


def default_archive_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"qinglian-backup-{now:%Y%m%d-%H%M%S}.tar.gz"


def create_backup(output: Path, *, progress: Progress = _quiet, pg_bin: str | None = None) -> dict:
    """Write a backup archive to `output` (.tar, or .tar.gz / .tgz compressed) and return its manifest.

    The database is taken first and the uploaded files after it, so every file the database names is in the archive
    (a file uploaded meanwhile is there too, harmlessly). The archive is written under a temporary name and renamed
    when complete, so a half-written archive never carries the final name.
    """
    output = Path(output).resolve()
    if output.exists():
        raise BackupError(f"{output} already exists; choose a new name (backups are never overwritten).")
    output.parent.mkdir(parents=True, exist_ok=True)
    compressed = output.name.endswith((".tar.gz", ".tgz"))
    if not compressed and not output.name.endswith(".tar"):
        raise BackupError(f"{output.name}: the archive's name must end in .tar, .tar.gz or .tgz.")
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"Backups of a {vendor} database are not supported (SQLite and PostgreSQL are).")
    media_root = Path(settings.MEDIA_ROOT)
    started = time.monotonic()
    partial = output.with_name(output.name + ".partial")
    work = Path(tempfile.mkdtemp(prefix=".qinglian-backup-", dir=output.parent))
    try:
        try:
            snap = (
                _snapshot_sqlite(work, progress) if vendor == "sqlite" else _snapshot_postgresql(work, progress, pg_bin)
            )
            files = _media_files(media_root)
            media_bytes = sum(p.stat().st_size for p in files)
            needed = snap.dump.stat().st_size + media_bytes
            free = shutil.disk_usage(output.parent).free
            if not compressed and free < needed:
                raise _disk_full(OSError(errno.ENOSPC, "no space"), output.parent, needed)
            progress(f"Writing {output.name}: the database and {len(files)} uploaded files ({_human(media_bytes)})...")
            members = []
            with tarfile.open(partial, "w:gz", compresslevel=6) if compressed else tarfile.open(partial, "w") as tar:
                members.append(_add_file(tar, snap.dump, DUMPS[vendor]))
                last = time.monotonic()
                done_bytes = 0
                for index, path in enumerate(files, 1):
                    name = MEDIA_PREFIX + path.relative_to(media_root).as_posix()
                    members.append(_add_file(tar, path, name))
                    done_bytes += members[-1]["size"]
                    if time.monotonic() - last > 2:
                        progress(f"  {index}/{len(files)} files, {_human(done_bytes)} of {_human(media_bytes)}")
                        last = time.monotonic()
                manifest = {
                    "format": FORMAT,
                    "version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "app_version": _app_version(),
                    "database": {
                        "vendor": vendor,
                        "server_version": snap.server_version,
                        "tool": snap.tool,
                        "dump": DUMPS[vendor],
                        **snap.extra,
                    },
                    "crypto_suite": settings.CRYPTO_SUITE,
                    "migrations": snap.migrations,
                    "tables": snap.tables,
                    "media": {"files": len(files), "bytes": media_bytes},
                    "files": members,
                    "keys": key_fingerprints(),
                }
                manifest["mac"] = _manifest_mac(manifest)
                body = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(time.time())
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, output)
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise _disk_full(error, output.parent) from None
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    output.chmod(0o600)
    rows = sum(snap.tables.values())
    progress(
        f"Backup written: {output} ({_human(output.stat().st_size)}) in {time.monotonic() - started:.1f} s — "
        f"{len(snap.tables)} tables, {rows} rows, {len(files)} files."
    )
    return manifest


# -- reading and checking an archive ---------------------------------------------------------------------------------


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except FileNotFoundError:
        raise BackupError(f"{archive} does not exist.") from None
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error}).") from None


def read_manifest(archive: Path) -> dict:
    """The archive's manifest, checked for format and version (not yet against its members or the keys)."""
    archive = Path(archive)
    with _open(archive) as tar:
        try:
            member = tar.getmember(MANIFEST)
            handle = tar.extractfile(member)
            manifest = json.loads(handle.read().decode()) if handle else None
        except KeyError:
            raise BackupError(
                f"{archive} has no {MANIFEST}: it is not a Qinglian backup, or it was cut short."
            ) from None
        except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as error:
            raise BackupError(f"{archive} is damaged: its manifest cannot be read ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Qinglian backup (its manifest does not say so).")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{archive} is a backup of format version {manifest.get('version')}; this Qinglian reads version "
            f"{FORMAT_VERSION}. Restore it with the Qinglian version that made it ({manifest.get('app_version')})."
        )
    return manifest


def check_keys(manifest: dict) -> list[str]:
    """Refuse (BackupError) when a required key differs from the one the backup was made with; return warnings."""
    ours = key_fingerprints()
    theirs = manifest.get("keys") or {}
    wrong = [name for name in REQUIRED_KEYS if theirs.get(name) != ours[name]]
    if wrong:
        lines = "\n".join(
            f"  {name}: this installation has {ours[name]}, the backup needs {theirs.get(name, '(none)')}"
            for name in wrong
        )
        raise BackupError(
            "The keys do not match this backup, so its data could not be read or its audit trail checked:\n"
            f"{lines}\n"
            "Put the key files saved with `qinglian backup --keys-out` in place — as NAME_FILE=path in production, "
            "or copied into the data folder in development — and run the restore again."
        )
    if not hmac.compare_digest(manifest.get("mac", ""), _manifest_mac(manifest)):
        raise BackupError("The manifest's seal does not match: the archive was changed after it was made.")
    warnings = []
    if theirs.get("SECRET_KEY") != ours["SECRET_KEY"]:
        warnings.append("SECRET_KEY differs from the backup's: everyone will have to sign in again.")
    return warnings


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def verify_archive(archive: Path, manifest: dict, *, into: Path | None = None, progress: Progress = _quiet) -> None:
    """Read every member, check its SHA-256 against the manifest, and that nothing is missing or added. With `into`,
    write the members there (only regular files under their own names; nothing outside `into`)."""
    expected = {entry["name"]: entry for entry in manifest["files"]}
    seen: set[str] = set()
    started = last = time.monotonic()
    total = sum(entry["size"] for entry in manifest["files"])
    done_bytes = 0
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile() or not _safe_member_name(member.name):
                    raise BackupError(f"{archive} holds {member.name!r}, which its manifest does not list: refused.")
                if member.name in seen:
                    raise BackupError(f"{archive} holds {member.name!r} twice: refused.")
                seen.add(member.name)
                digest = hashlib.sha256()
                source = tar.extractfile(member)
                target = into / member.name if into is not None else None
                if target:
                    target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") if target else contextlib.nullcontext() as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        if out:
                            out.write(chunk)
                if digest.hexdigest() != expected[member.name]["sha256"]:
                    raise BackupError(
                        f"{archive} is damaged or was changed: {member.name} does not match the SHA-256 in its "
                        "manifest. Nothing was restored."
                    )
                done_bytes += member.size
                if time.monotonic() - last > 2:
                    progress(f"  checked {len(seen)}/{len(expected)} members, {_human(done_bytes)} of {_human(total)}")
                    last = time.monotonic()
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{archive} is damaged or cut short ({error}). Nothing was restored.") from None
    except OSError as error:
        if error.errno == errno.ENOSPC and into is not None:
            raise _disk_full(error, into, total) from None
        raise BackupError(f"{archive} could not be read ({error}). Nothing was restored.") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{archive} lacks {len(missing)} members its manifest lists (first: {missing[0]}): refused.")
    progress(f"  all {len(seen)} members match their SHA-256 ({_human(total)}, {time.monotonic() - started:.1f} s).")


# -- restore ---------------------------------------------------------------------------------------------------------


def database_state() -> tuple[int, int]:
    """(tables, rows) in the current database; (0, 0) is an empty database."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = _count_tables(cursor, tables, connection.ops.quote_name)
    return len(tables), sum(counts.values())


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _count_tables(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)


def _check_migrations_known(manifest: dict) -> None:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"]["all"] if (app, name) not in known]
    # Django's own apps and squashed names can differ harmlessly; the project's apps cannot.
    unknown = [name for name in unknown if name.split(".")[0] in {c.label for c in _project_apps()}]
    if unknown:
        raise BackupError(
            f"This backup was made by a newer Qinglian ({manifest.get('app_version')}): migration {unknown[0]} "
            f"(and {len(unknown) - 1} more) is unknown to this version ({_app_version()}). Upgrade, then restore."
        )


def _project_apps():
    from django.apps import apps

    return [config for config in apps.get_app_configs() if config.name.startswith("qinglian.")]


def _drop_postgresql_schema() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def _restore_postgresql(dump: Path, manifest: dict, progress: Progress, pg_bin: str | None, jobs: int) -> None:
    major = _server_major()
    tool, tool_major = pg_tool("pg_restore", bin_dir=pg_bin, major=major)
    made_by = manifest["database"].get("pg_dump_major", 0)
    if tool_major < made_by:
        raise BackupError(
            f"{tool} is version {tool_major}, but the archive was made by pg_dump {made_by}: pg_restore reads only "
            f"archives of its own version or older. Install postgresql-client-{made_by} or give --pg-bin."
        )
    if major < manifest["database"].get("server_major", 0):
        progress(
            f"Warning: the backup comes from PostgreSQL {manifest['database']['server_major']} and this server is "
            f"{major}; if pg_restore fails, restore onto a server of the same version or newer."
        )
    progress(f"Restoring the PostgreSQL database with {tool} ({jobs} job{'s' if jobs > 1 else ''})...")
    started = time.monotonic()
    connections.close_all()
    db_name = settings.DATABASES["default"]["NAME"]
    returncode, stderr = _run_tool(
        [tool, "--no-owner", "--no-privileges", "--exit-on-error", f"--jobs={jobs}", "-d", db_name, str(dump)],
        progress,
        "pg_restore",
    )
    if returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit {returncode}): {stderr}\n"
            "The database may be partly restored: run the restore again with --force."
        )
    progress(f"  database restored in {time.monotonic() - started:.1f} s.")


def _restore_sqlite(dump: Path, progress: Progress) -> None:
    target = _sqlite_path()
    progress(f"Putting the SQLite database in place at {target}...")
    connections.close_all()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(dump, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copyfile(dump, str(target) + ".restoring")
        os.replace(str(target) + ".restoring", target)


def _restore_media(staged: Path, media_root: Path, progress: Progress) -> str | None:
    """Move the staged files into MEDIA_ROOT; a non-empty MEDIA_ROOT (only with --force) is set aside, not deleted."""
    set_aside = None
    if media_root.exists() and any(media_root.iterdir()):
        set_aside = media_root.with_name(f"{media_root.name}.before-restore-{datetime.now(UTC):%Y%m%d-%H%M%S}")
        os.replace(media_root, set_aside)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    if not staged.exists():
        staged.mkdir(parents=True)
    if media_root.exists():
        media_root.rmdir()
    try:
        os.replace(staged, media_root)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copytree(staged, media_root)
    progress(f"Uploaded files restored to {media_root}.")
    return str(set_aside) if set_aside else None


@dataclass
class RestoreResult:
    manifest: dict
    warnings: list[str]
    counts: dict[str, int]
    migrated: list[str]
    media_set_aside: str | None = None


def restore_backup(
    archive: Path,
    *,
    force: bool = False,
    progress: Progress = _quiet,
    pg_bin: str | None = None,
    jobs: int = 1,
) -> RestoreResult:
    """Restore `archive` into this installation's database and MEDIA_ROOT, then migrate.

    Everything that can refuse is checked before anything is changed: the manifest, the keys, the migrations, that
    the database and media folder are empty (unless `force`), and every member's SHA-256 (read into a staging folder).
    """
    archive = Path(archive).resolve()
    started = time.monotonic()
    manifest = read_manifest(archive)
    tables_n, rows_n = len(manifest["tables"]), sum(manifest["tables"].values())
    progress(
        f"Backup of {manifest['created_at']} by Qinglian {manifest['app_version']} ({manifest['database']['vendor']}, "
        f"{tables_n} tables, {rows_n} rows, {manifest['media']['files']} files)."
    )
    warnings = check_keys(manifest)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"This backup holds a {vendor} database and this installation uses {connection.vendor}: restore it onto "
            f"the same kind of database (set DATABASE_URL accordingly)."
        )
    _check_migrations_known(manifest)
    tables, rows = database_state()
    media_root = Path(settings.MEDIA_ROOT)
    media_files = _media_files(media_root)
    if (tables or media_files) and not force:
        what = []
        if tables:
            what.append(f"the database already has {tables} tables ({rows} rows)")
        if media_files:
            what.append(f"{media_root} already holds {len(media_files)} files")
        raise BackupError(
            f"Refusing to restore: {' and '.join(what)}. Restore into an empty database and data folder, or pass "
            "--force to replace them (the database is emptied; the old media folder is kept beside the new one)."
        )
    stage_parent = _sqlite_path().parent if vendor == "sqlite" else media_root.parent
    stage_parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".qinglian-restore-", dir=stage_parent))
    try:
        progress("Checking every member of the archive against its manifest...")
        verify_archive(archive, manifest, into=staging, progress=progress)
        dump = staging / manifest["database"]["dump"]
        if tables and force:
            progress("Emptying the database (--force)...")
            if vendor == "postgresql":
                _drop_postgresql_schema()
        if vendor == "sqlite":
            _restore_sqlite(dump, progress)
        else:
            _restore_postgresql(dump, manifest, progress, pg_bin, jobs)
        set_aside = _restore_media(staging / "media", media_root, progress)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = table_counts()
    differ = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if differ:
        table, (want, got) = next(iter(differ.items()))
        raise BackupError(
            f"The restored database does not match the manifest: {len(differ)} tables differ (first: {table} has "
            f"{got} rows, the backup had {want})."
        )
    progress(f"Row counts match the manifest in all {len(manifest['tables'])} tables.")
    migrated = _migrate(progress)
    progress(f"Restore finished in {time.monotonic() - started:.1f} s.")
    return RestoreResult(manifest, warnings, counts, migrated, set_aside)


def _migrate(progress: Progress) -> list[str]:
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        progress("The schema is current: no migrations to apply.")
        return []
    progress(f"Applying {len(plan)} migrations newer than the backup...")
    call_command("migrate", interactive=False, verbosity=0)
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]
