"""Province-scale data: an organisation tree, its members and every module's records, loaded in bulk.

    python -m bench.seed --scale tiny|small|province|xl [--seed 1] [--data-dir DIR] [--replace]
                         [--password demo123] [--keep-indexes] [--no-records | --records-only]

Uses the configured database (DATABASE_URL, else SQLite in QINGLIAN_DATA_DIR or --data-dir):
runs migrate, then writes a vertical agency system -- the root committee, provincial-level
committees, city committees, general branches, branches and Party groups -- with members spread
over the branches and groups, and three logins for the benchmarks:

    bench_admin      administrator on the root, with the subtree
    bench_province   Party committee office on one provincial committee, with the subtree
    bench_secretary  branch secretary of one branch under a general branch of that province

Rows go in through PostgreSQL COPY or sqlite3 executemany, with the tables' secondary indexes
and foreign keys dropped during the load and rebuilt after it (--keep-indexes leaves them, to
compare). The same --seed gives the same rows on either database. Prints JSON: counts and seconds.
Refuses to touch a database that already holds organisations unless --replace is given, which
empties the register first (organisations and everything that refers to them).

After the register come the records of every module (bench/seed_records.py: meetings with their
attendance, talks, study records, an exam's answers, practice, tasks, rectification items, risk
points, integrity files, reports and clues, survey values); --no-records leaves them out, and
--records-only adds them to a register seeded before (--replace first empties the records).
"""

from __future__ import annotations

import argparse
import bisect
import gc
import json
import os
import random
import sys
import tempfile
import time
from collections import deque
from datetime import UTC, date, datetime
from pathlib import Path

# (provincial committees, cities per province, general branches per city, branches per general
# branch, branches directly under a city, Party groups per branch, general branches of each
# provincial organ, members). Ranges are inclusive and drawn per unit.
SCALES = {
    "tiny": dict(
        provinces=1,
        cities=2,
        general=(2, 3),
        branches=(2, 4),
        direct=(2, 3),
        groups=(0, 3),
        organ=(1, 1),
        members=600,
    ),
    "small": dict(
        provinces=3,
        cities=4,
        general=(3, 7),
        branches=(4, 11),
        direct=(3, 7),
        groups=(0, 10),
        organ=(1, 3),
        members=10_000,
    ),
    "province": dict(
        provinces=30,
        cities=10,
        general=(15, 25),
        branches=(4, 11),
        direct=(5, 15),
        groups=(0, 10),
        organ=(2, 4),
        members=1_000_000,
    ),
}
SCALES["xl"] = {**SCALES["province"], "members": 5_000_000}  # the same tree, five times the members

PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
]
PLACE_CHARS = "安宁平阳江州山海东西南北昌德兴华成武泰庆临清长永广新定开丰云和嘉荣福金河湖林石宜汉沙荆襄岳衡韶梅"
DEPARTMENTS = [
    "办公室",
    "征收管理科",
    "纳税服务科",
    "税政一科",
    "税政二科",
    "收入核算科",
    "法制科",
    "财务管理科",
    "人事教育科",
    "督察内审科",
    "信息中心",
    "社会保险费科",
    "货物和劳务税科",
    "所得税科",
    "财产和行为税科",
    "第一税务所",
    "第二税务所",
    "第三税务所",
    "第四税务所",
    "稽查局第一检查科",
    "稽查局第二检查科",
    "稽查局审理科",
    "纳税服务中心",
    "机关服务中心",
]
RETIRED_BRANCH = "离退休干部"
CN_NUMBERS = "一二三四五六七八九十"

ETHNICITY_WEIGHTS = [
    ("汉族", 920),
    ("回族", 12),
    ("满族", 10),
    ("壮族", 12),
    ("苗族", 6),
    ("蒙古族", 5),
    ("土家族", 6),
    ("维吾尔族", 6),
    ("藏族", 4),
    ("彝族", 5),
    ("朝鲜族", 3),
    ("侗族", 3),
    ("白族", 2),
    ("瑶族", 2),
    ("布依族", 2),
    ("哈萨克族", 2),
]
EDUCATION_WEIGHTS = [("研究生", 18), ("大学本科", 55), ("大学专科", 15), ("中专", 5), ("高中", 4), ("初中及以下", 3)]
RETIRED_EDUCATION_WEIGHTS = [
    ("研究生", 3),
    ("大学本科", 30),
    ("大学专科", 25),
    ("中专", 17),
    ("高中", 15),
    ("初中及以下", 10),
]
# Statuses other than 正常, with their share of members and how recent the change is.
STATUS_SHARES = [("保留党籍", 0.002), ("停止党籍", 0.001), ("恢复党籍", 0.001), ("出党", 0.001), ("转出", 0.004)]
POSTS = [
    "处长",
    "副处长",
    "科长",
    "副科长",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "四级主任科员",
    "一级科员",
    "二级科员",
    "科员",
    "主任",
    "副主任",
    "所长",
    "副所长",
    "分局长",
    "副分局长",
    "工程师",
]
CADRE_LEVELS = [("乡科级", 80), ("县处级", 18), ("厅局级", 2)]
BRANCH_POSTS = ("书记", "组织委员", "宣传委员", "纪检委员")

TODAY = date(2026, 11, 29)
CREATED_AT = datetime(2026, 11, 29, tzinfo=UTC)
CHUNK = 100_000

LOGINS = [
    # username, role, which unit, full name
    ("bench_admin", "administrator", "root", "基准管理员"),
    ("bench_province", "committee_office", "province", "基准省局党委办"),
    ("bench_secretary", "branch_secretary", "branch", "基准支部书记"),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", help="SQLite data folder when DATABASE_URL is not set")
    ap.add_argument("--replace", action="store_true", help="empty an existing register first")
    ap.add_argument("--password", default="demo123", help="password of the bench_* logins")
    ap.add_argument("--keep-indexes", action="store_true", help="load with the indexes in place (to compare)")
    ap.add_argument("--out", help="also write the JSON here")
    records = ap.add_mutually_exclusive_group()
    records.add_argument(
        "--records", action=argparse.BooleanOptionalAction, default=True, help="the modules' records (default: on)"
    )
    records.add_argument(
        "--records-only", action="store_true", help="add the records to a register seeded before, keeping its members"
    )
    args = ap.parse_args()

    if args.data_dir:
        os.environ["QINGLIAN_DATA_DIR"] = args.data_dir
    elif not os.environ.get("DATABASE_URL") and not os.environ.get("QINGLIAN_DATA_DIR"):
        os.environ["QINGLIAN_DATA_DIR"] = str(Path(tempfile.gettempdir()) / "qinglian-bench-seed")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    if os.environ.get("QINGLIAN_DATA_DIR"):
        Path(os.environ["QINGLIAN_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    if args.records_only:
        result = seed_records_only(seed=args.seed, replace=args.replace, keep_indexes=args.keep_indexes)
    else:
        result = seed(
            scale=args.scale,
            seed=args.seed,
            replace=args.replace,
            password=args.password,
            keep_indexes=args.keep_indexes,
            records=args.records,
        )
    if result is None:
        return 2
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def seed(
    *, scale: str, seed: int, replace: bool, password: str, keep_indexes: bool, records: bool = True
) -> dict | None:
    from django.core.management import call_command
    from django.db import connection

    from qinglian.orgs.models import Member, Organisation

    spec = SCALES[scale]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    clock = Clock(seconds)

    with clock("migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    if Organisation.objects.exists():
        if not replace:
            print(
                f"The database ({connection.vendor}: {connection.settings_dict['NAME']}) already holds organisations; "
                "pass --replace to empty the register and seed it again.",
                file=sys.stderr,
            )
            return None
        with clock("empty_register"):
            empty_register()

    rng = random.Random(f"qinglian-bench-{seed}-tree")
    with clock("generate_organisations"):
        tree = build_tree(spec, rng)
    loader = Loader(connection, keep_indexes=keep_indexes)
    org_columns, org_rows = tree.columns, tree.rows
    with clock("load_organisations"):
        loader.load(Organisation, org_columns, org_rows, seconds, "organisations")

    with clock("generate_name_pool"):
        members = MemberMaker(tree, seed)
    gc.disable()  # millions of short-lived tuples: the cyclic collector would only slow the load
    try:
        with clock("load_members"):
            loader.load(Member, members.columns, members.rows(spec["members"]), seconds, "members")
    finally:
        gc.enable()
    seconds["generate_members_share"] = round(members.generate_seconds, 2)

    with clock("logins"):
        logins = make_logins(tree, password)
    with clock("analyze"):
        loader.analyze([Organisation, Member])
    record_counts = None
    if records:
        from bench.seed_records import seed_records

        record_counts = seed_records(loader=loader, seed=seed, seconds=seconds)
    seconds["total"] = round(time.perf_counter() - started, 2)

    kinds = dict(Organisation.objects.values_list("kind").annotate(n=models_count()).order_by())
    result = {
        "scale": scale,
        "seed": seed,
        "database": connection.vendor,
        "indexes_during_load": "kept" if keep_indexes else "dropped and rebuilt",
        "counts": {
            "organisations": sum(kinds.values()),
            "by_kind": kinds,
            "members": Member.objects.count(),
            "probationary": members.probationary,
            "not_normal_status": members.not_normal,
        },
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "load_average_1m": round(os.getloadavg()[0], 2),
        "logins": logins,
        "password": password,
    }
    if record_counts is not None:
        result["records"] = record_counts
    return result


def seed_records_only(*, seed: int, replace: bool, keep_indexes: bool) -> dict | None:
    """Add the modules' records to the register already in the database (seeded by this script before)."""
    from django.core.management import call_command
    from django.db import connection

    from bench.seed_records import record_models, seed_records
    from qinglian.orgs.models import Member, Organisation

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    clock = Clock(seconds)
    with clock("migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    where = f"{connection.vendor}: {connection.settings_dict['NAME']}"
    if not Organisation.objects.exists():
        print(f"The database ({where}) holds no register: seed it first (without --records-only).", file=sys.stderr)
        return None
    if any(model.objects.exists() for model in record_models()):
        if not replace:
            print(
                f"The database ({where}) already holds records; pass --replace to empty them and seed them again.",
                file=sys.stderr,
            )
            return None
        with clock("empty_records"):
            empty_tables(record_models())
    loader = Loader(connection, keep_indexes=keep_indexes)
    counts = seed_records(loader=loader, seed=seed, seconds=seconds)
    seconds["total"] = round(time.perf_counter() - started, 2)
    return {
        "seed": seed,
        "database": connection.vendor,
        "indexes_during_load": "kept" if keep_indexes else "dropped and rebuilt",
        "register": {"organisations": Organisation.objects.count(), "members": Member.objects.count()},
        "records": counts,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def models_count():
    from django.db.models import Count

    return Count("id")


class Clock:
    """`with clock("step"):` adds the step's wall time to the seconds dict."""

    def __init__(self, seconds: dict):
        self.seconds = seconds

    def __call__(self, name: str):
        clock = self

        class _Step:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                clock.seconds[name] = clock.seconds.get(name, 0.0) + time.perf_counter() - self.start

        return _Step()


# ---------------------------------------------------------------------------------------------
# The register is emptied table by table: organisations and every table that refers to them,
# directly or through another such table (members, roles, terms, transfers, later modules' rows).


def empty_register() -> None:
    from qinglian.orgs.models import Organisation

    empty_tables([Organisation])


def empty_tables(models) -> None:
    """Empty the models' tables and every table that refers to them, directly or through another such table."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    doomed = set(models)
    grew = True
    while grew:
        grew = False
        for model in apps.get_models(include_auto_created=True):
            if model in doomed or model._meta.proxy or not model._meta.managed:
                continue
            if any((f.many_to_one or f.one_to_one) for f in model._meta.concrete_fields if f.related_model in doomed):
                doomed.add(model)
                grew = True
    tables = sorted(m._meta.db_table for m in doomed)
    sql = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with transaction.atomic():
        settle_deferred_checks(connection)
        connection.ops.execute_sql_flush(sql)


def settle_deferred_checks(connection) -> None:
    """Run now the foreign-key checks that rows written earlier in the same transaction (a test that seeds) left
    pending: PostgreSQL refuses to alter or empty a table with pending checks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")


# ---------------------------------------------------------------------------------------------
# The tree. Units are numbered breadth first (as a register grown level by level would be), so
# the members of one subtree are not neighbours on disk.


class Tree:
    def __init__(self):
        self.rows: list[tuple] = []
        self.columns = [
            "id",
            "kind",
            "name",
            "short_name",
            "code",
            "parent_id",
            "path",
            "depth",
            "last_child_step",
            "name_initials",
            "founded_on",
            "is_active",
        ]
        # Units that hold members: (id, branch id, retirees' unit, weight)
        self.holders: list[tuple[int, int, bool, float]] = []
        self.province_id = self.general_branch_id = self.branch_id = 0


def build_tree(spec: dict, rng: random.Random) -> Tree:
    from qinglian.orgs.models import Organisation
    from qinglian.orgs.services.tree import encode_step, initials

    Kind = Organisation.Kind
    cache: dict[str, str] = {}

    def abbr(parts: tuple[str, ...]) -> str:
        out = []
        for part in parts:
            if part not in cache:
                cache[part] = initials(part)
            out.append(cache[part])
        return "".join(out)[:120]

    tree = Tree()
    cities = city_names(rng, spec["provinces"] * spec["cities"])
    # (id, path, kind, base name parts, children made so far, retirees' unit)
    queue: deque = deque()
    next_id = 0

    def add(parent, kind: str, base: tuple[str, ...], suffix: str, short: str, retired: bool = False) -> list:
        nonlocal next_id
        next_id += 1
        if parent is None:
            path, depth, parent_id = encode_step(1), 1, None
        else:
            parent[4] += 1
            path, depth, parent_id = parent[1] + encode_step(parent[4]), len(parent[1]) // 4 + 1, parent[0]
        name = "".join(base) + suffix
        founded = date.fromordinal(rng.randint(date(1990, 1, 1).toordinal(), date(2022, 12, 31).toordinal()))
        tree.rows.append(
            [
                next_id,
                kind,
                name[:120],
                short[:60],
                f"QL{next_id:07d}",
                parent_id,
                path,
                depth,
                0,
                abbr((*base, suffix)),
                founded.isoformat(),
                True,
            ]
        )
        node = [next_id, path, kind, base, 0, retired, len(tree.rows) - 1]
        queue.append(node)
        return node

    add(None, Kind.COMMITTEE, ("国家税务总局",), "党委", "总局党委")
    while queue:
        node = queue.popleft()
        node_id, path, kind, base, _n, retired, _row = node
        depth = len(path) // 4
        if depth == 1:
            for province in PROVINCES[: spec["provinces"]]:
                add(node, Kind.COMMITTEE, (*base, province, "税务局"), "党委", f"{province[:2]}局党委")
        elif depth == 2:
            province_no = int(path[-4:], 36) - 1
            for city in cities[province_no * spec["cities"] : (province_no + 1) * spec["cities"]]:
                add(node, Kind.COMMITTEE, (base[0], city, "税务局"), "党委", f"{city}局党委")
            for n in range(rng.randint(*spec["organ"])):
                add(
                    node,
                    Kind.GENERAL_BRANCH,
                    (*base, f"机关第{CN_NUMBERS[n]}"),
                    "党总支",
                    f"机关第{CN_NUMBERS[n]}党总支",
                )
        elif kind == Kind.COMMITTEE:  # a city
            for n in range(rng.randint(*spec["general"])):
                add(node, Kind.GENERAL_BRANCH, (*base, f"第{n + 1}税务分局"), "党总支", f"第{n + 1}税务分局党总支")
            add(node, Kind.BRANCH, (*base, RETIRED_BRANCH), "党支部", f"{RETIRED_BRANCH}党支部", retired=True)
            for dept in rng.sample(DEPARTMENTS, rng.randint(*spec["direct"]) - 1):
                add(node, Kind.BRANCH, (*base, dept), "党支部", f"{dept}党支部")
        elif kind == Kind.GENERAL_BRANCH:
            for dept in rng.sample(DEPARTMENTS, rng.randint(*spec["branches"])):
                branch_kind = Kind.TEMP_BRANCH if rng.random() < 0.01 else Kind.BRANCH
                add(node, branch_kind, (*base, dept), "党支部", f"{dept}党支部")
        elif kind in (Kind.BRANCH, Kind.TEMP_BRANCH):
            n_groups = rng.randint(*spec["groups"])
            weight = rng.uniform(0.4, 1.6) * (0.5 if retired else 1.0)
            tree.holders.append((node_id, node_id, retired, weight * (0.15 if n_groups else 1.0)))
            for n in range(n_groups):
                group = add(node, Kind.GROUP, base, f"第{CN_NUMBERS[n]}党小组", f"第{CN_NUMBERS[n]}党小组", retired)
                tree.holders.append((group[0], node_id, retired, weight * 0.85 / n_groups))
        tree.rows[node[6]][8] = node[4]  # last_child_step: the children handed out
    tree.rows = [tuple(r) for r in tree.rows]
    pick_bench_units(tree)
    return tree


def pick_bench_units(tree: Tree) -> None:
    """The first provincial committee, its first city's first general branch, and that one's first branch."""
    # row: id, kind, name, short_name, code, parent_id, path, depth, ...
    tree.province_id = next(r[0] for r in tree.rows if r[7] == 2)
    province_path = next(r[6] for r in tree.rows if r[0] == tree.province_id)
    tree.general_branch_id = next(
        r[0] for r in tree.rows if r[7] == 4 and r[1] == "general_branch" and r[6].startswith(province_path)
    )
    tree.branch_id = next(r[0] for r in tree.rows if r[5] == tree.general_branch_id and r[1] == "branch")


def city_names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        name = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS)
        if name[0] != name[1] and name not in seen:
            seen.add(name)
            names.append(name + "市")
    return names


# ---------------------------------------------------------------------------------------------
# Members, generated in chunks of CHUNK rows, each chunk from its own seeded generator so that
# any chunk can be made again on its own and memory stays flat at 5 million rows.


class MemberMaker:
    columns = [
        "organisation_id",
        "name",
        "name_pinyin",
        "gender",
        "ethnicity",
        "birth_date",
        "native_place",
        "education",
        "phone",
        "post",
        "party_post",
        "category",
        "joined_on",
        "full_member_on",
        "status",
        "status_since",
        "is_mobile",
        "is_lost_contact",
        "is_cadre",
        "cadre_level",
    ]

    def __init__(self, tree: Tree, seed: int):
        from qinglian.orgs.demo import GIVEN, SURNAMES
        from qinglian.orgs.services import full_pinyin

        self.seed = seed
        self.tree = tree
        rng = random.Random(f"qinglian-bench-{seed}-names")
        # A pool of names with their pinyin: pypinyin costs ~20 us a name, too slow per row.
        surname_weights = list(_cumulative([1 / (i + 8) for i in range(len(SURNAMES))]))
        pool: dict[str, str] = {}
        while len(pool) < 30_000:
            surname = SURNAMES[bisect.bisect(surname_weights, rng.random() * surname_weights[-1])]
            given = rng.choice(GIVEN) if rng.random() < 0.25 else rng.choice(GIVEN) + rng.choice(GIVEN)
            name = surname + given
            if name not in pool:
                pool[name] = full_pinyin(name)
        self.names = list(pool.items())
        self.holder_ids = [h[0] for h in tree.holders]
        self.holder_cum = list(_cumulative([h[3] for h in tree.holders]))
        self.holder_info = {h[0]: (h[1], h[2]) for h in tree.holders}
        self.branch_posts: dict[int, int] = {}
        self.natives = [p[:2] for p in PROVINCES]
        self.probationary = self.not_normal = 0
        self.generate_seconds = 0.0

    def rows(self, n: int):
        for chunk, start in enumerate(range(0, n, CHUNK)):
            t = time.perf_counter()
            rows = self.chunk(chunk, min(CHUNK, n - start))
            self.generate_seconds += time.perf_counter() - t
            yield from rows

    def chunk(self, index: int, size: int) -> list[tuple]:
        rng = random.Random(f"qinglian-bench-{self.seed}-members-{index}")
        random_ = rng.random
        orgs = rng.choices(self.holder_ids, cum_weights=self.holder_cum, k=size)
        names = rng.choices(self.names, k=size)
        ethnicity = rng.choices(*zip(*ETHNICITY_WEIGHTS, strict=True), k=size)
        education = rng.choices(*zip(*EDUCATION_WEIGHTS, strict=True), k=size)
        retired_education = rng.choices(*zip(*RETIRED_EDUCATION_WEIGHTS, strict=True), k=size)
        posts = rng.choices(POSTS, k=size)
        cadre = rng.choices(*zip(*CADRE_LEVELS, strict=True), k=size)
        natives = rng.choices(self.natives, k=size)
        today = TODAY.toordinal()
        out = []
        for i in range(size):
            org = orgs[i]
            branch, retired = self.holder_info[org]
            age_days = int((rng.uniform(61, 90) if retired else 23 + 37 * random_() ** 1.2) * 365.25)
            birth = today - age_days
            probationary = not retired and random_() < 0.04
            if probationary:
                joined = today - rng.randint(20, 360)
                full_on = None
                self.probationary += 1
            else:
                joined = birth + int((18 + random_() * (age_days / 365.25 - 19.5)) * 365.25)
                full_on = joined + 365 if joined + 365 <= today else None
                if full_on is None:
                    joined = today - 400
                    full_on = today - 35
            status, since = "正常", None
            r = random_()
            if retired and r < 0.02:
                status, since = "去世", today - rng.randint(1, 2000)
            else:
                for code, share in STATUS_SHARES:
                    if r < share:
                        status, since = code, today - rng.randint(1, 1500)
                        break
                    r -= share
            if status != "正常":
                self.not_normal += 1
            party_post = ""
            seen = self.branch_posts.get(branch, 0)
            if seen < len(BRANCH_POSTS) and status == "正常" and not probationary:
                party_post = BRANCH_POSTS[seen]
                self.branch_posts[branch] = seen + 1
            is_cadre = not retired and random_() < 0.3
            name, pinyin = names[i]
            out.append(
                (
                    org,
                    name,
                    pinyin,
                    "M" if random_() < 0.6 else "F",
                    ethnicity[i],
                    date.fromordinal(birth).isoformat(),
                    natives[i],
                    retired_education[i] if retired else education[i],
                    f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                    "" if retired else posts[i],
                    party_post,
                    "probationary" if probationary else "full",
                    date.fromordinal(joined).isoformat(),
                    date.fromordinal(full_on).isoformat() if full_on else None,
                    status,
                    date.fromordinal(since).isoformat() if since else None,
                    not retired and random_() < 0.01,
                    random_() < 0.001,
                    is_cadre,
                    cadre[i] if is_cadre else "",
                )
            )
        return out


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


# ---------------------------------------------------------------------------------------------
# Loading. Columns the generator does not fill get the field's default, prepared for the
# database once; rows are written by COPY (PostgreSQL) or executemany (SQLite) in one transaction.


class Loader:
    def __init__(self, connection, *, keep_indexes: bool):
        self.connection = connection
        self.keep_indexes = keep_indexes
        self.utc_suffix = "+00" if connection.vendor == "postgresql" else ""

    def constants(self, model, columns: list[str]) -> tuple[list[str], tuple]:
        """The columns the rows leave out, with their defaults. Times that default to now get CREATED_AT (and days
        TODAY), so that the same seed gives the same rows; a required column without a default is refused."""
        from django.db import models

        names, values = [], []
        for field in model._meta.concrete_fields:
            if field.column in columns or field.primary_key:
                continue
            computed = field.has_default() and callable(field.default)
            if isinstance(field, models.DateTimeField) and (computed or field.auto_now or field.auto_now_add):
                value = CREATED_AT
            elif isinstance(field, models.DateField) and computed:
                value = TODAY
            else:
                value = field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{model._meta.db_table}.{field.column} is required and has no default: give it")
            names.append(field.column)
            values.append(field.get_db_prep_save(value, self.connection))
        return names, tuple(values)

    def stamp(self, moment: datetime) -> str:
        """A UTC time as a column value: with its offset for PostgreSQL, naive UTC for SQLite (as Django stores it)."""
        return moment.isoformat(" ", "seconds")[:19] + self.utc_suffix

    def next_id(self, model) -> int:
        """The first free primary key of the model's table, for rows that name their ids (children refer to them)."""
        from django.db.models import Max

        return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def load(self, model, columns: list[str], rows, seconds: dict, label: str) -> None:
        from django.db import transaction

        extra_columns, extra = self.constants(model, columns)
        table = model._meta.db_table
        all_columns = ", ".join(self.connection.ops.quote_name(c) for c in [*columns, *extra_columns])
        clock = Clock(seconds)
        with transaction.atomic():
            raw = self.connection.cursor().connection  # psycopg or sqlite3, inside Django's transaction
            with clock(f"{label}_drop_indexes"):
                saved = [] if self.keep_indexes else self.drop_secondary(table)
            with clock(f"{label}_write_rows"):
                if self.connection.vendor == "postgresql":
                    with raw.cursor() as cur, cur.copy(f"COPY {table} ({all_columns}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row + extra)
                else:
                    marks = ", ".join("?" * (len(columns) + len(extra_columns)))
                    sql = f"INSERT INTO {table} ({all_columns}) VALUES ({marks})"
                    batch: list[tuple] = []
                    for row in rows:
                        batch.append(row + extra)
                        if len(batch) >= CHUNK:
                            raw.executemany(sql, batch)
                            batch.clear()
                    raw.executemany(sql, batch)
            with clock(f"{label}_rebuild_indexes"):
                self.restore_secondary(table, saved)
            with self.connection.cursor() as cur:
                from django.core.management.color import no_style

                for statement in self.connection.ops.sequence_reset_sql(no_style(), [model]):
                    cur.execute(statement)

    def drop_secondary(self, table: str) -> list[str]:
        """Drop the table's indexes and foreign keys (not its primary key); return the SQL to rebuild them."""
        rebuild: list[str] = []
        with self.connection.cursor() as cur:
            if self.connection.vendor == "postgresql":
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                settle_deferred_checks(self.connection)
                cur.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                    [table],
                )
                constraints = cur.fetchall()
                cur.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                    "AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass) "
                    "ORDER BY c.relname",
                    [table, table],
                )
                indexes = cur.fetchall()
                for name, _type, _definition in constraints:
                    cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for name, definition in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
                    rebuild.append(definition)
                # unique constraints first (u sorts after f, so reverse), foreign keys last
                for name, _type, definition in sorted(constraints, key=lambda c: c[1] != "u"):
                    rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            else:
                cur.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL ORDER BY name",
                    [table],
                )
                for name, definition in cur.fetchall():
                    cur.execute(f'DROP INDEX "{name}"')
                    rebuild.append(definition)
        return rebuild

    def restore_secondary(self, table: str, statements: list[str]) -> None:
        with self.connection.cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def analyze(self, models) -> None:
        with self.connection.cursor() as cur:
            for model in models:
                table = model._meta.db_table
                # VACUUM (which also sets the visibility map index-only scans need) cannot run in a transaction, as
                # when a test seeds; ANALYZE alone can.
                vacuum = self.connection.vendor == "postgresql" and not self.connection.in_atomic_block
                cur.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")


# ---------------------------------------------------------------------------------------------


def make_logins(tree: Tree, password: str) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from qinglian.orgs.models import Member, Organisation, Role
    from qinglian.orgs.services import role_assign

    User = get_user_model()
    units = {"root": 1, "province": tree.province_id, "branch": tree.branch_id}
    hashed = make_password(password)
    out = []
    with transaction.atomic():
        for username, role_code, unit, label in LOGINS:
            user, _created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": label,
                    "password": hashed,
                    "is_active": True,
                    "email": f"{username}@bench.example.cn",
                },
            )
            org = Organisation.objects.get(pk=units[unit])
            role_assign(
                user=user,
                role=Role.objects.get(code=role_code),
                organisation=org,
                include_subtree=True,
                actor=None,
                valid_from=date(2024, 1, 1),
            )
            if unit == "branch":
                Member.objects.filter(user=user).update(user=None)
                member = (
                    Member.objects.filter(organisation=org, status="正常").order_by("id").first()
                    or Member.objects.filter(organisation__parent=org).order_by("id").first()
                )
                if member is not None:
                    Member.objects.filter(pk=member.pk).update(user=user, party_post="书记")
            out.append(
                {
                    "username": username,
                    "role": role_code,
                    "organisation_id": org.pk,
                    "path": org.path,
                    "organisation": org.name,
                }
            )
        gb = Organisation.objects.get(pk=tree.general_branch_id)
        out.append({"general_branch_for_stats": gb.pk, "path": gb.path, "organisation": gb.name})
    return out


if __name__ == "__main__":
    sys.exit(main())
