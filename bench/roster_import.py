"""Roster import speed: our check and save against reading the file and bulk-writing its rows.

    python -m bench.roster_import [--rows 100000] [--repeat 3] [--data-dir DIR] [--out FILE]
    DATABASE_URL=postgres://... python -m bench.roster_import

Generates a valid roster .xlsx of --rows members (valid identity numbers, a few hundred branches)
once per size, then measures in the same run, median of --repeat:

- baseline: read the file with python-calamine and write its rows with the database's fastest
  bulk path (SQLite executemany, PostgreSQL COPY) into a scratch table of the same width;
- ours: `roster_check` (every row validated, organisations resolved, duplicates looked for in the
  file and on the register) plus `roster_import` (pinyin, encryption, one transaction), as the
  two tasks run them.

Prints JSON with seconds and the ratio ours / baseline; the goal is at most 3×. The bench's own
organisations and members are removed afterwards.
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
from datetime import date, timedelta
from pathlib import Path

from bench.rounds import import_rounds

GOAL = 3.0
BRANCHES = 300
BENCH_CODE = "BENCH-IMPORT"


def _roster_file(path: Path, rows: int) -> None:
    from qinglian.core.lib import idcard
    from qinglian.orgs.services.imports import ROSTER_COLUMNS
    from qinglian.orgs.vocab import ETHNICITIES, Education
    from qinglian.reports.xlsx import Sheet, write_workbook

    rng = random.Random(20240301)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国文斌宇浩凯鑫婷雪琳晨阳"
    ethnic = [zh for zh, _en in ETHNICITIES[:12]]
    education = list(Education.values)
    used: set[str] = set()

    def rows_():
        for i in range(rows):
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
            while True:
                number = idcard.make(f"{rng.randrange(110101, 659001):06d}", born, rng.randrange(0, 1000))
                if number not in used:
                    used.add(number)
                    break
            joined = born + timedelta(days=365 * 19 + rng.randrange(0, 365 * 10))
            probationary = joined > date.today() - timedelta(days=365) or i % 40 == 0
            if joined > date.today():
                joined = date.today() - timedelta(days=30)
            full = None if probationary else joined + timedelta(days=366)
            if full and full > date.today():
                full, probationary = None, True
            name = rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if i % 2 else "")
            yield [
                name, "男" if int(number[16]) % 2 else "女", rng.choice(ethnic), born, number, "北京市",
                rng.choice(education), f"138{rng.randrange(0, 10**8):08d}", f"{BENCH_CODE}-{i % BRANCHES:04d}",
                "科员", "一级科员", "预备" if probationary else "正式", joined, full, "正常", "否", "否", "否", "",
            ]  # fmt: skip

    with open(path, "wb") as out:
        write_workbook(out, [Sheet("roster", [str(c.header) for c in ROSTER_COLUMNS], rows_())])


def _baseline(path: Path) -> float:
    """Read with python-calamine, write every row with executemany / COPY into a scratch table."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    table = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    width = len(table[0])
    columns = ", ".join(f"c{i} text" for i in range(width))
    names = ", ".join(f"c{i}" for i in range(width))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_roster_scratch")
        cursor.execute(f"CREATE TABLE bench_roster_scratch ({columns})")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_roster_scratch ({names}) FROM STDIN") as copy:
                for row in table[1:]:
                    copy.write_row([None if v == "" else str(v) for v in row])
        else:
            marks = ", ".join(["%s"] * width)
            cursor.executemany(
                f"INSERT INTO bench_roster_scratch ({names}) VALUES ({marks})",
                [[None if v == "" else str(v) for v in row] for row in table[1:]],
            )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_roster_scratch")
    return elapsed


def _setup():
    from django.contrib.auth import get_user_model

    from qinglian.orgs.models import Organisation, Role
    from qinglian.orgs.services import org_create, role_assign

    root = Organisation.objects.filter(code=BENCH_CODE).first()
    if root is None:
        root = org_create(name="导入测速党委", kind="committee", parent=None, actor=None, code=BENCH_CODE)
        for i in range(BRANCHES):
            org_create(name=f"导入测速第{i}支部", kind="branch", parent=root, actor=None, code=f"{BENCH_CODE}-{i:04d}")
    user, created = get_user_model().objects.get_or_create(username="bench_importer")
    if created:
        role_assign(
            user=user, role=Role.objects.get(code="org_commissioner"), organisation=root, include_subtree=True,
            actor=None,
        )  # fmt: skip
    return root, user


def _clear(root) -> None:
    from qinglian.orgs.models import Member, RosterImport

    Member.objects.in_subtree(root).delete()
    RosterImport.objects.filter(organisation=root).delete()


def _ours(path: Path, root, user) -> tuple[float, float, int]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qinglian.orgs.services.imports import roster_check, roster_confirm, roster_import, roster_upload

    file = SimpleUploadedFile("roster.xlsx", path.read_bytes())
    started = time.perf_counter()
    upload = roster_upload(owner=user, organisation=root, mode="create", file=file)
    roster_check(upload=upload)
    checked = time.perf_counter()
    if upload.status != "ready":
        raise SystemExit(f"the generated roster did not pass the check: {upload.errors[:3]}")
    upload = roster_confirm(upload=upload, actor=user)
    roster_import(upload=upload, actor=user)
    done = time.perf_counter()
    return checked - started, done - checked, upload.created_count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-bench-import"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    os.environ.setdefault("QINGLIAN_DATA_DIR", args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    os.environ.setdefault("UPLOAD_MAX_MB", "200")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"roster-{args.rows}.xlsx"
    generated = None
    if not path.exists():
        started = time.perf_counter()
        _roster_file(path, args.rows)
        generated = round(time.perf_counter() - started, 1)

    root, user = _setup()
    baseline, check, save = import_rounds(
        repeat=args.repeat,
        clear=lambda: _clear(root),
        baseline=lambda: _baseline(path),
        ours=lambda: _ours(path, root, user),
        expected=args.rows,
        noun="members",
    )
    ours = [c + s for c, s in zip(check, save, strict=True)]
    result = {
        "benchmark": "roster_import",
        "database": connection.vendor,
        "rows": args.rows,
        "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
        "repeat": args.repeat,
        "generated_file_s": generated,
        "baseline_s": round(statistics.median(baseline), 2),
        "check_s": round(statistics.median(check), 2),
        "import_s": round(statistics.median(save), 2),
        "ours_s": round(statistics.median(ours), 2),
        "ratio": round(statistics.median(ours) / statistics.median(baseline), 2),
        "goal_ratio": GOAL,
    }
    result["meets_goal"] = result["ratio"] <= GOAL
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
