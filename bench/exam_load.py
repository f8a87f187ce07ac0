"""Exam load: 2,000 members each starting, answering and submitting a 50-question exam within a minute.

    python -m bench.exam_load [--members 2000] [--questions 50] [--seconds 60] [--workers 2]
        [--database-url postgres://postgres@127.0.0.1:5432/exam_bench] [--data-dir DIR] [--out FILE]

Makes the database afresh (dropdb/createdb), migrates, seeds the members (each with a login and an API token) and a
published fixed-paper exam, starts `qinglian serve --workers N` (gunicorn, DEBUG off) on 127.0.0.1, and drives it
with aiohttp (`pip install qinglian[bench]`): member i arrives at i × seconds / members, starts an attempt, saves
all answers in one request to the batch endpoint, and submits. Afterwards it counts the rows in the database:
every attempt finished, every answer stored, none twice. Prints JSON with p50/p95/p99 latencies of each step,
the throughput, and their ratio to a minimal page (/api/v1/health) served by the same server in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit


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


def fresh_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    common = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    subprocess.run(["dropdb", "--if-exists", *common, name], check=True)
    subprocess.run(["createdb", *common, name], check=True)


def seed(members: int, questions: int, seconds: int) -> tuple[int, list[str]]:
    """The exam's id and one API token per member."""
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from qinglian.accounts.services import token_create
    from qinglian.orgs.models import Member
    from qinglian.orgs.services import org_create
    from qinglian.study.models import Category, Question, QuestionVersion
    from qinglian.study.services.exams import exam_create, exam_publish, slot_add
    from qinglian.study.vocab import QuestionType

    root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="ROOT")
    branches = [org_create(name=f"第{n}党支部", kind="branch", parent=root, actor=None) for n in range(1, 11)]
    user_model = get_user_model()
    users = [user_model(username=f"m{n:05d}") for n in range(members)]
    for user in users:
        user.set_unusable_password()
    users = user_model.objects.bulk_create(users)
    Member.objects.bulk_create(
        [
            Member(organisation=branches[n % len(branches)], name=f"党员{n:05d}", gender="M", user=user)
            for n, user in enumerate(users)
        ]
    )
    tokens = [token_create(user=user, name="bench", days=30)[1] for user in users]
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
        closes_at=now + timedelta(seconds=seconds * 10 + 3600),
        time_limit_minutes=30,
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
    return exam.pk, tokens


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


async def member_flow(session, base: str, exam_id: int, token: str, delay: float, rng, out: dict) -> None:
    await asyncio.sleep(delay)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        t0 = time.perf_counter()
        async with session.post(f"{base}/api/v1/study/my/exams/{exam_id}/attempts", headers=headers) as r:
            body = await r.json()
            status = r.status
        out["start"].append((time.perf_counter() - t0) * 1000)
        if status != 201:
            out["errors"].append(("start", status, str(body)[:200]))
            return
        attempt = body["id"]
        answers = [{"item_id": item["id"], "response": answer_for(item, rng)} for item in body["items"]]
        t0 = time.perf_counter()
        async with session.put(
            f"{base}/api/v1/study/my/attempts/{attempt}/answers", json={"answers": answers}, headers=headers
        ) as r:
            saved = await r.json()
            status = r.status
        out["save"].append((time.perf_counter() - t0) * 1000)
        if status != 200 or saved.get("saved") != len(answers):
            out["errors"].append(("save", status, str(saved)[:200]))
            return
        t0 = time.perf_counter()
        async with session.post(f"{base}/api/v1/study/my/attempts/{attempt}/submit", headers=headers) as r:
            result = await r.json()
            status = r.status
        out["submit"].append((time.perf_counter() - t0) * 1000)
        out["submit_done_at"].append(time.perf_counter())
        if status != 200 or result.get("status") != "finished":
            out["errors"].append(("submit", status, str(result)[:200]))
    except Exception as exc:  # a dropped connection is a failure to count, not a crash of the bench
        out["errors"].append(("exception", 0, repr(exc)[:200]))


async def baseline(session, base: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        async with session.get(f"{base}/api/v1/health") as r:
            await r.read()
        times.append((time.perf_counter() - t0) * 1000)
    return times


async def drive(base: str, exam_id: int, tokens: list[str], seconds: float) -> dict:
    import aiohttp

    out = {"start": [], "save": [], "submit": [], "submit_done_at": [], "errors": []}
    rng = random.Random(7)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await baseline(session, base, 20)  # warm both workers
        rest = await baseline(session, base, 200)
        began = time.perf_counter()
        spacing = seconds / len(tokens)
        await asyncio.gather(
            *(
                member_flow(session, base, exam_id, token, n * spacing, random.Random(rng.random()), out)
                for n, token in enumerate(tokens)
            )
        )
        finished = time.perf_counter()
        try:
            after = await baseline(session, base, 200)
        except (TimeoutError, aiohttp.ClientError):
            after = []
    out["baseline_idle"] = rest
    out["baseline_after"] = after
    out["elapsed_s"] = finished - began
    out["last_submit_s"] = (max(out["submit_done_at"]) - began) if out["submit_done_at"] else None
    return out


def count_rows(exam_id: int, questions: int) -> dict:
    from django.db.models import Count

    from qinglian.study.models import Attempt, AttemptItem
    from qinglian.study.vocab import AttemptStatus

    attempts = Attempt.objects.filter(exam_id=exam_id)
    items = AttemptItem.objects.filter(attempt__exam_id=exam_id)
    return {
        "attempts": attempts.count(),
        "attempts_finished": attempts.filter(status=AttemptStatus.FINISHED).count(),
        "members_with_two_attempts": attempts.values("member").annotate(n=Count("pk")).filter(n__gt=1).count(),
        "items": items.count(),
        "items_with_answer": items.filter(response__isnull=False).count(),
        "items_marked": items.filter(score__isnull=False).count(),
        "attempts_without_every_question": attempts.annotate(n=Count("items")).exclude(n=questions).count(),
        "duplicate_items": items.values("attempt", "question_version").annotate(n=Count("pk")).filter(n__gt=1).count(),
    }


def wait_ready(base: str, seconds: int = 120) -> None:
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not come up")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--bind", default="127.0.0.1:8931")
    ap.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/exam_bench")
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-exam-bench"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    os.environ["QINGLIAN_DATA_DIR"] = args.data_dir
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("QINGLIAN_2FA_REQUIRED", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    exam_id, tokens = seed(args.members, args.questions, int(args.seconds))
    seeded_s = time.perf_counter() - t0
    connection.close()

    data = Path(args.data_dir)
    env = dict(
        os.environ,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY=settings.SECRET_KEY,
        QINGLIAN_AUDIT_KEY=(data / "audit_key").read_text().strip(),
        QINGLIAN_DATA_KEY=(data / "data_key").read_text().strip(),
    )
    # Its own process group: `qinglian serve` runs gunicorn as a child, and both must stop with the bench.
    server = subprocess.Popen(
        [sys.executable, "-m", "qinglian.cli", "serve", "--workers", str(args.workers), "--bind", args.bind],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://{args.bind}"
    try:
        wait_ready(base)
        run = asyncio.run(drive(base, exam_id, tokens, args.seconds))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    rows = count_rows(exam_id, args.questions)
    base_p50 = statistics.median(run["baseline_idle"])
    submit = summary(run["submit"])
    result = {
        "database": connection.vendor,
        "workers": args.workers,
        "members": args.members,
        "questions": args.questions,
        "arrivals_over_s": args.seconds,
        "seed_s": round(seeded_s, 1),
        "elapsed_s": round(run["elapsed_s"], 1),
        "last_submit_at_s": round(run["last_submit_s"], 1) if run["last_submit_s"] else None,
        "submits_per_s": round(len(run["submit"]) / run["elapsed_s"], 1),
        "requests_per_s": round((len(run["start"]) + len(run["save"]) + len(run["submit"])) / run["elapsed_s"], 1),
        "start": summary(run["start"]),
        "save": summary(run["save"]),
        "submit": submit,
        "baseline_health_idle": summary(run["baseline_idle"]),
        "baseline_health_after": summary(run["baseline_after"]),
        "load_average_1_5_15": list(os.getloadavg()),
        "submit_p50_ratio_to_baseline": round(submit["p50_ms"] / base_p50, 1) if base_p50 else None,
        "submit_p99_ratio_to_baseline": round(submit["p99_ms"] / base_p50, 1) if base_p50 else None,
        "errors": len(run["errors"]),
        "error_samples": run["errors"][:5],
        "rows": rows,
        "ok": (
            not run["errors"]
            and rows["attempts_finished"] == args.members
            and rows["items_with_answer"] == args.members * args.questions
            and rows["duplicate_items"] == 0
            and rows["members_with_two_attempts"] == 0
            and submit["p99_ms"] < 500
        ),
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
