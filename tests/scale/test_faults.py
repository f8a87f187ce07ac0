"""Faults, on real processes: a worker killed in the middle of an import, PostgreSQL restarted under load, two
people approving the same item at once.

- A worker SIGKILLed while the save of a roster import holds its uncommitted rows: nothing of the import is on the
  register, and the next worker marks the job and the import failed with a message the owner reads on the job page
  (the job's heartbeat stopped; core.jobs).
- PostgreSQL (a private cluster, never the shared server) stopped and started again while pages and the API are
  read and written: requests during the outage answer 503 with a message (the site's page, or the API's JSON error
  "unavailable") within seconds, never 500; afterwards the same server answers again; every write is whole.
- Two verifiers closing the same rectification item through two servers at the same moment: one wins, the other
  is answered 409 with a message, and the item has one verification.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from glob import glob
from pathlib import Path

import psycopg
import pytest

from tests.scale.stack import PGUSER, Stack, database_url, wait_http
from tests.scale.test_multiserver import Browser, csrf_token

pytestmark = pytest.mark.scale

PORT_A, PORT_B, PORT_PRIVATE = 8300, 8301, 8302
PRIVATE_PG_PORT = 5440
PASSWORD = "Lian-zheng-2026!"
ROSTER_ROWS = 10_000
RACE_ITEMS = 6

SETUP = f"""
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from qinglian.accounts.services import token_create
from qinglian.orgs.models import Role
from qinglian.orgs.services import member_create, org_create, role_assign
from qinglian.rectification.services import items as rect

root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="D-ROOT")
branch = org_create(name="第一支部", kind="branch", parent=root, actor=None, code="D-B1")
owner = member_create(organisation=branch, name="张伟", gender="M", actor=None)
out = {{"branch": branch.pk, "owner": owner.pk, "tokens": {{}}, "items": []}}
for name in ("verifier1", "verifier2"):
    user = get_user_model().objects.create_user(name, name + "@example.cn", {PASSWORD!r})
    role_assign(user=user, role=Role.objects.get(code="committee_office"), organisation=root, include_subtree=True,
                actor=None)
    out["tokens"][name] = token_create(user=user, name="faults")[1]
png = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00" * 64
for n in range({RACE_ITEMS}):
    item = rect.item_create(org=branch, source="inspection", problem="问题" + str(n), owner=owner,
                            due_on=timezone.localdate() + timedelta(days=30), actor=None)
    rect.evidence_add(item=item, actor=None, file=SimpleUploadedFile("p.png", png, content_type="image/png"))
    item = rect.item_submit(item=item, version=None, result="已整改", actor=None)
    out["items"].append([item.pk, item.version])
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def stack():
    with Stack("d_faults", redis_db=4) as stack:
        stack.manage("migrate", "--noinput")
        stack.setup = last_json(stack.python(SETUP))
        yield stack


def call(url: str, *, token: str = "", body: dict | None = None, timeout: float = 15) -> tuple[int, dict, bytes]:
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def last_json(output: str):
    return json.loads(output.strip().splitlines()[-1])


def wait_for(what: str, predicate, seconds: float, every: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds} s")


# -- (a) a worker killed in the middle of an import ----------------------------------------------------------------

IMPORT_SETUP = f"""
import json
from pathlib import Path
from django.core.files.uploadedfile import SimpleUploadedFile
from qinglian.orgs.services.imports import roster_check, roster_confirm, roster_upload
from qinglian.orgs.tasks import roster_import_job
import bench.roster_import as bench

bench.BRANCHES = 20
root, user = bench._setup()
path = Path(os.environ["QINGLIAN_DATA_DIR"]) / "roster.xlsx"
bench._roster_file(path, {ROSTER_ROWS})
file = SimpleUploadedFile("r.xlsx", path.read_bytes())
upload = roster_upload(owner=user, organisation=root, mode="create", file=file, lang="en")
roster_check(upload=upload)
assert upload.status == "ready", upload.errors[:3]
upload = roster_confirm(upload=upload, actor=user, lang="en")
roster_import_job.enqueue(str(upload.job_id))
print(json.dumps({{"upload": str(upload.pk), "job": str(upload.job_id), "user": user.pk}}))
"""

IMPORT_STATE = """
import json
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.translation import override
from qinglian.core.jobs import abandoned_message
from qinglian.core.models import Job
from qinglian.orgs.models import Member, RosterImport

job = Job.objects.get(pk=JOB)
upload = RosterImport.objects.get(pk=UPLOAD)
client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
client.force_login(job.owner)
client.cookies["django_language"] = "en"
# The pages as the owner gets them (static files named without `collectstatic`'s manifest, which serve makes).
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    import_page = client.get(reverse("orgs:import_detail", args=[upload.pk])).content.decode()
with override("en"):
    expected = abandoned_message()
print(json.dumps({
    "job": [job.status, job.message], "import": [upload.status, upload.errors[0]["message"] if upload.errors else ""],
    "members": Member.objects.filter(organisation__code__startswith="BENCH-IMPORT").count(),
    "expected": expected, "on_job_page": expected in page, "on_import_page": expected in import_page,
}))
"""


def test_a_worker_killed_in_the_middle_of_an_import_leaves_nothing_and_the_job_is_failed_with_a_message(stack):
    ids = last_json(stack.python(IMPORT_SETUP))
    dbname = stack.name
    with (
        psycopg.connect(stack.url.replace("postgres://", "postgresql://")) as holder,
        psycopg.connect(stack.url.replace("postgres://", "postgresql://"), autocommit=True) as watch,
    ):
        # Hold the import's row: the save inserts every member, then waits to mark the import done -- in the middle
        # of its one transaction, with all the rows written and none committed.
        holder.execute("SELECT 1 FROM orgs_rosterimport WHERE id = %s FOR UPDATE", (ids["upload"],))
        worker = stack.worker()

        def saving():
            row = watch.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
                "AND query ILIKE 'UPDATE \"orgs_rosterimport\"%%'",
                (dbname,),
            ).fetchone()
            assert worker.poll() is None, stack.log(worker)
            return row and row[0]

        backend = wait_for("the worker's save reaching the end of its inserts", saving, 240)
        status, done = watch.execute("SELECT status, done FROM core_job WHERE id = %s", (ids["job"],)).fetchone()
        assert (status, done) == ("running", ROSTER_ROWS)  # it reported its progress, and is in the middle
        # SIGKILL to the worker and to its work horse, which RQ puts in a session of its own (killing the worker's
        # group alone leaves the horse to finish the save: nothing lost, but no fault either).
        horses = children(worker.pid)
        assert horses, "the worker runs no work horse"
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        stack.kill(worker)
        holder.rollback()
        wait_for(
            "the dead worker's database session ending",
            lambda: not watch.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)).fetchone(),
            30,
        )
    state = last_json(
        stack.python(IMPORT_STATE.replace("JOB", repr(ids["job"])).replace("UPLOAD", repr(ids["upload"])))
    )
    assert state["members"] == 0  # all or nothing: none of the rows
    assert state["job"][0] == "running" and state["import"][0] == "importing"  # as the dead worker left them

    # The next worker finds the job's heartbeat stopped and fails it, and the import with it.
    worker = stack.worker()

    def reaped():
        assert worker.poll() is None, stack.log(worker)
        with psycopg.connect(stack.url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute("SELECT status FROM core_job WHERE id = %s", (ids["job"],)).fetchone()[0] == "failed"

    wait_for("the next worker failing the abandoned job", reaped, 180, every=1)
    stack.stop(worker)
    state = last_json(
        stack.python(IMPORT_STATE.replace("JOB", repr(ids["job"])).replace("UPLOAD", repr(ids["upload"])))
    )
    expected = "The worker stopped while running this job; nothing was saved. Run it again."
    assert state["expected"] == expected
    assert state["job"] == ["failed", expected]
    assert state["import"] == ["failed", expected]
    assert state["on_job_page"] and state["on_import_page"]
    assert state["members"] == 0


# -- (c) two people approving the same item at once ------------------------------------------------------------------


def test_two_verifiers_closing_the_same_item_at_once_one_wins_the_other_is_told(stack):
    servers = []
    try:
        for port in (PORT_A, PORT_B):  # one after the other: each collects the static files as it starts
            servers.append(stack.server(port, wait=False))
            try:
                wait_http(f"http://127.0.0.1:{port}/api/v1/health", seconds=300)
            except TimeoutError as error:
                raise AssertionError(stack.log(servers[-1])) from error
        tokens = stack.setup["tokens"]
        outcomes = []
        for item_id, version in stack.setup["items"]:
            barrier = threading.Barrier(2)
            answers: dict[str, tuple] = {}

            def verify(name: str, port: int, item_id=item_id, version=version, barrier=barrier, answers=answers):
                barrier.wait()
                answers[name] = call(
                    f"http://127.0.0.1:{port}/api/v1/rectification/items/{item_id}/transitions",
                    token=tokens[name],
                    body={"action": "verify", "version": version, "comment": f"{name} 核实"},
                )

            threads = [
                threading.Thread(target=verify, args=(name, port))
                for name, port in (("verifier1", PORT_A), ("verifier2", PORT_B))
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            statuses = sorted(answer[0] for answer in answers.values())
            assert statuses == [200, 409], answers
            loser = next(json.loads(a[2]) for a in answers.values() if a[0] == 409)
            assert loser["error"]["code"] == "conflict"
            assert "Someone else changed this item" in loser["error"]["message"]
            winner = next(name for name, a in answers.items() if a[0] == 200)
            outcomes.append((item_id, winner))
    finally:
        for server in servers:
            stack.stop(server)
    counted = last_json(
        stack.python(f"""
import json
from qinglian.core.models import AuditEvent
from qinglian.rectification.models import Item
rows = []
for pk, winner in {outcomes!r}:
    item = Item.objects.select_related("closed_by").get(pk=pk)
    rows.append([item.status, item.closed_by.username, item.events.filter(comment__contains="核实").count(),
                 AuditEvent.objects.filter(action="rectification.item_verify", object_id=str(pk)).count()])
print(json.dumps(rows))
""")
    )
    assert counted == [["closed", winner, 1, 1] for _pk, winner in outcomes]


# -- (b) PostgreSQL restarted under load ----------------------------------------------------------------------------


class PrivateCluster:
    """A PostgreSQL cluster of our own in a temporary folder, on its own port, to stop and start at will."""

    def __init__(self, port: int):
        found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
        self.bin = Path(found[-1]).parent
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="qinglian-pg-"))
        self.data = self.root / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def run(self, tool: str, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(
            [*self.as_postgres, str(self.bin / tool), *args], capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)}: {done.stdout}\n{done.stderr}")

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", PGUSER, "-A", "trust", "--no-sync", "-E", "UTF8")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except (AssertionError, subprocess.TimeoutExpired):
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


MESSAGE = "The database cannot be reached just now; nothing was saved. Try again in a few seconds."


def test_postgresql_restarted_under_load_answers_503_with_a_message_and_recovers_with_nothing_half_saved(stack):
    cluster = PrivateCluster(PRIVATE_PG_PORT)
    server = None
    private = None
    try:
        cluster.init()
        url = database_url(stack.name, "127.0.0.1", str(PRIVATE_PG_PORT))
        # A copy of the stack's database in the private cluster: the same keys, users and tokens.
        dump = subprocess.run(
            [str(cluster.bin / "pg_dump"), "-Fc", stack.url.replace("postgres://", "postgresql://")],
            capture_output=True,
            check=True,
            timeout=300,
        ).stdout
        subprocess.run(
            [str(cluster.bin / "createdb"), "-h", "127.0.0.1", "-p", str(PRIVATE_PG_PORT), "-U", PGUSER, stack.name],
            check=True,
            timeout=60,
        )
        subprocess.run(
            [str(cluster.bin / "pg_restore"), "--no-owner", "-d", url.replace("postgres://", "postgresql://")],
            input=dump,
            check=True,
            timeout=300,
            capture_output=True,
        )
        private = stack.on_database(url)
        server = private.server(PORT_PRIVATE, workers=2, wait=False)
        try:
            wait_http(f"http://127.0.0.1:{PORT_PRIVATE}/api/v1/health", seconds=180)
        except TimeoutError as error:
            raise AssertionError(private.log(server)) from error
        base = f"http://127.0.0.1:{PORT_PRIVATE}"
        token = stack.setup["tokens"]["verifier1"]
        browser = Browser()
        _, _, page = browser.request(f"{base}/accounts/login/")
        status, _, body = browser.request(
            f"{base}/accounts/login/",
            {"csrfmiddlewaretoken": csrf_token(page), "username": "verifier1", "password": PASSWORD},
            referer=f"{base}/accounts/login/",
        )
        assert status == 302, body[:500]

        log: list[tuple[float, str, int, float, dict, bytes]] = []
        stop = threading.Event()

        def record(kind: str, fn):
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status, headers, body = fn()
                except (OSError, TimeoutError) as error:  # no answer at all (a hang or a dropped connection)
                    status, headers, body = -1, {}, repr(error).encode()
                log.append((started, kind, status, time.monotonic() - started, headers, body))
                time.sleep(0.1)

        created = []

        def api_write():
            answer = call(
                f"{base}/api/v1/rectification/items",
                token=token,
                body={
                    "organisation_id": stack.setup["branch"],
                    "owner_id": stack.setup["owner"],
                    "due_on": (date.today() + timedelta(days=30)).isoformat(),
                    "source": "inspection",
                    "problem": "负载下记录的问题",
                },
            )
            if answer[0] == 201:
                created.append(json.loads(answer[2])["id"])
            return answer

        def page_read_and_write():
            status, headers, body = browser.request(f"{base}/inbox/")
            if status != 200:
                return status, headers, body
            return browser.request(
                f"{base}/inbox/read/", {"csrfmiddlewaretoken": csrf_token(body), "all": "1"}, referer=f"{base}/inbox/"
            )

        loads = {
            "api-write": api_write,
            "api-read": lambda: call(f"{base}/api/v1/notifications", token=token),
            "page": page_read_and_write,
        }
        threads = [threading.Thread(target=record, args=(kind, fn), daemon=True) for kind, fn in loads.items()]
        for thread in threads:
            thread.start()
        time.sleep(3)
        down_at = time.monotonic()
        cluster.stop()
        time.sleep(3)
        health = call(f"{base}/api/v1/health")
        cluster.start()
        up_at = time.monotonic()
        time.sleep(6)
        stop.set()
        for thread in threads:
            thread.join(30)

        assert health[0] == 503 and json.loads(health[2])["database"].startswith("error")
        bad = [
            (kind, status, body[:300]) for _t, kind, status, _s, _h, body in log if status not in (200, 201, 302, 503)
        ]
        assert not bad, bad  # never a 500, never a hang or a dropped connection
        slow = [(kind, round(took, 1)) for _t, kind, _st, took, _h, _b in log if took > 5]
        assert not slow, slow
        outage = [(kind, headers, body) for _t, kind, status, _s, headers, body in log if status == 503]
        assert {kind for kind, _h, _b in outage} == set(loads), [k for k, _h, _b in outage]
        for kind, headers, body in outage:
            assert headers.get("Retry-After", "").isdigit()
            if kind.startswith("api"):
                assert json.loads(body) == {"error": {"code": "unavailable", "message": MESSAGE}}
            else:
                assert MESSAGE in body.decode() and "<html" in body.decode()
        assert all(down_at - 1 < started < up_at + 5 for started, _k, status, _s, _h, _b in log if status == 503)
        after = [(kind, status) for started, kind, status, _s, _h, _b in log if started > up_at + 2]
        assert after and {kind for kind, _s in after} == set(loads)
        assert all(status in (200, 201, 302) for _kind, status in after), after  # recovered, with no server restart

        # Nothing half-saved: each item the API created has its audit event, and none exists without one.
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            items = {
                row[0]
                for row in conn.execute("SELECT id FROM rectification_item WHERE problem = %s", ("负载下记录的问题",))
            }
            audited = {
                int(row[0])
                for row in conn.execute(
                    "SELECT object_id FROM core_auditevent WHERE action = 'rectification.item_create' "
                    "AND object_id = ANY(%s)",
                    ([str(pk) for pk in items],),
                )
            }
        assert set(created) <= items and items == audited
        assert len(items) - len(created) <= sum(1 for _t, k, s, _d, _h, _b in log if k == "api-write" and s != 201)
    finally:
        if server is not None:
            private.stop(server)
        cluster.destroy()
