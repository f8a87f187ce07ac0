"""Factories of cases: a clue whose approved form proposes a case, and cases made straight in the database at any
stage (with their stage rows and, from the decision on, a decision), so that tests and the route table start where
they need without walking every stage through the services.

The usual world: the clue is about b1 王芳 of branch_b, handled by `inspector`; `lead_user(cast)` adds the leader.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from qinglian.discipline.models import ApprovalForm, Case, CaseStageRecord, Outcome
from qinglian.discipline.services.outcomes import outcome_record
from qinglian.discipline.tests.factories import clue_make, day
from qinglian.discipline.vocab import CASE_STAGE_ORDER, CaseStage, ClueStatus, FormKind, FormStatus, Method
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign

STAGE_DAYS = {"investigation": 90, "review": 30, "decision": 15, "announcement": 30, "execution": 15, "appeal": 90}


def proposed_clue(cast, *, status: str = ClueStatus.PROPOSED, kind: str = FormKind.FILING, **kwargs):
    """A clue whose latest approved form proposes filing a case."""
    clue = clue_make(cast, status=status, **kwargs)
    ApprovalForm.objects.create(
        clue=clue,
        kind=kind,
        method=Method.PROPOSE_CASE if kind != FormKind.FILING else "",
        body="经初步核实，王芳涉嫌违反廉洁纪律，拟予立案审查。",
        status=FormStatus.APPROVED,
        decided_at=timezone.now(),
    )
    return clue


def case_make(
    cast,
    *,
    stage: str = CaseStage.INVESTIGATION,
    filed_on: date | None = None,
    stage_started_on: date | None = None,
    number: str = "",
    decision: tuple[str, ...] = (),
    months: int | None = None,
    decided_on: date | None = None,
    **clue_kwargs,
) -> Case:
    """A case at `stage`, its earlier stages ended one after another, filed `filed_on` (120 days ago by default).

    `decision`: measures recorded as the case's outcomes (through outcome_record, so forms and effect periods are
    the rule's); a case past its decision gets a Party warning when none is given.
    """
    filed_on = filed_on or day(-120)
    clue_kwargs.setdefault("received_on", filed_on - timedelta(days=30))
    clue = clue_make(cast, status=ClueStatus.CLOSED if stage == CaseStage.CLOSED else ClueStatus.CASE, **clue_kwargs)
    order = [s for s in CASE_STAGE_ORDER if s != CaseStage.FILING]
    reached = (
        order[: order.index(stage) + 1] if stage in order else [*order[: order.index(CaseStage.EXECUTION) + 1], stage]
    )
    started = stage_started_on or (filed_on + timedelta(days=10 * (len(reached) - 1)))
    case = Case.objects.create(
        clue=clue,
        number=number or f"纪立〔{filed_on.year}〕{clue.seq}号",
        filed_on=filed_on,
        stage=stage,
        stage_started_on=started,
        stage_due_on=None if stage == CaseStage.CLOSED else started + timedelta(days=STAGE_DAYS[stage]),
        closed_on=started if stage == CaseStage.CLOSED else None,
    )
    CaseStageRecord.objects.create(case=case, stage=CaseStage.FILING, started_on=filed_on, ended_on=filed_on)
    for n, name in enumerate(reached):
        begin = filed_on + timedelta(days=10 * n) if name != stage else started
        last = n == len(reached) - 1
        CaseStageRecord.objects.create(
            case=case,
            stage=name,
            started_on=begin,
            due_on=None if name == CaseStage.CLOSED else begin + timedelta(days=STAGE_DAYS[name]),
            ended_on=None if last else filed_on + timedelta(days=10 * (n + 1)),
        )
    past_decision = stage in (CaseStage.ANNOUNCEMENT, CaseStage.EXECUTION, CaseStage.CLOSED, CaseStage.APPEAL)
    measures = decision or (("party_warning",) if past_decision else ())
    when = decided_on or filed_on + timedelta(days=10 * order.index(CaseStage.DECISION))
    for measure in measures:
        outcome_record(
            clue=clue, case=case, measure=measure, decided_on=when, actor=None,
            months=months if measure == "party_probation" else None,
        )  # fmt: skip
    if stage == CaseStage.CLOSED and measures:
        clue.outcome, clue.closed_on = measures[0], started
        clue.save(update_fields=["outcome", "closed_on"])
    return case


def staff_user(cast, name: str = "staff2"):
    """Another discipline_staff on the root, who handles none of the clues of the tests."""
    from django.contrib.auth import get_user_model

    if name in cast.users:
        return cast.users[name]
    user = get_user_model().objects.create_user(name, f"{name}@example.cn", "pw", first_name="纪检干部")
    role_assign(
        user=user,
        role=Role.objects.get(code="discipline_staff"),
        organisation=cast.tree.root,
        include_subtree=True,
        actor=None,
    )
    cast.users[name] = user
    return user


def outcome_of(case: Case, measure: str) -> Outcome:
    return case.outcomes.get(measure=measure, superseded_by__isnull=True)
