"""Study and education in the demo agency, through the services.

The committee's question bank (written for the demo: `fixtures/demo/questions.json`) and library
(`fixtures/demo/materials.json`, plus a Word document), this year's 两学一做 programme, every branch's thematic
Party days and Party lectures of last year and this year made study sessions from their meetings (hours from the
attendance recorded there), a three-day training course for the branch committees, self-study; the first-half
exam with every member's result and its short answers marked, and this month's exam open; three weeks of daily
practice in 预算处 (which turned points on), with yesterday's mistakes waiting in the demo member's practice today.
Deterministic; runs once, after organisational life.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from qinglian.core.models import Notification
from qinglian.orglife.models import Meeting
from qinglian.orglife.people import committee_members
from qinglian.orglife.vocab import MeetingKind, MeetingStatus
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Member, Organisation
from qinglian.study.imports.common import QuestionData
from qinglian.study.marking import LETTERS
from qinglian.study.models import Attempt, AttemptItem, Card, Material, Question, ReadingRecord, Review, StudyRecord
from qinglian.study.services.bank import question_create
from qinglian.study.services.exams import exam_close, exam_create, exam_publish, rule_add, slot_add
from qinglian.study.services.hours import record_self_study, session_create, session_from_meeting
from qinglian.study.services.library import material_create, material_transition
from qinglian.study.services.points import points_configure, points_rule
from qinglian.study.services.practice import practice_answer, practice_queue
from qinglian.study.services.programmes import item_save, programme_create, programme_publish
from qinglian.study.services.take import answers_save, attempt_start, attempt_submit, item_mark
from qinglian.study.vocab import MaterialKind, PaperMode, PublishStatus, QuestionType, SessionKind

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "demo"
BUDGET = f"{ROOT_CODE}-BUDGET"
GB1 = f"{ROOT_CODE}-GB1"
PRACTICE_DAYS = 14
PRACTISING = 8  # members of 预算处 with a practice history: the demo member and seven others


@dataclass
class Context:
    root: Organisation
    office: object
    today: date
    rng: random.Random
    materials: dict
    ability: dict  # member pk -> chance of knowing an answer


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def load(*, members: int = 300) -> dict:
    """Add the demo's study records unless they are there already (loaded in the site's language)."""
    root = Organisation.objects.filter(code=ROOT_CODE).first()
    if root is None or Question.objects.filter(organisation=root).exists():
        return {"loaded": False}
    with translation.override(settings.LANGUAGE_CODE):
        started = timezone.now()
        office = get_user_model().objects.get(username="office")
        today = timezone.localdate()
        people = Member.objects.on_register().in_subtree(root).select_related("organisation", "user")
        rng = random.Random(2026)
        ability = {m.pk: rng.uniform(0.55, 0.95) for m in people.order_by("pk")}
        demo_member = people.filter(user__username="member").first()
        if demo_member is not None:
            ability[demo_member.pk] = 0.7
        ctx = Context(root, office, today, rng, {}, ability)
        with transaction.atomic():
            _bank(ctx)
            _library(ctx)
            exams = _exams(ctx)
            _programme(ctx, exams)
        with transaction.atomic():
            _sessions(ctx)
        with transaction.atomic():
            _readings(ctx)
            _past_exam(ctx, exams["past"])
            past = exams["past"]
            past.refresh_from_db()
            exam_close(exam=past, version=past.version, actor=ctx.office)
            _current_exam(ctx, exams["current"])
        with transaction.atomic():
            _practice(ctx)
        # What the history sent was dealt with at the time; today's inboxes keep only today's business.
        Notification.objects.filter(created_at__gte=started).delete()
    return {
        "loaded": True,
        "questions": Question.objects.filter(organisation=root).count(),
        "attempts": Attempt.objects.filter(exam__organisation=root).count(),
    }


# --- the bank and the library ------------------------------------------------------------------------------------


def _bank(ctx: Context) -> None:
    rows = json.loads((FIXTURES / "questions.json").read_text(encoding="utf-8"))
    for number, row in enumerate(rows, start=1):
        data = QuestionData(
            qtype=row["type"],
            stem=row["stem"],
            options=row.get("options") or [],
            answer=row["answer"],
            explanation=row.get("explanation", ""),
            source=row.get("source", ""),
            difficulty=int(row.get("difficulty", 3)),
            score={"multiple": "4", "short": "20", "fill": "5"}.get(row["type"], "2"),
            fill_any_order=bool(row.get("fill_any_order")),
            category=row["category"],
            topic=row["topic"],
            tags=row.get("tags") or [],
            external_code=f"JZCZ-{number:04d}",
        )
        question_create(organisation=ctx.root, data=data, actor=ctx.office)


def _library(ctx: Context) -> None:
    rows = json.loads((FIXTURES / "materials.json").read_text(encoding="utf-8"))
    published = _at(date(ctx.today.year, 1, 6))
    for row in rows:
        material = material_create(
            org=ctx.root,
            kind=MaterialKind.ARTICLE,
            title=row["title"],
            summary=row.get("summary", ""),
            body=row["body"],
            category=row["category"],
            tags=row.get("tags") or [],
            topic=row["topic"],
            minutes=int(row.get("minutes") or 8),
            actor=ctx.office,
        )
        ctx.materials[row["title"]] = material_transition(
            material=material, version=material.version, status=PublishStatus.PUBLISHED, actor=ctx.office
        )
    discipline = next(m for title, m in ctx.materials.items() if "纪律处分条例" in title)
    document = material_create(
        org=ctx.root,
        kind=MaterialKind.DOCUMENT,
        title="《中国共产党纪律处分条例》学习辅导材料（机关党委印发）",
        summary="机关党委编印的学习辅导材料，供各支部集中学习时使用。",
        file=SimpleUploadedFile("纪律处分条例学习辅导材料.docx", _docx(discipline)),
        category=discipline.category.full_name if discipline.category_id else "党章党规/纪律处分条例",
        tags=["党纪学习教育"],
        topic=discipline.topic,
        minutes=20,
        actor=ctx.office,
    )
    ctx.materials[document.title] = material_transition(
        material=document, version=document.version, status=PublishStatus.PUBLISHED, actor=ctx.office
    )
    link = material_create(
        org=ctx.root,
        kind=MaterialKind.LINK,
        title="每日练习：几分钟巩固党章党规知识",
        summary="按记忆规律安排的每日练习，错题会在合适的时间再次出现。",
        url="/study/practice/",
        category="党章党规/中国共产党章程",
        topic="charter",
        minutes=5,
        actor=ctx.office,
    )
    material_transition(material=link, version=link.version, status=PublishStatus.PUBLISHED, actor=ctx.office)
    Material.objects.filter(organisation=ctx.root).update(published_at=published, created_at=published)


def _docx(material: Material) -> bytes:
    """A Word document of the article's text, as the committee office would circulate it."""
    from docx import Document

    from qinglian.study.services.library import html_text

    document = Document()
    document.add_heading(material.title, level=1)
    for paragraph in html_text(material.body).split("\n"):
        if paragraph.strip():
            document.add_paragraph(paragraph.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- exams and the programme -------------------------------------------------------------------------------------


def _exams(ctx: Context) -> dict:
    year = ctx.today.year
    gb1 = Organisation.objects.get(code=GB1)
    past = exam_create(
        org=gb1,
        actor=ctx.office,
        title=f"第一党总支{year}年上半年党章党规知识测试",
        description="总支全体党员参加。闭卷，限时40分钟，每人一次机会；统一试卷，题目和选项顺序因人而异。",
        topic="charter",
        mode=PaperMode.FIXED,
        opens_at=_at(date(year, 6, 10), 8),
        closes_at=_at(date(year, 6, 20), 18),
        time_limit_minutes=40,
        attempts_allowed=1,
        pass_percent=60,
        units=[gb1],
    )
    # A fixed paper, the same questions for everyone (the item statistics then have every sitter on every question).
    bank = Question.objects.filter(organisation=ctx.root, topic="charter").select_related("current").order_by("pk")
    for qtype, count, score in (
        (QuestionType.SINGLE, 15, 2),
        (QuestionType.MULTIPLE, 5, 4),
        (QuestionType.JUDGE, 10, 2),
        (QuestionType.FILL, 2, 5),
        (QuestionType.SHORT, 1, 20),
    ):
        pool = [q for q in bank if q.current.qtype == qtype]
        for question in ctx.rng.sample(pool, k=min(count, len(pool))):
            slot_add(exam=past, question=question, actor=ctx.office, score=score)
    past = exam_publish(exam=past, version=past.version, actor=ctx.office)
    current = exam_create(
        org=ctx.root,
        actor=ctx.office,
        title=f"{year}年12月警示教育专题测试",
        description="结合警示教育月开展。限时20分钟，可作答两次，取最高分。",
        topic="warning",
        mode=PaperMode.RANDOM,
        opens_at=_at(ctx.today - timedelta(days=3), 8),
        closes_at=_at(ctx.today + timedelta(days=15), 18),
        time_limit_minutes=20,
        attempts_allowed=2,
        pass_percent=60,
        units=[ctx.root],
    )
    for qtype, count, score in ((QuestionType.SINGLE, 6, 10), (QuestionType.JUDGE, 4, 10)):
        rule_add(exam=current, actor=ctx.office, qtype=qtype, count=count, score=score)
    current = exam_publish(exam=current, version=current.version, actor=ctx.office)
    return {"past": past, "current": current}


def _programme(ctx: Context, exams: dict) -> None:
    year = ctx.today.year
    programme = programme_create(
        org=ctx.root,
        title=f"{year}年“两学一做”学习教育计划",
        description="学党章党规、学系列讲话，做合格党员。各支部结合“三会一课”、主题党日组织集中学习，"
        "党员个人自学与每日练习相结合，全年集中学习培训不少于32学时（支部班子成员不少于56学时）。",
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
        units=[ctx.root],
        actor=ctx.office,
    )
    m = {title: material for title, material in ctx.materials.items()}

    def pick(*words):
        return [material for title, material in m.items() if any(w in title for w in words)]

    items = [
        ("charter", "学党章：党员的义务和权利", date(year, 2, 1), date(year, 4, 30), 8, pick("义务", "三会一课"), None),
        (
            "charter",
            "学党规：纪律处分条例与廉洁自律准则",
            date(year, 3, 1),
            date(year, 6, 20),
            8,
            pick("纪律处分条例", "廉洁自律准则"),
            None,
        ),
        (
            "speeches",
            "学系列讲话：全面从严治党与作风建设",
            date(year, 5, 1),
            date(year, 7, 31),
            6,
            pick("八项规定"),
            None,
        ),
        ("party_spirit", "党性教育：坚定理想信念", date(year, 8, 1), date(year, 9, 30), 6, pick("理想信念"), None),
        (
            "warning",
            "警示教育：以案为鉴、以案促改",
            date(year, 10, 8),
            date(year, 12, 20),
            4,
            pick("警示", "形式主义"),
            exams["current"],
        ),
    ]
    for topic, title, starts, due, hours, materials, exam in items:
        item_save(
            programme=programme,
            version=programme.version,
            topic=topic,
            title=title,
            starts_on=starts,
            due_on=due,
            hours=hours,
            materials=materials,
            exam=exam,
            actor=ctx.office,
        )
        programme.refresh_from_db()
    programme_publish(programme=programme, version=programme.version, actor=ctx.office)


# --- sessions and hours ------------------------------------------------------------------------------------------


def _sessions(ctx: Context) -> None:
    """Thematic Party days and Party lectures become study sessions; a training course; self-study."""
    first = date(ctx.today.year - 1, 1, 1)
    meetings = (
        Meeting.objects.in_subtree(ctx.root)
        .filter(kind__in=[MeetingKind.THEME_DAY, MeetingKind.PARTY_LECTURE], status=MeetingStatus.HELD)
        .filter(starts_on__gte=first, starts_on__lte=ctx.today)
        .select_related("organisation")
        .order_by("starts_at")
    )
    for meeting in meetings:
        if meeting.kind == MeetingKind.THEME_DAY and ctx.rng.random() < 0.25:
            continue  # not every thematic Party day was a study session (volunteering, a visit…)
        session_from_meeting(meeting=meeting, actor=ctx.office)
    branches = list(Organisation.objects.subtree(ctx.root).branches().active().order_by("path"))
    committee = [m for branch in branches for m in committee_members(branch).select_related("organisation")]
    for year in (ctx.today.year - 1, ctx.today.year):
        session_create(
            org=ctx.root,
            title=f"{year}年度基层党组织书记和支委委员培训班",
            held_on=date(year, 9, 15),
            ends_on=date(year, 9, 17),
            kind=SessionKind.TRAINING,
            topic="party_spirit",
            provider="中共江州市委党校",
            description="党支部工作条例、党员教育管理、党风廉政建设主体责任专题培训。",
            members=[m for m in committee if ctx.rng.random() < 0.9],
            actor=ctx.office,
        )
        session_create(
            org=ctx.root,
            title=f"{year}年度全局警示教育大会",
            held_on=date(year, 10, 20),
            kind=SessionKind.WARNING,
            topic="warning",
            hours=3,
            description="通报近年来系统内违纪违法典型案例，观看警示教育片。",
            members=[m for m in Member.objects.on_register().in_subtree(ctx.root) if ctx.rng.random() < 0.85],
            actor=ctx.office,
        )
    people = list(Member.objects.on_register().in_subtree(ctx.root).select_related("organisation", "user"))
    titles = [
        "自学《中国共产党章程》",
        "自学《中国共产党纪律处分条例》",
        "观看“学习强国”专题党课",
        "阅读《习近平谈治国理政》选篇",
    ]
    for member in people:
        for month in sorted(ctx.rng.sample(range(1, ctx.today.month + 1), k=min(3, ctx.today.month))):
            if ctx.rng.random() < 0.5:
                record_self_study(
                    member=member,
                    title=ctx.rng.choice(titles),
                    studied_on=min(ctx.today, date(ctx.today.year, month, ctx.rng.randint(1, 28))),
                    hours=ctx.rng.choice([1, 2, 2, 3]),
                    actor=None,
                )
    StudyRecord.objects.filter(session__isnull=True).update(created_at=timezone.now() - timedelta(days=1))


# --- reading, exams, practice -----------------------------------------------------------------------------------


def _readings(ctx: Context) -> None:
    """Who opened and finished which article over the year, written at once: `material_open` and `material_finish`
    would stamp today's time on a year of reading (and points were not on yet)."""
    people = list(Member.objects.on_register().in_subtree(ctx.root).order_by("pk"))
    materials = list(Material.objects.filter(organisation=ctx.root, kind=MaterialKind.ARTICLE).order_by("pk"))
    records = []
    for member in people:
        chance = ctx.ability[member.pk]
        for material in materials:
            if ctx.rng.random() < chance:
                opened = _at(ctx.today - timedelta(days=ctx.rng.randint(5, 300)), ctx.rng.randint(8, 21))
                finished = opened + timedelta(minutes=ctx.rng.randint(6, 30)) if ctx.rng.random() < chance else None
                records.append(ReadingRecord(material=material, member=member, opened_at=opened, finished_at=finished))
    ReadingRecord.objects.bulk_create(records, batch_size=500)
    # `member` kept up with the plan until the summer and is behind on the autumn's topic.
    demo = Member.objects.filter(user__username="member").first()
    if demo is not None:
        summer = Material.objects.filter(programme_items__due_on__lt=date(ctx.today.year, 8, 1)).distinct()
        for material in summer:
            opened = _at(date(ctx.today.year, 5, 1) + timedelta(days=material.pk % 60), 20)
            ReadingRecord.objects.update_or_create(
                material=material,
                member=demo,
                defaults={"opened_at": opened, "finished_at": opened + timedelta(minutes=15)},
            )


def _answer(ctx: Context, item: AttemptItem, knows: float):
    """The answer a member gives, in the letters shown: right with chance `knows`, else a plausible mistake."""
    version = item.question_version
    shown_of = {LETTERS[original]: LETTERS[i] for i, original in enumerate(item.option_order)}
    right = ctx.rng.random() < knows
    if version.qtype == QuestionType.SINGLE:
        letter = version.answer[0] if right else ctx.rng.choice([x for x in shown_of if x not in version.answer])
        return [shown_of[letter]]
    if version.qtype == QuestionType.MULTIPLE:
        if right:
            chosen = list(version.answer)
        elif ctx.rng.random() < 0.6 and len(version.answer) > 1:
            chosen = ctx.rng.sample(list(version.answer), len(version.answer) - 1)  # a correct subset: part marks
        else:
            wrong = [x for x in shown_of if x not in version.answer] or list(version.answer)
            chosen = [version.answer[0], ctx.rng.choice(wrong)]
        return sorted({shown_of[x] for x in chosen})
    if version.qtype == QuestionType.JUDGE:
        return [version.answer[0] if right else not version.answer[0]]
    if version.qtype == QuestionType.FILL:
        return [blank[0] if right else "不清楚" for blank in version.answer]
    return "我认为应当坚持以党章为根本遵循，严守政治纪律和政治规矩，在工作中做到廉洁自律、秉公用权。"


def _sit(ctx: Context, exam, member, when: datetime, *, knows: float) -> Attempt:
    attempt = attempt_start(exam=exam, member=member, now=when)
    items = list(attempt.items.select_related("question_version"))
    answers = {item.pk: _answer(ctx, item, knows) for item in items}
    answers_save(attempt_id=attempt.pk, member=member, answers=answers, now=when + timedelta(minutes=18))
    return attempt_submit(attempt=attempt, now=when + timedelta(minutes=ctx.rng.randint(20, 35)))


def _past_exam(ctx: Context, exam) -> None:
    year = ctx.today.year
    people = list(
        Member.objects.on_register().in_subtree(exam.organisation).select_related("organisation").order_by("pk")
    )
    for member in people:
        if ctx.rng.random() < 0.06:
            continue  # on leave, seconded, or simply did not sit it
        when = _at(date(year, 6, ctx.rng.randint(10, 19)), ctx.rng.randint(8, 20), ctx.rng.randint(0, 59))
        _sit(ctx, exam, member, when, knows=ctx.ability[member.pk])
    marked_at = _at(date(year, 6, 24), 10)
    waiting = AttemptItem.objects.filter(attempt__exam=exam, question_version__qtype=QuestionType.SHORT)
    for item in waiting.select_related("attempt").order_by("pk"):
        share = Decimal(str(round(ctx.ability[item.attempt.member_id] * ctx.rng.uniform(0.7, 1.0), 2)))
        score = (item.max_score * share).quantize(Decimal("1"))
        comment = "要点基本完整" if share > Decimal("0.7") else ""
        item_mark(item=item, score=score, actor=ctx.office, comment=comment, now=marked_at)


def _current_exam(ctx: Context, exam) -> None:
    """A few people have already sat this month's exam; the demo member has not."""
    people = list(
        Member.objects.on_register()
        .in_subtree(ctx.root)
        .exclude(user__username="member")
        .select_related("organisation")
        .order_by("pk")
    )
    for member in ctx.rng.sample(people, k=min(25, len(people))):
        when = timezone.now() - timedelta(hours=ctx.rng.randint(3, 60))
        when = max(when, exam.opens_at + timedelta(minutes=5))
        _sit(ctx, exam, member, when, knows=ctx.ability[member.pk])


def _practice(ctx: Context) -> None:
    """Three weeks of daily practice in 预算处, which turned points on; yesterday the demo member slipped."""
    budget = Organisation.objects.filter(code=BUDGET).first()
    if budget is None:
        return
    rule = points_rule(budget.path)
    points_configure(
        org=budget,
        enabled=True,
        rules=rule.get("rules", {}),
        effective_from=date(ctx.today.year, 1, 1),
        reason="支部委员会决定试行学习积分，以每日练习和学习完成情况计分",
        actor=ctx.office,
    )
    members = Member.objects.on_register().in_subtree(budget).select_related("organisation", "user").order_by("pk")
    demo = list(members.filter(user__username="member"))
    people = demo + list(members.exclude(user__username="member")[: PRACTISING - len(demo)])
    yesterday = ctx.today - timedelta(days=1)
    for offset in range(PRACTICE_DAYS, 0, -1):
        day = ctx.today - timedelta(days=offset)
        for member in people:
            is_demo = member.user is not None and member.user.username == "member"
            if not is_demo and ctx.rng.random() < 0.3:
                continue  # a day off
            at = _at(day, ctx.rng.choice([7, 12, 20]), ctx.rng.randint(0, 50))
            knows = 0.35 if (is_demo and day == yesterday) else ctx.ability[member.pk]
            for item in practice_queue(member, now=at).items:
                version = item.question.current
                token = item.card.reps if item.card else 0
                response = _practice_answer(ctx, version, knows)
                practice_answer(member=member, question_id=item.question.pk, response=response, token=token, at=at)
                at += timedelta(seconds=ctx.rng.randint(15, 50))
    # A card is as old as its first answer (the services stamp the loading time).
    first = Review.objects.filter(card=OuterRef("pk")).order_by("reviewed_at").values("reviewed_at")[:1]
    Card.objects.filter(member__in=people).update(created_at=Coalesce(Subquery(first), F("created_at")))


def _practice_answer(ctx: Context, version, knows: float) -> list:
    right = ctx.rng.random() < knows
    if version.qtype == QuestionType.SINGLE:
        wrong = [x for x in LETTERS[: len(version.options)] if x not in version.answer]
        return list(version.answer) if right else [ctx.rng.choice(wrong)]
    if version.qtype == QuestionType.MULTIPLE:
        return list(version.answer) if right else list(version.answer[:-1]) or [LETTERS[len(version.options) - 1]]
    if version.qtype == QuestionType.JUDGE:
        return [version.answer[0] if right else not version.answer[0]]
    if version.qtype == QuestionType.FILL:
        return [blank[0] if right else "" for blank in version.answer]
    return []
