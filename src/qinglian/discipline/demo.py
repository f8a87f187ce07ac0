"""Supervision and discipline in the demo agency, played through the services on the days it happened.

- Two more logins: 纪委书记 `jiwei` (head of discipline inspection, discipline_lead on the committee) and a second
  discipline inspector `jijian`; `inspector` handles most clues, `jijian` a few that `inspector` does not see
  (need-to-know).
- Reports on the portal: a new anonymous one, a real-name one acknowledged and answered, one not accepted; and the
  portal reports that became clues — one of them repeated a fortnight later and linked, not counted again. One
  report's receipt code is fixed (printed at start) so that the reporter's side can be tried.
- Clues from every channel in every disposal state (registered, awaiting approval, talk or inquiry under way with
  a reply overdue, under verification, shelved and due for review, referred, closed, repeated), each disposal by an
  approval form with the handling office's and the leader's opinions.
- Two closed cases with sanctions (a serious Party warning with a recorded demerit; removal from Party posts with
  demotion, which also opened a rectification item for the unit) and an open case in trial review that was
  transferred to judicial organs, so the four forms all have someone: three first-form, one each of the others.

Deterministic; runs once, after integrity risks (whose files and opinion replies read the outcomes).
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation

from qinglian.core.models import Notification
from qinglian.discipline import demo_data
from qinglian.discipline.models import (
    ApprovalForm,
    Case,
    Clue,
    ClueEvent,
    Inquiry,
    Opinion,
    Outcome,
    Report,
    ReportMessage,
)
from qinglian.discipline.permissions import LEAD_ROLE
from qinglian.discipline.services import cases, clues, disposal, intake, portal
from qinglian.discipline.vocab import FormKind, InquiryMode, Method
from qinglian.orgs import demo as orgs_demo
from qinglian.orgs.demo import DEMO_PASSWORD, ROOT_CODE
from qinglian.orgs.models import Member, Organisation, Role
from qinglian.orgs.services import role_assign
from qinglian.orgs.vocab import ON_REGISTER

# The report whose receipt code the demo prints, so that the reporter's side of the portal can be tried.
DEMO_RECEIPT = "2026113000000008"
LOGINS = [
    ("jiwei", LEAD_ROLE, "纪委书记", "郑"),
    ("jijian", "discipline_staff", "纪检干部", "韩"),
]


def logins() -> list[tuple[str, str, str]]:
    names = {r.code: (r.name_zh, r.name_en) for r in Role.objects.filter(code__in=[row[1] for row in LOGINS])}
    return [(username, *names.get(role, (role, role))) for username, role, *_rest in LOGINS]


def notes() -> list[str]:
    grouped = " ".join(DEMO_RECEIPT[i : i + 4] for i in range(0, 16, 4))
    return [f"Reporting portal: /report/ — follow a demo report up with the receipt code {grouped}."]


def load(*, members: int = 300) -> dict:
    """Add the demo's discipline inspection unless it is there already (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        root = Organisation.objects.filter(code=ROOT_CODE).first()
        if root is None:
            return {"loaded": False}
        shown = {"logins": logins(), "password": DEMO_PASSWORD, "notes": notes()}
        if Clue.objects.filter(organisation=root).exists():
            return {"loaded": False, **shown}
        started = timezone.now()
        with transaction.atomic():
            story = _Story(root)
            story.inbox()
            story.clues()
        # The notices the history sent were dealt with at the time: none is left in today's inboxes.
        Notification.objects.filter(created_at__gte=started, kind__startswith="discipline.").delete()
        return {"loaded": True, **shown, "clues": Clue.objects.filter(organisation=root).count()}


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@contextlib.contextmanager
def _on(day: date, hour: int = 10):
    """Play one step of the story on its day: the services read the clock (deadlines, decisions, opinions); the
    rows they write with the database's own defaults are dated afterwards by `_Story.dated`."""
    stamp = _at(day, hour)
    with mock.patch("django.utils.timezone.now", return_value=stamp):
        yield stamp


class _Story:
    def __init__(self, root: Organisation):
        self.root = root
        self.today = timezone.localdate()
        self.users = self._users()
        self.branches = {
            org.code.removeprefix(f"{ROOT_CODE}-").lower(): org
            for org in Organisation.objects.filter(code__startswith=f"{ROOT_CODE}-")
        }
        self.picked: set[int] = set()
        self.made: dict[str, Clue] = {}

    # --- people ------------------------------------------------------------------------------------------------

    def _users(self) -> dict:
        User = get_user_model()
        users = User.objects.in_bulk(["inspector"], field_name="username")
        password = make_password(DEMO_PASSWORD)
        for username, role, title, surname in LOGINS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "password": password,
                    "first_name": title,
                    "last_name": surname,
                    "email": f"{username}@example.cn",
                },
            )
            if created:
                role_assign(
                    user=user,
                    role=Role.objects.get(code=role),
                    organisation=self.root,
                    include_subtree=True,
                    actor=None,
                    valid_from=self.today - timedelta(days=3 * 365),  # in post before the story begins
                )
            users[username] = user
        return users

    def subject(self, branch_key: str) -> Member:
        """A cadre of the branch (its groups included), none of the demo logins, each picked once."""
        branch = self.branches[branch_key]
        others = (
            Member.objects.filter(status__in=ON_REGISTER)
            .exclude(pk__in=self.picked)
            .exclude(user__username__in=[row[0] for row in orgs_demo.LOGINS])
            .order_by("-is_cadre", "pk")
        )
        # A small demo (--members) may leave the branch nobody to pick: then someone of another branch.
        found = others.filter(organisation__path__startswith=branch.path).first() or others.first()
        self.picked.add(found.pk)
        return found

    # --- dating -------------------------------------------------------------------------------------------------

    def dated(self, since: datetime, day: date, clue: Clue | None = None, hour: int = 10) -> None:
        """Give the rows written since `since` the day of the story they belong to."""
        stamp = _at(day, hour)
        ClueEvent.objects.filter(at__gte=since).update(at=stamp)
        Opinion.objects.filter(at__gte=since).update(at=stamp)
        ApprovalForm.objects.filter(created_at__gte=since).update(created_at=stamp)
        ApprovalForm.objects.filter(decided_at__gte=since).update(decided_at=stamp)
        Inquiry.objects.filter(created_at__gte=since).update(created_at=stamp)
        ReportMessage.objects.filter(created_at__gte=since).update(created_at=stamp)
        Outcome.objects.filter(created_at__gte=since).update(created_at=stamp)
        Case.objects.filter(created_at__gte=since).update(created_at=stamp)
        Clue.objects.filter(created_at__gte=since).update(created_at=stamp)
        if clue is not None:
            Clue.objects.filter(pk=clue.pk).update(touched_at=stamp)

    def step(self, day: date, fn, *args, **kwargs):
        since = timezone.now()
        with _on(day):
            result = fn(*args, **kwargs)
        self.dated(since, day, kwargs.get("clue"))
        return result

    # --- the portal's inbox -------------------------------------------------------------------------------------

    def report(self, entry: dict, day: date, subject: Member | None) -> Report:
        branch = self.branches[entry["branch"]]
        report, _code = self.step(
            day,
            portal.report_file,
            organisation=self.root,
            category=entry["category"],
            text=entry.get("report_text") or entry["text"],
            subject_name=subject.name if subject else "",
            subject_unit=branch.name,
            subject_post=(subject.post if subject else entry.get("subject_post", "")),
            identity=entry.get("identity"),
            received_at=_at(day, 21),
        )
        return report

    def inbox(self) -> None:
        inspector = self.users["inspector"]
        for entry in demo_data.PORTAL_INBOX:
            received = self.today - timedelta(days=entry["days_ago"])
            report = self.report(entry, received, None)
            if entry["key"] == "new_anonymous":
                Report.objects.filter(pk=report.pk).update(receipt_hash=portal.receipt_hash(DEMO_RECEIPT))
            if "reply" in entry:
                report = self.step(
                    received + timedelta(days=2),
                    intake.report_acknowledge,
                    report=report,
                    actor=inspector,
                    body=entry["reply"],
                    version=report.version,
                )
            if "not_accepted" in entry:
                self.step(
                    received + timedelta(days=3),
                    intake.report_not_accept,
                    report=report,
                    actor=inspector,
                    reason=entry["not_accepted"],
                    message=entry["not_accepted"],
                    version=report.version,
                )

    # --- clues ------------------------------------------------------------------------------------------------

    def clues(self) -> None:
        for entry in demo_data.CLUES:
            self.clue(entry)

    def handler_of(self, entry: dict):
        return (
            self.users["jijian"]
            if entry["key"] in ("referral_case_c", "letter_inquiry_overdue")
            else self.users["inspector"]
        )

    def clue(self, entry: dict) -> Clue:
        handler = self.handler_of(entry)
        received = self.today - timedelta(days=entry["days_ago"])
        original = self.made.get(entry.get("repeat_of", ""))
        subject = original.subject_member if original else self.subject(entry["branch"])
        report = None
        if entry["source"] == "portal":
            report = self.report(entry, received, subject)
            report = self.step(
                received + timedelta(days=1),
                intake.report_acknowledge,
                report=report,
                actor=handler,
                body="您的举报已收到，我们将依规依纪处理，处理情况将通过本平台告知。",
                version=report.version,
            )
        day = received + timedelta(days=2)
        clue = self.step(
            day,
            clues.clue_register,
            organisation=self.root,
            source=entry["source"],
            received_on=received,
            category=entry["category"],
            summary=entry["summary"],
            actor=handler,
            subject_member=subject,
            subject_unit=subject.organisation,
            subject_post=subject.post,
            owner=handler,
            reporter=None if report else entry.get("identity"),
            report=report,
            report_version=report.version if report else None,
            repeat_of=original,
        )
        self.dated(timezone.now() - timedelta(seconds=1), day, clue)
        self.made[entry["key"]] = clue
        for action in entry["path"]:
            day = self.act(clue, action, day, handler, entry)
        Clue.objects.filter(pk=clue.pk).update(touched_at=_at(day))
        if "shelved_days" in entry:
            Clue.objects.filter(pk=clue.pk).update(touched_at=_at(self.today - timedelta(days=entry["shelved_days"])))
        return clue

    def fresh(self, clue: Clue) -> Clue:
        return Clue.objects.select_related("organisation").get(pk=clue.pk)

    def approve(self, form: ApprovalForm, day: date, handler) -> ApprovalForm:
        """The handling office's opinion, then the leader's, on the same day."""
        lead = self.users["jiwei"]
        form = self.step(day, disposal.form_opinion, form=form, actor=handler, agree=True, text="拟同意，请领导审批。")
        form = ApprovalForm.objects.get(pk=form.pk)
        return self.step(
            day, disposal.form_opinion, form=form, actor=lead, agree=True, text="同意。", version=form.version
        )

    def submit(self, clue: Clue, day: date, handler, **fields) -> ApprovalForm:
        since = timezone.now()
        with _on(day):
            clue = self.fresh(clue)
            form = disposal.form_submit(clue=clue, actor=handler, version=clue.version, **fields)
        self.dated(since, day, clue)
        return form

    def act(self, clue: Clue, action: str, day: date, handler, entry: dict) -> date:
        name, _, arg = action.partition(":")
        lead = self.users["jiwei"]
        day = min(day + timedelta(days=5), self.today)
        if name in ("inquiry_letter", "inquiry_talk", "inquiry_letter_overdue"):
            form = self.submit(
                clue,
                day,
                handler,
                kind=FormKind.DISPOSAL,
                method=Method.TALK_INQUIRY,
                body="反映问题较为具体但情节轻微，拟采取谈话函询方式处置。",
            )
            self.approve(form, day, handler)
            day = day + timedelta(days=3)
            mode = InquiryMode.TALK if name == "inquiry_talk" else InquiryMode.LETTER
            if name == "inquiry_letter_overdue":
                day = self.today - timedelta(days=30)
            record = (
                "谈话时间：上午9时至10时；地点：局纪检组谈话室。被谈话人对反映的问题作了说明，承认存在不当之处，表示今后注意改正。"
                if mode == InquiryMode.TALK
                else "请你就来信反映的问题，在收到本函后十五个工作日内作出书面说明，并由所在单位党组织签署意见。"
            )
            since = timezone.now()
            with _on(day):
                fresh = self.fresh(clue)
                disposal.inquiry_record(
                    clue=fresh, mode=mode, held_on=day, record=record, actor=handler, version=fresh.version
                )
            self.dated(since, day, clue)
        elif name == "reply":
            day = day + timedelta(days=12)
            inquiry = Inquiry.objects.filter(clue=clue).order_by("-pk").first()
            self.step(
                day,
                disposal.inquiry_reply,
                inquiry=inquiry,
                reply_on=day,
                actor=handler,
                reply="本人书面说明：春节前代理银行客户经理来访时留下的购物卡，本人当即退回并向处领导报告，有退卡登记为证。",
            )
        elif name == "report":
            clue = self.fresh(clue)
            day = day + timedelta(days=7)
            kind = FormKind.VERIFY_REPORT if clue.status == "verifying" else FormKind.INQUIRY_REPORT
            if arg == "propose_case":
                form = self.submit(
                    clue,
                    day,
                    handler,
                    kind=kind,
                    method=Method.PROPOSE_CASE,
                    body="经初步核实，反映的主要问题属实，涉嫌违反廉洁纪律，建议立案审查调查。",
                    checkers=[handler.get_full_name() or handler.username, "韩立"],
                )
            else:
                form = self.submit(
                    clue,
                    day,
                    handler,
                    kind=kind,
                    measure=arg,
                    body="经核实，反映问题的情况已查清，拟按以下意见了结。",
                    checkers=[handler.get_full_name() or handler.username, "韩立"]
                    if kind == FormKind.VERIFY_REPORT
                    else (),
                )
            self.approve(form, day, handler)
        elif name == "plan":
            form = self.submit(
                clue,
                day,
                handler,
                kind=FormKind.DISPOSAL,
                method=Method.VERIFY,
                body="反映问题具体、可查性强，拟予以初步核实。",
            )
            self.approve(form, day, handler)
            day = day + timedelta(days=2)
            form = self.submit(
                clue,
                day,
                handler,
                kind=FormKind.VERIFY_PLAN,
                body="核查组由两人组成；调取相关项目采购文件、资金支付凭证，与相关人员谈话了解情况；时限两个月。",
                checkers=[handler.get_full_name() or handler.username, "韩立"],
            )
            self.approve(form, day, handler)
        elif name == "verifying":
            pass
        elif name in ("shelve", "close"):
            method = Method.SHELVE if name == "shelve" else Method.CLOSE
            body = (
                "反映问题线索笼统，暂不具备核查条件，拟暂存待查，待有新的材料时再行处置。"
                if name == "shelve"
                else "经了解，被反映人已调离本单位，反映问题不具备可查性，拟予以了结。"
            )
            form = self.submit(clue, day, handler, kind=FormKind.DISPOSAL, method=method, body=body)
            self.approve(form, day, handler)
        elif name == "propose":
            self.submit(
                clue,
                self.today - timedelta(days=1),
                handler,
                kind=FormKind.DISPOSAL,
                method=arg,
                body="反映问题具有一定可查性，拟采取谈话函询方式处置，请审批。",
            )
        elif name == "refer":
            clue = self.fresh(clue)
            self.step(
                day,
                clues.clue_refer,
                clue=clue,
                actor=handler,
                version=clue.version,
                to="江州市大数据局纪检组",
                referred_on=day,
                direction="down",
                note="属外包运维公司内部管理问题，转相关单位处理。",
            )
        elif name == "repeat":
            pass
        elif name == "case":
            day = self.case(clue, day, arg, lead)
        elif name == "sanctions":
            pass  # recorded with the decision in `case`
        elif name == "judicial":
            case = Case.objects.get(clue=clue)
            day = day + timedelta(days=3)
            self.step(
                day,
                cases.case_transfer,
                case=case,
                on=day,
                actor=lead,
                note="涉嫌受贿犯罪，经审理移送检察机关依法审查起诉。",
                version=case.version,
            )
        elif name == "rectification":
            case = Case.objects.get(clue=clue)
            owner = (
                Member.objects.filter(organisation__path__startswith=clue.subject_unit.path, status__in=ON_REGISTER)
                .exclude(pk=clue.subject_member_id)
                .order_by("-is_cadre", "pk")
                .first()
            )
            self.step(
                day,
                cases.case_rectify,
                case=case,
                actor=lead,
                problem="政府采购评标环节缺乏有效监督，评审专家抽取和评标过程未全程留痕。",
                owner=owner,
                due_on=day + timedelta(days=60),
                measures="完善评标全过程录音录像和留痕管理；开展采购领域警示教育。",
                version=case.version,
            )
        return min(day, self.today)

    def case(self, clue: Clue, day: date, until: str, lead) -> date:
        """The case filed on the approved proposal, then its stages up to `until` (closed: after execution)."""
        entry = next(e for e in demo_data.CLUES if self.made.get(e["key"]) and self.made[e["key"]].pk == clue.pk)
        sanctions = next((a.partition(":")[2] for a in entry["path"] if a.startswith("sanctions:")), "")
        case = Case.objects.filter(clue=clue).first()
        if case is None:
            case = self.step(day, cases.case_file_proposed, clue=self.fresh(clue), actor=lead, on=day)
        plan = {"investigation": 40, "review": 20, "decision": 10, "announcement": 12, "execution": 8}
        for stage in ("review", "decision", "announcement", "execution"):
            if day + timedelta(days=plan[case.stage]) > self.today:
                return day
            day = day + timedelta(days=plan[case.stage])
            case = Case.objects.get(pk=case.pk)
            case = self.step(day, cases.case_advance, case=case, to=stage, actor=lead, on=day, version=case.version)
            if stage == "decision" and sanctions:
                party, admin = [*sanctions.split(","), ""][:2]
                case = Case.objects.get(pk=case.pk)
                self.step(
                    day,
                    cases.case_decide,
                    case=case,
                    actor=lead,
                    decided_on=day,
                    party=party,
                    admin=admin,
                    note="经审理，违纪事实清楚，证据确凿，按规定给予处分。",
                    version=case.version,
                )
            if stage == until:
                return day
        if until == "closed":
            day = day + timedelta(days=plan["execution"])
            case = Case.objects.get(pk=case.pk)
            self.step(day, cases.case_close, case=case, actor=lead, on=day, version=case.version)
        return day
