"""Conflict-of-interest check speed: 5,000 cadres' declarations against 100,000 suppliers, on a fresh database.

    python -m bench.conflicts [--cadres 5000] [--suppliers 100000] [--repeat 3] [--data-dir DIR] [--out FILE]

Builds a fresh SQLite database (a new data directory unless --data-dir names one) with an agency of a few dozen
branches, --cadres cadres each with a submitted integrity file (three family members, most with identity numbers
and an employer; a business run by a family member for about a third), and --suppliers suppliers with realistic
generated names — place prefixes or bracketed places, trade names drawn from the few dozen characters companies
favour (恒, 信, 达, 华, 泰 …), industries, organisational forms — most with a credit code, legal representatives
drawn from the same common names as the family members (王芳, 李娜 … hundreds of times over), some with identity
numbers. Into this it plants true conflicts of every kind (same credit code, the same company written otherwise,
a family member as legal representative, a loosely written name, a name corroborated by the declared employer)
and near-misses that must not be listed (恒信 for 恒信达, the same name with another identity number, a name alone).

Then measures in the same run, median of --repeat:

- baseline: reading the same rows without matching (the declared sections and the supplier columns the check
  reads, as Python values);
- ours: the whole check as "run a check now" starts it — `check_run` with the task run at once: reading the
  declarations and suppliers, indexing, matching, writing the matches with earlier decisions carried over.

After the first round the planted matches are decided, so later rounds also carry decisions over. Prints JSON
with seconds, the ratio ours / baseline, the matches found by basis, the planted conflicts found, the near-misses
listed (the goal is none), and whether the check is under the goal (60 s).
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

GOAL_S = 60.0
BRANCHES = 40
COMMON_TRADE = "恒信达华泰鑫源宏图盛通隆兴昌瑞祥伟博创金银海天和中远东方新光明大正安康富利德嘉美佳诚永汇丰"
PLANTED_TRADE = "栖棠琮玖珩璞瑄琬翊骞"  # trade names of planted companies: unlike any generated one
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = [
    "芳",
    "娜",
    "伟",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "秀英",
    "桂英",
    "建国",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "丽娟",
]
INDUSTRIES = [
    "科技",
    "信息技术",
    "贸易",
    "商贸",
    "建设工程",
    "建筑工程",
    "劳务",
    "咨询",
    "物业管理",
    "医疗器械",
    "办公设备",
    "文化传媒",
    "广告",
    "印刷",
    "食品",
    "餐饮管理",
    "物流",
    "环保科技",
    "电力工程",
    "装饰工程",
    "园林绿化",
    "软件",
    "电子",
    "机电设备",
    "汽车销售",
    "保安服务",
    "家具",
    "教育咨询",
    "人力资源",
    "检测",
]
FORMS = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "工作室", "经营部"]
PLACES = [
    "北京",
    "北京市",
    "上海",
    "天津市",
    "重庆",
    "广东省",
    "深圳市",
    "广州",
    "杭州",
    "南京市",
    "成都",
    "武汉",
    "西安市",
    "郑州",
    "长沙",
    "济南",
    "青岛",
    "苏州",
    "合肥",
    "福州",
    "厦门",
    "昆明",
    "河北",
    "山东省",
    "江苏",
]
EMPLOYERS = [
    "市第一中学",
    "市人民医院",
    "中国工商银行股份有限公司市分行",
    "市自来水公司",
    "区教育局",
    "某某大学",
    "退休",
    "个体经营",
    "市供电公司",
    "某某小学",
]


class World:
    """What the generator made and planted, to tell afterwards what was found."""

    def __init__(self):
        self.planted: list[tuple[int, int, str]] = []  # (member, supplier, kind)
        self.near_misses: list[tuple[int, int, str]] = []
        self.declarations = 0


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _company(rng: random.Random, trade: str) -> str:
    industry, form = rng.choice(INDUSTRIES), rng.choice(FORMS)
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(PLACES) + trade + industry + form
    if roll < 0.65:
        return f"{trade}{industry}（{rng.choice(PLACES).rstrip('市省')}）{form}"
    return trade + industry + form


def _trade(rng: random.Random) -> str:
    return "".join(rng.choice(COMMON_TRADE) for _ in range(rng.choice((2, 2, 3))))


def build(cadres: int, suppliers: int, seed: int = 20251130) -> tuple[object, object, World]:
    """The agency, its cadres with their files, the supplier register, and what was planted."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from qinglian.core import crypto
    from qinglian.core.lib import idcard
    from qinglian.orgs.models import Member, Role
    from qinglian.orgs.services import org_create, role_assign
    from qinglian.reports.bulk import bulk_insert
    from qinglian.risks.models import FileSection, IntegrityFile, Supplier
    from qinglian.risks.names import credit_code_make, normalise_company

    rng = random.Random(seed)
    world = World()
    now = timezone.now()
    year = timezone.localdate().year
    used_ids: set[str] = set()

    def new_id() -> str:
        while True:
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60))
            number = idcard.make(f"{rng.randrange(110101, 659001):06d}", born, rng.randrange(0, 1000))
            if number not in used_ids:
                used_ids.add(number)
                return number

    def digest(number: str) -> tuple[str, str]:
        return crypto.blind_index(number), idcard.mask(number)

    with transaction.atomic():
        root = org_create(name="测速市财政局机关党委", kind="committee", parent=None, actor=None, code="BENCH-COI")
        branches = [
            org_create(name=f"测速第{i}党支部", kind="branch", parent=root, actor=None) for i in range(BRANCHES)
        ]
        user = get_user_model().objects.create_user("bench_inspector")
        role_assign(
            user=user,
            role=Role.objects.get(code="discipline_staff"),
            organisation=root,
            include_subtree=True,
            actor=None,
        )

        # Suppliers first: the planted declarations point at them.
        supplier_rows = []
        codes = iter(range(1, 10**7))
        for _ in range(suppliers):
            name = _company(rng, _trade(rng))
            code = credit_code_make(f"91{rng.choice(('110108', '310115', '440300', '330106'))}MA{next(codes):07d}")
            number = new_id() if rng.random() < 0.4 else ""
            index, masked = digest(number) if number else ("", "")
            holders = "、".join(_person(rng) for _ in range(rng.randrange(0, 3)))
            supplier_rows.append(
                [
                    name,
                    normalise_company(name),
                    code if rng.random() < 0.7 else "",
                    _person(rng),
                    index,
                    masked,
                    holders,
                ]
            )
        planted_pool = iter(
            a + b + c for a in PLANTED_TRADE for b in PLANTED_TRADE for c in PLANTED_TRADE if a != b != c
        )

        def plant(name: str, *, code: str = "", rep: str = "", number: str = "") -> int:
            index, masked = digest(number) if number else ("", "")
            supplier_rows.append([name, normalise_company(name), code, rep or _person(rng), index, masked, ""])
            return len(supplier_rows) - 1

        plans = []  # (kind, supplier row, what the cadre declares)
        for _ in range(40):
            row = rng.randrange(0, suppliers)
            while not supplier_rows[row][2]:
                row = rng.randrange(0, suppliers)
            plans.append(("credit_code", row, {"business": ("某某商贸有限公司", supplier_rows[row][2])}))
        for _ in range(40):
            trade = next(planted_pool)
            row = plant(f"北京{trade}科技有限公司", code=credit_code_make(f"91110108MB{next(codes):07d}"))
            plans.append(("name_exact", row, {"business": (f"{trade}科技（北京）有限责任公司", "")}))
        for _ in range(40):
            number = new_id()
            row = plant(f"{next(planted_pool)}物流有限公司", rep=_person(rng), number=number)
            plans.append(("person_id", row, {"family": (supplier_rows[row][3], number, "")}))
        for _ in range(40):
            trade = next(planted_pool)
            row = plant(f"{trade}信息技术有限公司")
            plans.append(("name_similar", row, {"business": (f"{trade}信息科技发展有限公司", "")}))
        for _ in range(40):
            trade = next(planted_pool)
            rep = _person(rng)
            row = plant(f"{trade}劳务有限公司", rep=rep)
            plans.append(("person_name", row, {"family": (rep, "", f"{trade}劳务有限公司")}))
        misses = []
        for _ in range(50):
            trade = next(planted_pool)
            row = plant(f"{trade}达建设工程有限公司")  # declared: the same without 达
            misses.append(("near_name", row, {"business": (f"{trade}建设工程有限公司", "")}))
        for _ in range(25):
            trade = next(planted_pool)
            rep = _person(rng)
            row = plant(f"{trade}商贸有限公司", rep=rep, number=new_id())
            misses.append(("other_id", row, {"family": (rep, new_id(), f"{trade}商贸有限公司")}))
        for _ in range(25):
            rep = _person(rng)
            row = plant(f"{next(planted_pool)}装饰工程有限公司", rep=rep)
            misses.append(("name_only", row, {"family": (rep, "", rng.choice(EMPLOYERS))}))
        columns = [
            "organisation",
            "name",
            "name_key",
            "credit_code",
            "kind",
            "legal_representative",
            "legal_rep_id_index",
            "legal_rep_id_masked",
            "shareholders",
            "business",
            "batch",
            "created_at",
        ]
        bulk_insert(
            Supplier,
            columns,
            ((root.pk, n, k, c, "supplier", r, i, m, h, "", "bench", now) for n, k, c, r, i, m, h in supplier_rows),
        )
        supplier_ids = list(Supplier.objects.filter(organisation=root).order_by("pk").values_list("pk", flat=True))

        # Cadres, their files and what they declared.
        members = [
            Member(organisation=rng.choice(branches), name=_person(rng), gender=rng.choice("MF"), is_cadre=True)
            for _ in range(cadres)
        ]
        for member in members:
            number = new_id()
            member.id_number_index, member.id_number_masked = digest(number)
        Member.objects.bulk_create(members, batch_size=1000)
        files = IntegrityFile.objects.bulk_create(
            [IntegrityFile(member=m, year=year, created_at=now) for m in members], batch_size=1000
        )
        extra_family: dict[int, list] = {}
        extra_business: dict[int, list] = {}
        targets = [(plan, world.planted) for plan in plans] + [(miss, world.near_misses) for miss in misses]
        for n, ((kind, row, declared), into) in enumerate(targets):
            cadre = (n * 37) % cadres
            if "business" in declared:
                company, code = declared["business"]
                extra_business.setdefault(cadre, []).append(
                    {
                        "relation": "spouse",
                        "person": _person(rng),
                        "company": company,
                        "credit_code": code,
                        "role": "owner",
                    }
                )
            else:
                name, number, employer = declared["family"]
                entry = {"relation": rng.choice(("spouse", "son", "daughter")), "name": name, "employer": employer}
                if number:
                    entry["id_number_index"], entry["id_number_masked"] = digest(number)
                extra_family.setdefault(cadre, []).append(entry)
            into.append((members[cadre].pk, supplier_ids[row], kind))
        sections = []
        for n, file in enumerate(files):
            family = []
            for relation in ("spouse", rng.choice(("son", "daughter")), rng.choice(("father", "mother"))):
                entry = {"relation": relation, "name": _person(rng), "employer": rng.choice(EMPLOYERS)}
                if rng.random() < 0.8:
                    entry["id_number_index"], entry["id_number_masked"] = digest(new_id())
                family.append(entry)
            family += extra_family.get(n, [])
            businesses = list(extra_business.get(n, []))
            if rng.random() < 0.33:
                businesses.append(
                    {
                        "relation": "son",
                        "person": _person(rng),
                        "role": "owner",
                        "company": _company(rng, _trade(rng) + rng.choice(COMMON_TRADE)),
                        "credit_code": "",
                    }
                )
            world.declarations += len(family) + len(businesses) + 1  # the cadre's own number too
            sections.append(
                FileSection(
                    file=file,
                    kind="family",
                    data={"members": family},
                    status="submitted",
                    submitted_at=now,
                    updated_at=now,
                )
            )
            sections.append(
                FileSection(
                    file=file,
                    kind="personal_matters",
                    data={"businesses": businesses},
                    status="submitted",
                    submitted_at=now,
                    updated_at=now,
                )
            )
        FileSection.objects.bulk_create(sections, batch_size=1000)
    return root, user, world


def baseline(root) -> float:
    """Reading the rows the check reads, without matching."""
    from qinglian.orgs.models import Member, subtree_q
    from qinglian.risks.models import FileSection, Supplier

    started = time.perf_counter()
    cadres = Member.objects.in_subtree(root).on_register()
    rows = list(
        FileSection.objects.filter(kind__in=("family", "personal_matters"), file__member__in=cadres)
        .exclude(status="draft")
        .values_list("file__member_id", "file__year", "kind", "data")
    )
    list(cadres.values_list("pk", "name", "id_number_index", "id_number_masked"))
    suppliers = list(
        Supplier.objects.filter(subtree_q(root.path, "organisation__")).values_list(
            "pk",
            "name",
            "name_key",
            "credit_code",
            "legal_representative",
            "legal_rep_id_index",
            "legal_rep_id_masked",
            "shareholders",
        )
    )
    assert rows and suppliers
    return time.perf_counter() - started


def ours(root, user):
    from qinglian.risks.services.conflicts import check_run

    started = time.perf_counter()
    check = check_run(organisation=root, actor=user, lang="en")  # the task runs when the transaction commits
    elapsed = time.perf_counter() - started
    check.refresh_from_db()
    if check.finished_at is None:
        raise SystemExit(f"the check did not finish: {check.job.status} {check.job.message}")
    return elapsed, check


def phases(root) -> dict:
    """Where the time goes, step by step, outside the task (one extra run, nothing written)."""
    from qinglian.risks.matching import SupplierIndex, find_matches
    from qinglian.risks.services.conflicts import declarations_read, min_similarity, supplier_records

    times = {}
    started = time.perf_counter()
    declarations = declarations_read(root)
    times["read_declarations_s"] = time.perf_counter() - started
    started = time.perf_counter()
    suppliers = supplier_records(root)
    times["read_suppliers_s"] = time.perf_counter() - started
    started = time.perf_counter()
    index = SupplierIndex(suppliers)
    times["index_s"] = time.perf_counter() - started
    started = time.perf_counter()
    find_matches(declarations, index, min_similarity=min_similarity(root))
    times["match_s"] = time.perf_counter() - started
    return {key: round(value, 2) for key, value in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cadres", type=int, default=5000)
    ap.add_argument("--suppliers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", help="default: a new temporary directory (a fresh database)")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="qinglian-bench-conflicts-")
    os.environ["QINGLIAN_DATA_DIR"] = data_dir
    os.environ["QINGLIAN_TASKS_IMMEDIATE"] = "1"  # "run a check now" runs the task at once, in this process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from qinglian.risks.models import ConflictMatch, Supplier

    call_command("migrate", verbosity=0)
    if Supplier.objects.exists():
        raise SystemExit(f"{data_dir} already holds suppliers: give a new --data-dir, or none for a fresh one")
    started = time.perf_counter()
    root, user, world = build(args.cadres, args.suppliers)
    generated = time.perf_counter() - started

    baselines, checks, results = [], [], []
    for round_number in range(args.repeat):
        baselines.append(baseline(root))
        elapsed, check = ours(root, user)
        checks.append(elapsed)
        results.append(check)
        if round_number == 0:  # decide the planted matches, so later rounds carry decisions over
            pairs = {(m, s) for m, s, _kind in world.planted}
            decided = [pk for pk, m, s in check.found.values_list("pk", "member_id", "supplier_id") if (m, s) in pairs]
            ConflictMatch.objects.filter(pk__in=decided).update(
                status="confirmed", note="bench", decided_by=user, decided_at=timezone.now()
            )
    check = results[-1]
    found = {(m, s): basis for m, s, basis in check.found.values_list("member_id", "supplier_id", "basis")}
    by_basis: dict[str, int] = {}
    for basis in found.values():
        by_basis[basis] = by_basis.get(basis, 0) + 1
    planted_found = [(m, s, kind) for m, s, kind in world.planted if (m, s) in found]
    basis_as_planted = sum(1 for m, s, kind in planted_found if found[(m, s)] == kind or kind == "credit_code")
    missed = [kind for m, s, kind in world.planted if (m, s) not in found]
    listed = [kind for m, s, kind in world.near_misses if (m, s) in found]
    carried = check.found.exclude(status="pending").count()
    known = {(m, s) for m, s, _kind in world.planted + world.near_misses}
    others = [
        {"basis": basis, "declared": declared, "supplier": name, "score": round(score, 2)}
        for m, s, basis, declared, name, score in check.found.values_list(
            "member_id", "supplier_id", "basis", "declared", "supplier__name", "score"
        )
        if (m, s) not in known
    ]
    result = {
        "benchmark": "conflicts",
        "database": connection.vendor,
        "cadres": args.cadres,
        "declarations": check.declarations,
        "suppliers": check.suppliers,
        "repeat": args.repeat,
        "generated_s": round(generated, 1),
        "baseline_s": round(statistics.median(baselines), 2),
        "check_s": round(statistics.median(checks), 2),
        "check_runs_s": [round(s, 2) for s in checks],
        "ratio": round(statistics.median(checks) / statistics.median(baselines), 1),
        "phases": phases(root),
        "matches": check.matches,
        "matches_by_basis": dict(sorted(by_basis.items())),
        "planted": len(world.planted),
        "planted_found": len(planted_found),
        "planted_found_on_their_basis": basis_as_planted,
        "planted_missed": missed,
        "near_misses": len(world.near_misses),
        "near_misses_listed": len(listed),
        "near_misses_listed_kinds": listed,
        "decisions_carried_over": carried,
        "other_matches": len(others),
        "other_matches_examples": others[:8],
        "goal_s": GOAL_S,
    }
    result["meets_goal"] = result["check_s"] < GOAL_S and not missed and not listed
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
