"""Factories of the sealed compartment: real-name clues and reports, identity requests at any step, clues and
reports whose retention has ended (with a case, outcomes, attachments), and outcomes for the statistics.

The usual world: the root committee's discipline inspection handles the clues; `inspector` handles them and asks;
`lead` (纪委书记, discipline_lead on the root with its subtree, from `lead_user`) approves.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from qinglian.core.rules import rule_value
from qinglian.discipline.models import Case, Clue, Outcome, Report, ReportAttachment
from qinglian.discipline.services import sealed
from qinglian.discipline.services.outcomes import outcome_record
from qinglian.discipline.services.sealing import seal_identity
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.vocab import MEASURE_FAMILY, CaseStage, ClueStatus, Measure, ReportStatus

REPORTER = {"name": "欧阳娜娜", "phone": "13912345678", "unit": "市财政局"}
REASON = "核实举报内容需当面听取举报人补充情况"


def real_name_clue(cast, **kwargs) -> Clue:
    """A clue registered from a real-name letter: 欧阳娜娜 reports b1 王芳."""
    return clue_make(cast, reporter=REPORTER, **kwargs)


def reveal_asked(cast, clue: Clue | None = None, *, by: str = "inspector", reason: str = REASON):
    clue = clue or real_name_clue(cast)
    return sealed.reveal_ask(clue=clue, actor=cast.users[by], reason=reason)


def reveal_approved(cast, clue: Clue | None = None, *, by: str = "inspector", approver: str = "lead"):
    lead_user(cast)
    req = reveal_asked(cast, clue, by=by)
    return sealed.reveal_approve(req=req, actor=cast.users[approver], note="同意，仅用于核实举报内容")


def moment(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on, time(10)))


def report_make(
    cast, *, status: str = ReportStatus.NOT_ACCEPTED, received_on: date | None = None, files: int = 0, reporter=None
) -> Report:
    """A portal report to the root committee (not accepted by default), with `files` attachments in storage."""
    received = received_on or day(-10)
    report = Report(
        organisation=cast.tree.root,
        receipt_hash=secrets.token_hex(32),
        status=status,
        subject_name="王芳",
        text="反映王芳在采购中收受购物卡。",
        received_at=moment(received),
        ack_due=received + timedelta(days=7),
        feedback_due=received + timedelta(days=90),
        not_accepted_reason="反映内容不属于本机关受理范围" if status == ReportStatus.NOT_ACCEPTED else "",
    )
    seal_identity(report, reporter)
    report.save()
    for n in range(files):
        attachment = ReportAttachment(report=report, name=f"照片{n + 1}.jpg", content_type="image/jpeg", size=5)
        attachment.file.save(f"evidence-{n}.jpg", ContentFile(b"\xff\xd8\xff\xe0x"), save=False)
        attachment.save()
    return report


def ended_clue(
    cast,
    *,
    status: str = ClueStatus.CLOSED,
    ended_on: date,
    measures: tuple[str, ...] = (),
    case_stage: str | None = None,
    report: Report | None = None,
    **kwargs,
) -> Clue:
    """A clue that ended on `ended_on` (closed, or referred, or a repeat registered then), with outcomes of
    `measures` decided that day (sanctions on a case), and a case at `case_stage` when given."""
    received = kwargs.pop("received_on", ended_on - timedelta(days=60))
    repeat_of = kwargs.pop("repeat_of", None)
    clue = clue_make(cast, status=status, received_on=received, **kwargs)
    fields = {"report": report, "repeat_of": repeat_of}
    if status == ClueStatus.CLOSED:
        fields["closed_on"] = ended_on
    elif status == ClueStatus.REFERRED:
        fields.update(referred_on=ended_on, referred_to="市纪委监委")
    else:
        fields["created_at"] = moment(ended_on)
    Clue.objects.filter(pk=clue.pk).update(**fields)
    clue.refresh_from_db()
    case = None
    if case_stage is not None or any(m.startswith(("party_", "admin_")) for m in measures):
        stage = case_stage or CaseStage.CLOSED
        case = Case.objects.create(
            clue=clue,
            number=f"纪立〔{ended_on.year}〕{clue.seq}号",
            filed_on=ended_on - timedelta(days=40),
            stage=stage,
            stage_started_on=ended_on - timedelta(days=5),
            closed_on=ended_on if stage == CaseStage.CLOSED else None,
        )
    forms = rule_value("discipline.forms", on=timezone.localdate())
    for measure in measures:
        # Made straight in the database: an outcome decided years ago predates the forms rule now shipped.
        Outcome.objects.create(
            clue=clue, case=case, subject_member=clue.subject_member, subject_name=clue.subject_name,
            subject_unit=clue.subject_unit, source=clue.source, measure=measure,
            family=MEASURE_FAMILY[Measure(measure)], form=forms.get(measure), decided_on=ended_on,
        )  # fmt: skip
    return clue


def outcome_at(cast, clue: Clue, measure: str, on: date, *, case: Case | None = None) -> Outcome:
    """One outcome of `clue` decided `on` (sanctions need the clue's case: made when missing)."""
    if measure.startswith(("party_", "admin_", "org_", "major_", "judicial")) and case is None:
        case = Case.objects.filter(clue=clue).first() or Case.objects.create(
            clue=clue, number=f"纪立〔{on.year}〕{clue.seq}号", filed_on=on - timedelta(days=30),
            stage=CaseStage.DECISION, stage_started_on=on,
        )  # fmt: skip
    months = 12 if measure == "party_probation" else None
    return outcome_record(clue=clue, measure=measure, decided_on=on, actor=None, case=case, months=months)
