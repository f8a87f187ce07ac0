"""Question-bank import speed: a 10,000-question Excel bank, end to end, against reading the same file.

    python -m bench.bank_import [--questions 10000] [--repeat 3] [--data-dir DIR] [--out FILE]
    python -m bench.bank_import --database postgres          # postgres://postgres@127.0.0.1:5432/bank_bench
    DATABASE_URL=postgres://... python -m bench.bank_import

Generates a valid .xlsx in the bank's template (mixed types: single, multiple, true/false, fill-in, short answer;
categories, tags, external codes) once per size, then measures in the same run, median of --repeat:

- baseline: read the file with python-calamine (`reports.xlsx.read_rows`, every cell);
- ours: `bank_import_upload` (read, every row checked, the preview kept) + `bank_import_confirm` +
  `bank_import_run` (one transaction), as the upload page and the task run them.

Prints JSON with seconds, the ratio ours / baseline, and whether the end-to-end time is under the goal (30 s).
The bench's questions are removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.rounds import import_rounds

GOAL_S = 30.0
BENCH_CODE = "BENCH-BANK"
PG_URL = "postgres://postgres@127.0.0.1:5432/bank_bench"


def _bank_file(path: Path, count: int) -> None:
    from qinglian.reports.xlsx import write_workbook
    from qinglian.study.imports.xlsx import COLUMNS, export_sheet

    rng = random.Random(20240701)
    words = "党章党规纪律组织廉洁群众工作生活政治监督问责教育管理条例规定制度建设学习先锋模范作用"
    categories = [
        "党章党规/党章",
        "党章党规/纪律处分条例",
        "党章党规/支部工作条例",
        "系列讲话/治国理政",
        "警示教育/案例",
    ]
    topics = ["学党章党规", "学系列讲话", "党性教育", "警示教育", ""]

    def text(n):
        return "".join(rng.choice(words) for _ in range(n))

    def rows():
        for i in range(count):
            kind = i % 10
            options = [text(rng.randrange(4, 12)) for _ in range(4)] + ["", "", "", ""]
            if kind < 4:
                qtype, answer = "单选", rng.choice("ABCD")
            elif kind < 7:
                qtype, answer = "多选", "".join(sorted(rng.sample("ABCD", rng.randrange(2, 5))))
            elif kind < 9:
                qtype, answer, options = "判断", rng.choice(["对", "错", "√", "×"]), [""] * 8
            elif i % 20 == 9:
                qtype, answer, options = "填空", f"{text(2)}|{text(3)}/{text(3)}", [""] * 8
            else:
                qtype, answer, options = "简答", text(30), [""] * 8
            yield [
                qtype, f"第{i}题：{text(rng.randrange(20, 60))}（  ）。", *options, answer, text(20),
                rng.choice([1, 2, 5]), rng.choice(["易", "中", "难", 2, 4]), rng.choice(categories),
                rng.choice(topics), "两学一做，2024", f"《中国共产党章程》第{i % 50 + 1}条", "", "", "发布",
                f"{BENCH_CODE}-{i:06d}",
            ]  # fmt: skip

    sheet = export_sheet(rows())
    assert len(sheet.headers) == len(COLUMNS)
    with open(path, "wb") as out:
        write_workbook(out, [sheet])


def _baseline(data: bytes) -> float:
    from qinglian.reports.xlsx import read_rows

    started = time.perf_counter()
    _headers, rows = read_rows(data, max_rows=1_000_000)
    for _row in rows:
        pass
    return time.perf_counter() - started


def _setup():
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Organisation, Role
    from qinglian.orgs.services import org_create, role_assign

    root = Organisation.objects.filter(code=BENCH_CODE).first()
    if root is None:
        root = org_create(name="题库测速党委", kind="committee", parent=None, actor=None, code=BENCH_CODE)
    user, created = get_user_model().objects.get_or_create(username="bench_bank")
    if created:
        role_assign(
            user=user, role=Role.objects.get(code="committee_office"), organisation=root, include_subtree=True,
            actor=None,
        )  # fmt: skip
    return root, user


def _clear(root) -> None:
    from qinglian.study.models import Question

    questions = Question.objects.filter(organisation=root)
    Question.objects.filter(pk__in=questions.values("pk")).update(current=None)
    questions.delete()


def _ours(data: bytes, root, user) -> tuple[float, float, int]:
    from qinglian.study.services.bank import bank_import_confirm, bank_import_run, bank_import_upload

    started = time.perf_counter()
    job = bank_import_upload(organisation=root, actor=user, name="bank.xlsx", data=data)
    checked = time.perf_counter()
    if job.params["state"] != "ready":
        raise SystemExit(f"the generated bank did not pass the check: {job.params['errors'][:3]}")
    job = bank_import_confirm(job=job, actor=user)
    job = bank_import_run(job=job, actor=user)
    done = time.perf_counter()
    return checked - started, done - checked, job.params["created"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="",
                    help=f"postgres: {PG_URL} (created if missing); default: DATABASE_URL, else SQLite")  # fmt: skip
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-bench-bank"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    os.environ.setdefault("QINGLIAN_DATA_DIR", args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    if args.database == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get("DATABASE_URL") or PG_URL
        _create_database(os.environ["DATABASE_URL"])
    elif args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"bank-{args.questions}.xlsx"
    generated = None
    if not path.exists():
        started = time.perf_counter()
        _bank_file(path, args.questions)
        generated = round(time.perf_counter() - started, 1)
    data = path.read_bytes()

    root, user = _setup()
    baseline, check, save = import_rounds(
        repeat=args.repeat,
        clear=lambda: _clear(root),
        baseline=lambda: _baseline(data),
        ours=lambda: _ours(data, root, user),
        expected=args.questions,
        noun="questions",
    )
    ours = [c + s for c, s in zip(check, save, strict=True)]
    result = {
        "benchmark": "bank_import",
        "database": connection.vendor,
        "questions": args.questions,
        "file_mb": round(path.stat().st_size / 1024 / 1024, 2),
        "repeat": args.repeat,
        "generated_file_s": generated,
        "baseline_calamine_read_s": round(statistics.median(baseline), 2),
        "check_and_preview_s": round(statistics.median(check), 2),
        "save_s": round(statistics.median(save), 2),
        "ours_s": round(statistics.median(ours), 2),
        "ratio": round(statistics.median(ours) / statistics.median(baseline), 1),
        "goal_s": GOAL_S,
    }
    result["meets_goal"] = result["ours_s"] < GOAL_S
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


def _create_database(url: str) -> None:
    """Create the bench's PostgreSQL database when it is missing (connecting to the server's `postgres`)."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
