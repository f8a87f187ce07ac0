"""Democratic appraisal over the API: the same QuerySets and services as the pages.

Grades are the official terms (优秀, 合格, 基本合格, 不合格). Maps keyed by entry id take the id as a JSON
string key: {"grades": {"12": "合格"}}. Peer counts are given once voting has closed, and never who voted how.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orglife import appraisal_reads as reads
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalVoter, Meeting
from qinglian.orglife.services import appraisal as services
from qinglian.orglife.vocab import Grade
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Organisation, subtree_q

router = Router(tags=["appraisal"])
VIEW = "orglife.view"
PERMISSION = services.PERMISSION


class AppraisalRoundOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    status: str
    meeting_id: int | None
    decided_on: date | None
    reported_at: datetime | None
    members: int
    probationary: int
    self_submitted: int
    voters: int
    graded: int
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_members(obj) -> int:
        return obj.n_members

    @staticmethod
    def resolve_probationary(obj) -> int:
        return obj.n_probationary

    @staticmethod
    def resolve_self_submitted(obj) -> int:
        return obj.n_self

    @staticmethod
    def resolve_voters(obj) -> int:
        return obj.n_voters

    @staticmethod
    def resolve_graded(obj) -> int:
        return obj.n_graded


class EntryOut(Schema):
    id: int
    member_id: int
    member_name: str
    probationary: bool
    self_submitted_at: datetime | None
    self_assessment: str | None = None  # for those who run the appraisal, and the member
    peer: dict[str, int] | None = None  # once voting has closed, for those who run the appraisal
    masses: dict[str, int] | None = None
    proposed_grade: str | None = None
    final_grade: str | None = None  # for everyone once the results are told
    told_at: datetime | None
    acknowledged_at: datetime | None
    follow_up_status: str | None = None
    follow_up_measure: str | None = None
    follow_up_due: date | None = None
    follow_up_done_on: date | None = None
    version: int


class AppraisalRoundDetailOut(AppraisalRoundOut):
    next_status: str | None
    excellent_cap: int
    graded_members: int
    entries: list[EntryOut]

    @staticmethod
    def resolve_next_status(obj) -> str | None:
        return reads.next_step(obj)

    @staticmethod
    def resolve_entries(obj) -> list[dict]:
        return obj.entries_out


class MyEntryOut(EntryOut):
    round_id: int
    round_status: str
    voted: bool


class AppraisalOpenIn(Schema):
    org_id: int
    year: int


class AppraisalTransitionIn(Schema):
    to_status: str
    version: int


class AppraisalVersionIn(Schema):
    version: int


class TellIn(Schema):
    version: int
    entry_ids: list[int] | None = None


class GradesIn(Schema):
    grades: dict[int, str]
    version: int | None = None


class AppraisalDecideIn(GradesIn):
    meeting_id: int | None = None
    decided_on: date | None = None


class MassesIn(Schema):
    counts: dict[int, dict[str, int]]
    version: int | None = None


class BallotIn(Schema):
    grades: dict[int, str]


class SelfAssessmentIn(Schema):
    text: str
    submit: bool = True
    version: int | None = None


class FollowUpIn(Schema):
    measure: str
    due: date | None = None
    version: int | None = None


class FollowUpDoneIn(Schema):
    done_on: date | None = None
    version: int | None = None


class ResultRowOut(Schema):
    organisation_id: int | None
    organisation_name: str
    total_row: bool
    rounds: int
    counts: dict[str, int]


class ResultsOut(Schema):
    organisation_id: int
    organisation_name: str
    year: int
    grades: list[str]
    rows: list[ResultRowOut]


class VotedOut(Schema):
    round_id: int
    voted: bool


def _rounds(request, action=VIEW):
    return reads.with_counts(AppraisalRound.objects.visible_to(request.user, action).select_related("organisation"))


def _round(request, round_id: int, action=VIEW) -> AppraisalRound:
    round = _rounds(request, action).filter(pk=round_id).first()
    if round is None:
        raise Http404
    return round


def _entry_out(entry: AppraisalEntry, round: AppraisalRound, *, may_run: bool, own: bool = False) -> dict:
    settled = round.status in services.SETTLED
    data = {
        "id": entry.pk,
        "member_id": entry.member_id,
        "member_name": entry.member.name,
        "probationary": entry.probationary,
        "self_submitted_at": entry.self_submitted_at,
        "told_at": entry.told_at,
        "acknowledged_at": entry.acknowledged_at,
        "version": entry.version,
    }
    if may_run or own:
        data["self_assessment"] = entry.self_assessment
    if may_run:
        data["peer"] = entry.peer if reads.tallies_open(round) else None
        data["masses"] = entry.masses
        data["proposed_grade"] = entry.proposed_grade
    if may_run or settled or (own and entry.told_at):
        data["final_grade"] = entry.final_grade
    if may_run or own:
        data.update(
            follow_up_status=entry.follow_up_status,
            follow_up_measure=entry.follow_up_measure,
            follow_up_due=entry.follow_up_due,
            follow_up_done_on=entry.follow_up_done_on,
        )
    return data


def _detail(request, round_id: int) -> AppraisalRound:
    """The round as the caller may read it, with its entries (`entries_out`) and the cap on 优秀."""
    round = _round(request, round_id)
    may_run = can(request.user, PERMISSION, round)
    round.excellent_cap, round.graded_members, _num, _den = services.excellent_cap(round)
    round.entries_out = [_entry_out(entry, round, may_run=may_run) for entry in reads.round_entries(round)]
    return round


def _mine(request, round_id: int) -> AppraisalEntry:
    entry = (
        AppraisalEntry.objects.filter(round_id=round_id, member__user=request.user)
        .select_related("round__organisation", "member")
        .first()
    )
    if entry is None:
        raise Http404
    return entry


def _my_entry_out(request, round_id: int) -> dict:
    entry = _mine(request, round_id)
    round = entry.round
    data = _entry_out(entry, round, may_run=False, own=True)
    data.update(
        round_id=round.pk,
        round_status=round.status,
        voted=AppraisalVoter.objects.filter(round=round, member_id=entry.member_id).exists(),
    )
    return data


@router.get("/appraisal/rounds", response=list[AppraisalRoundOut], summary="Appraisal rounds the caller may read")
@paginate(PageNumberPagination)  # the per-round counts are annotations, which the two-step id fetch would drop
def round_list(request, year: int | None = None, org_id: int | None = None, status: str = ""):
    rounds = _rounds(request)
    if year is not None:
        rounds = rounds.filter(year=year)
    if org_id is not None:
        org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
        rounds = rounds.filter(subtree_q(org.path, "organisation__"))
    if status:
        rounds = rounds.filter(status=status)
    return rounds.order_by("-year", "organisation__path", "pk")


@router.post(
    "/appraisal/rounds", response={201: AppraisalRoundDetailOut}, summary="Open a branch's appraisal for a year"
)
def round_open(request, payload: AppraisalOpenIn):
    org = get_visible_or_404(Organisation.objects, request.user, PERMISSION, pk=payload.org_id)
    round = services.appraisal_open(org=org, year=payload.year, actor=request.user)
    return Status(201, _detail(request, round.pk))


@router.get("/appraisal/results", response=ResultsOut, summary="Members by unit and grade for a year")
def results(request, year: int | None = None, org_id: int | None = None):
    """One row per unit directly below the organisation (its subtree rolled up), and the total."""
    if org_id is None:
        scope = request.scope
        if not scope:  # a lazy object: `is None` would miss a user without a scope
            raise Http404
        org_id = scope.pk
    parent = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
    year = year or timezone.localdate().year
    rows = reads.results_table(request.user, parent, year)
    return {
        "organisation_id": parent.pk,
        "organisation_name": parent.name,
        "year": year,
        "grades": Grade.values,
        "rows": [
            {
                "organisation_id": row["org"].pk if row.get("org") else None,
                "organisation_name": row["org"].name if row.get("org") else "",
                "total_row": bool(row.get("is_total")),
                "rounds": row["rounds"],
                "counts": {key: row[key] for key in reads.RESULT_KEYS},
            }
            for row in rows
        ],
    }


@router.get("/appraisal/rounds/{round_id}", response=AppraisalRoundDetailOut, summary="One round with its members")
def round_get(request, round_id: int):
    return _detail(request, round_id)


@router.post(
    "/appraisal/rounds/{round_id}/transition", response=AppraisalRoundDetailOut, summary="Move to the next step"
)
def round_transition(request, round_id: int, payload: AppraisalTransitionIn):
    round = _round(request, round_id, PERMISSION)
    services.appraisal_transition(round=round, to_status=payload.to_status, version=payload.version, actor=request.user)
    return _detail(request, round_id)


@router.post(
    "/appraisal/rounds/{round_id}/report", response=AppraisalRoundDetailOut, summary="Report the results upward"
)
def round_report(request, round_id: int, payload: AppraisalVersionIn):
    round = _round(request, round_id, PERMISSION)
    services.report_upward(round=round, version=payload.version, actor=request.user)
    return _detail(request, round_id)


@router.get("/appraisal/rounds/{round_id}/me", response=MyEntryOut, summary="The caller's own part in a round")
def my_entry(request, round_id: int):
    return _my_entry_out(request, round_id)


@router.post(
    "/appraisal/rounds/{round_id}/self-assessment", response=MyEntryOut, summary="Write or submit my self-assessment"
)
def self_assessment(request, round_id: int, payload: SelfAssessmentIn):
    entry = _mine(request, round_id)
    services.self_assessment_submit(
        entry=entry, text=payload.text, submit=payload.submit, version=payload.version, actor=request.user
    )
    return _my_entry_out(request, round_id)


@router.post("/appraisal/rounds/{round_id}/vote", response={201: VotedOut}, summary="Cast my peer ballot (once)")
def vote(request, round_id: int, payload: BallotIn):
    entry = _mine(request, round_id)
    services.peer_vote(round=entry.round, grades=payload.grades, actor=request.user)
    return Status(201, {"round_id": round_id, "voted": True})


@router.post("/appraisal/rounds/{round_id}/acknowledge", response=MyEntryOut, summary="Acknowledge my result")
def acknowledge(request, round_id: int):
    services.result_acknowledge(entry=_mine(request, round_id), actor=request.user)
    return _my_entry_out(request, round_id)


@router.post("/appraisal/rounds/{round_id}/masses", response=AppraisalRoundDetailOut, summary="Enter the masses' tally")
def masses(request, round_id: int, payload: MassesIn):
    round = _round(request, round_id, PERMISSION)
    services.masses_tally_enter(round=round, counts=payload.counts, version=payload.version, actor=request.user)
    return _detail(request, round_id)


@router.post(
    "/appraisal/rounds/{round_id}/propose", response=AppraisalRoundDetailOut, summary="The committee's proposed grades"
)
def propose(request, round_id: int, payload: GradesIn):
    round = _round(request, round_id, PERMISSION)
    services.grades_propose(round=round, grades=payload.grades, version=payload.version, actor=request.user)
    return _detail(request, round_id)


@router.post(
    "/appraisal/rounds/{round_id}/decide", response=AppraisalRoundDetailOut, summary="The general meeting's decision"
)
def decide(request, round_id: int, payload: AppraisalDecideIn):
    round = _round(request, round_id, PERMISSION)
    meeting = None
    if payload.meeting_id is not None:
        # Only meetings the caller may read; the service checks it is a general meeting of the unit.
        meeting = Meeting.objects.visible_to(request.user).filter(pk=payload.meeting_id).first()
        if meeting is None:
            raise Http404
    services.grades_decide(
        round=round,
        grades=payload.grades,
        version=payload.version,
        meeting=meeting,
        decided_on=payload.decided_on,
        actor=request.user,
    )
    return _detail(request, round_id)


@router.post("/appraisal/rounds/{round_id}/tell", response=AppraisalRoundDetailOut, summary="Mark the members told")
def tell(request, round_id: int, payload: TellIn):
    round = _round(request, round_id, PERMISSION)
    services.results_tell(round=round, version=payload.version, entry_ids=payload.entry_ids, actor=request.user)
    return _detail(request, round_id)


def _entry(request, entry_id: int) -> AppraisalEntry:
    queryset = AppraisalEntry.objects.select_related("round__organisation", "member")
    return get_visible_or_404(queryset, request.user, PERMISSION, pk=entry_id)


def _entry_detail(entry: AppraisalEntry) -> dict:
    round = AppraisalRound.objects.select_related("organisation").get(pk=entry.round_id)
    found = next(e for e in reads.round_entries(round) if e.pk == entry.pk)
    return _entry_out(found, round, may_run=True)


@router.post("/appraisal/entries/{entry_id}/follow-up", response=EntryOut, summary="Record a member's follow-up")
def follow_up(request, entry_id: int, payload: FollowUpIn):
    entry = _entry(request, entry_id)
    services.follow_up_set(
        entry=entry, measure=payload.measure, due=payload.due, version=payload.version, actor=request.user
    )
    return _entry_detail(entry)


@router.post("/appraisal/entries/{entry_id}/follow-up/done", response=EntryOut, summary="Complete a follow-up")
def follow_up_done(request, entry_id: int, payload: FollowUpDoneIn):
    entry = _entry(request, entry_id)
    services.follow_up_done(entry=entry, done_on=payload.done_on, version=payload.version, actor=request.user)
    return _entry_detail(entry)
