"""Evaluation inputs speed: one period's study-hours indicators for every unit on PostgreSQL, against DuckDB
doing the same aggregation over the same rows exported to Parquet, in the same run.

    python -m bench.evaluation_inputs [--rows 20000000] [--units 300000] [--year 2025] [--repeat 3]
        [--on DAY] [--loop-sample 8] [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--keep] [--out FILE]

Creates a database of its own (qinglian_bench_eval; dropped at the end unless --keep) and loads with COPY a
seeded synthetic copy of what the registered indicators `study.hours_per_member` and
`study.hours_norm_met_rate` read (src/qinglian/study/services/hours.py): a tree of --units units with
materialised paths (four characters a level, as orgs.models.tree), members on the leaf branches (--rows / 20,
3 % off the register, 4 % holding a committee post), and --rows study records of the year (member, their unit,
source, day, year, hours as numeric(5,1)) with the real table's indexes.

What the indicators compute, per unit: the members on the register of the unit's subtree, each with their
counted hours in the year earned by the day `on` (--on, default the year's end: session and external hours,
plus self-study up to the rule's cap of 12) and their norm (56 with a current committee post, else 32); then the
member count, the hours' sum (→ hours per member) and how many met their norm (→ the rate). The services do
that with one query per unit (a loop over `orgs` calling `_subtree_summary`), so 300,000 units mean 300,000
queries. What is timed here is the set-based query
that the evaluation's bulk path should use instead, named "bulk_subtree_summary": hours per member in one
pass (summed as whole tenths of an hour, exact for numeric(5, 1) and faster than numeric sums), members per
unit, then rolled up to every unit's ancestors by path prefix -- the same SQL text on both engines, read into
Python as {unit id: (members, hours, met)}. DuckDB reads the Parquet files (exported from
PostgreSQL with COPY TO, converted by DuckDB) on the same two cores.

Also times the per-unit query as the services run it on a sample of units of each depth (--loop-sample per
depth) and extrapolates it to the whole tree; those units' answers must equal the bulk query's. Checks that
PostgreSQL and DuckDB agree on every unit's members and met count and on its hours (1e-6 relative), and prints
JSON with seconds (best of --repeat) of PostgreSQL as the server is set up, with work_mem 256MB, and with a
covering index on the records (see COVERING), each as a ratio to DuckDB, and whether the best is within the
budget (3×).

Then times the project's own path, "project_indicator": the SQL that `study.services.hours.subtree_rows` builds
(Django compiles it for PostgreSQL; views named as the project's tables show it the bench's tables) for the
rules at the root, read with the same psycopg connection, rolled up to every unit by `hours.roll_up` -- what
`hours_per_member` and `hours_norm_met_rate` run for all the units, less the two or three rule look-ups (the
bench has no rule table). Its answers must equal DuckDB's; it is reported beside the variants, not as one of
them (--no-project skips it).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

BUDGET = 3.0
DATABASE = "qinglian_bench_eval"
ON_REGISTER = ("正常", "保留党籍", "停止党籍", "恢复党籍")
SOURCES = ("session", "self", "external")
SELF_CAP = 12  # study.hour_conversion self_study_cap
NORM_MEMBER, NORM_COMMITTEE = 32, 56  # study.hours_norm
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The bulk query on PostgreSQL as the server is configured, and with the memory a reporting query may ask for in
# its own transaction (SET LOCAL), so that its hash aggregates over a million members do not spill to disk.
VARIANTS = {
    "server_settings": (),
    "work_mem_256mb": ("SET work_mem = '256MB'",),
}
# An index that covers what the query reads of each record, in member order: an index-only scan feeding a sorted
# aggregate instead of a hash table over a million members. Built after the variants above, then timed as a third.
COVERING = (
    "CREATE INDEX study_record_year_member_cover ON study_record (year, member_id) INCLUDE (studied_on, source, hours)"
)

SCHEMA = """
CREATE TABLE unit (id integer PRIMARY KEY, parent_id integer, path varchar(255) COLLATE "C" NOT NULL UNIQUE,
                   depth integer NOT NULL, kind text NOT NULL);
CREATE TABLE member (id integer PRIMARY KEY, organisation_id integer NOT NULL, status text NOT NULL);
CREATE TABLE committee_post (id integer PRIMARY KEY, member_id integer NOT NULL, ends_on date,
                             term_closed_on date);
CREATE TABLE study_record (id bigint PRIMARY KEY, member_id integer NOT NULL, organisation_id integer NOT NULL,
                           source varchar(10) NOT NULL, studied_on date NOT NULL, year integer NOT NULL,
                           hours numeric(5, 1) NOT NULL);
CREATE TABLE levels (k integer PRIMARY KEY);
"""
INDEXES = """
CREATE INDEX member_org ON member (organisation_id);
CREATE INDEX committee_post_member ON committee_post (member_id);
CREATE INDEX study_record_member_year ON study_record (member_id, year);
CREATE INDEX study_record_org_year ON study_record (organisation_id, year);
"""

# The set-based query: every unit's subtree summary in one statement (same text on PostgreSQL and DuckDB).
BULK = """
WITH hours AS (
    SELECT member_id,
           SUM(CAST(hours * 10 AS INTEGER)) FILTER (WHERE source <> 'self') AS other_tenths,
           SUM(CAST(hours * 10 AS INTEGER)) FILTER (WHERE source = 'self') AS self_tenths
    FROM study_record WHERE year = {year} AND studied_on <= DATE '{on}' GROUP BY member_id
), counted AS (
    SELECT m.organisation_id,
           COALESCE(h.other_tenths, 0) + LEAST(COALESCE(h.self_tenths, 0), {cap} * 10) AS tenths,
           CASE WHEN c.member_id IS NOT NULL THEN {committee} ELSE {member} END AS norm
    FROM member m
    LEFT JOIN hours h ON h.member_id = m.id
    LEFT JOIN (SELECT DISTINCT member_id FROM committee_post WHERE ends_on IS NULL AND term_closed_on IS NULL) c
        ON c.member_id = m.id
    WHERE m.status IN ({statuses})
), per_unit AS (
    SELECT organisation_id, COUNT(*) AS n, SUM(CAST(tenths AS DOUBLE PRECISION) / 10) AS total,
           SUM(CASE WHEN tenths >= norm * 10 THEN 1 ELSE 0 END) AS met
    FROM counted GROUP BY organisation_id
)
SELECT a.id, SUM(p.n) AS n, SUM(p.total) AS total, SUM(p.met) AS met
FROM per_unit p
JOIN unit u ON u.id = p.organisation_id
JOIN levels l ON l.k <= u.depth
JOIN unit a ON a.path = substr(u.path, 1, 4 * l.k)
GROUP BY a.id
"""

# What `_subtree_summary` runs for one unit: the members of the subtree by path range, each with two correlated
# sums over their records of the year and whether they hold a current committee post.
PER_UNIT = """
SELECT COUNT(*), SUM(counted), SUM(CASE WHEN counted >= norm THEN 1 ELSE 0 END) FROM (
    SELECT CAST(
             COALESCE((SELECT SUM(r.hours) FROM study_record r WHERE r.member_id = m.id AND r.year = {year}
                       AND r.studied_on <= DATE '{on}' AND r.source IN ('session', 'external')
                       GROUP BY r.member_id), 0)
             + LEAST(COALESCE((SELECT SUM(r.hours) FROM study_record r WHERE r.member_id = m.id
                               AND r.year = {year} AND r.studied_on <= DATE '{on}' AND r.source = 'self'
                               GROUP BY r.member_id), 0), {cap})
           AS DOUBLE PRECISION) AS counted,
           CASE WHEN EXISTS (SELECT 1 FROM committee_post c WHERE c.member_id = m.id AND c.ends_on IS NULL
                             AND c.term_closed_on IS NULL) THEN {committee} ELSE {member} END AS norm
    FROM member m JOIN unit o ON o.id = m.organisation_id
    WHERE m.status IN ({statuses}) AND o.path >= %s AND o.path < %s
) x
"""


# The project's tables as the indicators' query reads them, over the bench's tables (a post's term is the post).
PROJECT_VIEWS = """
CREATE VIEW orgs_organisation AS SELECT id, parent_id, path, depth, kind FROM unit;
CREATE VIEW orgs_member AS SELECT id, organisation_id, status FROM member;
CREATE VIEW orgs_committeeterm AS SELECT id, term_closed_on AS closed_on FROM committee_post;
CREATE VIEW orgs_committeepost AS SELECT id, id AS term_id, member_id, ends_on FROM committee_post;
CREATE VIEW study_studyrecord AS SELECT id, member_id, organisation_id, source, studied_on, year, hours
    FROM study_record;
"""


def project_indicator(conn, url: str, year: int, on: date):
    """A callable running the project's bulk indicator query for every unit and rolling it up, as
    `hours.subtree_summaries` does (rules: the shipped defaults, which the bench's data follow)."""
    import os
    from decimal import Decimal

    os.environ["DATABASE_URL"] = url  # Django compiles for PostgreSQL; the query runs on `conn`
    os.environ.setdefault("QINGLIAN_DATA_DIR", tempfile.mkdtemp(prefix="qinglian-bench-eval-data-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    import django

    django.setup()
    from qinglian.study.services import hours

    with conn.cursor() as cursor:
        cursor.execute(PROJECT_VIEWS)
    conn.commit()
    asked = dict(conn.execute("SELECT path, id FROM unit").fetchall())
    rules = hours.HoursRules(self_cap=Decimal(SELF_CAP), member_norm=NORM_MEMBER, committee_norm=NORM_COMMITTEE)
    query = hours.subtree_rows(top=hours._common_path(list(asked)), year=year, on=on, rules=rules)
    sql, params = query.query.sql_with_params()
    params = [str(p) if isinstance(p, str) else p for p in params]  # the vocabularies' enums as plain text

    def run():
        rows = conn.execute(sql, params).fetchall()
        conn.rollback()
        summaries = hours.roll_up(rows, asked)
        return [(pk, s["n"], s["total"], s["met_count"]) for pk, s in summaries.items() if s["n"]]

    return run, sql


def _sql(template: str, year: int, on: date) -> str:
    statuses = ", ".join(f"'{s}'" for s in ON_REGISTER)
    return template.format(
        year=year, on=on.isoformat(), cap=SELF_CAP, committee=NORM_COMMITTEE, member=NORM_MEMBER, statuses=statuses
    )


def _step(n: int) -> str:
    out = ""
    for _ in range(4):
        n, d = divmod(n, 36)
        out = DIGITS[d] + out
    return out


def make_tree(units: int) -> tuple[list[tuple], list[int]]:
    """(id, parent, path, depth, kind) rows: a root, committees, general branches with ten branches each, and a
    few branches straight under a committee; the ids of the branches (where members are)."""
    committees = max(1, units // 600)
    general = max(1, (units - 1 - committees) // 11)
    rows = [(1, None, _step(1), 1, "committee")]
    children: dict[int, int] = {}

    def add(parent: int, kind: str) -> int:
        children[parent] = children.get(parent, 0) + 1
        parent_row = rows[parent - 1]
        rows.append((len(rows) + 1, parent, parent_row[2] + _step(children[parent]), parent_row[3] + 1, kind))
        return len(rows)

    committee_ids = [add(1, "committee") for _ in range(committees)]
    general_ids = [add(committee_ids[i % committees], "general_branch") for i in range(general)]
    branches = []
    i = 0
    while len(rows) < units:
        parent = general_ids[i % general] if i % 25 else committee_ids[i % committees]
        branches.append(add(parent, "branch"))
        i += 1
    return rows, branches


def _copy(cursor, table: str, columns: str, path: Path) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy, open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            copy.write(chunk)


def load(conn, *, rows: int, units: int, year: int, seed: int, work: Path) -> dict:
    """Generate the rows with numpy, write them as CSV with pyarrow and COPY them in; build the indexes."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    tree, branches = make_tree(units)
    members = max(1, rows // 20)
    member_org = np.asarray(branches, dtype=np.int32)[rng.integers(0, len(branches), size=members)]
    status = np.where(rng.random(members) < 0.97, ON_REGISTER[0], "出党")
    status[rng.random(members) < 0.005] = ON_REGISTER[1]
    holders = np.flatnonzero(rng.random(members) < 0.05) + 1
    ends = rng.random(holders.size) < 0.2  # a fifth of the posts have ended
    csv = {
        "unit": (
            "id, parent_id, path, depth, kind",
            pa.table(
                {
                    "id": [r[0] for r in tree],
                    "parent_id": [r[1] for r in tree],
                    "path": [r[2] for r in tree],
                    "depth": [r[3] for r in tree],
                    "kind": [r[4] for r in tree],
                }
            ),
        ),
        "member": (
            "id, organisation_id, status",
            pa.table(
                {"id": np.arange(1, members + 1, dtype=np.int32), "organisation_id": member_org, "status": status}
            ),
        ),
        "committee_post": (
            "id, member_id, ends_on, term_closed_on",
            pa.table(
                {
                    "id": np.arange(1, holders.size + 1, dtype=np.int32),
                    "member_id": holders.astype(np.int32),
                    "ends_on": pa.array([date(year, 3, 1) if e else None for e in ends], pa.date32()),
                    "term_closed_on": pa.array([None] * holders.size, pa.date32()),
                }
            ),
        ),
        "levels": ("k", pa.table({"k": np.arange(1, max(r[3] for r in tree) + 1, dtype=np.int32)})),
    }
    for table, (_columns, data) in csv.items():
        pcsv.write_csv(data, work / f"{table}.csv", pcsv.WriteOptions(include_header=False))
    hours_p = np.array([0.08, 0.22, 0.2, 0.2, 0.12, 0.08, 0.06, 0.04])
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    first_day = np.datetime64(date(year, 1, 1), "D")
    record_path = work / "study_record.csv"
    chunk = 2_000_000
    with pcsv.CSVWriter(
        record_path,
        pa.schema(
            [
                ("id", pa.int64()),
                ("member_id", pa.int32()),
                ("organisation_id", pa.int32()),
                ("source", pa.string()),
                ("studied_on", pa.date32()),
                ("year", pa.int32()),
                ("hours", pa.string()),
            ]
        ),
        write_options=pcsv.WriteOptions(include_header=False),
    ) as writer:
        labels = np.array(["0.5", "1", "1.5", "2", "2.5", "3", "4", "8"])
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            who = rng.integers(0, members, size=n)
            pick = rng.choice(len(labels), size=n, p=hours_p)
            writer.write_table(
                pa.table(
                    {
                        "id": np.arange(start + 1, start + n + 1, dtype=np.int64),
                        "member_id": (who + 1).astype(np.int32),
                        "organisation_id": member_org[who],
                        "source": np.array(SOURCES)[rng.choice(3, size=n, p=[0.7, 0.2, 0.1])],
                        "studied_on": (first_day + rng.integers(0, days, size=n)).astype("datetime64[D]"),
                        "year": np.full(n, year, dtype=np.int32),
                        "hours": labels[pick],
                    }
                )
            )
    csv["study_record"] = ("id, member_id, organisation_id, source, studied_on, year, hours", None)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(SCHEMA)
        for table, (columns, _data) in csv.items():
            _copy(cursor, table, columns, work / f"{table}.csv")
        conn.commit()
    copied = time.perf_counter() - started
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(INDEXES)
        conn.commit()
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    indexed = time.perf_counter() - started
    for table in csv:
        (work / f"{table}.csv").unlink()
    depths: dict[int, int] = {}
    for r in tree:
        depths[r[3]] = depths.get(r[3], 0) + 1
    return {
        "units": len(tree),
        "units_by_depth": depths,
        "branches": len(branches),
        "members": members,
        "members_on_register": int(np.isin(status, ON_REGISTER).sum()),
        "committee_posts": int(holders.size),
        "records": rows,
        "generate_s": round(generated, 1),
        "copy_s": round(copied, 1),
        "index_and_analyze_s": round(indexed, 1),
    }


def export_parquet(conn, work: Path) -> tuple[object, dict]:
    """COPY each table out of PostgreSQL as CSV, have DuckDB turn it into Parquet, and open views on the files."""
    import duckdb

    types = {
        "unit": {"id": "INTEGER", "parent_id": "INTEGER", "path": "VARCHAR", "depth": "INTEGER", "kind": "VARCHAR"},
        "member": {"id": "INTEGER", "organisation_id": "INTEGER", "status": "VARCHAR"},
        "committee_post": {"id": "INTEGER", "member_id": "INTEGER", "ends_on": "DATE", "term_closed_on": "DATE"},
        "study_record": {
            "id": "BIGINT",
            "member_id": "INTEGER",
            "organisation_id": "INTEGER",
            "source": "VARCHAR",
            "studied_on": "DATE",
            "year": "INTEGER",
            "hours": "DECIMAL(5,1)",
        },
        "levels": {"k": "INTEGER"},
    }
    duck = duckdb.connect()
    started = time.perf_counter()
    sizes = {}
    with conn.cursor() as cursor:
        for table, columns in types.items():
            csv_path, parquet = work / f"{table}.csv", work / f"{table}.parquet"
            with (
                open(csv_path, "wb") as f,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) TO STDOUT (FORMAT csv)") as copy,
            ):
                for data in copy:
                    f.write(data)
            spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
            duck.execute(
                f"COPY (SELECT * FROM read_csv('{csv_path}', header=false, columns={spec})) TO '{parquet}' "
                "(FORMAT parquet)"
            )
            csv_path.unlink()
            sizes[table] = round(parquet.stat().st_size / 1024 / 1024, 1)
            duck.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{parquet}')")
    return duck, {"export_s": round(time.perf_counter() - started, 1), "parquet_mb": sizes}


def timed(repeat: int, run) -> tuple[float, dict]:
    best, answer = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = {row[0]: (int(row[1]), float(row[2]), int(row[3])) for row in run()}
        best = min(best, time.perf_counter() - started)
    return best, answer


def compare(a: dict, b: dict) -> list[str]:
    problems = []
    if a.keys() != b.keys():
        problems.append(f"{len(a.keys() ^ b.keys())} units in one answer only")
    for unit in a.keys() & b.keys():
        (n1, t1, m1), (n2, t2, m2) = a[unit], b[unit]
        if n1 != n2 or m1 != m2 or not math.isclose(t1, t2, rel_tol=1e-6, abs_tol=1e-6):
            problems.append(f"unit {unit}: {a[unit]} against {b[unit]}")
    return problems[:10]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--units", type=int, default=300_000)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument(
        "--loop-sample", type=int, default=8, help="units per depth timed with the per-unit query (0: none)"
    )
    ap.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--work-dir", default=None, help="where the CSV and Parquet files go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the database and the Parquet files")
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--on", type=date.fromisoformat, help="count records up to this day (default: the year's end)")
    ap.add_argument("--no-project", action="store_true", help="do not time the project's own indicator query")
    args = ap.parse_args()
    on = args.on or date(args.year, 12, 31)

    import duckdb
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    admin = psycopg.connect(args.dsn, autocommit=True)
    admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin.execute(f"CREATE DATABASE {DATABASE}")
    bench_dsn = make_conninfo(**{**conninfo_to_dict(args.dsn), "dbname": DATABASE})
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="qinglian-bench-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {"benchmark": "evaluation_inputs", "query": "bulk_subtree_summary", "year": args.year}
    result["on"] = on.isoformat()
    try:
        with psycopg.connect(bench_dsn) as conn:
            result["data"] = load(conn, rows=args.rows, units=args.units, year=args.year, seed=args.seed, work=work)
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]
                for name in ("server_version", "work_mem", "shared_buffers", "max_parallel_workers_per_gather")
            }
            duck, exported = export_parquet(conn, work)
            result["data"].update(exported)
            result["postgresql_server"] = settings
            result["duckdb"] = {
                "version": duckdb.__version__,
                "threads": duck.execute("SELECT current_setting('threads')").fetchone()[0],
            }
            bulk = _sql(BULK, args.year, on)

            def on_postgres(settings=()):
                with conn.cursor() as cursor:
                    for setting in settings:
                        cursor.execute(setting)
                    cursor.execute(bulk)
                    rows = cursor.fetchall()
                    cursor.execute("RESET ALL")
                return rows

            # One untimed run of each first, so both read from a warm cache.
            on_postgres()
            duck.execute(bulk).fetchall()
            duck_s, duck_answer = timed(args.repeat, lambda: duck.execute(bulk).fetchall())
            problems = []
            variants = {}
            for name, settings in VARIANTS.items():
                seconds, answer = timed(args.repeat, lambda settings=settings: on_postgres(settings))
                problems += compare(answer, duck_answer)
                variants[name] = {"settings": list(settings), "seconds": round(seconds, 3),
                                  "ratio": round(seconds / duck_s, 2)}  # fmt: skip
            started = time.perf_counter()
            with conn.cursor() as cursor:
                cursor.execute(COVERING)
                cursor.execute("ANALYZE study_record")
            covering_s = time.perf_counter() - started
            on_postgres()
            seconds, answer = timed(args.repeat, on_postgres)
            problems += compare(answer, duck_answer)
            variants["covering_index"] = {
                "settings": [COVERING],
                "build_s": round(covering_s, 1),
                "seconds": round(seconds, 3),
                "ratio": round(seconds / duck_s, 2),
            }
            pg_answer = answer
            best = min(variants, key=lambda name: variants[name]["seconds"])

            # The project's own query (study.services.hours), with the covering index its migration adds.
            if not args.no_project:
                project_url = urlunsplit(urlsplit(args.dsn)._replace(path="/" + DATABASE))
                run, project_sql = project_indicator(conn, project_url, args.year, on)
                run()
                seconds, answer = timed(args.repeat, run)
                problems += compare(answer, duck_answer)
                result["project_indicator"] = {
                    "function": "qinglian.study.services.hours.subtree_summaries (subtree_rows + roll_up)",
                    "seconds": round(seconds, 3),
                    "ratio": round(seconds / duck_s, 2),
                    "ratio_to_best_variant": round(seconds / variants[best]["seconds"], 2),
                    "units_answered": len(answer),
                    "sql_chars": len(project_sql),
                }

            # The services' way: one query per unit, timed on a sample of each depth, extrapolated.
            rng = random.Random(args.seed)
            per_unit = _sql(PER_UNIT, args.year, on)
            by_depth: dict[int, list[tuple[int, str]]] = {}
            for unit_id, path, depth in conn.execute("SELECT id, path, depth FROM unit"):
                by_depth.setdefault(depth, []).append((unit_id, path))
            loop = {"estimated_s": 0.0, "sampled_units": 0, "by_depth": {}}
            for depth, units in sorted(by_depth.items()):
                sample = rng.sample(units, min(args.loop_sample, len(units))) if args.loop_sample else []
                spent = 0.0
                for unit_id, path in sample:
                    started = time.perf_counter()
                    n, total, met = conn.execute(per_unit, (path, path + "~")).fetchone()
                    spent += time.perf_counter() - started
                    if n:
                        got, want = (int(n), float(total), int(met)), pg_answer.get(unit_id)
                        if (
                            want is None
                            or got[0] != want[0]
                            or got[2] != want[2]
                            or not math.isclose(got[1], want[1], rel_tol=1e-6)
                        ):
                            problems.append(f"unit {unit_id}: per-unit query {got}, bulk query {want}")
                    elif unit_id in pg_answer:
                        problems.append(
                            f"unit {unit_id}: per-unit query found no members, bulk query {pg_answer[unit_id]}"
                        )
                if not sample:
                    continue
                mean = spent / len(sample)
                loop["by_depth"][depth] = {
                    "units": len(units),
                    "sampled": len(sample),
                    "mean_ms": round(mean * 1000, 2),
                }
                loop["estimated_s"] += mean * len(units)
                loop["sampled_units"] += len(sample)
            loop["estimated_s"] = round(loop["estimated_s"], 1) if loop["sampled_units"] else None
            loop["note"] = "SQL time only; the services add a Django query per unit on top"
            duck.close()
        result.update(
            {
                "repeat": args.repeat,
                "timing": "best of repeat after one warm-up run each; includes fetching every unit's row into Python",
                "units_answered": len(pg_answer),
                "duckdb_s": round(duck_s, 3),
                "postgresql": variants,
                "postgresql_s": variants[best]["seconds"],
                "ratio": variants[best]["ratio"],
                "ratio_is_of": best,
                "budget_ratio": BUDGET,
                "per_unit_loop": loop,
                "agrees": not problems,
                "problems": problems,
            }
        )
        result["meets_budget"] = result["ratio"] <= BUDGET and result["agrees"]
    finally:
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            if args.work_dir is None:
                shutil.rmtree(work, ignore_errors=True)
        admin.close()
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if result["agrees"] else 1


if __name__ == "__main__":
    sys.exit(main())
