"""The demo organisation: a city finance bureau's agency Party committee with its branches,
Party groups, ~300 members with plausible names, and a login for every role.

Deterministic (seeded), so screenshots and tests see the same people every time. `--members N`
scales the register up for benchmarks; members are written in bulk, not one service call each.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.core.lib import idcard
from qinglian.core.lib.dates import add_months
from qinglian.orgs.models import Member, MemberStatusChange, Organisation, Role, RoleAssignment
from qinglian.orgs.services import full_pinyin, org_create, role_assign
from qinglian.orgs.vocab import CadreLevel, Education, MemberStatus, PartyPost

DEMO_PASSWORD = "demo123"
ROOT_CODE = "JZCZ"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏飞宇浩凯晨晓雪琳瑶欣怡佳慧婷颖嘉鑫"
    "志国海峰斌波宁昊然子轩思远雨涵梓萱振东立新春燕兰凤丹亮宏林德远瑞祥海燕永健晓东卫东海涛丽君晓红国庆"
)

# (name, short name, kind, parent key, groups) -- the parent key refers to an earlier row.
TREE = [
    ("root", "江州市财政局机关委员会", "局机关党委", "committee", None, 0),
    ("gb1", "江州市财政局机关第一党总支", "机关一总支", "general_branch", "root", 0),
    ("gb2", "江州市财政局机关第二党总支", "机关二总支", "general_branch", "root", 0),
    ("gb3", "江州市财政局直属单位党总支", "直属单位总支", "general_branch", "root", 0),
    ("office", "办公室党支部", "办公室支部", "branch", "gb1", 2),
    ("general", "综合处党支部", "综合处支部", "branch", "gb1", 0),
    ("budget", "预算处党支部", "预算处支部", "branch", "gb1", 2),
    ("treasury", "国库处党支部", "国库处支部", "branch", "gb1", 0),
    ("tax", "税政处党支部", "税政处支部", "branch", "gb2", 0),
    ("accounting", "会计处党支部", "会计处支部", "branch", "gb2", 0),
    ("procurement", "政府采购管理处党支部", "采购处支部", "branch", "gb2", 2),
    ("supervision", "监督评价局党支部", "监督评价局支部", "branch", "gb2", 0),
    ("review", "财政投资评审中心党支部", "评审中心支部", "branch", "gb3", 2),
    ("payment", "国库支付中心党支部", "支付中心支部", "branch", "gb3", 0),
    ("it", "财政信息中心党支部", "信息中心支部", "branch", "gb3", 0),
    ("retired", "离退休干部党支部", "离退休支部", "branch", "root", 2),
]

POSTS = [
    "处长",
    "副处长",
    "一级主任科员",
    "二级主任科员",
    "四级主任科员",
    "一级科员",
    "科员",
    "主任",
    "副主任",
    "工程师",
]

# Address codes (the first six ID digits) of the fictional city's districts and counties.
ADDRESS_CODES = ["360102", "360103", "360104", "360105", "360111", "360112", "360121", "360123", "360124"]
NATIVE_PLACES = [
    "江西江州",
    "江西南昌",
    "江西九江",
    "江西赣州",
    "江西上饶",
    "江西吉安",
    "湖南长沙",
    "湖北武汉",
    "安徽安庆",
    "福建龙岩",
    "浙江衢州",
    "广东梅州",
]
# (ethnicity, weight): mostly Han, as in most agencies.
ETHNICITY_WEIGHTS = [("汉族", 93), ("回族", 2), ("满族", 1), ("壮族", 1), ("土家族", 1), ("苗族", 1), ("畲族", 1)]
EDUCATION_WEIGHTS = [
    (Education.POSTGRADUATE, 22),
    (Education.UNDERGRADUATE, 58),
    (Education.COLLEGE, 14),
    (Education.SECONDARY_VOCATIONAL, 3),
    (Education.HIGH_SCHOOL, 3),
]
RETIRED_EDUCATION_WEIGHTS = [
    (Education.UNDERGRADUATE, 30),
    (Education.COLLEGE, 30),
    (Education.SECONDARY_VOCATIONAL, 15),
    (Education.HIGH_SCHOOL, 15),
    (Education.JUNIOR_OR_BELOW, 10),
]
# post -> (rank, cadre level or "")
RANKS = {
    "处长": ("正处级", CadreLevel.COUNTY),
    "副处长": ("副处级", CadreLevel.COUNTY),
    "主任": ("正处级", CadreLevel.COUNTY),
    "副主任": ("副处级", CadreLevel.COUNTY),
    "一级主任科员": ("一级主任科员", CadreLevel.TOWNSHIP),
    "二级主任科员": ("二级主任科员", CadreLevel.TOWNSHIP),
    "四级主任科员": ("四级主任科员", CadreLevel.TOWNSHIP),
    "一级科员": ("一级科员", ""),
    "科员": ("二级科员", ""),
    "工程师": ("专业技术十级", ""),
}
LOGIN_PARTY_POSTS = {
    "branch_secretary": PartyPost.SECRETARY,
    "org_commissioner": PartyPost.ORGANISATION,
    "propaganda_commissioner": PartyPost.PROPAGANDA,
    "discipline_commissioner": PartyPost.DISCIPLINE,
}

# login, role, organisation key, include subtree, name
LOGINS = [
    ("admin", "administrator", "root", True, "管理员"),
    ("office", "committee_office", "root", True, None),
    ("inspector", "discipline_staff", "root", True, None),
    ("auditor", "auditor", "root", True, "审计员"),
    ("liaison", "department_liaison", "root", True, None),
    ("secretary", "branch_secretary", "budget", True, None),
    ("organiser", "org_commissioner", "budget", True, None),
    ("propagandist", "propaganda_commissioner", "budget", True, None),
    ("discipline", "discipline_commissioner", "budget", True, None),
    ("member", "member", "budget", True, None),
]


def is_loaded() -> bool:
    return Organisation.objects.filter(code=ROOT_CODE).exists()


def _pinyin(name: str, cache: dict) -> str:
    """full_pinyin(name), worked out once per surname and once per given name: on a large register
    given names repeat where whole names do not (the surname is always one character here)."""
    parts = []
    for part in (name[:1], name[1:]):
        if part not in cache:
            cache[part] = full_pinyin(part)
        parts.append(cache[part])
    return " ".join(parts)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.3 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _birth_and_joined(rng: random.Random, retired: bool) -> tuple[date, date]:
    age = rng.randint(62, 85) if retired else rng.randint(24, 59)
    birth = date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
    joined = birth + timedelta(days=365 * rng.randint(19, min(age - 1, 40)) + rng.randint(0, 364))
    return birth, min(joined, date(2026, 6, 30))


def _cumulative(pairs) -> tuple[list, list]:
    values, totals, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        totals.append(total)
    return values, totals


ETHNICITY_CUMULATIVE = _cumulative(ETHNICITY_WEIGHTS)
EDUCATION_CUMULATIVE = _cumulative(EDUCATION_WEIGHTS)
RETIRED_EDUCATION_CUMULATIVE = _cumulative(RETIRED_EDUCATION_WEIGHTS)


def _weighted(rng: random.Random, cumulative) -> str:
    values, totals = cumulative
    return rng.choices(values, cum_weights=totals)[0]


def _fill_register(member: Member, rng: random.Random, retired: bool, issued: set) -> None:
    """Ethnicity, native place, education, rank, cadre level and a valid, unique, encrypted ID number."""
    member.ethnicity = _weighted(rng, ETHNICITY_CUMULATIVE)
    member.native_place = rng.choice(NATIVE_PLACES)
    member.education = _weighted(rng, RETIRED_EDUCATION_CUMULATIVE if retired else EDUCATION_CUMULATIVE)
    rank, level = RANKS.get(member.post, ("", ""))
    member.rank = rank
    member.cadre_level = level if member.is_cadre else ""
    address = rng.choice(ADDRESS_CODES)
    sequence = rng.randrange(0, 500) * 2 + (1 if member.gender == "M" else 0)
    while (address, member.birth_date, sequence) in issued:
        sequence = (sequence + 2) % 1000
    issued.add((address, member.birth_date, sequence))
    number = idcard.make(address, member.birth_date, sequence)
    member.id_number_cipher = crypto.encrypt(number)
    member.id_number_index = crypto.blind_index(number)
    member.id_number_masked = idcard.mask(number)
    member.status_since = member.joined_on


def _in(member: Member, branch: Organisation, groups: dict) -> bool:
    return member.organisation == branch or member.organisation in groups.get("budget", [])


def _showcase(rows: list[Member], budget: list[int], orgs: dict) -> list[tuple[Member, dict]]:
    """Give a few members what the register's pages and reminders should show: probation steps
    falling due within weeks (dated from the real today, so the demo stays current), one overdue
    approval, a retained membership, a death in the retired branch, a mobile and an unreachable member.
    Returns the status-history rows to write once the members have ids."""
    today = timezone.localdate()
    history = []
    spare = budget[len([1 for _u, _r, key, *_x in LOGINS if key == "budget"]) :]
    probation_joined = [add_months(today + timedelta(days=30 + d), -12) for d in (6, 13, 20)]
    probation_joined.append(add_months(add_months(today, -3) - timedelta(days=12), -12))  # approval overdue
    for n, joined in zip(spare, probation_joined, strict=False):
        member = rows[n]
        member.category, member.joined_on, member.status_since = Member.Category.PROBATIONARY, joined, joined
        member.full_member_on = None
    if len(spare) > len(probation_joined):
        member = rows[spare[len(probation_joined)]]
        member.status, member.status_since = MemberStatus.RETAINED, date(2025, 9, 1)
        history.append(
            (member, {"status": MemberStatus.RETAINED, "effective_on": date(2025, 9, 1),
                      "reason": "出国留学两年，本人申请，经支部党员大会讨论、机关党委批准保留党籍。"})
        )  # fmt: skip
    others = [m for m in rows if m.organisation.path.startswith(orgs["tax"].path)]
    retired = [m for m in rows if m.organisation.path.startswith(orgs["retired"].path)]
    if others:
        others[0].is_mobile = True
        others[-1].is_lost_contact = True
    if retired:
        member = retired[0]
        member.status, member.status_since = MemberStatus.DECEASED, date(2026, 8, 14)
        history.append(
            (
                member,
                {"status": MemberStatus.DECEASED, "effective_on": date(2026, 8, 14), "reason": "因病医治无效逝世。"},
            )
        )
    return history


def demo_logins() -> list[tuple[str, str, str]]:
    """(login, role in Chinese, role in English) for each demo login."""
    names = {r.code: (r.name_zh, r.name_en) for r in Role.objects.all()}
    return [(username, *names.get(role, (role, role))) for username, role, *_rest in LOGINS]


@transaction.atomic
def load(*, members: int = 300) -> dict:
    """Create the demo organisation unless it is already there; returns what the command prints."""
    if is_loaded():
        return {"loaded": False, "logins": demo_logins(), "password": DEMO_PASSWORD}
    rng = random.Random(20261129)
    User = get_user_model()
    orgs: dict[str, Organisation] = {}
    for key, name, short, kind, parent, _groups in TREE:
        orgs[key] = org_create(
            name=name,
            short_name=short,
            kind=kind,
            parent=orgs.get(parent),
            actor=None,
            code=ROOT_CODE if key == "root" else f"{ROOT_CODE}-{key.upper()}",
        )
    groups: dict[str, list[Organisation]] = {}
    for key, _full_name, short, _kind, _parent, n_groups in TREE:
        groups[key] = [
            org_create(name=f"{short}第{'一二三'[i]}党小组", kind="group", parent=orgs[key], actor=None)
            for i in range(n_groups)
        ]
    branches = [key for key, *_rest in TREE if orgs[key].kind == "branch"]

    password = make_password(DEMO_PASSWORD)
    today = date(2026, 11, 29)
    member_rows, user_rows = [], []
    detail_rng, issued, pinyin_of = random.Random(20261130), set(), {}
    for n in range(members):
        # The first few go to the budget branch, where the demo's branch-level logins sit.
        key = "budget" if n < len(LOGINS) else branches[n % len(branches)]
        retired = key == "retired"
        home = rng.choice(groups[key]) if groups[key] and rng.random() < 0.85 else orgs[key]
        name = _name(rng)
        birth, joined = _birth_and_joined(rng, retired)
        probationary = not retired and rng.random() < 0.04
        member_rows.append(
            Member(
                organisation=home,
                name=name,
                name_pinyin=_pinyin(name, pinyin_of),
                gender="M" if rng.random() < 0.58 else "F",
                birth_date=birth,
                joined_on=today - timedelta(days=rng.randint(30, 330)) if probationary else joined,
                category=Member.Category.PROBATIONARY if probationary else Member.Category.FULL,
                post="" if retired else rng.choice(POSTS),
                phone=f"139{rng.randint(10000000, 99999999)}",
                is_cadre=not retired and rng.random() < 0.35,
            )
        )
        _fill_register(member_rows[-1], detail_rng, retired, issued)
        user_rows.append(User(username=f"m{n + 1:06d}", first_name=name, password=password))
    User.objects.bulk_create(user_rows, batch_size=2000)
    users = {u.username: u for u in User.objects.filter(username__in=[u.username for u in user_rows])}
    for n, member in enumerate(member_rows):
        member.user = users[f"m{n + 1:06d}"]
    history = _showcase(member_rows, [n for n, m in enumerate(member_rows) if _in(m, orgs["budget"], groups)], orgs)
    Member.objects.bulk_create(member_rows, batch_size=2000)
    MemberStatusChange.objects.bulk_create([MemberStatusChange(member=m, **change) for m, change in history])

    member_role = Role.objects.get(code="member")
    branch_of = {g.pk: orgs[key] for key, gs in groups.items() for g in gs}
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                user_id=m.user_id,
                role=member_role,
                organisation=branch_of.get(m.organisation_id, m.organisation),
                include_subtree=True,
                valid_from=date(2020, 1, 1),
            )
            for m in member_rows
        ],
        batch_size=2000,
    )

    roles = {r.code: r for r in Role.objects.all()}
    budget_members = iter(m for m in member_rows if branch_of.get(m.organisation_id, m.organisation) == orgs["budget"])
    for username, role_code, org_key, subtree, label in LOGINS:
        if label is None:
            member = next(budget_members) if org_key == "budget" else None
            label = member.name if member else _name(rng)
        else:
            member = None
        user = User.objects.create(
            username=username, first_name=label, password=password, email=f"{username}@jzcz.example.cn"
        )
        if member is not None:
            Member.objects.filter(pk=member.pk).update(
                user=user,
                post={"branch_secretary": "处长"}.get(role_code, member.post),
                party_post=LOGIN_PARTY_POSTS.get(role_code, ""),
            )
            User.objects.filter(pk=member.user_id).delete()  # the placeholder login it had
        role_assign(
            user=user,
            role=roles[role_code],
            organisation=orgs[org_key],
            include_subtree=subtree,
            actor=None,
            valid_from=date(2024, 1, 1),
        )
    audit_record(
        actor=None,
        action="demo.load",
        obj=orgs["root"],
        changes={"organisations": Organisation.objects.count(), "members": members},
    )
    return {"loaded": True, "logins": demo_logins(), "password": DEMO_PASSWORD}
