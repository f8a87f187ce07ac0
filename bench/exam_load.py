"""Exam-day rush: 2,000 members each handing in a 50-question exam in the same minute, against PostgreSQL.

    python -m bench.exam_load [--members 2000] [--questions 50] [--seconds 60] [--workers 2] [--keep]
        [--arrivals poisson|uniform] [--database-url postgres://postgres@127.0.0.1:5432/exam_bench]
        [--data-dir DIR] [--out FILE] [--profile N]

On an exam day members start and answer over the exam's time; the rush is everyone submitting in the same minute.
So, untimed: make the database afresh (dropdb/createdb; --keep reuses it and keeps it afterwards), migrate, seed
the members (each with an API token) and a published fixed 50-question paper, and start every member's attempt
through the service in-process. Then --profile N extra members hand in in-process through the full middleware
(Django test client with the token), N through the old path (save all answers, then submit) and N through the
hand-in, each timed and its queries counted (cProfile's top functions of the hand-in go to stderr with -v).

Timed: `qinglian serve --workers N` (gunicorn sync workers, DEBUG off, CONN_MAX_AGE on) on 127.0.0.1, driven by
aiohttp (`pip install -e ".[bench]"`): each member arrives once within --seconds (Poisson arrivals: the arrival
times of a Poisson process holding --members arrivals, i.e. sorted uniform times; or evenly spaced) and POSTs its
50 answers with the submit in one request (/api/v1/study/my/attempts/{id}/finish). The client's wall time of each
request and its status are recorded. Then the same server serves a minimal page (/api/v1/health) to as many
concurrent clients as the rush had in flight at most, for a few seconds, for the baseline throughput.

Afterwards the database is counted: every attempt finished, every answer stored and marked, none twice, none in
progress. Prints JSON (p50/p95/p99/max, errors, counts, baseline) and exits 1 unless everything was stored and the
submit p99 is under 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import server_env, wait_ready


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1) if ordered else 0.0


def summary(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "max_ms": round(max(values), 1) if values else 0.0,
    }


def _pg(url: str) -> tuple[str, list[str]]:
    parts = urlsplit(url)
    common = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return parts.path.lstrip("/"), common


def fresh_database(url: str) -> None:
    drop_database(url)
    name, common = _pg(url)
    subprocess.run(["createdb", *common, name], check=True)


def drop_database(url: str) -> None:
    name, common = _pg(url)
    subprocess.run(["dropdb", "--if-exists", *common, name], check=True)


def create_if_missing(url: str) -> None:
    name, common = _pg(url)
    subprocess.run(["createdb", *common, name], check=False, stderr=subprocess.DEVNULL)


PROFILE_PREFIX = "p"


def seed(members: int, questions: int, seconds: int, extra: int) -> tuple[int, list[str], list[str]]:
    """The exam's id, one API token per member, and one per extra (profiled) member."""
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from qinglian.accounts.models import ApiToken
    from qinglian.core import crypto
    from qinglian.orgs.models import Member
    from qinglian.orgs.services import org_create
    from qinglian.study.models import Category, Question, QuestionVersion
    from qinglian.study.services.exams import exam_create, exam_publish, slot_add
    from qinglian.study.vocab import QuestionType

    root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="ROOT")
    branches = [org_create(name=f"第{n}党支部", kind="branch", parent=root, actor=None) for n in range(1, 11)]
    user_model = get_user_model()
    names = [f"m{n:05d}" for n in range(members)] + [f"{PROFILE_PREFIX}{n:05d}" for n in range(extra)]
    users = [user_model(username=name) for name in names]
    for user in users:
        user.set_unusable_password()
    users = user_model.objects.bulk_create(users, batch_size=1000)
    Member.objects.bulk_create(
        [
            Member(organisation=branches[n % len(branches)], name=f"党员{n:05d}", gender="M", user=user)
            for n, user in enumerate(users)
        ],
        batch_size=1000,
    )
    # Tokens made as token_create makes them (same format and digest), in bulk: seeding is not what is measured.
    texts, rows = [], []
    for user in users:
        prefix = secrets.token_hex(5)
        text = f"ql_{prefix}_{crypto.token(32)}"
        texts.append(text)
        rows.append(
            ApiToken(
                user=user,
                name="bench",
                prefix=prefix,
                digest=crypto.digest(text),
                expires_at=timezone.now() + timedelta(days=30),
            )
        )
    ApiToken.objects.bulk_create(rows, batch_size=1000)
    category = Category.objects.create(name="党章", full_name="党章")
    types = [QuestionType.SINGLE] * 30 + [QuestionType.MULTIPLE] * 10
    types += [QuestionType.JUDGE] * 5 + [QuestionType.FILL] * 5
    now = timezone.now()
    exam = exam_create(
        org=root,
        actor=None,
        units=[root],
        title="压力测试考试",
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(hours=6),
        time_limit_minutes=240,
        attempts_allowed=1,
    )
    for n in range(questions):
        qtype = types[n % len(types)]
        options, answer = [], []
        if qtype == QuestionType.SINGLE:
            options, answer = ["甲", "乙", "丙", "丁"], ["B"]
        elif qtype == QuestionType.MULTIPLE:
            options, answer = ["甲", "乙", "丙", "丁"], ["A", "C"]
        elif qtype == QuestionType.JUDGE:
            answer = [True]
        else:
            answer = [["党章"], ["党规"]]
        question = Question.objects.create(organisation=root, category=category)
        version = QuestionVersion.objects.create(
            question=question, qtype=qtype, stem=f"第{n + 1}题", options=options, answer=answer, score=Decimal("2")
        )
        question.current = version
        question.save(update_fields=["current"])
        slot_add(exam=exam, question=question, actor=None)
    exam = exam_publish(exam=exam, version=exam.version, actor=None)
    return exam.pk, texts[:members], texts[members:]


def start_all(exam_id: int) -> dict[int, int]:
    """Every member starts an attempt (through the service, as the attempt page would): member id -> attempt id."""
    from qinglian.orgs.models import Member
    from qinglian.study.models import Exam
    from qinglian.study.services.take import attempt_start

    exam = Exam.objects.get(pk=exam_id)
    return {
        member.pk: attempt_start(exam=exam, member=member).pk
        for member in Member.objects.select_related("organisation", "user").order_by("pk")
    }


def papers(exam_id: int, rng: random.Random) -> dict[str, tuple[int, list[dict]]]:
    """username -> (attempt id, the answers as the member would send them)."""
    from qinglian.study.models import AttemptItem

    out: dict[str, tuple[int, list[dict]]] = {}
    rows = (
        AttemptItem.objects.filter(attempt__exam_id=exam_id)
        .order_by("attempt_id", "position")
        .values_list("attempt_id", "attempt__member__user__username", "id", "question_version__qtype", "option_order")
    )
    for attempt_id, username, item_id, qtype, order in rows.iterator(chunk_size=5000):
        item = {"qtype": qtype, "options": order}
        out.setdefault(username, (attempt_id, []))[1].append({"item_id": item_id, "response": answer_for(item, rng)})
    return out


def profile(tokens: list[str], paper_of: dict, verbose: bool) -> dict:
    """Server time and queries of one hand-in through the full middleware, in-process, old path against new."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from qinglian.accounts.services import token_authenticate

    client = Client()
    old = {
        "save_ms": [],
        "save_queries": [],
        "save_db_ms": [],
        "submit_ms": [],
        "submit_queries": [],
        "submit_db_ms": [],
    }
    new = {"finish_ms": [], "finish_queries": [], "finish_db_ms": []}
    last_sql: list[str] = []
    half = len(tokens) // 2
    profiler = cProfile.Profile()
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        for n, token in enumerate(tokens):
            attempt_id, answers = paper_of[token_authenticate(token).username]
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            if n < half:
                steps = [
                    ("save", "put", f"/api/v1/study/my/attempts/{attempt_id}/answers", {"answers": answers}),
                    ("submit", "post", f"/api/v1/study/my/attempts/{attempt_id}/submit", None),
                ]
                target = old
            else:
                steps = [("finish", "post", f"/api/v1/study/my/attempts/{attempt_id}/finish", {"answers": answers})]
                target = new
            for name, method, url, body in steps:
                with CaptureQueriesContext(connection) as queries:
                    t0 = time.perf_counter()
                    if name == "finish" and n >= half + 2:
                        profiler.enable()
                    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
                    response = getattr(client, method)(url, **kwargs, **headers)
                    profiler.disable()
                    elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"profile: {name} answered {response.status_code}: {response.content[:300]!r}")
                target[f"{name}_ms"].append(elapsed)
                target[f"{name}_queries"].append(len(queries))
                target[f"{name}_db_ms"].append(sum(float(q["time"]) for q in queries) * 1000)
                last_sql = [q["sql"][:140] for q in queries]
    if verbose:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(30)
        print(text.getvalue(), "\n".join(last_sql), sep="\n", file=sys.stderr)
    out = {"database": connection.vendor}
    for label, data in (("old_save_then_submit", old), ("new_finish", new)):
        out[label] = {
            key.replace("_ms", "_p50_ms"): round(percentile(values, 50), 1) if key.endswith("_ms") else max(values)
            for key, values in data.items()
            if values
        }
    return out


async def hand_in(session, base, token, attempt_id, answers, delay, out) -> None:
    await asyncio.sleep(delay)
    headers = {"Authorization": f"Bearer {token}"}
    out["in_flight"] += 1
    out["peak"] = max(out["peak"], out["in_flight"])
    t0 = time.perf_counter()
    try:
        async with session.post(
            f"{base}/api/v1/study/my/attempts/{attempt_id}/finish", json={"answers": answers}, headers=headers
        ) as r:
            body = await r.read()
            status = r.status
        out["ms"].append((time.perf_counter() - t0) * 1000)
        out["done_at"].append(time.perf_counter())
        out["status"][status] = out["status"].get(status, 0) + 1
        if status != 200 or json.loads(body).get("status") != "finished":
            out["errors"].append((status, body[:200].decode("utf-8", "replace")))
    except Exception as exc:  # a dropped connection is a failure to count, not a crash of the bench
        out["errors"].append((0, repr(exc)[:200]))
        out["status"][0] = out["status"].get(0, 0) + 1
    finally:
        out["in_flight"] -= 1


async def hammer(session, base: str, clients: int, seconds: float) -> dict:
    """`clients` concurrent clients requesting the minimal page back to back for `seconds`."""
    times: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def one():
        nonlocal errors
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                async with session.get(f"{base}/api/v1/health") as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
            except Exception:
                errors += 1
            times.append((time.perf_counter() - t0) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    return {"clients": clients, "requests_per_s": round(len(times) / elapsed, 1), "errors": errors, **summary(times)}


async def drive(base, plan, seconds, arrivals, rng) -> dict:
    import aiohttp

    if arrivals == "poisson":
        at = sorted(rng.uniform(0, seconds) for _ in plan)
    else:
        at = [n * seconds / len(plan) for n in range(len(plan))]
    out = {"ms": [], "done_at": [], "status": {}, "errors": [], "in_flight": 0, "peak": 0}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=180)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for _ in range(20):  # warm both workers (their database connections, imports, caches)
            async with session.get(f"{base}/api/v1/health") as r:
                await r.read()
        began = time.perf_counter()
        await asyncio.gather(
            *(
                hand_in(session, base, token, attempt_id, answers, delay, out)
                for delay, (token, attempt_id, answers) in zip(at, plan, strict=True)
            )
        )
        finished = time.perf_counter()
        base_line = await hammer(session, base, max(out["peak"], 4), 5.0)
    out["elapsed_s"] = finished - began
    out["last_done_s"] = (max(out["done_at"]) - began) if out["done_at"] else None
    out["baseline"] = base_line
    return out


def count_rows(exam_id: int, questions: int) -> dict:
    from django.db.models import Count, Q

    from qinglian.study.models import Attempt, AttemptItem
    from qinglian.study.vocab import AttemptStatus

    attempts = Attempt.objects.filter(exam_id=exam_id)
    items = AttemptItem.objects.filter(attempt__exam_id=exam_id)
    return {
        "attempts": attempts.count(),
        "attempts_finished": attempts.filter(status=AttemptStatus.FINISHED).count(),
        "attempts_in_progress": attempts.filter(status=AttemptStatus.IN_PROGRESS).count(),
        "members_with_two_attempts": attempts.values("member").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "items": items.count(),
        "items_with_answer_and_score": items.filter(response__isnull=False, score__isnull=False).count(),
        "attempts_without_every_question": attempts.annotate(n=Count("items")).exclude(n=questions).count(),
        "duplicate_items": items.values("attempt", "question_version").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "attempts_score_mismatch": attempts.annotate(total=Count("items", filter=Q(items__score__isnull=False)))
        .exclude(total=questions)
        .count(),
    }


def answer_for(item: dict, rng: random.Random):
    """A plausible answer: right about two times in three."""
    qtype, n = item["qtype"], len(item["options"])
    letters = "ABCDEFGH"[:n]
    if qtype == "single":
        return [rng.choice(letters)]
    if qtype == "multiple":
        return sorted(rng.sample(letters, rng.randint(1, n)))
    if qtype == "judge":
        return [rng.random() < 0.67]
    if qtype == "fill":
        return ["党章", rng.choice(["党规", "纪律"])]
    return "我的回答"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--arrivals", choices=["poisson", "uniform"], default="poisson")
    ap.add_argument("--profile", type=int, default=10, help="members handing in in-process by each path (0: none)")
    ap.add_argument("--keep", action="store_true", help="reuse the database if it exists, and keep it afterwards")
    ap.add_argument("--bind", default="127.0.0.1:8931")
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/exam_bench")
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-exam-bench"))
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the hand-in's cProfile to stderr")
    args = ap.parse_args()

    os.environ["QINGLIAN_DATA_DIR"] = args.data_dir
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("QINGLIAN_2FA_REQUIRED", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    if not args.keep:
        fresh_database(args.database_url)
    else:
        create_if_missing(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from qinglian.study.models import Exam

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    if args.keep and Exam.objects.filter(title="压力测试考试").exists():
        raise SystemExit("--keep: this database has already had its rush; drop it or run without --keep")
    extra = 2 * args.profile
    exam_id, tokens, profile_tokens = seed(args.members, args.questions, int(args.seconds), extra)
    seeded_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    start_all(exam_id)
    started_s = time.perf_counter() - t0
    rng = random.Random(7)
    paper_of = papers(exam_id, rng)
    in_process = profile(profile_tokens, paper_of, args.verbose) if profile_tokens else None
    plan = [(token, *paper_of[f"m{n:05d}"]) for n, token in enumerate(tokens)]
    connection.close()

    env = server_env(args.data_dir)
    # Its own process group: `qinglian serve` runs gunicorn as a child, and both must stop with the bench.
    server = subprocess.Popen(
        [sys.executable, "-m", "qinglian.cli", "serve", "--workers", str(args.workers), "--bind", args.bind],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://{args.bind}"
    load_before = list(os.getloadavg())
    try:
        wait_ready(base, seconds=120)
        run = asyncio.run(drive(base, plan, args.seconds, args.arrivals, random.Random(11)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    rows = count_rows(exam_id, args.questions)
    expected = args.members + extra
    submit = summary(run["ms"])
    achieved = round(len(run["ms"]) / run["elapsed_s"], 1)
    result = {
        "database": connection.vendor,
        "workers": args.workers,
        "members": args.members,
        "questions": args.questions,
        "arrivals": args.arrivals,
        "arrivals_over_s": args.seconds,
        "seed_s": round(seeded_s, 1),
        "start_all_s": round(started_s, 1),
        "in_process": in_process,
        "elapsed_s": round(run["elapsed_s"], 1),
        "last_submit_done_at_s": round(run["last_done_s"], 1) if run["last_done_s"] else None,
        "submit": submit,
        "submits_per_s": achieved,
        "peak_in_flight": run["peak"],
        "status_codes": {str(k): v for k, v in sorted(run["status"].items())},
        "errors": len(run["errors"]),
        "error_samples": run["errors"][:5],
        "baseline_health": run["baseline"],
        "submit_throughput_fraction_of_baseline": round(achieved / run["baseline"]["requests_per_s"], 3)
        if run["baseline"]["requests_per_s"]
        else None,
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "rows": rows,
        "expected": {"attempts": expected, "items": expected * args.questions},
    }
    result["ok"] = (
        not run["errors"]
        and rows["attempts"] == rows["attempts_finished"] == expected
        and rows["attempts_in_progress"] == 0
        and rows["items"] == rows["items_with_answer_and_score"] == expected * args.questions
        and rows["duplicate_items"] == 0
        and rows["members_with_two_attempts"] == 0
        and rows["attempts_without_every_question"] == 0
        and submit["p99_ms"] < 500
    )
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    if not args.keep:
        connection.close()
        drop_database(args.database_url)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
