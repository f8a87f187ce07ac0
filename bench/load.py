"""Mixed load for ten minutes: members at home, in practice and handing in an exam; staff on lists and dashboards.

    python -m bench.load [--minutes 10] [--members 16] [--staff 4] [--discipline 2] [--think 0.5,2]
        [--workers 2] [--pool N] [--questions 20] [--database-url postgres://postgres@127.0.0.1:5432/qinglian_load]
        [--redis-url redis://127.0.0.1:6379/0] [--bind 127.0.0.1:8933] [--data-dir DIR] [--out FILE]

Untimed: a fresh PostgreSQL database (dropped afterwards), migrated and seeded by bench.exam_load's seed (a committee
with ten branches, --pool members each with an API token, a published exam of --questions questions that are also
the practice bank), a logged-in session for every member, and two staff: the committee office (member list,
meetings, rectification, evaluation dashboard) and discipline inspection staff (the clue register), both on the
whole tree. Members log in once, in the seed (the session is made as the login page makes it); the load is what
they do afterwards.

Timed: `qinglian serve --workers N` (gunicorn, DEBUG off) on PostgreSQL with Redis as cache and queue, driven by
locust headless (`pip install -e ".[bench]"`; the users are in bench/load_users.py) for --minutes: each member user
opens the home page, answers three practice questions (today's queue, then one answer each), starts the exam and
hands it in, then becomes the next member of the pool; staff users open a list or dashboard at random. Every user
waits --think seconds (uniform) between steps. Then the same server serves a minimal page (/api/v1/health) to as
many concurrent clients as there were users, back to back for ten seconds: the ceiling the mixed load's throughput
is reported against.

Afterwards the database is counted against what the clients were told: every hand-in answered "finished" is a
finished attempt, exactly once, with every answer stored and marked, and no finished attempt the clients were not
told of; every practice answer answered 200 is one practice review, and there are no others. Prints JSON (per
request class: count, p50/p95/p99, statuses; the budgets; the counts) and exits 1 on any 5xx or failed request,
any lost or extra write, or a p95 over budget (member requests 150 ms, staff pages 300 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import server_env, wait_ready
from bench.exam_load import drop_database, fresh_database, hammer, percentile

MEMBER_BUDGET_MS = 150
STAFF_BUDGET_MS = 300
OFFICE_PAGES = ["/orgs/members/", "/orglife/meetings/", "/rectification/", "/evaluation/dashboard/"]
DISCIPLINE_PAGES = ["/discipline/clues/"]
PRACTICE_PER_EXAM = 3


def seed_staff(root_id: int) -> dict[str, int]:
    """The committee office and discipline staff, on the whole tree: username -> user id."""
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Organisation, Role
    from qinglian.orgs.services import role_assign

    root = Organisation.objects.get(pk=root_id)
    users = {}
    for username, role in (("office", "committee_office"), ("discipline", "discipline_staff")):
        user = get_user_model().objects.create_user(username, f"{username}@example.cn")
        user.set_unusable_password()
        user.save()
        role_assign(user=user, role=Role.objects.get(code=role), organisation=root, include_subtree=True, actor=None)
        users[username] = user.pk
    return users


def sessions(user_ids: list[int]) -> dict[int, str]:
    """A logged-in session per user, made by Django's login() as the login page makes it: user id -> session key."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    out = {}
    client = Client()
    for user in get_user_model().objects.filter(pk__in=user_ids):
        client.cookies.clear()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        out[user.pk] = client.cookies["sessionid"].value
    return out


def count_writes(exam_id: int, questions: int, handed_in: list[int], practice: list, member_ids: list[int]) -> dict:
    """The database against what the clients were told (see the module's docstring)."""
    from django.db.models import Count, Q

    from qinglian.study.models import Attempt, AttemptItem
    from qinglian.study.models.practice import Review
    from qinglian.study.vocab import AttemptStatus

    attempts = Attempt.objects.filter(exam_id=exam_id)
    finished = set(attempts.filter(status=AttemptStatus.FINISHED).values_list("pk", flat=True))
    told = set(handed_in)
    complete = set(
        attempts.filter(pk__in=told)
        .annotate(n=Count("items", filter=Q(items__response__isnull=False, items__score__isnull=False)))
        .filter(n=questions)
        .values_list("pk", flat=True)
    )
    reviews = Review.objects.filter(member_id__in=member_ids)
    per_member_db = dict(reviews.values("member_id").annotate(n=Count("pk")).values_list("member_id", "n"))
    per_member_told: dict[int, int] = {}
    for index, _question, _token in practice:
        per_member_told[member_ids[index]] = per_member_told.get(member_ids[index], 0) + 1
    return {
        "hand_ins_told": len(handed_in),
        "hand_ins_told_twice": len(handed_in) - len(told),
        "attempts_finished": len(finished),
        "hand_ins_lost": len(told - finished),
        "hand_ins_incomplete": len(told - complete),
        "finished_not_told": len(finished - told),
        "members_with_two_attempts": attempts.values("member").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "duplicate_items": AttemptItem.objects.filter(attempt__exam_id=exam_id)
        .values("attempt", "question_version")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "practice_told": len(practice),
        "practice_reviews": reviews.count(),
        "practice_members_differing": sum(
            1 for m in set(per_member_db) | set(per_member_told) if per_member_db.get(m, 0) != per_member_told.get(m, 0)
        ),
    }


def writes_ok(rows: dict) -> bool:
    return (
        rows["hand_ins_told_twice"] == 0
        and rows["hand_ins_lost"] == 0
        and rows["hand_ins_incomplete"] == 0
        and rows["finished_not_told"] == 0
        and rows["members_with_two_attempts"] == 0
        and rows["duplicate_items"] == 0
        and rows["practice_told"] == rows["practice_reviews"]
        and rows["practice_members_differing"] == 0
    )


def classes(seen: dict) -> dict:
    """Per request class: count, percentiles, statuses and the budget it is held to."""
    out = {}
    for name, times in sorted(seen["times"].items()):
        budget = MEMBER_BUDGET_MS if name.startswith("member:") else STAFF_BUDGET_MS
        p95 = percentile(times, 95)
        out[name] = {
            "count": len(times),
            "p50_ms": percentile(times, 50),
            "p95_ms": p95,
            "p99_ms": percentile(times, 99),
            "max_ms": round(max(times), 1),
            "status": dict(sorted(seen["status"][name].items())),
            "budget_p95_ms": budget,
            "within_budget": p95 <= budget,
        }
    return out


def fetch(url: str, session: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def ceiling(base: str, clients: int, seconds: float) -> dict:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        return await hammer(session, base, clients, seconds)


def run(args) -> dict:
    os.environ["QINGLIAN_DATA_DIR"] = args.data_dir
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ["QINGLIAN_2FA_REQUIRED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.exam_load import seed
    from qinglian.orgs.models import Member, Organisation

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    exam_id, tokens = seed(args.pool, args.questions, 3600, 0)[:2]
    members = list(Member.objects.order_by("pk").values_list("pk", "user_id"))
    staff = seed_staff(Organisation.objects.get(code="ROOT").pk)
    session_of = sessions([user_id for _pk, user_id in members] + list(staff.values()))
    seed_s = time.perf_counter() - t0

    base = f"http://{args.bind}"
    plan = {
        "base": base,
        "exam_id": exam_id,
        "members": [
            {"token": token, "session": session_of[user_id]}
            for token, (_pk, user_id) in zip(tokens, members, strict=True)
        ],
        "staff": {name: session_of[pk] for name, pk in staff.items()},
        "pages": {"office": OFFICE_PAGES, "discipline": DISCIPLINE_PAGES},
        "think_s": args.think,
        "practice_per_exam": PRACTICE_PER_EXAM,
        "member_weight": args.members,
        "staff_weight": args.staff,
        "discipline_weight": args.discipline,
    }
    work = Path(tempfile.mkdtemp(prefix="qinglian-load-"))
    (work / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    connection.close()

    env = server_env(
        args.data_dir,
        QINGLIAN_LOAD_PLAN=str(work / "plan.json"),
        QINGLIAN_LOAD_OUT=str(work / "seen.json"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "qinglian.cli", "serve", "--workers", str(args.workers), "--bind", args.bind],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # gunicorn is its child: both stop with the group
    )
    users = args.members + args.staff + args.discipline
    try:
        wait_ready(base)
        # Every page once before the clock starts (and each must open for the user it is meant for).
        smoke = {path: fetch(base + path, plan["staff"]["office"]) for path in OFFICE_PAGES}
        smoke |= {path: fetch(base + path, plan["staff"]["discipline"]) for path in DISCIPLINE_PAGES}
        smoke["/"] = fetch(base + "/", plan["members"][-1]["session"])
        if any(status != 200 for status in smoke.values()):
            raise SystemExit(f"a page did not open before the load: {smoke}")
        load_before = list(os.getloadavg())
        began = time.perf_counter()
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(Path(__file__).with_name("load_users.py")),
                "--headless",
                "--only-summary",
                "--host",
                base,
                "--users",
                str(users),
                "--spawn-rate",
                str(max(1, users // 5)),
                "--run-time",
                f"{int(args.minutes * 60)}s",
                "--stop-timeout",
                "60",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - began
        load_after = list(os.getloadavg())
        if not (work / "seen.json").exists():
            raise SystemExit(f"locust wrote nothing (exit {locust.returncode}):\n{locust.stderr[-3000:]}")
        roof = asyncio.run(ceiling(base, users, 10.0))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    seen = json.loads((work / "seen.json").read_text(encoding="utf-8"))
    shutil.rmtree(work, ignore_errors=True)  # the plan holds every member's token and session
    rows = count_writes(exam_id, args.questions, seen["handed_in"], seen["practice"], [pk for pk, _ in members])
    per_class = classes(seen)
    requests = sum(c["count"] for c in per_class.values())
    server_errors = sum(n for c in per_class.values() for s, n in c["status"].items() if int(s) >= 500)
    failed = sum(n for c in per_class.values() for s, n in c["status"].items() if int(s) >= 400 or int(s) == 0)
    throughput = round(requests / elapsed, 1)
    result = {
        "database": "postgresql",
        "cache_and_queue": "redis",
        "workers": args.workers,
        "minutes": args.minutes,
        "users": {"members": args.members, "staff": args.staff, "discipline": args.discipline},
        "think_s": args.think,
        "pool": args.pool,
        "members_used": len({index for index, *_ in seen["practice"]}),
        "questions": args.questions,
        "seed_s": round(seed_s, 1),
        "elapsed_s": round(elapsed, 1),
        "requests": requests,
        "requests_per_s": throughput,
        "server_errors": server_errors,
        "failed_requests": failed,
        "error_samples": seen["errors"][:5],
        "classes": per_class,
        "ceiling_health": roof,
        "throughput_fraction_of_ceiling": round(throughput / roof["requests_per_s"], 3)
        if roof["requests_per_s"]
        else None,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "writes": rows,
        "writes_ok": writes_ok(rows),
    }
    result["ok"] = (
        server_errors == 0
        and failed == 0
        and result["writes_ok"]
        and rows["hand_ins_told"] > 0
        and rows["practice_told"] > 0
        and all(c["within_budget"] for c in per_class.values())
    )
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--members", type=int, default=16, help="member users at once")
    ap.add_argument("--staff", type=int, default=4, help="committee office users at once")
    ap.add_argument("--discipline", type=int, default=2, help="discipline staff users at once")
    ap.add_argument("--think", default="0.5,2", help="seconds between a user's steps: min,max")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pool", type=int, help="members seeded (default: enough for the run)")
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/qinglian_load")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--bind", default="127.0.0.1:8933")
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-load"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    args.think = [float(x) for x in args.think.split(",")]
    if args.pool is None:
        # A member's round (home, three practice questions, start, hand-in) takes at least six waits.
        rounds = args.members * args.minutes * 60 / (6 * args.think[0] or 1)
        args.pool = math.ceil(rounds * 1.2) + args.members
    try:
        result = run(args)
        text = json.dumps(result, indent=2, ensure_ascii=False)
        print(text)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(args.database_url)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
