"""A production-shaped Qinglian on 127.0.0.1 for the scale tests: PostgreSQL, Redis, gunicorn servers, RQ workers.

Each `Stack` has its own PostgreSQL database (made on start, dropped on close), its own Redis database number
(flushed on start and close), its own data folder with its keys, and starts real processes with `DEBUG=0`:

    with Stack("faults", redis_db=2) as stack:
        stack.manage("migrate")
        stack.manage("createsuperuser", ...)          # or stack.python("...code run with Django set up...")
        a = stack.server(8301)                      # `qinglian serve --workers 1` on its own port
        w = stack.worker()                          # `qinglian worker` on the shared Redis queue
        stack.stop(w)                               # SIGTERM to its process group; stack.kill(w) for SIGKILL

PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres) and REDIS_URL's host (default 127.0.0.1:6379) are read
from the environment, so CI and a developer's machine run the same tests.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")
REDIS_BASE = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379")


def admin_connection(host: str = PGHOST, port: str = PGPORT):
    return psycopg.connect(host=host, port=port, user=PGUSER, dbname="postgres", autocommit=True)


def database_url(name: str, host: str = PGHOST, port: str = PGPORT) -> str:
    return f"postgres://{PGUSER}@{host}:{port}/{name}"


def drop_database(name: str, host: str = PGHOST, port: str = PGPORT) -> None:
    with admin_connection(host, port) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(name: str, host: str = PGHOST, port: str = PGPORT) -> None:
    drop_database(name, host, port)
    with admin_connection(host, port) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_http(url: str, seconds: float = 90) -> None:
    """Until `url` answers 200 (the health endpoint of a server that is starting)."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status == 200:
                    return
        except OSError as error:
            last = error
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s ({last})")


# What every stack of one test run shares: the collected static files (collecting them costs a minute of CPU) and
# a database migrated once, which each stack copies as a template together with the keys it was made under.
SHARED_DIR = Path(tempfile.gettempdir()) / f"qinglian-scale-shared-{os.getpid()}"
KEYS = ("secret_key", "audit_key", "data_key", "sealed_key")
_template: Stack | None = None


def outside_env() -> dict:
    """This process's environment without the settings of the test run itself, for a process of its own."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "QINGLIAN_", "DATABASE_", "PYTEST", "REDIS_"))
    }


def generate_keys(env: dict) -> None:
    """Development mode once, to generate the keys into the data folder; every process after it runs DEBUG=0."""
    subprocess.run(
        [sys.executable, "-m", "qinglian.cli", "check", "--deploy", "--fail-level", "CRITICAL"],
        env={**env, "DEBUG": "1"},
        check=True,
        capture_output=True,
    )


def shared_template() -> Stack:
    """The run's migrated template database and its keys, made on first use and dropped when the run ends."""
    global _template
    if _template is None:
        SHARED_DIR.mkdir(exist_ok=True)
        stack = Stack("template", redis_db=15)
        create_database(stack.name)
        generate_keys(stack._base_env())
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("collectstatic", "--noinput", "-v0")
        _template = stack
        atexit.register(_drop_shared)
    return _template


def _drop_shared() -> None:
    if _template is not None:
        drop_database(_template.name)
        shutil.rmtree(_template.data_dir, ignore_errors=True)
    shutil.rmtree(SHARED_DIR, ignore_errors=True)


class Stack:
    def __init__(
        self, name: str, *, redis_db: int, tasks_immediate: bool = False, pg_host: str = PGHOST, pg_port: str = PGPORT
    ):
        """`pg_host`/`pg_port`: another PostgreSQL server than the shared one (a private cluster that a test may
        stop and start)."""
        self.name = f"qinglian_scale_{name}_{os.getpid()}"
        self.pg = (pg_host, str(pg_port))
        self.redis_url = f"{REDIS_BASE}/{redis_db}"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"qinglian-scale-{name}-"))
        self.url = database_url(self.name, *self.pg)
        self.processes: list[subprocess.Popen] = []
        self.logs: dict[int, Path] = {}
        self.tasks_immediate = tasks_immediate
        self._env: dict | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        self.flush_redis()
        if self.pg == (PGHOST, PGPORT):
            # A copy of the database migrated once for the whole run, with the keys it was made under.
            template = shared_template()
            for key in KEYS:
                shutil.copy(template.data_dir / key, self.data_dir / key)
            drop_database(self.name)
            with admin_connection() as conn:
                conn.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{template.name}"')
        else:
            create_database(self.name, *self.pg)
            generate_keys(self._base_env())
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)
        self.flush_redis()
        drop_database(self.name, *self.pg)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    # -- environment -------------------------------------------------------------------------------------------
    def _base_env(self, **extra) -> dict:
        """The environment of this stack's processes (development mode unless `extra` says otherwise); the static
        files are collected once for the whole run, into a folder every stack shares."""
        env = outside_env()
        env.update(
            DATABASE_URL=self.url,
            REDIS_URL=self.redis_url,
            QINGLIAN_DATA_DIR=str(self.data_dir),
            QINGLIAN_STATIC_DIR=str(SHARED_DIR / "static"),
            QINGLIAN_2FA_REQUIRED="0",
            QINGLIAN_TASKS_IMMEDIATE="1" if self.tasks_immediate else "0",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    @property
    def env(self) -> dict:
        """The production environment: DEBUG off, keys given as files, as on a real host."""
        if self._env is None:
            if not (self.data_dir / "secret_key").exists():
                (self.data_dir / "secret_key").write_text(secrets.token_urlsafe(50))
            self._env = self._base_env(
                DEBUG="0",
                ALLOWED_HOSTS="127.0.0.1,localhost",
                SECURE_COOKIES="0",
                SECURE_HSTS_SECONDS="0",
                SECRET_KEY_FILE=str(self.data_dir / "secret_key"),
                QINGLIAN_AUDIT_KEY_FILE=str(self.data_dir / "audit_key"),
                QINGLIAN_DATA_KEY_FILE=str(self.data_dir / "data_key"),
                QINGLIAN_SEALED_KEY_FILE=str(self.data_dir / "sealed_key"),
            )
        return self._env

    def on_database(self, url: str) -> Stack:
        """This stack (its keys, data folder and Redis) with its processes on another database, e.g. a copy of
        its own in a private PostgreSQL cluster that a test restarts. Stop what it starts; it drops nothing."""
        other = copy.copy(self)
        other.url, other.processes, other.logs = url, [], {}
        other._env = {**self.env, "DATABASE_URL": url}
        return other

    # -- commands ----------------------------------------------------------------------------------------------
    def manage(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        """`qinglian ARGS` in the production environment; its output is returned (and shown when it fails)."""
        done = subprocess.run(
            [sys.executable, "-m", "qinglian.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"qinglian {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str, timeout: float = 600) -> str:
        """Run `code` in a fresh interpreter with Django set up against this stack; returns what it printed."""
        prelude = (
            "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'qinglian.settings')\ndjango.setup()\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", prelude + code], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise AssertionError(f"python exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    # -- processes ---------------------------------------------------------------------------------------------
    def _spawn(self, args: list[str], label: str) -> subprocess.Popen:
        log = self.data_dir / f"{label}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "qinglian.cli", *args],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that gunicorn's workers stop with it
        )
        self.processes.append(process)
        self.logs[process.pid] = log
        return process

    def server(self, port: int, workers: int = 1, wait: bool = True) -> subprocess.Popen:
        process = self._spawn(["serve", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"], f"server-{port}")
        if wait:
            wait_http(f"http://127.0.0.1:{port}/api/v1/health")
        return process

    def worker(self) -> subprocess.Popen:
        return self._spawn(["worker"], f"worker-{len(self.processes)}")

    def log(self, process: subprocess.Popen) -> str:
        return self.logs[process.pid].read_text(errors="replace")

    def stop(self, process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        if process in self.processes:
            self.processes.remove(process)

    def kill(self, process: subprocess.Popen) -> None:
        self.stop(process, signal.SIGKILL)
