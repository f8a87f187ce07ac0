"""Every module's key pages and background jobs at province scale on PostgreSQL, each against a baseline.

    python -m bench.seed --scale province           # first, on the database to measure (then its records)
    python -m bench.scale [--repeat 20] [--seconds 3] [--clients 12] [--roster-rows 20000]
                          [--pages REGEX] [--skip-served] [--skip-jobs] [--bind 127.0.0.1:8100]
                          [--data-dir DIR] [--out FILE]

On an already-seeded database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qinglian_b_province), as
each bench login (bench_admin, bench_province, bench_secretary; bench_member, a member's own login in
bench_secretary's branch -- the seed's when its members have logins, else one made here -- and bench_discipline,
discipline inspection staff on the province, added here when missing):

1. in-process, through the full middleware stack (Django's test client, DEBUG off): each page's p50/p95 server
   time over --repeat requests and its query count; list pages are also asked for page 2 and with every
   paginator holding four times as many rows, and the query counts compared (neither may exceed page 1's);
2. served by `qinglian serve` (gunicorn, DEBUG=0, 2 sync workers) on --bind: each page's throughput under a
   closed loop of --clients concurrent clients (aiohttp) for --seconds, as a fraction of a minimal page's
   (`/bench-minimal/`, a fixed string behind the same middleware, see bench/minimal.py) in the same run;
3. the jobs, each against its own baseline: a roster import (check and save) against reading the file with
   python-calamine and COPYing its rows; the daily reminders (every module's, rolled back afterwards) against
   COPYing the same notifications; scoring an evaluation cycle against reading its panel and COPYing the same
   scores.

Budgets: member-facing pages p95 <= 150 ms, staff lists and dashboards p95 <= 300 ms, query counts constant in
the page. Prints JSON with every budget marked met or its gap named; exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import measure, pages_larger, server_env, wait_ready
from bench.exam_load import summary

BUDGET_MS = {"member": 150, "staff": 300}
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/qinglian_b_province"
ROOT = Path(__file__).resolve().parent.parent

# (label, login, scope, url, audience, is a paged list). Scopes: root, province, branch (bench_secretary's branch,
# where bench_member belongs).
PAGES = [
    # member-facing
    ("home", "bench_member", "branch", "/", "member", False),
    ("inbox", "bench_member", "branch", "/inbox/", "member", False),
    ("organisational life: mine", "bench_member", "branch", "/orglife/me/", "member", False),
    ("my meetings calendar", "bench_member", "branch", "/orglife/calendar/mine/", "member", False),
    ("study: mine", "bench_member", "branch", "/study/me/", "member", False),
    ("practice", "bench_member", "branch", "/study/practice/", "member", False),
    ("my exams", "bench_member", "branch", "/study/my/exams/", "member", False),
    ("my study hours", "bench_member", "branch", "/study/hours/mine/", "member", False),
    ("my duties", "bench_member", "branch", "/duties/lists/mine/", "member", False),
    ("my rectification items", "bench_member", "branch", "/rectification/mine/", "member", True),
    ("my risk points", "bench_member", "branch", "/risks/mine/", "member", False),
    ("my integrity file", "bench_member", "branch", "/risks/files/mine/", "member", False),
    # register (orgs)
    ("member list, province", "bench_province", "province", "/orgs/members/", "staff", True),
    ("member list, province, search 'wang'", "bench_province", "province", "/orgs/members/?q=wang", "staff", True),
    ("member statistics, province", "bench_province", "province", "/orgs/stats/", "staff", False),
    ("organisation tree, root", "bench_admin", "root", "/orgs/", "staff", False),
    ("member list, root", "bench_admin", "root", "/orgs/members/", "staff", True),
    ("member list, branch", "bench_secretary", "branch", "/orgs/members/", "staff", True),
    # organisational life
    ("meetings, province", "bench_province", "province", "/orglife/meetings/", "staff", True),
    ("meetings, branch", "bench_secretary", "branch", "/orglife/meetings/", "staff", True),
    ("compliance table, province", "bench_province", "province", "/orglife/compliance/", "staff", False),
    ("compliance table, branch", "bench_secretary", "branch", "/orglife/compliance/", "staff", False),
    ("meeting ledger, province", "bench_province", "province", "/orglife/ledger/", "staff", False),
    ("talks, province", "bench_province", "province", "/orglife/talks/", "staff", True),
    ("talk coverage, province", "bench_province", "province", "/orglife/talks/coverage/", "staff", False),
    # study
    ("study hours table, province", "bench_province", "province", "/study/hours/", "staff", False),
    ("exams, province", "bench_province", "province", "/study/exams/", "staff", True),
    ("programmes, province", "bench_province", "province", "/study/programmes/", "staff", True),
    ("question bank, province", "bench_province", "province", "/study/bank/", "staff", True),
    # duties
    ("tasks, province", "bench_province", "province", "/duties/tasks/", "staff", True),
    ("duty lists, province", "bench_province", "province", "/duties/lists/", "staff", True),
    ("responsibility dashboard, province", "bench_province", "province", "/duties/dashboard/", "staff", False),
    ("assessment rounds, province", "bench_province", "province", "/duties/assessment/", "staff", True),
    # rectification
    ("rectification items, province", "bench_province", "province", "/rectification/", "staff", True),
    ("rectification ledger, province", "bench_province", "province", "/rectification/ledger/", "staff", False),
    # risks
    ("risk points, province", "bench_province", "province", "/risks/points/", "staff", True),
    ("integrity files, province", "bench_discipline", "province", "/risks/files/", "staff", True),
    ("warnings, province", "bench_province", "province", "/risks/warnings/", "staff", False),
    ("heat map, province", "bench_province", "province", "/risks/heat-map/", "staff", False),
    # discipline (sealed: discipline staff only)
    ("clue register, province", "bench_discipline", "province", "/discipline/clues/", "staff", True),
    ("reports received, province", "bench_discipline", "province", "/discipline/reports/", "staff", True),
    ("cases, province", "bench_discipline", "province", "/discipline/cases/", "staff", True),
    ("discipline statistics, province", "bench_discipline", "province", "/discipline/statistics/", "staff", False),
    # evaluation
    ("evaluation dashboard, province", "bench_province", "province", "/evaluation/dashboard/", "staff", False),
    ("evaluation cycles, province", "bench_province", "province", "/evaluation/cycles/", "staff", True),
    ("indicator values, province", "bench_province", "province", "/evaluation/values/", "staff", True),
    # API
    ("API member list, province", "bench_province", "province", "/api/v1/orgs/{province}/members", "staff", True),
    ("API tasks, province", "bench_province", "province", "/api/v1/duties/tasks", "staff", True),
]


def say(text: str) -> None:
    """Progress on stderr; the JSON goes to stdout."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def with_page(url: str, number: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page={number}"


# -- logins -------------------------------------------------------------------------------------------------------


def logins() -> dict:
    """username -> (user, {scope name: organisation}); adds bench_member and bench_discipline when missing."""
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Member, Role, RoleAssignment, subtree_q
    from qinglian.orgs.services.people import member_create_login
    from qinglian.orgs.services.roles import role_assign

    seeded = {
        a.user.username: a
        for a in RoleAssignment.objects.select_related("user", "organisation").filter(
            user__username__in=["bench_admin", "bench_province", "bench_secretary"]
        )
    }
    if len(seeded) < 3:
        raise SystemExit("No bench logins here: run `python -m bench.seed` on this database first.")
    scopes = {
        "root": seeded["bench_admin"].organisation,
        "province": seeded["bench_province"].organisation,
        "branch": seeded["bench_secretary"].organisation,
    }
    user_model = get_user_model()
    # A member of the branch or of one of its Party groups (the seed puts many members in groups).
    own = Member.objects.filter(subtree_q(scopes["branch"].path, "organisation__")).order_by("pk")
    member_user = user_model.objects.filter(username="bench_member").first()
    if member_user is None and own.filter(user__isnull=False).exists():
        member_user = own.filter(user__isnull=False).select_related("user").first().user  # the seed's own login
    if member_user is None:
        member = own.filter(user__isnull=True).first()
        if member is None:
            raise SystemExit("bench_secretary's branch has no member to give a login")
        member_user, _password = member_create_login(member=member, username="bench_member", actor=None)
    discipline, created = user_model.objects.get_or_create(username="bench_discipline")
    if created:
        discipline.set_unusable_password()
        discipline.save(update_fields=["password"])
        role_assign(
            user=discipline,
            role=Role.objects.get(code="discipline_staff"),
            organisation=scopes["province"],
            include_subtree=True,
            actor=None,
        )
    users = user_model.objects.in_bulk(
        ["bench_admin", "bench_province", "bench_secretary", "bench_discipline"], field_name="username"
    )
    users["bench_member"] = member_user
    return users, scopes


# -- 1. in-process ------------------------------------------------------------------------------------------------


def in_process(users, scopes, repeat: int) -> tuple[list[dict], dict, dict[tuple[str, str], str]]:
    """Each page's server time and queries; returns the rows and each (login, scope)'s session key."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qinglian.orgs.middleware import SESSION_KEY

    clients: dict[tuple[str, str], Client] = {}
    rows = []

    def client_for(username: str, scope: str) -> Client:
        if (username, scope) not in clients:
            client = Client()
            client.force_login(users[username])
            session = client.session
            session[SESSION_KEY] = scopes[scope].pk
            session.save()
            clients[(username, scope)] = client
        return clients[(username, scope)]

    base_client = Client()
    baseline = measure(base_client, "/bench-minimal/", repeat, CaptureQueriesContext, connection)
    for label, username, scope, url, audience, paged in PAGES:
        url = url.format(province=scopes["province"].pk)
        say(f"in-process: {label}")
        client = client_for(username, scope)
        row = measure(client, url, repeat, CaptureQueriesContext, connection)
        row.update(page=label, user=username, scope=scope, audience=audience, budget_p95_ms=BUDGET_MS[audience])
        if paged:
            later = measure(client, with_page(url, 2), 2, CaptureQueriesContext, connection)
            with pages_larger(4):
                larger = measure(client, url, 2, CaptureQueriesContext, connection)
            row["queries_page_2"] = later["queries"]
            row["queries_page_size_x4"] = larger["queries"]
            # Page 1 may show more than later pages (e.g. a summary); what must not happen is more queries for
            # more rows.
            row["queries_constant"] = max(later["queries"], larger["queries"]) <= row["queries"]
        rows.append(row)
    return rows, baseline, {key: c.cookies[settings.SESSION_COOKIE_NAME].value for key, c in clients.items()}


# -- 2. served ------------------------------------------------------------------------------------------------


async def closed_loop(session, url: str, cookie: str | None, clients: int, seconds: float) -> dict:
    """`clients` concurrent clients asking for `url` back to back for `seconds`."""
    times: list[float] = []
    statuses: dict[int, int] = {}
    headers = {"Cookie": cookie} if cookie else {}
    stop = time.perf_counter() + seconds

    async def one():
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                async with session.get(url, headers=headers, allow_redirects=False) as r:
                    await r.read()
                    status = r.status
            except Exception:
                status = 0
            times.append((time.perf_counter() - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    return {
        "requests_per_s": round(len(times) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        **summary(times),
    }


async def serve_all(base: str, cookies: dict, scopes, cookie_name: str, clients: int, seconds: float) -> dict:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        for _ in range(20):  # warm both workers
            async with session.get(f"{base}/bench-minimal/") as r:
                await r.read()
        minimal = [await closed_loop(session, f"{base}/bench-minimal/", None, clients, seconds)]
        rows = []
        for n, (label, username, scope, url, _audience, _paged) in enumerate(PAGES):
            say(f"served: {label}")
            cookie = f"{cookie_name}={cookies[(username, scope)]}"
            url = url.format(province=scopes["province"].pk)
            async with session.get(base + url, headers={"Cookie": cookie}) as r:  # warm
                await r.read()
            row = await closed_loop(session, base + url, cookie, clients, seconds)
            rows.append({"page": label, "url": url, **row})
            if n == len(PAGES) // 2:  # the ceiling again halfway, as the machine's load drifts
                minimal.append(await closed_loop(session, f"{base}/bench-minimal/", None, clients, seconds))
        minimal.append(await closed_loop(session, f"{base}/bench-minimal/", None, clients, seconds))
    ceiling = statistics.mean(m["requests_per_s"] for m in minimal)
    for row in rows:
        row["fraction_of_minimal"] = round(row["requests_per_s"] / ceiling, 3) if ceiling else None
    return {"clients": clients, "seconds_per_page": seconds, "minimal": minimal, "minimal_rps": round(ceiling, 1),
            "pages": rows}  # fmt: skip


def served(args, cookies, scopes) -> dict:
    from django.conf import settings
    from django.db import connection

    connection.close()
    env = server_env(
        settings.DATA_DIR,
        DJANGO_SETTINGS_MODULE="bench.minimal",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    # Its own process group: `qinglian serve` runs gunicorn as a child, and both must stop with the bench.
    server = subprocess.Popen(
        [sys.executable, "-m", "qinglian.cli", "serve", "--workers", "2", "--bind", args.bind],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://{args.bind}"
    try:
        wait_ready(base, "/bench-minimal/")
        return asyncio.run(serve_all(base, cookies, scopes, settings.SESSION_COOKIE_NAME, args.clients, args.seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def copy_rows(table: str, columns: list[str], rows) -> None:
    """COPY rows into a table (inside the caller's transaction)."""
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def job_roster(rows: int) -> dict:
    from django.conf import settings

    from bench.roster_import import _baseline, _clear, _ours, _roster_file, _setup
    from bench.rounds import import_rounds

    path = Path(settings.DATA_DIR) / f"roster-{rows}.xlsx"
    if not path.exists():
        _roster_file(path, rows)
    root, user = _setup()
    baseline, check, save = import_rounds(
        repeat=1,
        clear=lambda: _clear(root),
        baseline=lambda: _baseline(path),
        ours=lambda: _ours(path, root, user),
        expected=rows,
        noun="members",
    )
    ours = check[0] + save[0]
    return {
        "job": f"roster import, {rows} rows (check and save)",
        "seconds": round(ours, 2),
        "check_s": round(check[0], 2),
        "save_s": round(save[0], 2),
        "baseline": "read with python-calamine, COPY every row into a scratch table",
        "baseline_s": round(baseline[0], 2),
        "ratio": round(ours / baseline[0], 2),
        "goal_ratio": 3.0,
        "met": ours / baseline[0] <= 3.0,
    }


def job_reminders() -> dict:
    """Every module's daily reminders for today, each timed, all rolled back; the baseline COPYs the same
    notifications (also rolled back)."""
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from qinglian.core.models import Notification
    from qinglian.core.registry import registry

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    today = timezone.localdate()
    columns = ["user_id", "title", "body", "url", "kind", "dedupe_key", "created_at"]
    each, made = [], []
    with transaction.atomic():
        last = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
        started = time.perf_counter()
        for fn in registry.reminders:
            t0 = time.perf_counter()
            with transaction.atomic():
                sent = fn(today) or 0
            each.append({"reminders": f"{fn.__module__}.{fn.__name__}", "sent": sent,
                         "seconds": round(time.perf_counter() - t0, 3)})  # fmt: skip
        total = time.perf_counter() - started
        made = list(Notification.objects.filter(pk__gt=last).values_list(*[c.removesuffix("_id") for c in columns]))
        transaction.set_rollback(True)
    with transaction.atomic():
        t0 = time.perf_counter()
        copy_rows(Notification._meta.db_table, columns, made)
        baseline = time.perf_counter() - t0
        transaction.set_rollback(True)
    return {
        "job": "daily reminders (every module's, rolled back)",
        "on": today.isoformat(),
        "seconds": round(total, 2),
        "notifications": len(made),
        "each": each,
        "baseline": "COPY the same notifications into the inbox table",
        "baseline_s": round(baseline, 3),
        "ratio": round(total / baseline, 1) if made and baseline else None,
    }


def frozen_cycle(users, scopes):
    """A cycle with frozen weights: the newest in the database, else one made on the province (judgments as in the
    demo, subjective weights, frozen)."""
    from qinglian.evaluation.demo import JUDGMENTS
    from qinglian.evaluation.models import Cycle
    from qinglian.evaluation.services import scoring, weights

    for cycle in Cycle.objects.select_related("organisation", "weight_set").order_by("-year", "-pk"):
        if scoring.frozen_refusal(cycle) is None:
            return cycle
    office = users["bench_province"]
    year = date.today().year - 1
    cycle = Cycle.objects.filter(organisation=scopes["province"], year=year).first() or scoring.cycle_create(
        organisation=scopes["province"], year=year, name=f"{year} bench", actor=office
    )
    for nodes in JUDGMENTS.values():
        for node, upper in nodes.items():
            weights.judgment_save(cycle=cycle, expert=office, node=node, values=upper, version=None, actor=office)
        break  # one expert's judgments
    subjective = weights.subjective_weights(cycle, actor=office)
    cycle.refresh_from_db()
    weights.freeze(cycle, subjective, version=cycle.version, actor=office)
    cycle.refresh_from_db()
    return cycle


def job_scoring(users, scopes) -> dict:
    from django.db import connection, transaction

    from qinglian.evaluation.models import Score
    from qinglian.evaluation.services import scoring
    from qinglian.evaluation.services.panel import build_panel, years

    try:
        cycle = frozen_cycle(users, scopes)
    except Exception as exc:  # the bench reports what it could not set up instead of stopping
        return {"job": "evaluation scoring of a cycle", "skipped": f"{exc.__class__.__name__}: {exc}"[:300]}
    t0 = time.perf_counter()
    scored = scoring.score_cycle(cycle, actor=None)
    ours = time.perf_counter() - t0

    # The baseline: read the same panel, then COPY the same score rows into a scratch table.
    weights = list(cycle.weight_set.weights.get("indicators") or {})
    codes = [*weights, *scoring._deduction_codes(cycle, dict.fromkeys(weights))]
    units = list(scoring.scored_units(cycle))
    rows = list(
        Score.objects.filter(cycle=cycle).values_list("organisation_id", "total", "layers", "detail", "grade", "rank")
    )
    t0 = time.perf_counter()
    build_panel(scope=cycle.organisation, periods=years(cycle.year, cycle.year), codes=codes, units=units)
    panel_s = time.perf_counter() - t0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_score_scratch (org bigint, total numeric, layers jsonb, detail jsonb, grade text,"
            " rank int) ON COMMIT DROP"
        )
        t0 = time.perf_counter()
        copy_rows(
            "bench_score_scratch",
            ["org", "total", "layers", "detail", "grade", "rank"],
            ((o, t, json.dumps(la), json.dumps(d), g, r) for o, t, la, d, g, r in rows),
        )
        write_s = time.perf_counter() - t0
    baseline = panel_s + write_s
    return {
        "job": "evaluation scoring of a cycle",
        "cycle": {
            "id": cycle.pk,
            "organisation": cycle.organisation.name,
            "year": cycle.year,
            "indicators": len(codes),
        },
        "units": scored,
        "seconds": round(ours, 2),
        "baseline": "read the same panel (build_panel), COPY the same score rows into a scratch table",
        "baseline_panel_s": round(panel_s, 2),
        "baseline_write_s": round(write_s, 2),
        "baseline_s": round(baseline, 2),
        "ratio": round(ours / baseline, 2) if baseline else None,
        "goal_ratio": 3.0,
        "met": bool(baseline) and ours / baseline <= 3.0,
    }


# -- the run --------------------------------------------------------------------------------------------------


def table_sizes(limit: int = 25) -> dict:
    """The largest tables by the planner's row estimate (after ANALYZE), to show what the pages ran against."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace AND reltuples > 0 ORDER BY reltuples DESC LIMIT %s",
            [limit],
        )
        return dict(cursor.fetchall())


def verdicts(pages: list[dict], served_rows: dict) -> list[dict]:
    out = []
    throughput = {r["page"]: r for r in (served_rows or {}).get("pages", [])}
    for row in pages:
        gaps = []
        if row["status"] != 200:
            gaps.append(f"answered {row['status']}")
        if row["p95_ms"] > row["budget_p95_ms"]:
            gaps.append(
                f"p95 {row['p95_ms']} ms over {row['budget_p95_ms']} ms by {row['p95_ms'] - row['budget_p95_ms']:.0f}"
            )
        if row.get("queries_constant") is False:
            gaps.append(
                f"queries grow with the page: {row['queries']} on page 1, {row['queries_page_2']} on page 2, "
                f"{row['queries_page_size_x4']} with 4x the rows"
            )
        served_row = throughput.get(row["page"])
        if served_row and set(served_row["statuses"]) - {"200"}:
            gaps.append(f"served answered {served_row['statuses']}")
        out.append({"page": row["page"], "budget_p95_ms": row["budget_p95_ms"], "met": not gaps, "gaps": gaps})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=3.0, help="closed-loop load per page when served")
    ap.add_argument("--clients", type=int, default=12, help="concurrent clients when served")
    ap.add_argument("--roster-rows", type=int, default=20_000)
    ap.add_argument("--pages", help="only the pages whose label matches this regular expression")
    ap.add_argument("--skip-served", action="store_true")
    ap.add_argument("--skip-jobs", action="store_true")
    ap.add_argument("--bind", default="127.0.0.1:8100")
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-bench"),
                    help="the data folder (keys) the seed used")  # fmt: skip
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("QINGLIAN_DATA_DIR", args.data_dir)
    os.environ.setdefault("QINGLIAN_2FA_REQUIRED", "0")
    os.environ.setdefault("UPLOAD_MAX_MB", "200")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.minimal"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    from qinglian.orgs.models import Member, Organisation

    if args.pages:
        PAGES[:] = [p for p in PAGES if re.search(args.pages, p[0])]
    if connection.vendor != "postgresql":
        raise SystemExit("bench.scale measures PostgreSQL: set DATABASE_URL")
    users, scopes = logins()
    result = {
        "benchmark": "scale",
        "database": connection.settings_dict["NAME"],
        "organisations": Organisation.objects.count(),
        "members": Member.objects.count(),
        "largest_tables": table_sizes(),
        "repeat": args.repeat,
        "budgets_p95_ms": BUDGET_MS,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    started = time.perf_counter()
    if not args.skip_jobs:
        result["jobs"] = []
        for job in (lambda: job_roster(args.roster_rows), job_reminders, lambda: job_scoring(users, scopes)):
            result["jobs"].append(job())
            say(f"job: {result['jobs'][-1]['job']}")
    setup_test_environment()
    settings.DEBUG = False
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        pages, baseline, cookies = in_process(users, scopes, args.repeat)
    result["in_process"] = {"minimal_page": baseline, "pages": pages}
    served_rows = None
    if not args.skip_served:
        try:
            served_rows = served(args, cookies, scopes)
        except (SystemExit, OSError) as exc:  # keep the in-process numbers when the server fails
            result["served"] = {"error": str(exc)}
        else:
            result["served"] = served_rows
        for row in pages if served_rows else []:
            match = next((r for r in served_rows["pages"] if r["page"] == row["page"]), None)
            row["throughput_fraction_of_minimal"] = match["fraction_of_minimal"] if match else None
    result["budgets"] = verdicts(pages, served_rows)
    result["budgets_met"] = all(v["met"] for v in result["budgets"])
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if result["budgets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
