"""The modules' records for a seeded register, in proportion to its members: `python -m bench.seed` calls
seed_records() after the register (or alone, with --records-only).

Per branch and year: the 三会一课 of the year to date (monthly committee meetings and thematic Party days,
quarterly general meetings, a Party lecture) with every invitee's attendance and approved minutes, December's
meetings scheduled; the secretary's talks; four collective study sessions and everyone's self-study (~10 study
records a member); a published 20-question exam sat by most members (20 answer rows each) and some daily practice
from a question bank; a work plan with its tasks; rectification items in every state with their history; risk
points with measures and reviews, and integrity files for leading cadres; reports on the portal, clues (some with
the reporter's identity sealed by the app's own sealing service) and a few cases; a cycle's survey values.

One function per module, each writing its tables through the register loader (bench.seed.Loader: COPY on
PostgreSQL, executemany on SQLite, indexes rebuilt after), with ids chosen here so that children can name their
parents. Reproducible: the same register and --seed give the same rows (except the sealed identities' ciphertext,
which is random by design; a seeded report's receipt hash is random too, its code is not kept).
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from bench.seed import CREATED_AT, TODAY, Clock

YEAR = TODAY.year
UTC_OFFSET = 8  # the site's zone (Asia/Shanghai): a meeting at 14:00 local time starts at 06:00 UTC
DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def record_models() -> list:
    """The models seed_records writes (emptied, with what refers to them, by --records-only --replace)."""
    from qinglian.discipline.models import Case, Clue, Report
    from qinglian.duties.models import Plan
    from qinglian.evaluation.models import Cycle, Value
    from qinglian.orglife.models import Meeting, Talk
    from qinglian.rectification.models import Item
    from qinglian.risks.models import IntegrityFile, RiskRound
    from qinglian.study.models import Category, Exam, Question, StudyRecord, StudySession

    return [
        Meeting,
        Talk,
        StudySession,
        StudyRecord,
        Exam,
        Question,
        Category,
        Plan,
        Item,
        RiskRound,
        IntegrityFile,
        Report,
        Clue,
        Case,
        Cycle,
        Value,
    ]


# ---------------------------------------------------------------------------------------------
# The register as the records see it: branches with their members on the register and committees.


@dataclass
class Branch:
    id: int
    path: str
    short: str
    members: list[int] = field(default_factory=list)  # on the register, the branch's groups included
    committee: list[int] = field(default_factory=list)  # secretary first
    org_of: dict[int, int] = field(default_factory=dict)  # member -> the unit holding them (branch or group)


@dataclass
class Register:
    branches: list[Branch]
    committees: list[tuple[int, str]]  # (id, path) of every Party committee, root first
    general_branches: list[int]
    cadres: list[tuple[int, int]]  # (member, unit) of leading cadres (县处级 and above)
    admin_id: int | None  # the bench administrator: verifier and reviewer of record
    root_id: int

    def committee_of(self, path: str) -> int:
        """The nearest Party committee at or above the path (a city's, for a branch)."""
        return self._committee_paths.get(self._nearest(path), self.root_id)

    def _nearest(self, path: str) -> str:
        while path and path not in self._committee_paths:
            path = path[:-4]
        return path

    def __post_init__(self):
        self._committee_paths = {p: i for i, p in self.committees}


def read_register(connection) -> Register:
    from django.contrib.auth import get_user_model

    from qinglian.orgs.vocab import ON_REGISTER

    on_register = set(ON_REGISTER)
    branches: dict[int, Branch] = {}
    holder: dict[int, int] = {}
    committees, generals = [], []
    with connection.cursor() as cur:
        cur.execute("SELECT id, kind, parent_id, path, short_name FROM orgs_organisation WHERE is_active ORDER BY id")
        groups = []
        for org_id, kind, parent_id, path, short in cur.fetchall():
            if kind in ("branch", "temp_branch"):
                branches[org_id] = Branch(org_id, path, short)
                holder[org_id] = org_id
            elif kind == "group":
                groups.append((org_id, parent_id))
            elif kind == "committee":
                committees.append((org_id, path))
            elif kind == "general_branch":
                generals.append(org_id)
        for group_id, parent_id in groups:
            if parent_id in branches:
                holder[group_id] = parent_id
        cur.execute("SELECT id, organisation_id, status, party_post, cadre_level FROM orgs_member ORDER BY id")
        cadres = []
        posts = {"书记": 0, "组织委员": 1, "宣传委员": 2, "纪检委员": 3}
        ranked: dict[int, list] = defaultdict(list)
        while rows := cur.fetchmany(100_000):
            for member_id, org_id, status, party_post, level in rows:
                branch_id = holder.get(org_id)
                if branch_id is None or status not in on_register:
                    continue
                branch = branches[branch_id]
                branch.members.append(member_id)
                branch.org_of[member_id] = org_id
                if party_post in posts:
                    ranked[branch_id].append((posts[party_post], member_id))
                if level in ("县处级", "厅局级"):
                    cadres.append((member_id, org_id))
    for branch_id, held in ranked.items():
        branches[branch_id].committee = [m for _rank, m in sorted(held)]
    admin = get_user_model().objects.filter(username="bench_admin").values_list("pk", flat=True).first()
    root = min(committees, key=lambda c: len(c[1]))
    committees.sort(key=lambda c: c[1])
    return Register(
        branches=[b for b in branches.values() if b.members],
        committees=committees,
        general_branches=generals,
        cadres=cadres,
        admin_id=admin,
        root_id=root[0],
    )


# ---------------------------------------------------------------------------------------------


class Writer:
    """What the modules share: the loader, the register, a random stream per module, counts and seconds."""

    def __init__(self, loader, register: Register, seed: int, seconds: dict):
        self.loader = loader
        self.register = register
        self.seed = seed
        self.seconds = seconds
        self.counts: dict[str, int] = {}
        self.models: list = []
        self._stamps: dict[tuple, str] = {}
        self.clock = Clock(seconds)

    def rng(self, module: str) -> random.Random:
        return random.Random(f"qinglian-bench-{self.seed}-records-{module}")

    def load(self, model, columns: list[str], rows) -> int:
        label = model._meta.db_table
        counter = [0]

        def counted():
            for row in rows:
                counter[0] += 1
                yield row

        with self.clock(label):
            self.loader.load(model, columns, counted(), self.seconds, label)
        self.counts[label] = self.counts.get(label, 0) + counter[0]
        # A province takes many minutes: say how far it got, on stderr (the JSON on stdout stays clean).
        print(f"{label}: {counter[0]:,} rows in {self.seconds[label]:.1f} s", file=sys.stderr, flush=True)
        if model not in self.models:
            self.models.append(model)
        return counter[0]

    def at(self, day: date, hour: int, minute: int = 0) -> str:
        """Local time `hour:minute` on `day` as a UTC column value (remembered: a few recur millions of times)."""
        key = (day, hour, minute)
        value = self._stamps.get(key)
        if value is None:
            moment = datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=UTC_OFFSET)
            value = self._stamps[key] = self.loader.stamp(moment)
        return value


def seed_records(*, loader, seed: int, seconds: dict) -> dict[str, int]:
    """Write every module's records for the register in the database; return the rows written per table."""
    import gc

    clock = Clock(seconds)
    with clock("records_read_register"):
        register = read_register(loader.connection)
    writer = Writer(loader, register, seed, seconds)
    gc.disable()  # tens of millions of short-lived tuples
    try:
        for module in (orglife, study, duties, rectification, risks, discipline, evaluation):
            with clock(f"records_{module.__name__}"):
                module(writer)
    finally:
        gc.enable()
    with clock("records_analyze"):
        loader.analyze(writer.models)
    return dict(sorted(writer.counts.items()))


# ---------------------------------------------------------------------------------------------
# orglife: 三会一课 with attendance and minutes, talks.

MEETING_TOPICS = {
    "committee_meeting": ("支委会", ["研究本月支部工作安排", "研究党风廉政建设工作", "研究党员发展和教育工作"]),
    "theme_day": (
        "主题党日",
        ["重温入党誓词，学习党章", "参观廉政教育基地", "走进社区开展志愿服务", "学习税收征管廉政规定"],
    ),
    "general_meeting": (
        "党员大会",
        ["传达学习上级会议精神，部署本季度党建工作", "讨论预备党员转正事项", "学习《中国共产党纪律处分条例》"],
    ),
    "party_lecture": ("党课", ["坚定理想信念，做合格共产党员", "以案为鉴，严守纪律规矩"]),
}
AGENDA = ["传达学习上级文件精神", "通报近期工作情况", "交流讨论", "研究部署下一步工作"]
PLACES = ["党员活动室", "三楼会议室", "局机关党员之家", "分局会议室"]
LEAVE_REASONS = ["出差", "病假", "参加培训", "外出办理税务稽查业务"]
TALK_SUMMARIES = [
    "交流了近期思想和工作情况，对方表示将进一步加强学习，严格要求自己。",
    "谈了对支部工作的意见建议，提出主题党日可以更多结合业务工作。",
    "提醒在税收执法中严守纪律，对方表示一定坚守底线。",
    "了解家庭和工作困难，鼓励其放下包袱、安心工作。",
]


def _plan(year_to: date) -> list[tuple[str, date, bool]]:
    """(kind, day, held) of a branch's meetings this year: held before year_to, scheduled after."""
    plan = []
    for month in range(1, 13):
        plan.append(("committee_meeting", date(YEAR, month, 5)))
        plan.append(("theme_day", date(YEAR, month, 15)))
        if month % 3 == 0:
            plan.append(("general_meeting", date(YEAR, month, 22)))
    plan.append(("party_lecture", date(YEAR, 6, 26)))
    plan.sort(key=lambda p: p[1])
    return [(kind, day, day < year_to) for kind, day in plan if day < year_to + timedelta(days=20)]


def orglife(w: Writer) -> None:
    from qinglian.orglife.models import Attendee, Meeting, Minutes, Talk

    plan = _plan(TODAY)
    first_id = w.loader.next_id(Meeting)
    agenda = DUMPS(AGENDA[:3])
    items = DUMPS(
        [
            {
                "title": t,
                "discussion": "与会党员逐一发言，结合工作实际交流了体会。",
                "decision": "会议同意上述安排。",
                "votes": None,
            }
            for t in AGENDA[:3]
        ]
    )
    stamp = w.at

    def branch_rows(branch: Branch, meeting_id: int, with_attendees: bool):
        """The branch's meetings, attendance and minutes; a stream of its own, so each pass below makes the same
        (the passes for meetings and minutes only count who came, with the same draws)."""
        rng = random.Random(f"qinglian-bench-{w.seed}-meetings-{branch.id}")
        secretary = branch.committee[0] if branch.committee else None
        recorder = branch.committee[1] if len(branch.committee) > 1 else None
        meetings, attendees, minutes = [], [], []
        for kind, day, held in plan:
            invited = branch.committee if kind == "committee_meeting" else branch.members
            if not invited:
                continue
            label, topics = MEETING_TOPICS[kind]
            topic = rng.choice(topics)
            starts, ends = stamp(day, 14, 30), stamp(day, 16, 30)
            present = 0
            if held and not with_attendees:
                present = sum(rng.random() >= 0.08 for _member in invited)
                invited = ()
            for member in invited:
                if not held:
                    attendees.append((meeting_id, member, "pending", None, "", "", "unknown", None, "", ""))
                    continue
                roll = rng.random()
                if roll < 0.03:
                    attendees.append((meeting_id, member, "yes", None, "", "", "absent", None, "", "临时公务，未请假"))
                elif roll < 0.08:
                    reason = LEAVE_REASONS[int(roll * 1000) % 4]
                    attendees.append((meeting_id, member, "no", starts, "approved", reason, "leave", None, "", reason))
                else:
                    late = roll < 0.12
                    attendees.append(
                        (
                            meeting_id,
                            member,
                            "yes",
                            starts,
                            "",
                            "",
                            "late" if late else "present",
                            starts,
                            "recorder" if late else "self",
                            "",
                        )
                    )
                    present += 1
            invitees = len(branch.committee if kind == "committee_meeting" else branch.members)
            meetings.append(
                (
                    meeting_id,
                    branch.id,
                    kind,
                    f"{branch.short}{label}：{topic}",
                    topic if kind == "theme_day" else "",
                    starts,
                    day.isoformat(),
                    ends,
                    rng.choice(PLACES),
                    agenda,
                    secretary,
                    recorder,
                    secretary if kind == "party_lecture" else None,
                    "特邀讲师" if kind == "party_lecture" and secretary is None else "",
                    "held" if held else "scheduled",
                    stamp(day - timedelta(days=7), 9),
                    f"{rng.randrange(1_000_000):06d}",
                    invitees,
                    present,
                    (present * 2 > invitees) if held else None,
                    held and present > 0,
                    stamp(day - timedelta(days=8), 10),
                    stamp(day + timedelta(days=2), 10),
                )
            )
            if held:
                minutes.append(
                    (
                        meeting_id,
                        1,
                        "approved",
                        f"会议由{label}召集，应到{invitees}人，实到{present}人。",
                        items,
                        stamp(day + timedelta(days=1), 10),
                        stamp(day + timedelta(days=2), 10),
                        ends,
                    )
                )
            meeting_id += 1
        return meetings, attendees, minutes

    def rows(part: int):
        """One of the three tables, made branch by branch (memory stays flat at province scale)."""
        meeting_id = first_id
        for branch in w.register.branches:
            made = branch_rows(branch, meeting_id, part == 1)
            meeting_id += len(made[0])
            yield from made[part]

    w.load(
        Meeting,
        [
            "id",
            "organisation_id",
            "kind",
            "title",
            "topic",
            "starts_at",
            "starts_on",
            "ends_at",
            "place",
            "agenda",
            "host_id",
            "recorder_id",
            "lecturer_id",
            "lecturer_name",
            "status",
            "notified_at",
            "checkin_code",
            "invitee_count",
            "present_count",
            "quorum_met",
            "counted",
            "created_at",
            "updated_at",
        ],
        rows(0),
    )
    w.load(
        Attendee,
        [
            "meeting_id",
            "member_id",
            "rsvp",
            "rsvp_at",
            "leave_status",
            "leave_reason",
            "presence",
            "checked_in_at",
            "checkin_method",
            "absence_reason",
        ],
        rows(1),
    )
    w.load(
        Minutes,
        ["meeting_id", "number", "status", "summary", "items", "submitted_at", "approved_at", "created_at"],
        rows(2),
    )

    rng = w.rng("talks")

    def talks():
        last = (TODAY - date(YEAR, 1, 10)).days
        kinds = ["heart_to_heart"] * 4 + ["reminder", "integrity"]
        for branch in w.register.branches:
            if not branch.committee:
                continue
            secretary = branch.committee[0]
            for member in branch.members:
                if member == secretary or rng.random() < 0.4:
                    continue
                day = date(YEAR, 1, 10) + timedelta(days=rng.randrange(last))
                yield (
                    branch.id,
                    rng.choice(kinds),
                    day.isoformat(),
                    secretary,
                    member,
                    "支部书记办公室",
                    rng.choice(TALK_SUMMARIES),
                    "",
                    stamp(day, 17),
                )

    w.load(
        Talk,
        [
            "organisation_id",
            "kind",
            "talked_on",
            "initiator_id",
            "counterpart_id",
            "place",
            "summary",
            "follow_up",
            "created_at",
        ],
        talks(),
    )


# ---------------------------------------------------------------------------------------------
# study: a question bank, an exam sat by most members with its answers, practice, sessions and study records.

STEMS = [
    (
        "《中国共产党章程》规定，党的最高领导机关是",
        ["党的全国代表大会和它所产生的中央委员会", "中央政治局", "中央书记处", "中央军事委员会"],
    ),
    (
        "党员的党龄，从何时算起",
        ["预备期满转为正式党员之日", "递交入党申请书之日", "支部大会通过之日", "上级党委批准之日"],
    ),
    ("“三会一课”中的“一课”是指", ["按时上好党课", "业务培训课", "廉政警示课", "形势政策课"]),
    ("中央八项规定精神要求改进", ["调查研究", "招商引资", "税收征管", "统计核算"]),
    ("《中国共产党纪律处分条例》规定的党纪处分种类有", ["五种", "三种", "四种", "六种"]),
    ("党支部党员大会一般每季度召开", ["1次", "2次", "3次", "每月1次"]),
]
SELF_STUDY = [
    "学习《中国共产党章程》",
    "学习习近平新时代中国特色社会主义思想",
    "观看警示教育片",
    "学习《中国共产党纪律处分条例》",
    "在线学习党史专题课程",
    "阅读《求是》文章",
    "学习税收征管廉政规定",
]
LETTERS = "ABCD"
EXAM_QUESTIONS = 20


def study(w: Writer) -> None:
    from qinglian.study.models import (
        Attempt,
        AttemptItem,
        Card,
        Category,
        Exam,
        PaperSlot,
        Question,
        QuestionVersion,
        Review,
        StudyRecord,
        StudySession,
    )

    rng = w.rng("study")
    stamp = w.at
    members = sum(len(b.members) for b in w.register.branches)
    category, _ = Category.objects.get_or_create(full_name="党章党规", defaults={"name": "党章党规"})

    # The bank: questions of the root's bank, one version each (the current one), single choice.
    n_questions = max(200, min(5_000, members // 200))
    q_first = w.loader.next_id(Question)
    v_first = w.loader.next_id(QuestionVersion)
    topics = ["charter", "speeches", "party_spirit", "warning"]
    answers: list[str] = []
    w.load(
        Question,
        ["id", "organisation_id", "category_id", "topic", "external_code", "status", "times_used", "created_at"],
        (
            (q_first + i, w.register.root_id, category.pk, topics[i % 4], "", "published", 0, CREATED_AT)
            for i in range(n_questions)
        ),
    )

    def versions():
        for i in range(n_questions):
            stem, options = STEMS[i % len(STEMS)]
            order = list(options)
            rng.shuffle(order)
            answer = LETTERS[order.index(options[0])]
            answers.append(answer)
            yield (
                v_first + i,
                q_first + i,
                1,
                "single",
                f"{stem}（第{i + 1}题）",
                DUMPS(order),
                DUMPS([answer]),
                "见题目出处。",
                "《中国共产党章程》",
                1 + i % 5,
                "1.0",
                "partial",
                "0.50",
                False,
                True,
                CREATED_AT,
            )

    w.load(
        QuestionVersion,
        [
            "id",
            "question_id",
            "number",
            "qtype",
            "stem",
            "options",
            "answer",
            "explanation",
            "source",
            "difficulty",
            "score",
            "multiple_rule",
            "partial_fraction",
            "fill_any_order",
            "fill_ignore_case",
            "created_at",
        ],
        versions(),
    )
    with w.loader.connection.cursor() as cur:
        cur.execute(
            "UPDATE study_question SET current_id = id - %s WHERE id >= %s AND id < %s",
            [q_first - v_first, q_first, q_first + n_questions],
        )

    # The exam: set by the root for everyone, a fixed paper of EXAM_QUESTIONS, held in June.
    opens = datetime(YEAR, 6, 1, 0, 0, tzinfo=CREATED_AT.tzinfo)
    exam = Exam.objects.create(
        organisation_id=w.register.root_id,
        title=f"{YEAR}年度党章党规知识测试",
        topic="charter",
        mode="fixed",
        opens_at=opens,
        closes_at=opens + timedelta(days=29),
        time_limit_minutes=30,
        attempts_allowed=1,
        pass_percent=60,
        status="published",
        created_at=CREATED_AT,
    )
    exam.units.add(w.register.root_id)
    paper = rng.sample(range(n_questions), EXAM_QUESTIONS)
    PaperSlot.objects.bulk_create(
        PaperSlot(exam=exam, position=n + 1, question_version_id=v_first + q, score=1) for n, q in enumerate(paper)
    )
    attempt_first = w.loader.next_id(Attempt)
    orders = [DUMPS(p) for p in ([0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0])]
    responses = {letter: DUMPS([letter]) for letter in LETTERS}  # four answers, encoded once

    def sittings(part: int):
        """Attempts (part 0) or their answers (part 1), member by member from one stream per branch."""
        attempt_id = attempt_first
        for branch in w.register.branches:
            r = random.Random(f"qinglian-bench-{w.seed}-exam-{branch.id}")
            for member in branch.members:
                if r.random() < 0.1:
                    continue  # did not sit it
                knows = 0.55 + 0.4 * r.random()
                day = date(YEAR, 6, 1 + r.randrange(28))
                hour, minute = 9 + r.randrange(9), r.randrange(60)
                took, attempt_seed = 12 + r.randrange(15), r.randrange(2**62)
                saved = stamp(day, hour, minute) if part else None
                score = 0
                for n, q in enumerate(paper):
                    right = r.random() < knows
                    score += right
                    if part:
                        answer = answers[q]
                        given = answer if right else LETTERS[(LETTERS.index(answer) + 1 + n % 3) % 4]
                        yield (
                            attempt_id,
                            n + 1,
                            v_first + q,
                            orders[n % 4],
                            "1.0",
                            responses[given],
                            saved,
                            "1.00" if right else "0.00",
                        )
                if not part:
                    started = datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=UTC_OFFSET)
                    yield (
                        attempt_id,
                        exam.pk,
                        member,
                        branch.org_of[member],
                        1,
                        "finished",
                        w.loader.stamp(started),
                        w.loader.stamp(started + timedelta(minutes=30)),
                        w.loader.stamp(started + timedelta(minutes=took)),
                        False,
                        f"{score}.00",
                        f"{EXAM_QUESTIONS}.00",
                        score * 100 >= 60 * EXAM_QUESTIONS,
                        attempt_seed,
                    )
                attempt_id += 1

    w.load(
        Attempt,
        [
            "id",
            "exam_id",
            "member_id",
            "organisation_id",
            "number",
            "status",
            "started_at",
            "deadline_at",
            "submitted_at",
            "timed_out",
            "score",
            "max_score",
            "passed",
            "seed",
        ],
        sittings(0),
    )
    w.load(
        AttemptItem,
        ["attempt_id", "position", "question_version_id", "option_order", "max_score", "response", "saved_at", "score"],
        sittings(1),
    )

    # Practice: a fifth of the members practise, five cards each with their last review.
    card_first = w.loader.next_id(Card)
    practising = []

    def cards():
        card_id = card_first
        for branch in w.register.branches:
            for member in branch.members:
                if rng.random() >= 0.2:
                    continue
                for q in rng.sample(range(n_questions), 5):
                    day = TODAY - timedelta(days=1 + rng.randrange(60))
                    correct = rng.random() < 0.75
                    at = stamp(day, 20, rng.randrange(60))
                    practising.append((card_id, member, v_first + q, at, correct, answers[q]))
                    yield (
                        card_id,
                        member,
                        q_first + q,
                        topics[q % 4],
                        "programme",
                        "{}",
                        stamp(day + timedelta(days=3 if correct else 1), 20),
                        3.0 if correct else 0.5,
                        at,
                        1,
                        0 if correct else 1,
                        at,
                    )
                    card_id += 1

    w.load(
        Card,
        [
            "id",
            "member_id",
            "question_id",
            "topic",
            "source",
            "fsrs",
            "due_at",
            "stability",
            "last_review_at",
            "reps",
            "lapses",
            "created_at",
        ],
        cards(),
    )
    w.load(
        Review,
        ["card_id", "member_id", "question_version_id", "reviewed_at", "rating", "correct", "response"],
        (
            (c, m, v, at, 3 if ok else 1, ok, responses[a if ok else LETTERS[(LETTERS.index(a) + 1) % 4]])
            for c, m, v, at, ok, a in practising
        ),
    )
    practising.clear()

    # Study sessions: four collective ones per branch, everyone on its register attending; then self-study.
    session_first = w.loader.next_id(StudySession)
    months = (2, 5, 8, 11)

    def sessions():
        session_id = session_first
        for branch in w.register.branches:
            for month in months:
                day = date(YEAR, month, 10)
                yield (
                    session_id,
                    branch.id,
                    "collective",
                    f"{branch.short}集中学习（{month}月）",
                    topics[month % 4],
                    day.isoformat(),
                    "2.0",
                    "",
                    "集中学习党的创新理论和党内法规。",
                    stamp(day, 17),
                )
                session_id += 1

    w.load(
        StudySession,
        [
            "id",
            "organisation_id",
            "kind",
            "title",
            "topic",
            "held_on",
            "hours",
            "provider",
            "description",
            "created_at",
        ],
        sessions(),
    )

    def records():
        session_id = session_first
        for branch in w.register.branches:
            for n, month in enumerate(months):
                day = date(YEAR, month, 10)
                for member in branch.members:
                    yield (
                        member,
                        branch.org_of[member],
                        "session",
                        session_id + n,
                        f"{branch.short}集中学习（{month}月）",
                        day.isoformat(),
                        YEAR,
                        "2.0",
                        "",
                        stamp(day, 17),
                    )
            session_id += len(months)
            for member in branch.members:
                for _n in range(6):
                    year = YEAR if rng.random() < 0.7 else YEAR - 1
                    span = (TODAY - date(YEAR, 1, 1)).days if year == YEAR else 365
                    day = date(year, 1, 1) + timedelta(days=rng.randrange(span))
                    yield (
                        member,
                        branch.org_of[member],
                        "self",
                        None,
                        rng.choice(SELF_STUDY),
                        day.isoformat(),
                        year,
                        f"{rng.randint(1, 6) / 2:.1f}",
                        "",
                        stamp(day, 21),
                    )

    w.load(
        StudyRecord,
        [
            "member_id",
            "organisation_id",
            "source",
            "session_id",
            "title",
            "studied_on",
            "year",
            "hours",
            "note",
            "created_at",
        ],
        records(),
    )


# ---------------------------------------------------------------------------------------------
# duties: a published work plan per branch, general branch and committee, with its tasks in every state.

TASKS = [
    "落实党风廉政建设主体责任，召开专题会议研究部署",
    "开展廉政风险点排查和防控措施更新",
    "组织党员干部参加警示教育活动",
    "落实谈心谈话制度，实现全覆盖",
    "督促整改巡察反馈问题",
    "开展节假日前廉洁提醒",
    "报告年度履行全面从严治党责任情况",
]
TASK_STATES = [("accepted", 100), ("submitted", 100), ("in_progress", 50), ("assigned", 0), ("returned", 80)]


def duties(w: Writer) -> None:
    from qinglian.duties.models import Plan, Task

    rng = w.rng("duties")
    units = [(b.id, b.committee[0] if b.committee else None) for b in w.register.branches]
    units += [(g, None) for g in w.register.general_branches] + [(c, None) for c, _path in w.register.committees]
    plan_first = w.loader.next_id(Plan)
    published = w.loader.stamp(datetime(YEAR, 2, 1, 2))
    w.load(
        Plan,
        ["id", "organisation_id", "year", "title", "summary", "status", "published_at", "created_at"],
        (
            (plan_first + n, org, YEAR, f"{YEAR}年党风廉政建设工作计划", "", "published", published, published)
            for n, (org, _owner) in enumerate(units)
        ),
    )

    def tasks():
        for n, (org, owner) in enumerate(units):
            for title in rng.sample(TASKS, 5):
                due = date(YEAR, 1, 1) + timedelta(days=60 + rng.randrange(330))
                status, progress = TASK_STATES[rng.randrange(5)] if due < TODAY else TASK_STATES[2 + rng.randrange(2)]
                submitted = (
                    (due - timedelta(days=rng.randrange(1, 10))) if status in ("accepted", "submitted") else None
                )
                yield (
                    plan_first + n,
                    org,
                    title,
                    "",
                    owner,
                    date(YEAR, 2, 1).isoformat(),
                    due.isoformat(),
                    status,
                    progress,
                    submitted.isoformat() if submitted else None,
                    (submitted + timedelta(days=3)).isoformat() if status == "accepted" else None,
                    status == "in_progress" and due < TODAY and rng.random() < 0.3,
                    published,
                )

    w.load(
        Task,
        [
            "plan_id",
            "organisation_id",
            "title",
            "description",
            "owner_id",
            "assigned_on",
            "due_on",
            "status",
            "progress",
            "submitted_on",
            "accepted_on",
            "supervised",
            "created_at",
        ],
        tasks(),
    )


# ---------------------------------------------------------------------------------------------
# rectification: items found at life meetings, inspections and audits, open, awaiting verification or closed.

PROBLEMS = [
    ("理论学习系统性不够，学习笔记记录不规范", "制定个人学习计划，每月完成规定学习篇目并交流心得", "life_meeting", ""),
    ("谈心谈话开展不够经常，覆盖不够全面", "支委会制定谈心谈话安排表，年底前实现全覆盖", "life_meeting", ""),
    (
        "廉政风险点排查不够细，防控措施针对性不强",
        "重新梳理岗位廉政风险点，完善防控措施",
        "inspection",
        "省局党委第三巡察组反馈意见",
    ),
    ("税费优惠政策执行审核不严", "完善审核流程，开展专项自查", "audit", "内部审计报告"),
    (
        "主题党日形式较为单一，党员参与热情不高",
        "每季度至少开展一次实践类主题党日",
        "supervision",
        "机关纪委日常监督检查",
    ),
]


def rectification(w: Writer) -> None:
    from qinglian.rectification.models import Event, Item

    rng = w.rng("rectification")
    admin = w.register.admin_id
    item_first = w.loader.next_id(Item)
    events: list[tuple] = []

    def items():
        item_id = item_first
        for branch in w.register.branches:
            owners = branch.committee or branch.members
            for problem, measures, source, title in rng.sample(PROBLEMS, 2):
                found = date(YEAR, 1, 1) + timedelta(days=rng.randrange((TODAY - date(YEAR, 1, 1)).days))
                due = found + timedelta(days=rng.choice((30, 60, 90)))
                roll = rng.random()
                status = (
                    "open" if roll < 0.35 or due >= TODAY else "submitted" if roll < 0.5 or admin is None else "closed"
                )
                submitted = min(due, TODAY) - timedelta(days=rng.randrange(1, 10)) if status != "open" else None
                closed = submitted + timedelta(days=3) if status == "closed" else None
                events.append((item_id, "created", "", None, w.at(found, 10)))
                if submitted:
                    events.append((item_id, "submitted", "已按措施完成整改。", None, w.at(submitted, 16)))
                if closed:
                    events.append((item_id, "closed", "经检查验收，整改到位。", admin, w.at(closed, 10)))
                yield (
                    item_id,
                    branch.id,
                    source,
                    title,
                    problem,
                    measures,
                    owners[rng.randrange(len(owners))],
                    due.isoformat(),
                    status,
                    submitted.isoformat() if submitted else None,
                    "已按措施完成整改。" if submitted else "",
                    closed.isoformat() if closed else None,
                    admin if closed else None,
                    found.isoformat(),
                    w.at(found, 10),
                )
                item_id += 1

    w.load(
        Item,
        [
            "id",
            "organisation_id",
            "source",
            "source_title",
            "problem",
            "measures",
            "owner_id",
            "due_on",
            "status",
            "submitted_on",
            "result",
            "closed_on",
            "closed_by_id",
            "created_on",
            "created_at",
        ],
        items(),
    )
    w.load(Event, ["item_id", "kind", "comment", "actor_id", "at"], events)
    events.clear()


# ---------------------------------------------------------------------------------------------
# risks: a round per Party committee, risk points of every branch with a measure and a review; integrity files.

RISKS = [
    (
        "enforcement",
        "税务稽查选案和查处环节",
        "选案随意、查处不严，存在人情案、关系案风险",
        "严格执行随机抽查和集体审理制度",
    ),
    ("approval", "减免退税审批", "审核把关不严，违规办理退税", "实行分级审批和事后抽查"),
    ("procurement", "政府采购", "指定供应商、化整为零规避招标", "执行采购内控制度，纪检全程监督"),
    ("funds", "经费报销", "虚列支出、超标准报销", "财务审核和定期公开"),
    ("appointments", "干部选拔任用", "违规用人、带病提拔", "严格执行选任程序和廉政意见回复"),
]
SECTIONS = ["basics", "family", "posts", "personal_matters", "income_property", "weddings_funerals", "gifts"]


def risks(w: Writer) -> None:
    from qinglian.risks.models import FileSection, IntegrityFile, RiskMeasure, RiskPoint, RiskReview, RiskRound

    rng = w.rng("risks")
    admin = w.register.admin_id
    rounds = {}
    for org, _path in w.register.committees:
        rounds[org], _ = RiskRound.objects.get_or_create(
            organisation_id=org,
            year=YEAR,
            defaults={
                "title": f"{YEAR}年度廉政风险排查",
                "opened_on": date(YEAR, 3, 1),
                "due_on": date(YEAR, 4, 30),
                "created_at": CREATED_AT,
            },
        )
    point_first = w.loader.next_id(RiskPoint)
    points: list[tuple] = []  # (id, owner, level, approved day)

    def risk_points():
        point_id = point_first
        for branch in w.register.branches:
            owner = branch.committee[0] if branch.committee else branch.members[0]
            for process, title, description, _measure in rng.sample(RISKS, 3):
                level = rng.choice((1, 2, 2, 3, 3, 3))
                likelihood, impact = rng.randint(1, 5), rng.randint(1, 5)
                approved = rng.random() < 0.85
                day = date(YEAR, 4, 1) + timedelta(days=rng.randrange(60))
                points.append((point_id, owner, level, day if approved else None, process))
                yield (
                    point_id,
                    rounds[w.register.committee_of(branch.path)].pk,
                    branch.id,
                    process,
                    title,
                    description,
                    "",
                    "[]",
                    level,
                    "",
                    likelihood,
                    impact,
                    6 if level == 1 else 12,
                    (day + timedelta(days=180 if level == 1 else 365)).isoformat() if approved else None,
                    "approved" if approved else "proposed",
                    w.at(day - timedelta(days=10), 10),
                    w.at(day, 10) if approved else None,
                    admin if approved else None,
                    w.at(day, 9),
                    w.at(day, 10),
                )
                point_id += 1

    w.load(
        RiskPoint,
        [
            "id",
            "round_id",
            "organisation_id",
            "process",
            "title",
            "description",
            "causes",
            "criteria",
            "level",
            "level_reason",
            "likelihood",
            "impact",
            "review_months",
            "next_review_on",
            "status",
            "proposed_at",
            "approved_at",
            "approved_by_id",
            "created_at",
            "updated_at",
        ],
        risk_points(),
    )
    measures = {process: measure for process, _t, _d, measure in RISKS}
    w.load(
        RiskMeasure,
        ["point_id", "text", "owner_id", "due_on", "order", "created_at"],
        (
            (p, measures[process], owner, date(YEAR, 6, 30).isoformat(), 0, CREATED_AT)
            for p, owner, _level, _day, process in points
        ),
    )
    if admin is not None:
        w.load(
            RiskReview,
            [
                "point_id",
                "reviewed_on",
                "reviewer_id",
                "measures_effective",
                "conclusion",
                "level_before",
                "level_after",
                "next_review_on",
                "created_at",
            ],
            (
                (
                    p,
                    (day + timedelta(days=150)).isoformat(),
                    admin,
                    True,
                    "防控措施落实到位，风险等级维持不变。",
                    level,
                    level,
                    (day + timedelta(days=150 + 365)).isoformat(),
                    w.at(day + timedelta(days=150), 15),
                )
                for p, _owner, level, day, _process in points
                if day is not None and day + timedelta(days=150) < TODAY
            ),
        )
    points.clear()

    file_first = w.loader.next_id(IntegrityFile)
    cadres = w.register.cadres
    w.load(
        IntegrityFile,
        ["id", "member_id", "year", "created_at"],
        ((file_first + n, member, YEAR, CREATED_AT) for n, (member, _org) in enumerate(cadres)),
    )

    def sections():
        for n, (_member, _org) in enumerate(cadres):
            submitted = rng.random() < 0.7
            for kind in SECTIONS:
                data = {}
                if kind == "basics":
                    data = {
                        "post": "",
                        "political_status": "中共党员",
                        "responsibilities": "负责本单位全面工作及党风廉政建设",
                    }
                elif kind == "posts":
                    data = {"posts": [{"start": f"{YEAR - 3}-03-01", "end": "", "unit": "", "post": ""}]}
                status = (
                    "accepted" if submitted and kind in ("basics", "posts") else "submitted" if submitted else "draft"
                )
                yield (
                    file_first + n,
                    kind,
                    DUMPS(data),
                    status,
                    w.at(date(YEAR, 3, 20), 10) if submitted else None,
                    admin if status == "accepted" else None,
                    w.at(date(YEAR, 3, 25), 10) if status == "accepted" else None,
                    "",
                    CREATED_AT,
                )

    w.load(
        FileSection,
        [
            "file_id",
            "kind",
            "data",
            "status",
            "submitted_at",
            "reviewed_by_id",
            "reviewed_at",
            "return_reason",
            "updated_at",
        ],
        sections(),
    )


# ---------------------------------------------------------------------------------------------
# discipline: portal reports to the city committees, clues (from reports and other sources) and a few cases.

REPORT_TEXTS = [
    ("integrity", "反映该同志在办理企业退税业务中多次接受企业宴请，并收受购物卡。"),
    ("four_winds", "反映该同志经常在工作日中午饮酒，并使用公车办理私事。"),
    ("work", "反映该同志在纳税服务窗口工作中推诿扯皮，群众多次投诉未果。"),
    ("masses", "反映该同志在检查中态度恶劣，向企业索要材料费用。"),
    ("organisational", "反映该同志在干部选拔中违规打招呼。"),
]
# Every twentieth clue became a case; the others are in these states, by weight.
CLUE_STATES = [("registered", 30), ("talk_inquiry", 15), ("verifying", 15), ("shelved", 5), ("closed", 30)]
CASE_EVERY = 20
CLUE_SOURCES = ["letter", "phone", "inspection", "audit", "supervision", "referral"]


def discipline(w: Writer) -> None:
    from qinglian.discipline.models import Case, CaseStageRecord, Clue, ClueEvent, Report
    from qinglian.discipline.services.sealing import seal_identity
    from qinglian.orgs.models import Member

    rng = w.rng("discipline")
    members = sum(len(b.members) for b in w.register.branches)
    n_clues = max(20, members // 300)  # ~3,300 for a province of 1,000,000 members
    n_reports = n_clues // 2
    cities = [c for c in w.register.committees if len(c[1]) == 12] or w.register.committees
    city_branches: dict[int, list[Branch]] = defaultdict(list)
    for branch in w.register.branches:
        city_branches[w.register.committee_of(branch.path)].append(branch)
    cities = [c for c in cities if city_branches[c[0]]]
    picks = []
    for _n in range(n_clues):
        city = cities[rng.randrange(len(cities))][0]
        branch = rng.choice(city_branches[city])
        picks.append((city, branch, rng.choice(branch.members)))
    names = dict(Member.objects.filter(pk__in=[m for _c, _b, m in picks]).values_list("pk", "name"))
    posts = dict(Member.objects.filter(pk__in=[m for _c, _b, m in picks]).values_list("pk", "post"))

    def identity(n: int) -> tuple[bool, str, str]:
        """A third of the reporters give their name: sealed by the app's sealing service, never stored in clear."""
        if n % 3:
            return True, "", ""
        target = SimpleNamespace()
        seal_identity(target, {"name": f"举报人{n}", "phone": f"139{rng.randrange(10**8):08d}"})
        return target.is_anonymous, target.identity_sealed, target.identity_key

    report_first = w.loader.next_id(Report)
    sealed = {n: identity(n) for n in range(n_clues)}

    def reports():
        for n in range(n_reports):
            city, branch, member = picks[n]
            category, text = REPORT_TEXTS[n % len(REPORT_TEXTS)]
            day = TODAY - timedelta(days=1 + rng.randrange(300))
            registered = n < n_reports * 3 // 4
            anonymous, cipher, key = sealed[n]
            yield (
                report_first + n,
                city,
                f"{rng.getrandbits(256):064x}",
                "registered" if registered else "acknowledged" if n % 2 else "new",
                category,
                names.get(member, ""),
                branch.short,
                posts.get(member, ""),
                text,
                w.at(day, 9),
                (day + timedelta(days=7)).isoformat(),
                (day + timedelta(days=90)).isoformat(),
                w.at(day + timedelta(days=2), 10) if registered or n % 2 else None,
                anonymous,
                cipher,
                key,
            )

    w.load(
        Report,
        [
            "id",
            "organisation_id",
            "receipt_hash",
            "status",
            "category",
            "subject_name",
            "subject_unit",
            "subject_post",
            "text",
            "received_at",
            "ack_due",
            "feedback_due",
            "acknowledged_at",
            "is_anonymous",
            "identity_sealed",
            "identity_key",
        ],
        reports(),
    )

    clue_first = w.loader.next_id(Clue)
    seqs: dict[tuple[int, int], int] = defaultdict(int)
    cases: list[tuple] = []
    events: list[tuple] = []
    weights = [weight for _s, weight in CLUE_STATES]

    def clues():
        for n in range(n_clues):
            city, branch, member = picks[n]
            from_report = n < n_reports * 3 // 4
            day = TODAY - timedelta(days=1 + rng.randrange(300))
            seqs[city, day.year] += 1
            seq = seqs[city, day.year]
            status = rng.choices(CLUE_STATES, weights)[0][0] if day < TODAY - timedelta(days=30) else "registered"
            if n % CASE_EVERY == CASE_EVERY - 1:
                status = "case"
            method = {
                "talk_inquiry": "talk_inquiry",
                "verifying": "verify",
                "shelved": "shelve",
                "closed": "close",
                "case": "propose_case",
            }.get(status, "")
            category, text = REPORT_TEXTS[n % len(REPORT_TEXTS)]
            anonymous, cipher, key = sealed[n] if from_report else (True, "", "")
            clue_id = clue_first + n
            events.append((clue_id, "clue.register", "", "registered", w.at(day, 11), ""))
            if status == "case":
                filed = min(day + timedelta(days=20), TODAY - timedelta(days=1))
                cases.append((clue_id, f"纪立〔{filed.year}〕{len(cases) + 1}号", filed))
            yield (
                clue_id,
                city,
                day.year,
                seq,
                f"纪线〔{day.year}〕{seq}号",
                "portal" if from_report else CLUE_SOURCES[n % len(CLUE_SOURCES)],
                day.isoformat(),
                report_first + n if from_report else None,
                member,
                names.get(member, "某某"),
                branch.id,
                posts.get(member, ""),
                category,
                text,
                status,
                method,
                (day + timedelta(days=30)).isoformat(),
                "予以了结" if status == "closed" else "",
                (day + timedelta(days=45)).isoformat() if status == "closed" else None,
                w.at(day, 11),
                w.register.admin_id,
                w.at(day, 11),
                anonymous,
                cipher,
                key,
                "closed" if status == "closed" else "",
            )

    w.load(
        Clue,
        [
            "id",
            "organisation_id",
            "year",
            "seq",
            "number",
            "source",
            "received_on",
            "report_id",
            "subject_member_id",
            "subject_name",
            "subject_unit_id",
            "subject_post",
            "category",
            "summary",
            "status",
            "method",
            "dispose_due",
            "referred_to",
            "closed_on",
            "touched_at",
            "registered_by_id",
            "created_at",
            "is_anonymous",
            "identity_sealed",
            "identity_key",
            "outcome",
        ],
        clues(),
    )
    w.load(ClueEvent, ["clue_id", "action", "status_from", "status_to", "at", "note"], events)
    case_first = w.loader.next_id(Case)
    w.load(
        Case,
        ["id", "clue_id", "number", "filed_on", "stage", "stage_started_on", "stage_due_on", "created_at"],
        (
            (
                case_first + n,
                clue,
                number,
                filed.isoformat(),
                "investigation",
                filed.isoformat(),
                (filed + timedelta(days=90)).isoformat(),
                w.at(filed, 10),
            )
            for n, (clue, number, filed) in enumerate(cases)
        ),
    )
    w.load(
        CaseStageRecord,
        ["case_id", "stage", "started_on", "due_on", "extended_days", "note"],
        (
            (case_first + n, "investigation", filed.isoformat(), (filed + timedelta(days=90)).isoformat(), 0, "")
            for n, (_clue, _number, filed) in enumerate(cases)
        ),
    )


# ---------------------------------------------------------------------------------------------
# evaluation: this year's cycle at the root and the quarterly survey values of every branch.


def evaluation(w: Writer) -> None:
    from qinglian.evaluation.models import Cycle, Indicator, Value

    rng = w.rng("evaluation")
    Cycle.objects.get_or_create(
        organisation_id=w.register.root_id,
        year=YEAR,
        defaults={"name": f"{YEAR}年度党风廉政建设考评", "created_at": CREATED_AT},
    )
    indicators = [
        Indicator.objects.filter(code=code).order_by("-version").values_list("pk", flat=True).first()
        for code in ("perceptions.internal", "perceptions.external")
    ]
    indicators = [i for i in indicators if i is not None]
    quarters = [(date(YEAR, 3 * q - 2, 1), date(YEAR, 3 * q, 30 if q in (2, 3) else 31)) for q in (1, 2, 3)]

    def values():
        for branch in w.register.branches:
            base = rng.gauss(80, 4)
            for start, end in quarters:
                for indicator in indicators:
                    respondents = rng.randint(20, 60)
                    yield (
                        indicator,
                        branch.id,
                        start.isoformat(),
                        end.isoformat(),
                        round(min(100.0, max(0.0, base + rng.gauss(0, 2))), 2),
                        respondents,
                        round(8.0 / respondents**0.5, 2),
                        "",
                        "",
                        "",
                        w.at(end + timedelta(days=10), 10),
                    )

    w.load(
        Value,
        [
            "indicator_id",
            "organisation_id",
            "period_start",
            "period_end",
            "value",
            "respondents",
            "std_error",
            "evidence",
            "evidence_name",
            "note",
            "entered_at",
        ],
        values(),
    )
