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

from qinglian.core.audit import audit_record
from qinglian.orgs.models import Member, Organisation, Role, RoleAssignment
from qinglian.orgs.services import full_pinyin, org_create, role_assign

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


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) if rng.random() < 0.3 else rng.choice(GIVEN) + rng.choice(GIVEN)
    return rng.choice(SURNAMES) + given


def _birth_and_joined(rng: random.Random, retired: bool) -> tuple[date, date]:
    age = rng.randint(62, 85) if retired else rng.randint(24, 59)
    birth = date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
    joined = birth + timedelta(days=365 * rng.randint(19, min(age - 1, 40)) + rng.randint(0, 364))
    return birth, min(joined, date(2026, 6, 30))


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
                name_pinyin=full_pinyin(name),
                gender="M" if rng.random() < 0.58 else "F",
                birth_date=birth,
                joined_on=today - timedelta(days=rng.randint(30, 330)) if probationary else joined,
                category=Member.Category.PROBATIONARY if probationary else Member.Category.FULL,
                post="" if retired else rng.choice(POSTS),
                phone=f"139{rng.randint(10000000, 99999999)}",
                is_cadre=not retired and rng.random() < 0.35,
            )
        )
        user_rows.append(User(username=f"m{n + 1:06d}", first_name=name, password=password))
    User.objects.bulk_create(user_rows, batch_size=2000)
    users = {u.username: u for u in User.objects.filter(username__in=[u.username for u in user_rows])}
    for n, member in enumerate(member_rows):
        member.user = users[f"m{n + 1:06d}"]
    Member.objects.bulk_create(member_rows, batch_size=2000)

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
                user=user, post={"branch_secretary": "处长"}.get(role_code, member.post)
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
