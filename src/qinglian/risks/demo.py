"""Integrity risks in the demo agency, through the services.

- The register: posts taken from the member register; last year's identification round with twenty-odd risk
  points at all three levels, each proposed, reviewed by its branch, given discipline inspection's opinion and
  approved, then closed; periodic reviews since (one raised the level and opened a rectification item, some
  are overdue); an audit finding linked to a point, which raised it for review. This year's round is open:
  last year's points copied, some approved again, some changed, one left out, two new, others at every step —
  one returned with a reason — and the demo member's post still to propose.
- Integrity files of a dozen cadres: last year's archived; this year's at every step. The demo secretary's
  basics went the whole way — submitted, returned by discipline inspection for a missing field, fixed,
  resubmitted, accepted, archived — and discipline inspection's readings of the file are in its access log.
- A supplier register of a few hundred companies with two planted true conflicts (a spouse's company under
  another way of writing its name, with the same credit code; a son who is the legal representative of a
  supplier, matched by identity number, which the cadre had not declared as a business) and one near-miss (a
  daughter's 恒信商贸 against the supplier 恒信达商贸, a different company); the check found the two and the
  first is confirmed.
- Integrity opinion replies: one signed before a promotion, one draft for a commendation.

Deterministic; runs once, after responsibility (whose rectification list the reviews write into).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from qinglian.core.lib import idcard
from qinglian.core.lib.dates import add_months
from qinglian.core.models import Notification
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks import demo_data
from qinglian.risks.models import (
    ConflictCheck,
    ConflictMatch,
    FileSection,
    IntegrityFile,
    OpinionReply,
    PointEvent,
    Post,
    RiskPoint,
    RiskReview,
    RiskRound,
    SectionEvent,
    Supplier,
)
from qinglian.risks.names import credit_code_make
from qinglian.risks.services import conflicts, files, follow_up, opinion, register, rounds, workflow
from qinglian.risks.vocab import IncidentKind, MatchStatus, PointStatus, ReplyPurpose, SectionKind


def load(*, members: int = 300) -> dict:
    """Add the demo's integrity risks unless they are there already (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        root = Organisation.objects.filter(code=ROOT_CODE).first()
        if root is None or RiskRound.objects.filter(organisation=root).exists():
            return {"loaded": False}
        started = timezone.now()
        with transaction.atomic():
            counts = _register(root)
        with transaction.atomic():
            counts.update(_files(root))
        with transaction.atomic():
            counts.update(_conflicts(root))
        with transaction.atomic():
            counts.update(_replies(root))
        # The notices the history sent were dealt with at the time: none is left in today's inboxes.
        Notification.objects.filter(created_at__gte=started, kind__startswith="risks.").delete()
        return {"loaded": True, **counts}


def _users() -> dict:
    return get_user_model().objects.in_bulk(["office", "inspector", "secretary", "member"], field_name="username")


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _branches(root: Organisation) -> dict[str, Organisation]:
    return {
        org.code.removeprefix(f"{ROOT_CODE}-").lower(): org
        for org in Organisation.objects.filter(code__startswith=f"{ROOT_CODE}-")
    }


def _post(branch: Organisation, preferred: list[str]) -> Post | None:
    posts = {p.name: p for p in Post.objects.filter(organisation=branch, is_active=True)}
    for name in preferred:
        if name in posts:
            return posts[name]
    return None


def _owners(branch: Organisation, post: Post | None, avoid: set[int]) -> list[Member]:
    holders = list(post.holders().exclude(user_id__in=avoid).order_by("pk")[:2]) if post else []
    others = list(
        Member.objects.filter(organisation=branch, status__in=ON_REGISTER, is_cadre=True)
        .exclude(user_id__in=avoid)
        .order_by("pk")[:4]
    )
    return holders + [m for m in others if m not in holders] or list(
        Member.objects.filter(organisation=branch, status__in=ON_REGISTER).exclude(user_id__in=avoid).order_by("pk")[:2]
    )


def _dated(since: datetime, day: date) -> None:
    """Give the events written since `since` the day of the story they belong to."""
    PointEvent.objects.filter(at__gte=since).update(at=_at(day))


def _step(point: RiskPoint, action: str, actor, day: date, **text) -> RiskPoint:
    since = timezone.now()
    point = workflow.point_transition(point=point, action=action, actor=actor, version=point.version, **text)
    _dated(since, day)
    stamp = _at(day)
    field = {"propose": "proposed_at", "review": "reviewed_at", "consult": "consulted_at", "approve": "approved_at"}
    if action in field:
        RiskPoint.objects.filter(pk=point.pk).update(**{field[action]: stamp})
    if action == "approve":
        point.next_review_on = add_months(day, point.review_months)
        RiskPoint.objects.filter(pk=point.pk).update(next_review_on=point.next_review_on)
    return point


def _through(point: RiskPoint, users: dict, days: list[date], *, until: str = "approve") -> RiskPoint:
    """Propose, review, consult and approve a point on the given days, stopping after `until`."""
    reviewer = users.get("secretary") if point.organisation.code.endswith("-BUDGET") else None
    steps = [
        ("propose", None, {}),
        ("review", reviewer, {}),
        ("consult", users.get("inspector"), {"opinion": demo_data.OPINION}),
        ("approve", users.get("office"), {}),
    ]
    for (action, actor, text), day in zip(steps, days, strict=False):
        point = _step(point, action, actor, day, **text)
        if action == until:
            break
    return point


def _create(risk_round: RiskRound, branch: Organisation, row, users: dict, day: date, avoid: set[int]):
    """Record one of the demo's points (None at a unit without anyone on its register to own the measures)."""
    _key, preferred, process, title, criteria, likelihood, impact, description, causes, measures = row
    post = _post(branch, preferred)
    owners = _owners(branch, post, avoid)
    if not owners:
        return None
    since = timezone.now()
    point = register.point_create(
        round=risk_round,
        organisation=branch,
        post=post,
        process=process,
        title=title,
        description=description,
        causes=causes,
        criteria=criteria,
        likelihood=likelihood,
        impact=impact,
        measures=[(text, owners[n % len(owners)], None) for n, text in enumerate(measures)],
        actor=users.get("office"),
    )
    _dated(since, day)
    RiskPoint.objects.filter(pk=point.pk).update(created_at=_at(day))
    return point


def _register(root: Organisation) -> dict:
    users = _users()
    office, inspector = users.get("office"), users.get("inspector")
    today = timezone.localdate()
    branches = _branches(root)
    avoid = {u.pk for u in (office, inspector) if u is not None}
    register.posts_sync(organisation=root, actor=office)

    # Last year's round: opened in spring, every point through to approval, closed.
    opened = today - timedelta(days=420)
    last = rounds.round_open(
        organisation=root,
        year=today.year - 1,
        title=f"{today.year - 1}年度廉政风险点排查",
        due_on=opened + timedelta(days=30),
        copy=False,
        actor=office,
        opened_on=opened,
    )
    points = []
    for n, row in enumerate(demo_data.RISKS):
        branch = branches.get(row[0])
        if branch is None:
            continue
        start = opened + timedelta(days=3 + n % 10)
        point = _create(last, branch, row, users, start, avoid)
        if point is None:
            continue
        days = [start + timedelta(days=d) for d in (2, 9, 16, 30)]
        points.append(_through(point, users, days))
    last = rounds.round_close(round=last, actor=office, version=last.version, on=opened + timedelta(days=60))

    # Reviews since: the level-1 points half-yearly (one found the measures not working), most others lately;
    # three are left overdue.
    reviews = 0
    for n, point in enumerate(points):
        point.refresh_from_db()
        if point.level == 1:
            day = point.next_review_on
        elif n % 4 == 3:
            continue
        else:
            day = today - timedelta(days=50 + n)
        raise_level = point.title == "预算资金分配中优亲厚友、暗箱操作"
        owner = point.measures.exclude(owner=None).first()
        since = timezone.now()
        follow_up.review_record(
            point=point,
            reviewed_on=day,
            measures_effective=not raise_level,
            conclusion=demo_data.REVIEW_RAISE if raise_level else demo_data.REVIEW_OK,
            level_after=point.level,
            actor=inspector if n % 2 else office,
            problem={
                "problem": "专项资金分配方案未经处务会集体研究即报批，分配依据留存不全。",
                "measures": "补开处务会集体研究并完善记录；建立专项资金分配台账。",
                "owner": owner.owner,
                "due_on": day + timedelta(days=60),
            }
            if raise_level and owner
            else None,
        )
        _dated(since, day)
        reviews += 1
    RiskReview.objects.filter(created_at__date=today).update(created_at=timezone.now() - timedelta(days=40))

    # This year's round: last year's register copied in, most of it taken through again.
    opened = today - timedelta(days=45)
    current = rounds.round_open(
        organisation=root,
        year=today.year,
        title=f"{today.year}年度廉政风险点排查",
        due_on=today + timedelta(days=15),
        actor=office,
        opened_on=opened,
    )
    PointEvent.objects.filter(point__round=current).update(at=_at(opened))
    copies = list(RiskPoint.objects.filter(round=current).select_related("organisation", "post").order_by("pk"))
    member_post = register.posts_held(Member.objects.filter(user=users.get("member")).first())
    member_posts = set(member_post.values_list("pk", flat=True)) if member_post is not None else set()
    for n, point in enumerate(copies):
        day = opened + timedelta(days=4 + n % 12)
        days = [day + timedelta(days=d) for d in (1, 6, 10, 14)]
        if point.post_id in member_posts:
            continue  # the demo member's post is still to be proposed
        owner = next((m.owner for m in point.measures.all() if m.owner), None)
        if n == 4 and owner is not None:
            point = register.point_update(
                point=point,
                version=point.version,
                actor=office,
                post=point.post,
                process=point.process,
                title="评审专家抽取和通知环节信息泄露",
                description=point.description + "重点关注电子评审系统上线后的账号管理。",
                causes=point.causes,
                criteria=[*point.criteria, "discretion"],
                likelihood=point.likelihood,
                impact=point.impact,
                measures=[{"id": m.pk, "text": m.text, "owner": m.owner} for m in point.measures.all() if m.owner]
                + [{"text": "电子评审系统账号实行“一人一号”，操作日志每月抽查", "owner": owner}],
            )
            _through(point, users, days, until="consult")
        elif n == 7:
            since = timezone.now()
            workflow.point_transition(
                point=point,
                action="withdraw",
                actor=office,
                version=point.version,
                comment="岗位职责已调整，该风险点并入国库处相关风险点。",
            )
            _dated(since, day)
        elif n % 5 == 0:
            _through(point, users, days, until="propose")
        elif n % 5 == 1:
            point = _through(point, users, days, until="review")
            if n == 6:
                _step(point, "return", office, days[2], comment="防控措施过于笼统，请细化到具体环节和责任人。")
        elif n % 5 == 2:
            _through(point, users, days, until="consult")
        elif n % 5 == 3:
            _through(point, users, days)
        # n % 5 == 4: left as the copied draft
    for n, row in enumerate(demo_data.NEW_RISKS):
        branch = branches.get(row[0])
        if branch is not None:
            day = opened + timedelta(days=20 + n)
            point = _create(current, branch, row, users, day, avoid)
            if point is not None:
                _through(
                    point, users, [day + timedelta(days=1), day + timedelta(days=5)], until="review" if n else "propose"
                )

    # An audit finding at a point on the register raised it for review.
    found = RiskPoint.objects.filter(round=last, title="评审专家抽取信息泄露").first()
    if found is not None:
        since = timezone.now()
        follow_up.incident_link(
            point=found,
            kind=IncidentKind.AUDIT,
            description="市审计局专项审计发现：2个项目评审专家名单在开标前被泄露，供应商提前联系专家。",
            occurred_on=today - timedelta(days=20),
            actor=inspector,
        )
        _dated(since, today - timedelta(days=18))
    return {
        "risk_points": RiskPoint.objects.filter(round__organisation=root).count(),
        "risk_reviews": reviews,
        "approved_this_year": RiskPoint.objects.filter(round=current, status=PointStatus.APPROVED).count(),
    }


# --- integrity files ------------------------------------------------------------------------------------------

CADRE_BRANCHES = ["budget", "procurement", "review", "treasury", "it", "tax", "payment", "accounting", "office"]


def _cadres(root: Organisation, users: dict) -> list[Member]:
    """The demo secretary (a cadre) first, then cadres of the business branches: a dozen in all."""
    branches = _branches(root)
    chosen = [m for m in Member.objects.filter(user=users.get("secretary"), is_cadre=True)]
    for key in CADRE_BRANCHES:
        branch = branches.get(key)
        if branch is None:
            continue
        found = (
            Member.objects.filter(organisation__path__startswith=branch.path, is_cadre=True, status__in=ON_REGISTER)
            .exclude(pk__in=[m.pk for m in chosen])
            .exclude(birth_date=None)
            .order_by("pk")
        )
        chosen += list(found[: 2 if key in ("procurement", "review", "budget") else 1])
    return chosen[:12]


def _person_id(rng: random.Random, born: date, male: bool) -> str:
    return idcard.make(rng.choice(["360102", "360103", "360111", "360121"]), born, rng.randrange(0, 499) * 2 + male)


def _family(rng: random.Random, cadre: Member) -> list[dict]:
    """Spouse and one child, with identity numbers; the child of an older cadre is grown up and working."""
    born = cadre.birth_date
    spouse_born = born.replace(year=born.year + rng.choice([-2, -1, 1, 2]), day=min(born.day, 28))
    child_born = date(
        min(born.year + 27 + rng.randrange(0, 5), date.today().year - 2), rng.randrange(1, 13), rng.randrange(1, 28)
    )
    spouse_male = cadre.gender != "M"
    child_male = rng.random() < 0.5
    surname = cadre.name[0]
    rows = [
        {
            "relation": "spouse",
            "name": rng.choice(demo_data.SURNAMES) + rng.choice(demo_data.GIVEN) + rng.choice(demo_data.GIVEN),
            "birth_date": spouse_born.isoformat(),
            "id_number": _person_id(rng, spouse_born, spouse_male),
            "political_status": rng.choice(["中共党员", "群众"]),
            "employer": rng.choice(["江州市第一中学", "江州市人民医院", "江州银行", "江州市自然资源局"]),
            "position": rng.choice(["教师", "医生", "职员", "科员"]),
        },
        {
            "relation": "son" if child_male else "daughter",
            "name": surname + rng.choice(demo_data.GIVEN) + rng.choice(demo_data.GIVEN),
            "birth_date": child_born.isoformat(),
            "id_number": _person_id(rng, child_born, child_male),
            "political_status": "群众",
            "employer": "" if child_born.year > date.today().year - 22 else "江州市某企业",
            "position": "",
        },
    ]
    return rows


def _content(rng: random.Random, cadre: Member, year: int) -> dict[str, dict]:
    """What a cadre declares in each section of a year's file."""
    start = date(year - 6 - rng.randrange(0, 5), rng.randrange(1, 13), 1)
    department = cadre.department.name if cadre.department_id else "本处室"
    district = rng.choice(["东湖区", "西湖区", "青山湖区"])
    return {
        SectionKind.BASICS: {
            "post": cadre.post or "处长",
            "rank": cadre.rank,
            "post_since": start.isoformat(),
            "responsibilities": f"负责{department}全面工作及党风廉政建设",
            "political_status": "中共党员",
            "joined_on": cadre.joined_on.isoformat() if cadre.joined_on else "",
        },
        SectionKind.FAMILY: {"members": _family(rng, cadre)},
        SectionKind.POSTS: {
            "posts": [
                {"start": start.isoformat(), "end": "", "unit": "江州市财政局", "post": cadre.post or "处长"},
                {
                    "start": date(start.year - 5, 3, 1).isoformat(),
                    "end": date(start.year, start.month, 1).isoformat(),
                    "unit": "江州市财政局",
                    "post": "副处长",
                },
            ]
        },
        SectionKind.PERSONAL_MATTERS: {
            "other": "",
            "passports": [
                {
                    "document": "passport",
                    "number": f"E{rng.randrange(10**7, 10**8)}",
                    "issued_on": f"{year - 3}-05-10",
                    "kept_by": "局人事处",
                }
            ],
            "trips": [
                {
                    "destination": "日本",
                    "start": f"{year}-02-10",
                    "end": f"{year}-02-16",
                    "reason": "春节假期探亲旅游",
                    "approved_by": "局人事处",
                }
            ]
            if rng.random() < 0.3
            else [],
            "marriage": [],
            "emigration": [],
            "businesses": [],
        },
        SectionKind.INCOME_PROPERTY: {
            "salary": str(rng.randrange(150, 220) * 1000),
            "other_income": str(rng.choice([0, 0, 2000, 3600])),
            "housing": f"江州市{district}住房一套，{rng.randrange(90, 140)}平方米，购买商品房，自住",
            "investments": rng.choice(["无", "银行理财产品约10万元", "基金约5万元"]),
        },
        SectionKind.WEDDINGS_FUNERALS: {
            "events": [
                {
                    "occasion": "funeral",
                    "date": f"{year}-04-03",
                    "place": "江州市",
                    "guests": "30",
                    "gifts": "0",
                    "reported": True,
                    "note": "父亲丧事从简，未收受礼金",
                }
            ]
            if rng.random() < 0.2
            else []
        },
        SectionKind.GIFTS: {
            "gifts": [
                {
                    "date": f"{year}-09-20",
                    "giver": "某项目单位",
                    "items": "购物卡2张",
                    "value": "2000",
                    "handed_to": "驻局纪检监察组",
                    "note": "当场拒收未果，次日上交",
                }
            ]
            if rng.random() < 0.3
            else []
        },
    }


def _section_step(section: FileSection, verb: str, actor, day: date, reason: str = "") -> FileSection:
    since = timezone.now()
    moves = {
        "submit": files.section_submit,
        "return": files.section_return,
        "accept": files.section_accept,
        "archive": files.section_archive,
    }
    extra = {"reason": reason} if verb == "return" else {}
    section = moves[verb](section=section, version=section.version, actor=actor, **extra)
    stamp = _at(day)
    SectionEvent.objects.filter(section=section, at__gte=since).update(at=stamp)
    field = {"submit": "submitted_at", "return": "reviewed_at", "accept": "reviewed_at", "archive": "archived_at"}[verb]
    FileSection.objects.filter(pk=section.pk).update(**{field: stamp, "updated_at": stamp})
    return section


def _save(section: FileSection, data: dict, actor, day: date) -> FileSection:
    since = timezone.now()
    section = files.section_save(section=section, data=data, actor=actor, version=section.version)
    SectionEvent.objects.filter(section=section, at__gte=since).update(at=_at(day, 9))
    FileSection.objects.filter(pk=section.pk).update(updated_at=_at(day, 9))
    return section


def _files(root: Organisation) -> dict:
    users = _users()
    inspector = users.get("inspector")
    today = timezone.localdate()
    rng = random.Random(2026)
    cadres = _cadres(root, users)
    opened = 0
    for n, cadre in enumerate(cadres):
        cadre_user = cadre.user if cadre.user_id else None
        # Last year's file: all declared, reviewed and archived in spring.
        for year, base in ((today.year - 1, date(today.year - 1, 3, 1)), (today.year, today - timedelta(days=40))):
            file = files.file_open(member=cadre, year=year, actor=inspector)
            IntegrityFile.objects.filter(pk=file.pk).update(created_at=_at(base))
            opened += 1
            content = _content(rng, cadre, year)
            if n == 1:  # the planted conflict: the spouse's company, declared with its credit code
                content[SectionKind.PERSONAL_MATTERS]["businesses"] = [
                    _business(content, "spouse", demo_data.CONFLICT_BUSINESS["declared"], CONFLICT_CODE)
                ]
            if n == 2:  # the near-miss: the daughter's trading company, another company than the supplier
                content[SectionKind.PERSONAL_MATTERS]["businesses"] = [
                    _business(content, None, demo_data.NEAR_MISS["declared"], "")
                ]
            sections = {s.kind: s for s in file.sections.all()}
            for m, (kind, data) in enumerate(content.items()):
                section = sections[kind]
                day = base + timedelta(days=m % 3)
                if year == today.year and cadre_user is not None and kind == SectionKind.BASICS:
                    _story(section, data, cadre_user, inspector, day)
                    continue
                story = _plan(n, m, year == today.year)
                if n in (1, 2, 3) and kind in (SectionKind.FAMILY, SectionKind.PERSONAL_MATTERS) and story == "draft":
                    story = "submitted"  # what the conflict check reads has been declared
                if story == "draft":
                    continue
                section = _save(section, data, cadre_user, day)
                section = _section_step(section, "submit", cadre_user, day)
                if story == "submitted":
                    continue
                section = _section_step(section, "accept", inspector, day + timedelta(days=5))
                if story == "archived":
                    _section_step(section, "archive", inspector, day + timedelta(days=12))
    # Discipline inspection read the demo secretary's file while reviewing it: the access log shows each reading.
    mine = IntegrityFile.objects.filter(member__user=users.get("secretary"), year=today.year).first()
    if mine is not None and inspector is not None:
        files.file_view_record(user=inspector, file=mine, what="file")
        basics = mine.sections.get(kind=SectionKind.BASICS)
        files.file_view_record(user=inspector, file=mine, what="section", section=basics)
    return {"cadres_with_files": len(cadres), "integrity_files": opened}


def _plan(n: int, m: int, this_year: bool) -> str:
    """Where a section stands: last year's all archived; this year's spread over every state."""
    if not this_year:
        return "archived"
    return ["archived", "accepted", "submitted", "submitted", "draft", "accepted", "draft"][(n + m) % 7]


def _story(section: FileSection, data: dict, cadre_user, inspector, day: date) -> None:
    """Submitted without the work in charge, returned, fixed, resubmitted, accepted, archived."""
    section = _save(section, {**data, "responsibilities": ""}, cadre_user, day)
    section = _section_step(section, "submit", cadre_user, day)
    section = _section_step(section, "return", inspector, day + timedelta(days=3), demo_data.RETURN_REASON)
    section = _save(section, data, cadre_user, day + timedelta(days=5))
    section = _section_step(section, "submit", cadre_user, day + timedelta(days=5))
    section = _section_step(section, "accept", inspector, day + timedelta(days=9))
    _section_step(section, "archive", inspector, day + timedelta(days=20))


def _business(content: dict, relation: str | None, company: str, code: str) -> dict:
    family = content[SectionKind.FAMILY]["members"]
    person = next((row for row in family if row["relation"] == relation), None) or family[-1]
    return {
        "relation": person["relation"],
        "person": person["name"],
        "company": company,
        "credit_code": code,
        "role": "owner",
        "scope": "建筑工程施工" if code else "日用百货批发零售",
        "capital": "500" if code else "50",
        "share": "60",
    }


# --- suppliers and the conflict check ---------------------------------------------------------------------------

CONFLICT_CODE = credit_code_make("91360100MA35K8Q2X")


def _code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return credit_code_make("9136010" + rng.choice("0123456789") + "".join(rng.choice(alphabet) for _ in range(9)))


def _conflicts(root: Organisation) -> dict:
    users = _users()
    inspector = users.get("inspector")
    today = timezone.localdate()
    rng = random.Random(37001)
    rows, codes = [], {CONFLICT_CODE}
    for trade in demo_data.TRADE_NAMES:
        for industry, scope, kind in rng.sample(demo_data.INDUSTRIES, 5):
            code = _code(rng)
            while code in codes:
                code = _code(rng)
            codes.add(code)
            name = f"江州市{trade}{industry}有限公司" if rng.random() < 0.7 else f"{trade}{industry}（江州）有限公司"
            legal = rng.choice(demo_data.SURNAMES) + rng.choice(demo_data.GIVEN) + rng.choice(demo_data.GIVEN)
            rows.append(
                {"name": name, "credit_code": code, "kind": kind, "legal_representative": legal, "business": scope}
            )
    # The son of the third cadre is the legal representative of an IT company the bureau buys from.
    cadres = _cadres(root, users)
    son = None
    if len(cadres) > 3:
        family = IntegrityFile.objects.filter(member=cadres[3]).order_by("-year").first()
        rows_ = family.sections.get(kind=SectionKind.FAMILY).data.get("members", []) if family else []
        son = next((r for r in rows_ if r["relation"] in ("son", "daughter")), None)
    if son is not None:
        rows.append(
            {
                "name": demo_data.CONFLICT_SON["company"],
                "credit_code": _code(rng),
                "kind": "service",
                "legal_representative": son["name"],
                "legal_rep_id_number": _decrypted(son),
                "business": demo_data.CONFLICT_SON["business"],
            }
        )
    rows.append(
        {
            "name": demo_data.CONFLICT_BUSINESS["supplier"],
            "credit_code": CONFLICT_CODE,
            "kind": "contractor",
            "legal_representative": "周建国",
            "business": demo_data.CONFLICT_BUSINESS["business"],
        }
    )
    rows.append(
        {
            "name": demo_data.NEAR_MISS["supplier"],
            "credit_code": _code(rng),
            "kind": "supplier",
            "legal_representative": "吴德明",
            "business": demo_data.NEAR_MISS["business"],
        }
    )
    for row in rows:
        conflicts.supplier_create(organisation=root, actor=inspector, **row)
    Supplier.objects.filter(organisation=root).update(created_at=_at(today - timedelta(days=30)))
    check = ConflictCheck.objects.create(organisation=root, started_by=inspector)
    check = conflicts.check_execute(check=check)
    ConflictCheck.objects.filter(pk=check.pk).update(
        started_at=_at(today - timedelta(days=7)), finished_at=_at(today - timedelta(days=7)) + timedelta(seconds=3)
    )
    first = ConflictMatch.objects.filter(check_run=check, supplier__credit_code=CONFLICT_CODE).first()
    if first is not None:
        conflicts.match_decide(
            match=first,
            status=MatchStatus.CONFIRMED,
            note="经核实，该公司为本人配偶控股企业，2026年承接局机关办公楼维修工程，本人未按规定回避。已移交驻局纪检监察组处理。",
            actor=inspector,
            version=first.version,
        )
    return {"suppliers": len(rows), "possible_conflicts": ConflictMatch.objects.filter(check_run=check).count()}


def _decrypted(row: dict) -> str:
    from qinglian.core import crypto

    return crypto.decrypt(row["id_number_cipher"]) if row.get("id_number_cipher") else ""


# --- integrity opinion replies --------------------------------------------------------------------------------


def _replies(root: Organisation) -> dict:
    users = _users()
    inspector = users.get("inspector")
    cadres = _cadres(root, users)
    if inspector is None or not cadres:
        return {}
    today = timezone.localdate()
    signed = opinion.reply_compile(
        member=cadres[0], purpose=ReplyPurpose.PROMOTION, requested_by="局党组（人事处）", actor=inspector
    )
    signed = opinion.reply_sign(
        reply=signed,
        signer_title="中共江州市纪委监委驻市财政局纪检监察组",
        number=f"纪检组廉复〔{today.year}〕5号",
        actor=inspector,
        version=signed.version,
    )
    OpinionReply.objects.filter(pk=signed.pk).update(
        created_at=_at(today - timedelta(days=6)), signed_at=_at(today - timedelta(days=5), 15)
    )
    draft = None
    if len(cadres) > 1:
        draft = opinion.reply_compile(
            member=cadres[1], purpose=ReplyPurpose.COMMENDATION, requested_by="局机关党委", actor=inspector
        )
    return {"opinion_replies": 1 + (draft is not None)}
