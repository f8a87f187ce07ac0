"""Rectification in the demo agency, through the services: problems from the municipal inspection tour, the
internal audit, the discipline group's supervision, the integrity-risk review, the appraisal of members and a
case used as a warning, spread over the branches and in every state -- closed after a few weeks, awaiting
verification, being rectified, overdue, reopened. Evidence is a Word report of what was done (and, where the
branch held one, a link to its committee meeting). The demo member (预算处) owns an item due next week, one
awaiting verification and one closed.

Deterministic; runs once, after organisational life (whose life meetings add their own items).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from qinglian.core.links import record_search
from qinglian.core.models import Notification
from qinglian.core.registry import registry
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.rectification.models import Event, Evidence, Item
from qinglian.rectification.services import items as services
from qinglian.rectification.vocab import Source
from qinglian.reports import docx

# source, source document, [(problem, measures)]
FINDINGS = [
    (
        Source.INSPECTION,
        "市委第三巡察组对局党组巡察反馈意见",
        [
            (
                "“三会一课”记录不规范，部分支部委员会会议记录缺少议题和表决情况",
                "制定会议记录规范，支委会会议逐项记录议题、讨论和表决情况，每季度由总支抽查",
            ),
            (
                "党建工作与业务工作结合不紧，年度党建工作计划未体现业务重点",
                "重新修订年度党建工作计划，明确与预算编制、资金监管等业务结合的具体举措",
            ),
            (
                "落实意识形态工作责任制不到位，未按要求开展分析研判",
                "每半年召开一次意识形态工作专题会议，形成分析研判报告",
            ),
            (
                "党员发展工作程序不严格，个别发展对象培养考察材料不全",
                "对近三年发展党员档案逐一核查，补齐培养考察材料，健全发展党员全程纪实",
            ),
        ],
    ),
    (
        Source.AUDIT,
        "局内部审计处2025年度专项审计报告",
        [
            ("党费收缴、使用和管理不规范，存在未按月收缴情况", "建立党费收缴台账，按月收缴并公示，年底前完成补缴"),
            ("公务接待审批手续不全，个别接待无公函", "严格执行公务接待审批制度，补齐审批手续，每季度自查一次"),
            ("政府采购项目验收资料缺失", "补全验收资料，建立采购项目验收归档制度"),
        ],
    ),
    (
        Source.SUPERVISION,
        "驻局纪检监察组监督检查通报",
        [
            (
                "中央八项规定精神落实不到位，节假日公车管理存在漏洞",
                "完善公车使用登记和节假日封存制度，纪检委员节前专项检查",
            ),
            (
                "廉政谈话开展不够经常，谈话记录过于简单",
                "支部书记每半年与每名委员和党员至少谈话一次，记录谈话要点和整改要求",
            ),
        ],
    ),
    (
        Source.RISK_REVIEW,
        "2025年廉政风险排查",
        [
            ("预算评审环节自由裁量权较大，缺少集体研究程序", "制定评审结论集体研究规则，重大项目评审结果经集体审议"),
            ("专项资金拨付前审核把关不严", "建立资金拨付前双人复核机制，系统留痕"),
        ],
    ),
    (
        Source.APPRAISAL,
        "民主评议党员结果反馈",
        [
            ("个别党员参加组织生活不经常，学习笔记不全", "支部书记谈心谈话，建立学习督促提醒机制，纳入年度评议"),
        ],
    ),
    (
        Source.CASE,
        "以案促改：某区财政局干部违规收受礼金案通报",
        [
            (
                "对身边典型案例警示教育不深入，查找风险点不具体",
                "召开以案促改专题组织生活会，逐岗查找廉政风险点并制定防控措施",
            ),
        ],
    ),
]
# The states the items end in, in turn: mostly closed, some awaiting verification, being rectified, overdue and
# reopened -- what a year of rectification looks like.
STATES = ["closed", "closed", "open", "closed", "submitted", "overdue", "closed", "reopened", "closed", "open",
          "closed", "reclosed"]  # fmt: skip
MEETING = "orglife.meeting"  # the record kind organisational life registers
BRANCHES = ("office", "general", "budget", "treasury", "tax", "accounting", "procurement", "supervision", "review",
            "payment", "it")  # fmt: skip


def _report(item: Item, result: str) -> SimpleUploadedFile:
    """整改情况报告: a short Word document of what was done."""
    doc = docx.document_new()
    docx.add_title(doc, "整改情况报告", size=18)
    docx.add_paragraph(doc, item.organisation.name, align="center")
    docx.add_fields(
        doc, [("问题", item.problem), ("整改措施", item.measures), ("整改情况", result)], tall={"整改情况": 4}
    )
    return SimpleUploadedFile("整改情况报告.docx", docx.document_bytes(doc))


def _committee_meeting(user, org: Organisation):
    """A held meeting of the branch the office may see, to point at as evidence (None when there is none)."""
    refs = (
        record_search(user, "orglife.meeting", org.display_name, 1)
        if "orglife.meeting" in registry.record_kinds
        else []
    )
    return refs[0] if refs else None


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def _backdate(item: Item, days: list[date]) -> None:
    """Put the item's story on the days it happened (the services record everything as of today): `days` holds the
    day of each of its events in order, the first the day it was recorded."""
    item = Item.objects.get(pk=item.pk)
    events = list(Event.objects.filter(item=item).order_by("pk"))
    days = days + [days[-1]] * (len(events) - len(days))
    for event, day in zip(events, days, strict=False):
        Event.objects.filter(pk=event.pk).update(at=_at(day))
    by_kind = {event.kind: day for event, day in zip(events, days, strict=False)}  # the last of each kind
    fields = {"created_on": days[0], "created_at": _at(days[0])}
    if item.submitted_on is not None:
        fields["submitted_on"] = by_kind["submitted"]
    if item.closed_on is not None:
        fields["closed_on"] = by_kind["closed"]
    Item.objects.filter(pk=item.pk).update(**fields)
    added = [day for event, day in zip(events, days, strict=False) if event.kind == "evidence"]
    for evidence, day in zip(Evidence.objects.filter(item=item).order_by("pk"), added, strict=False):
        Evidence.objects.filter(pk=evidence.pk).update(added_at=_at(day))


def _owners(org: Organisation, avoid: set[int]) -> list[Member]:
    return list(
        Member.objects.filter(organisation=org, status__in=ON_REGISTER).exclude(user_id__in=avoid).order_by("pk")[:6]
    )


def _play(item: Item, state: str, *, rng: random.Random, today: date, days: list[date], verifier, other) -> None:
    """Take a recorded item to `state` (its story so far on `days`), then date it as the story goes."""
    result = "已按整改措施逐项落实，相关制度已印发执行，经支部委员会检查验收。"
    if state in ("closed", "submitted", "reopened", "reclosed"):
        closed = min(days[0] + timedelta(days=rng.randrange(18, 75)), today - timedelta(days=12))
        submitted = max(days[-1], closed - timedelta(days=rng.randrange(2, 8)))
        services.evidence_add(item=item, actor=None, file=_report(item, result), note="整改情况报告")
        item = services.item_submit(item=item, version=None, result=result, actor=None)
        days += [submitted, submitted]
        if state != "submitted":
            item = services.item_verify(item=item, version=None, actor=verifier, comment="经核查，整改到位，同意销号。")
            days.append(closed)
    if state in ("reopened", "reclosed"):
        item = services.item_reopen(
            item=item, version=None, reason="回头看发现问题反弹，需继续整改。", actor=other,
            due_on=today + timedelta(days=rng.randrange(15, 45)),
        )  # fmt: skip
        days.append(min(days[-1] + timedelta(days=20), today - timedelta(days=8)))
        if state == "reclosed":
            item = services.item_submit(item=item, version=None, result=result + "（回头看后再次整改）", actor=None)
            item = services.item_verify(item=item, version=None, actor=verifier, comment="再次核查，整改到位。")
            days += [today - timedelta(days=4), today - timedelta(days=2)]
    _backdate(item, days)


def load(*, members: int = 300) -> dict:
    """Add the demo's rectification items unless they are there already (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        root = Organisation.objects.filter(code=ROOT_CODE).first()
        if root is None or Item.objects.in_subtree(root).exclude(source=Source.LIFE_MEETING).exists():
            return {"loaded": False}
        started = timezone.now()
        with transaction.atomic():
            count = _load(root)
        # The notices the history sent were dealt with at the time: none is left in today's inboxes.
        Notification.objects.filter(created_at__gte=started, kind__startswith="rectification.").delete()
        return {"loaded": True, "rectification_items": count}


def _load(root: Organisation) -> int:
    users = get_user_model().objects.in_bulk(["office", "inspector", "member"], field_name="username")
    office, inspector, member_user = users.get("office"), users.get("inspector"), users.get("member")
    verifier = inspector or office
    today = timezone.localdate()
    rng = random.Random(2025)
    avoid = {u.pk for u in (office, inspector) if u is not None}
    findings = [(source, title, problem, measures) for source, title, pairs in FINDINGS for problem, measures in pairs]
    count = 0
    for n, key in enumerate(BRANCHES):
        org = Organisation.objects.filter(code=f"{ROOT_CODE}-{key.upper()}").first()
        if org is None:
            continue
        owners = _owners(org, avoid)
        if not owners:
            continue
        meeting = _committee_meeting(office, org) if office else None
        for k in range(3 if n % 3 else 4):
            source, title, problem, measures = findings[(n * 3 + k) % len(findings)]
            state = STATES[(n * 5 + k) % len(STATES)]
            created = today - timedelta(days=rng.randrange(40, 200))
            due = created + timedelta(days=rng.choice((30, 60, 90)))
            if state == "overdue":
                due = today - timedelta(days=rng.randrange(3, 20))
            elif state in ("open", "submitted"):
                due = today + timedelta(days=rng.randrange(10, 60))
            item = services.item_create(
                org=org, source=source, source_title=title, problem=problem, measures=measures,
                owner=owners[k % len(owners)], due_on=due, found_on=created, actor=None,
            )  # fmt: skip
            days = [created]
            if meeting is not None and k == 0:
                note = "支委会研究整改方案"
                services.evidence_add(item=item, actor=None, record_kind=MEETING, record_id=meeting.id, note=note)
                days.append(created + timedelta(days=3))
            _play(item, state, rng=rng, today=today, days=days, verifier=verifier, other=office)
            count += 1
    count += _members_own(member_user, verifier, office, today, rng)
    return count


def _members_own(user, verifier, office, today: date, rng: random.Random) -> int:
    """The demo member's items: one due next week, one awaiting verification, one closed."""
    me = Member.objects.filter(user=user).select_related("organisation").first() if user else None
    if me is None:
        return 0
    org = me.organisation
    common = {"org": org, "owner": me, "actor": None}
    soon = services.item_create(
        source=Source.APPRAISAL, source_title="民主评议党员结果反馈",
        problem="理论学习笔记不全，学习强国积分偏低", measures="每周至少记两篇学习笔记",
        due_on=today + timedelta(days=6), found_on=today - timedelta(days=30), **common,
    )  # fmt: skip
    _backdate(soon, [today - timedelta(days=30)])
    waiting = services.item_create(
        source=Source.SUPERVISION, source_title="驻局纪检监察组监督检查通报",
        problem="办公用房超标未及时调整", measures="按标准调整办公用房",
        due_on=today + timedelta(days=20), found_on=today - timedelta(days=45), **common,
    )  # fmt: skip
    people = {"rng": rng, "today": today, "verifier": verifier, "other": office}
    _play(waiting, "submitted", days=[today - timedelta(days=45)], **people)
    done = services.item_create(
        source=Source.AUDIT, source_title="局内部审计处2025年度专项审计报告",
        problem="差旅费报销单据不全", measures="补齐报销单据，学习差旅费管理办法",
        due_on=today - timedelta(days=30), found_on=today - timedelta(days=90), **common,
    )  # fmt: skip
    _play(done, "closed", days=[today - timedelta(days=90)], **people)
    return 3
