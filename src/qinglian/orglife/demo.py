"""Organisational life in the demo agency: all of last year and this year to date, through the services.

Every branch holds its 三会一课, thematic Party days and life meeting, with attendance, approved minutes,
talks and a democratic appraisal — except where the demo leaves gaps on purpose, so that the compliance
table has something to find (GAPS below, counted by hand in the tests). The next few weeks have meetings
scheduled and notified, with replies and a leave request waiting. Deterministic; runs once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Subquery
from django.utils import timezone, translation

from qinglian.core.audit import audit_record
from qinglian.core.models import Notification
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, Attendee, Critique, Meeting, Minutes
from qinglian.orglife.people import committee_posts
from qinglian.orglife.services.appraisal import (
    appraisal_open,
    appraisal_transition,
    follow_up_set,
    grades_decide,
    grades_propose,
    masses_tally_enter,
    peer_vote,
    report_upward,
    results_tell,
    self_assessment_submit,
)
from qinglian.orglife.services.attendance import attendee_rsvp, leave_request
from qinglian.orglife.services.frequency import frequency_tighten
from qinglian.orglife.services.life import critique_add, life_problem_add
from qinglian.orglife.services.meetings import attendance_record, meeting_notify, meeting_schedule
from qinglian.orglife.services.minutes import minutes_approve, minutes_save, minutes_submit
from qinglian.orglife.services.talks import talk_record
from qinglian.orglife.vocab import (
    AppraisalStatus,
    CritiqueKind,
    FollowUpStatus,
    Grade,
    MeetingKind,
    Presence,
    TalkKind,
)
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import CommitteePost, Member, Organisation, Role, RoleAssignment
from qinglian.orgs.services import role_assign
from qinglian.orgs.vocab import ON_REGISTER, PartyPost
from qinglian.rectification.models import Event, Evidence, Item
from qinglian.rectification.services.items import evidence_add, item_submit, item_verify
from qinglian.rectification.vocab import EventKind
from qinglian.reports import docx

K = MeetingKind

# Titles are data, written as the ledgers write them (not in the language the loader runs in).
KIND_NAMES = {
    K.GENERAL_MEETING: "党员大会",  # after the branch's short name: 预算处支部党员大会
    K.COMMITTEE_MEETING: "支委会",
    K.GROUP_MEETING: "党小组会",
    K.PARTY_LECTURE: "党课",
    K.THEME_DAY: "主题党日",
    K.LIFE_MEETING: "组织生活会",
    K.DEMOCRATIC_LIFE: "民主生活会",
}

# The gaps left on purpose in last year's record (branch key -> what is missing), for compliance to find.
GAPS = {
    # no committee meetings in July and August (the secretary was seconded), no theme day in February
    "treasury": {"skip": {(K.COMMITTEE_MEETING, 7), (K.COMMITTEE_MEETING, 8), (K.THEME_DAY, 2)}},
    # the second-quarter general meeting was held with too few members to meet the quorum
    "procurement": {"thin": {(K.GENERAL_MEETING, 6)}},
    # the October theme day was held, but its minutes were never approved, so it does not count
    "tax": {"draft": {(K.THEME_DAY, 10)}},
    # no organisational-life meeting last year
    "it": {"skip": {(K.LIFE_MEETING, 12)}},
}
# The agency committee's first general branch requires a Party lecture every quarter (a tightened rule).
QUARTERLY_LECTURES = "gb1"
THEME_DAY = 15  # the agency fixes the thematic Party day on the 15th of each month

TOPICS = {
    K.GENERAL_MEETING: [
        (
            "传达学习上级会议精神，研究部署本季度党建工作",
            ["传达学习上级会议精神", "通报上季度党建工作情况", "研究部署本季度重点工作"],
        ),
        ("讨论发展党员和预备党员转正事项", ["讨论预备党员转正申请", "听取入党积极分子培养情况", "部署党费收缴工作"]),
        (
            "学习《中国共产党纪律处分条例》，开展警示教育",
            ["集体学习《中国共产党纪律处分条例》", "观看警示教育片", "交流学习体会"],
        ),
        ("总结全年工作，部署民主评议党员", ["支部书记报告全年工作", "部署民主评议党员工作", "审议年度党费使用情况"]),
    ],
    K.COMMITTEE_MEETING: [
        ("研究本月支部工作安排", ["研究本月主题党日安排", "讨论党员教育管理事项"]),
        ("研究党风廉政建设工作", ["梳理本处室廉政风险点", "研究一岗双责落实情况"]),
        ("研究党员发展和教育工作", ["讨论入党积极分子培养", "安排谈心谈话"]),
    ],
    K.GROUP_MEETING: [
        ("党小组集中学习", ["学习习近平新时代中国特色社会主义思想", "交流学习心得"]),
        ("党小组谈心谈话和批评与自我批评", ["开展谈心谈话", "开展批评与自我批评"]),
    ],
    K.THEME_DAY: [
        ("重温入党誓词，学习党章", ["重温入党誓词", "集体学习党章", "交纳党费"]),
        ("参观廉政教育基地", ["参观市廉政教育基地", "撰写心得体会"]),
        ("走进社区开展志愿服务", ["到联系社区开展志愿服务", "听取群众意见"]),
        ("学习财经纪律，筑牢廉洁防线", ["学习财经纪律相关规定", "讨论预算执行中的廉政风险"]),
    ],
    K.PARTY_LECTURE: [
        ("坚定理想信念，做合格共产党员", ["支部书记讲党课", "交流讨论"]),
        ("以案为鉴，严守纪律规矩", ["剖析典型案例", "交流讨论"]),
        ("财政干部的初心和使命", ["讲授党课", "交流讨论"]),
    ],
    K.LIFE_MEETING: [
        (
            "以学铸魂、以学增智、以学正风、以学促干",
            [
                "通报上年度组织生活会整改落实情况",
                "支部书记代表支委会作检视剖析",
                "党员逐一发言，开展批评和自我批评",
                "进行民主评议党员",
            ],
        ),
    ],
    K.DEMOCRATIC_LIFE: [
        (
            "深刻领悟“两个确立”的决定性意义，增强“四个意识”",
            ["通报上年度民主生活会整改情况", "班子成员对照检查", "开展批评和自我批评"],
        ),
    ],
}
DECISIONS = [
    "会议一致同意，由支委会抓好落实。",
    "会议要求各党员结合岗位实际抓好学习贯彻。",
    "会议明确了责任人和完成时限。",
    "会议同意上述安排。",
]
DISCUSSION = [
    "与会党员结合工作实际逐一发言，认为要把学习成效转化为推动财政工作的实际行动。",
    "大家围绕预算管理、资金监管中的廉政风险进行了讨论，提出了改进意见。",
    "党员们表示要严守纪律规矩，切实履行一岗双责。",
    "会议对照上级要求逐项研究，明确了任务分工。",
]
SELF_CRITICISM = [
    "理论学习还不够系统深入，存在“用什么学什么”的情况，学用结合不够紧密。",
    "工作中有时满足于完成任务，主动担当、改革创新的意识还不够强。",
    "对财经纪律的学习不够经常，廉政风险意识有待进一步增强。",
    "联系群众、调查研究不够深入，听取服务对象意见不够主动。",
    "落实组织生活制度有时不够严格，参加支部活动偶有请假。",
]
SELF_ASSESSMENTS = [
    "本年度认真学习党的创新理论，按时参加“三会一课”和主题党日，按月足额交纳党费；在预算编制和审核工作中坚持原则、"
    "严守纪律，较好完成了各项任务。不足是理论学习的系统性还不够，今后将进一步加强。",
    "能够对照“四个合格”标准严格要求自己，积极参加支部组织生活，主动承担急难险重任务；廉洁自律方面严格遵守中央八项规定"
    "精神。存在的不足是创新意识不够强，调查研究不够深入。",
    "一年来坚持政治学习，认真履行岗位职责，主动联系服务基层单位，未发生违规违纪问题。今后要在提高业务能力、"
    "发挥党员先锋模范作用上下更大功夫。",
]
PEER_CRITICISM = [
    "希望在业务学习上多带头，把政治理论学习和财政业务更好地结合起来。",
    "工作标准可以再高一些，有些材料报送不够及时。",
    "在支部活动中发言还不够积极，建议多分享工作中的体会。",
]
PROBLEMS = [
    ("理论学习系统性不够，学习笔记记录不规范", "制定个人学习计划，每月完成规定学习篇目并交流心得"),
    ("谈心谈话开展不够经常，覆盖不够全面", "支委会制定谈心谈话安排表，年底前实现全覆盖"),
    ("廉政风险点排查不够细，防控措施针对性不强", "重新梳理岗位廉政风险点，完善防控措施并报机关党委备案"),
    ("主题党日形式较为单一，党员参与热情不高", "每季度至少开展一次实践类主题党日，邀请党员提出活动建议"),
]
TALK_SUMMARIES = [
    "交流了近期思想和工作情况，对方表示将进一步加强学习，严格要求自己。",
    "谈了对支部工作的意见建议，提出主题党日可以更多结合业务工作。",
    "提醒在项目评审中严守纪律，对方表示一定坚守底线。",
    "了解家庭和工作困难，鼓励其放下包袱、安心工作。",
]
MASSES = 6  # non-member staff of a division who fill in the masses' ballot


@dataclass
class Unit:
    key: str
    org: Organisation
    members: list  # on the register, in the unit's subtree
    committee: list  # current committee (secretary first)
    actor: object  # the secretary's login: schedules, records and approves


def _kind_title(org: Organisation, kind: str) -> str:
    """The unit's name and the kind as a ledger writes them: 预算处支部党员大会, 第一党小组会 (not …党小组党小组会)."""
    name, label = org.short_name or org.name, KIND_NAMES[kind]
    overlap = next((n for n in range(len(label), 0, -1) if name.endswith(label[:n])), 0)
    return name + label[overlap:]


def _at(day: date, hour: int = 14) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _users() -> dict:
    return {u.username: u for u in get_user_model().objects.filter(username__in=["secretary", "office", "member"])}


def _units(root: Organisation, office) -> list[Unit]:
    """The branches and their groups, each with its members, committee and the login that runs it."""
    role = Role.objects.get(code="branch_secretary")
    units = []
    branches = Organisation.objects.subtree(root).branches().active().order_by("path")
    for branch in branches:
        key = branch.code.removeprefix(f"{ROOT_CODE}-").lower()
        posts = committee_posts(branch).select_related("member", "member__user")
        members = list(Member.objects.on_register().in_subtree(branch).select_related("organisation", "user"))
        if not members:  # a small demo (--members) leaves some branches empty: nobody to hold their meetings
            continue
        here = {m.pk for m in members}  # a post holder transferred away since is left out
        committee = sorted((p for p in posts if p.member_id in here), key=lambda p: p.post != PartyPost.SECRETARY)
        actor = office
        if committee and committee[0].member.user_id:
            actor = committee[0].member.user
            held = RoleAssignment.objects.active().filter(user=actor, organisation=branch, role=role).exists()
            if not held and not RoleAssignment.objects.active().filter(user=actor, role=role).exists():
                role_assign(user=actor, role=role, organisation=branch, include_subtree=True, actor=office)
        units.append(Unit(key, branch, members, [p.member for p in committee], actor))
        for group in Organisation.objects.filter(parent=branch, kind=Organisation.Kind.GROUP, is_active=True):
            group_members = [m for m in members if m.organisation_id == group.pk]
            if group_members:
                units.append(Unit(f"{key}:{group.pk}", group, group_members, [], actor))
    return units


def _plan(unit: Unit, year: int, lectures_quarterly: bool) -> list[tuple[str, int, int]]:
    """(kind, month, day) of the meetings a unit holds in a year, before gaps."""
    if unit.org.kind == Organisation.Kind.GROUP:
        return [(K.GROUP_MEETING, month, 20) for month in range(1, 13)]
    plan = [(K.COMMITTEE_MEETING, month, 5) for month in range(1, 13)]
    plan += [(K.THEME_DAY, month, THEME_DAY) for month in range(1, 13)]
    plan += [(K.GENERAL_MEETING, month, 22) for month in (3, 6, 9, 12)]
    plan += [(K.PARTY_LECTURE, month, 26) for month in ((3, 6, 9, 11) if lectures_quarterly else (6,))]
    plan += [(K.LIFE_MEETING, 12, 18)]
    return plan


def _presences(unit: Unit, attendees: list[Attendee], rng: random.Random, *, thin: bool) -> tuple[dict, dict]:
    """Who came: nearly everyone, a few on leave or late, now and then one absent; most stay away when `thin`."""
    presences, reasons = {}, {}
    away = 0
    small = len(attendees) <= 6  # a committee: at most one missing, so its quorum holds
    for row in attendees:
        roll = rng.random()
        if thin and roll < 0.6:
            presences[row.pk], reasons[row.pk] = Presence.ABSENT, "外出办理预算评审业务"
        elif roll < 0.03 and not (small and away):
            presences[row.pk], reasons[row.pk] = Presence.ABSENT, "临时公务，未请假"
            away += 1
        elif roll < 0.08 and not (small and away):
            presences[row.pk], reasons[row.pk] = Presence.ON_LEAVE, rng.choice(["出差", "病假", "参加市里培训"])
            away += 1
        elif roll < 0.12:
            presences[row.pk] = Presence.LATE
        else:
            presences[row.pk] = Presence.PRESENT
    return presences, reasons


def _hold(unit: Unit, kind: str, day: date, rng: random.Random, *, approve=True, thin=False, lecturer=None):
    """Schedule, hold and record one past meeting: attendance, minutes (approved unless told otherwise)."""
    title, agenda = rng.choice(TOPICS[kind])
    host = unit.committee[0] if unit.committee else unit.members[0]
    recorder = unit.committee[1] if len(unit.committee) > 1 else host
    meeting = meeting_schedule(
        org=unit.org,
        kind=kind,
        title=f"{_kind_title(unit.org, kind)}：{title}",
        topic=title if kind in (K.THEME_DAY, K.LIFE_MEETING, K.DEMOCRATIC_LIFE, K.PARTY_LECTURE) else "",
        starts_at=_at(day, 15 if kind == K.COMMITTEE_MEETING else 14),
        ends_at=_at(day, 17),
        place="局机关三楼党员活动室" if kind != K.COMMITTEE_MEETING else "处长办公室",
        agenda=agenda,
        host=host if host.organisation.path.startswith(unit.org.path) else None,
        recorder=recorder if recorder.organisation.path.startswith(unit.org.path) else None,
        lecturer=lecturer if kind == K.PARTY_LECTURE else None,
        actor=unit.actor,
    )
    attendees = list(meeting.attendees.members())
    presences, reasons = _presences(unit, attendees, rng, thin=thin)
    attendance_record(meeting=meeting, presences=presences, reasons=reasons, actor=unit.actor)
    if kind in (K.LIFE_MEETING, K.DEMOCRATIC_LIFE):
        _life_record(unit, meeting, attendees, presences, rng)
    items = []
    for n, point in enumerate(agenda):
        item = {"title": point, "discussion": rng.choice(DISCUSSION), "decision": rng.choice(DECISIONS), "votes": None}
        if kind == K.GENERAL_MEETING and n == 0 and "转正" in point:
            present = sum(1 for p in presences.values() if p in (Presence.PRESENT, Presence.LATE))
            item["votes"] = {"for": present, "against": 0, "abstain": 0}
        items.append(item)
    summary = f"会议由{host.name}主持，围绕“{title}”进行。"
    minutes = minutes_save(meeting=meeting, summary=summary, items=items, actor=unit.actor)
    if approve:
        minutes = minutes_submit(minutes=minutes, actor=unit.actor)
        minutes_approve(minutes=minutes, actor=unit.actor)
    return meeting


def _life_record(unit: Unit, meeting, attendees, presences, rng: random.Random) -> None:
    """Self-criticism by those present, a criticism from a colleague for some, and the problems found."""
    came = [a.member for a in attendees if presences.get(a.pk) in (Presence.PRESENT, Presence.LATE)]
    for member in came:
        critique_add(
            meeting=meeting,
            subject=member,
            critic=member,
            kind=CritiqueKind.SELF,
            content=rng.choice(SELF_CRITICISM),
            actor=unit.actor,
        )
    for subject, critic in zip(came[::3], came[1::3], strict=False):
        critique_add(
            meeting=meeting,
            subject=subject,
            critic=critic,
            kind=CritiqueKind.PEER,
            content=rng.choice(PEER_CRITICISM),
            actor=unit.actor,
        )
    owners = unit.committee or unit.members
    for n, (problem, measure) in enumerate(rng.sample(PROBLEMS, 2)):
        item = life_problem_add(
            meeting=meeting,
            problem=problem,
            measures=measure,
            owner=owners[n % len(owners)],
            due_on=max(meeting.starts_on + timedelta(days=90), timezone.localdate() + timedelta(days=1))
            if n
            else meeting.starts_on + timedelta(days=60),
            actor=unit.actor,
        )
        # Recorded at the meeting, as it would have been: the history reads in the order it happened.
        found = _noon(meeting.starts_on)
        Item.objects.filter(pk=item.pk).update(created_at=found)
        Event.objects.filter(item=item).update(at=found)
        if n == 0 and item.due_on < timezone.localdate():
            _rectified(item, "已按措施完成整改，经支委会检查验收。")


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _rectified(item, result: str) -> None:
    """A problem rectified before its deadline: the report as evidence, reported and verified by the committee
    office (never by the person responsible), on the days it happened."""
    doc = docx.document_new()
    docx.add_title(doc, "整改情况报告", size=18)
    docx.add_fields(doc, [("问题", item.problem), ("整改措施", item.measures), ("整改情况", result)])
    report = SimpleUploadedFile("整改情况报告.docx", docx.document_bytes(doc))
    evidence_add(item=item, actor=None, file=report, note="整改情况报告")
    reported = item.due_on - timedelta(days=5)
    Event.objects.filter(item=item, kind=EventKind.EVIDENCE_ADDED).update(at=_noon(reported) - timedelta(hours=2))
    Evidence.objects.filter(item=item).update(added_at=_noon(reported) - timedelta(hours=2))
    item = item_submit(item=item, version=None, result=result, actor=None, on=reported)
    verifier = get_user_model().objects.filter(username="office").first()
    if verifier is not None and verifier.pk != item.owner.user_id:
        item_verify(item=item, version=None, actor=verifier, on=item.due_on - timedelta(days=3))


def _talks(unit: Unit, year: int, until: date, rng: random.Random, *, skip: int) -> None:
    """The secretary talks with each committee member and member; committee members with each other."""
    if not unit.committee:
        return
    secretary, others = unit.committee[0], unit.committee[1:]
    pairs = [(secretary, m) for m in unit.members if m.pk != secretary.pk]
    pairs += [(a, b) for i, a in enumerate(others) for b in others[i + 1 :]]
    pairs = pairs[: max(0, len(pairs) - skip)]
    last = min(until, date(year, 12, 20)) - date(year, 1, 10)
    for initiator, counterpart in pairs:
        day = date(year, 1, 10) + timedelta(days=rng.randrange(max(1, last.days)))
        talk_record(
            org=unit.org,
            talked_on=day,
            initiator=initiator,
            counterpart=counterpart,
            kind=rng.choice([TalkKind.HEART_TO_HEART] * 4 + [TalkKind.REMINDER, TalkKind.INTEGRITY]),
            summary=rng.choice(TALK_SUMMARIES),
            place="支部书记办公室",
            actor=unit.actor,
        )


def _appraisal(unit: Unit, year: int, decided_by, rng: random.Random, *, finish: bool) -> None:
    """A round of democratic appraisal; finished (told and reported) for last year, at the ballot for this one."""
    round = appraisal_open(org=unit.org, year=year, actor=unit.actor)
    entries = list(AppraisalEntry.objects.filter(round=round).select_related("member", "member__user"))
    for entry in entries:
        user = entry.member.user
        if user is None or (not finish and rng.random() < 0.25):
            continue
        self_assessment_submit(entry=entry, text=rng.choice(SELF_ASSESSMENTS), actor=user)
    round = appraisal_transition(round=round, to_status=AppraisalStatus.PEER, version=round.version, actor=unit.actor)
    graded = [e for e in entries if not e.probationary]
    excellent = set(rng.sample([e.pk for e in graded], k=len(graded) // 4))
    weak = {graded[-1].pk} if unit.key in ("treasury", "it") and graded else set()

    def grade_of(e):
        return Grade.EXCELLENT if e.pk in excellent else Grade.BASICALLY_QUALIFIED if e.pk in weak else Grade.QUALIFIED

    voters = [e for e in entries if e.member.user_id and not (e.member.user.username == "member" and not finish)]
    for voter in voters[: len(voters) if finish else len(voters) * 2 // 3]:
        ballot = {e.pk: grade_of(e) if rng.random() < 0.8 else Grade.QUALIFIED for e in graded if e.pk != voter.pk}
        peer_vote(round=round, grades=ballot, actor=voter.member.user)
    if not finish:
        return
    counts = {e.pk: {grade_of(e): MASSES - 1, Grade.QUALIFIED if grade_of(e) != Grade.QUALIFIED else Grade.EXCELLENT: 1}
              for e in graded}  # fmt: skip
    round = masses_tally_enter(round=round, counts=counts, actor=unit.actor, version=round.version)
    round = appraisal_transition(
        round=round, to_status=AppraisalStatus.PROPOSAL, version=round.version, actor=unit.actor
    )
    grades = {e.pk: grade_of(e) for e in graded}
    round = grades_propose(round=round, grades=grades, actor=unit.actor, version=round.version)
    round = appraisal_transition(
        round=round, to_status=AppraisalStatus.DECISION, version=round.version, actor=unit.actor
    )
    round = grades_decide(round=round, grades=grades, actor=unit.actor, version=round.version, meeting=decided_by)
    round = appraisal_transition(
        round=round, to_status=AppraisalStatus.NOTIFIED, version=round.version, actor=unit.actor
    )
    results_tell(round=round, actor=unit.actor, version=round.version)
    round.refresh_from_db()
    for entry in AppraisalEntry.objects.filter(round=round, final_grade__in=[Grade.BASICALLY_QUALIFIED]):
        follow_up_set(
            entry=entry,
            measure="支部书记与其谈心谈话，明确一名支委结对帮扶，三个月后复评。",
            due=timezone.localdate() + timedelta(days=20),
            actor=unit.actor,
            version=entry.version,
        )
    report_upward(round=round, version=round.version, actor=unit.actor)


def _backdate(root: Organisation, started: datetime, year: int) -> None:
    """Give the history the times it would have had: the services stamp everything with the loading time.

    Records are dated from their meeting (minutes submitted the day after, approved two days after,
    check-ins at the start); last year's appraisals were told and reported in the new year's first weeks.
    """
    meetings = Meeting.objects.in_subtree(root).filter(starts_at__lt=started)

    def meeting_time(days: int):
        shifted = ExpressionWrapper(F("ends_at") + timedelta(days=days), output_field=DateTimeField())
        return Subquery(Meeting.objects.filter(pk=OuterRef("meeting_id")).annotate(t=shifted).values("t")[:1])

    Minutes.objects.filter(meeting__in=meetings).update(
        created_at=meeting_time(0), submitted_at=meeting_time(1), approved_at=meeting_time(2)
    )
    starts = Subquery(Meeting.objects.filter(pk=OuterRef("meeting_id")).values("starts_at")[:1])
    Attendee.objects.filter(meeting__in=meetings, checked_in_at__isnull=False).update(checked_in_at=starts)
    Critique.objects.filter(meeting__in=meetings).update(created_at=meeting_time(0))
    meetings.update(created_at=F("starts_at") - timedelta(days=7))
    new_year = timezone.make_aware(datetime(year + 1, 1, 8, 10))
    rounds = AppraisalRound.objects.filter(year=year, organisation__in=Organisation.objects.subtree(root))
    AppraisalEntry.objects.filter(round__in=rounds).update(
        self_submitted_at=timezone.make_aware(datetime(year, 12, 10, 16)), told_at=new_year
    )
    # 国库处's follow-up was completed in the spring; 信息中心's is still under way.
    AppraisalEntry.objects.filter(
        round__in=rounds.filter(organisation__code=f"{ROOT_CODE}-TREASURY"), follow_up_status=FollowUpStatus.OPEN
    ).update(
        follow_up_due=date(year + 1, 2, 28),
        follow_up_status=FollowUpStatus.DONE,
        follow_up_done_on=date(year + 1, 2, 20),
    )
    rounds.update(created_at=timezone.make_aware(datetime(year, 12, 1, 9)), reported_at=new_year + timedelta(days=10))


def _upcoming(units: list[Unit], today: date, users: dict, rng: random.Random) -> None:
    """The coming weeks: meetings scheduled and notified; some replies, and the demo member's leave request."""
    budget = next(u for u in units if u.key == "budget")
    for unit in [u for u in units if ":" not in u.key]:
        for kind, days in ((K.COMMITTEE_MEETING, 6), (K.THEME_DAY, 16)):
            title, agenda = rng.choice(TOPICS[kind])
            meeting = meeting_schedule(
                org=unit.org,
                kind=kind,
                title=f"{_kind_title(unit.org, kind)}：{title}",
                topic=title if kind == K.THEME_DAY else "",
                starts_at=_at(today + timedelta(days=days), 15),
                ends_at=_at(today + timedelta(days=days), 17),
                place="局机关三楼党员活动室",
                agenda=agenda,
                host=unit.committee[0] if unit.committee else None,
                recorder=unit.committee[1] if len(unit.committee) > 1 else None,
                actor=unit.actor,
            )
            if unit is not budget:
                continue
            meeting_notify(meeting=meeting, actor=unit.actor)
            for row in meeting.attendees.filter(member__user__isnull=False).select_related("member__user"):
                user = row.member.user
                if user.username == "member":
                    if kind == K.THEME_DAY:
                        leave_request(attendee=row, reason="当天赴省财政厅参加预算编制培训", actor=user)
                elif rng.random() < 0.6:
                    attendee_rsvp(attendee=row, answer="yes", actor=user)


def load(*, members: int = 300) -> dict:
    """Add the demo's organisational life unless it is there already.

    Loaded in the site's language (notices and labels are stored as sent). The notices the history sent
    -- minutes to approve, results told -- were dealt with at the time, so they are not left in today's
    inboxes; the coming weeks' notices are.
    """
    with translation.override(settings.LANGUAGE_CODE):
        started = timezone.now()
        with transaction.atomic():
            result = _load_history(started)
        if not result["loaded"]:
            return result
        Notification.objects.filter(created_at__gte=started).delete()
        with transaction.atomic():
            return _load_now(result.pop("context"))


def _load_history(started: datetime) -> dict:
    root = Organisation.objects.filter(code=ROOT_CODE).first()
    if root is None or Meeting.objects.in_subtree(root).exists():
        return {"loaded": False}
    today = timezone.localdate()
    last_year, this_year = today.year - 1, today.year
    rng = random.Random(2025)
    users = _users()
    office = users["office"]
    frequency_tighten(
        org=root,
        kind=K.THEME_DAY,
        per="month",
        times=1,
        quorum=(4, 5),
        strict=False,
        day=THEME_DAY,
        effective_from=date(last_year, 1, 1),
        source="中共江州市财政局机关委员会《关于规范主题党日活动的通知》：每月15日为全局统一的主题党日。",
        reason="机关党委统一主题党日时间",
        actor=office,
    )
    gb1 = Organisation.objects.get(code=f"{ROOT_CODE}-{QUARTERLY_LECTURES.upper()}")
    frequency_tighten(
        org=gb1,
        kind=K.PARTY_LECTURE,
        per="quarter",
        times=1,
        quorum=(1, 2),
        strict=True,
        day=None,
        effective_from=date(last_year, 1, 1),
        source="中共江州市财政局机关第一党总支《“三会一课”实施细则》：各支部每季度至少讲授1次党课。",
        reason="总支要求每季度一次党课",
        actor=office,
    )
    units = _units(root, office)
    lecturers = {u.key: (u.committee[0] if u.committee else None) for u in units}
    decided_by: dict[int, Meeting] = {}
    for year in (last_year, this_year):
        for unit in units:
            base = unit.key.split(":")[0]
            gaps = GAPS.get(base, {}) if year == last_year else {}
            quarterly = unit.org.path.startswith(gb1.path)
            rng = random.Random(f"{unit.key}-{year}")  # one stream per unit and year: last year never depends on today
            for kind, month, day_of_month in _plan(unit, year, quarterly):
                day = date(year, month, day_of_month)
                if day >= today or (kind, month) in gaps.get("skip", set()):
                    continue
                meeting = _hold(
                    unit,
                    kind,
                    day,
                    rng,
                    approve=(kind, month) not in gaps.get("draft", set()),
                    thin=(kind, month) in gaps.get("thin", set()),
                    lecturer=lecturers.get(base),
                )
                if kind == K.GENERAL_MEETING and month == 12 and year == last_year:
                    decided_by[unit.org.pk] = meeting
            if ":" not in unit.key:
                _talks(unit, year, today - timedelta(days=1), rng, skip=2 if unit.key in ("budget", "treasury") else 0)
        if year == last_year:
            committee = Unit("root", root, [], [], office)
            committee.committee = [
                p.member
                for p in CommitteePost.objects.holding().filter(term__organisation=root).select_related("member")
            ]
            committee.members = [m for m in committee.committee if m.status in ON_REGISTER]
            if committee.members:
                _hold(committee, K.DEMOCRATIC_LIFE, date(year, 12, 28), rng)
    for unit in [u for u in units if ":" not in u.key and u.org.pk in decided_by]:
        _appraisal(unit, last_year, decided_by[unit.org.pk], rng, finish=True)
    _backdate(root, started, last_year)
    return {"loaded": True, "context": (root, units, users, rng)}


def _load_now(context) -> dict:
    """This year's open appraisal and the coming weeks' meetings, with their notices."""
    root, units, users, rng = context
    today = timezone.localdate()
    budget = next(u for u in units if u.key == "budget")
    _appraisal(budget, today.year, None, rng, finish=False)
    _upcoming(units, today, users, rng)
    count = Meeting.objects.in_subtree(root).count()
    audit_record(actor=None, action="demo.load_orglife", obj=root, changes={"meetings": count})
    return {"loaded": True, "meetings": count}
