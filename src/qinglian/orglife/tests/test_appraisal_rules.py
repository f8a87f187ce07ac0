"""Bad input to democratic appraisal is refused with a clear reason, and nothing is half-saved."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from qinglian.core.models import AuditEvent
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalTally, AppraisalVoter
from qinglian.orglife.services import appraisal as services
from qinglian.orglife.tests.factories import appraisal_people, appraisal_round_at, meeting_make
from qinglian.orglife.vocab import Grade, MeetingKind

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(cast):
    return appraisal_people(cast)


def _ids(round) -> dict[str, int]:
    return dict(AppraisalEntry.objects.filter(round=round).values_list("member__name", "pk"))


def _refused(match: str, fn, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        fn(**kwargs)
    text = " ".join(caught.value.messages)
    assert match in text, text
    return text


def test_a_second_round_for_the_same_unit_and_year_is_refused(people):
    round = services.appraisal_open(org=people.tree.branch_a, year=YEAR, actor=people.secretary)
    text = _refused("once a year", services.appraisal_open, org=people.tree.branch_a, year=YEAR, actor=people.secretary)
    assert "第一党支部" in text and str(YEAR) in text and "Self-assessment" in text
    assert AppraisalRound.objects.filter(organisation=people.tree.branch_a).count() == 1
    assert AppraisalEntry.objects.filter(round=round).count() == 4
    # Another year is another round.
    services.appraisal_open(org=people.tree.branch_a, year=YEAR - 1, actor=people.secretary)


def test_only_a_branch_opens_a_round_for_a_past_or_current_year(people):
    tree = people.tree
    _refused("held by a Party branch", services.appraisal_open, org=tree.group_a, year=YEAR, actor=people.office)
    _refused("held by a Party branch", services.appraisal_open, org=tree.gb, year=YEAR, actor=people.office)
    _refused("Choose a year from 2000", services.appraisal_open, org=tree.branch_a, year=YEAR + 1, actor=None)
    with pytest.raises(PermissionDenied):
        services.appraisal_open(org=tree.branch_b, year=YEAR, actor=people.secretary)
    assert not AppraisalRound.objects.exists()


def test_steps_are_taken_in_order_and_a_stale_version_conflicts(people):
    round = services.appraisal_open(org=people.tree.branch_a, year=YEAR, actor=people.secretary)
    text = _refused(
        "taken in order",
        services.appraisal_transition,
        round=round,
        to_status="proposal",
        version=round.version,
        actor=people.secretary,
    )
    assert "Peer and masses evaluation" in text  # the step that comes next
    _refused("Unknown appraisal step", services.appraisal_transition, round=round, to_status="x", version=1, actor=None)
    stale = round.version
    services.appraisal_transition(round=round, to_status="peer", version=stale, actor=people.secretary)
    with pytest.raises(services.Conflict):
        services.appraisal_transition(round=round, to_status="proposal", version=stale, actor=people.organiser)
    assert AppraisalRound.objects.get(pk=round.pk).status == "peer"


def test_the_cap_on_excellent_is_enforced_with_the_numbers(people):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    AppraisalEntry.objects.filter(round=round).update(proposed_grade="")
    ids = _ids(round)
    grades = {ids["张伟"]: "优秀", ids["李娜"]: "优秀", ids["周强"]: "合格"}
    text = _refused(
        "Too many members graded 优秀",
        services.grades_propose,
        round=round,
        grades=grades,
        version=round.version,
        actor=people.organiser,
    )
    # 2 chosen, at most 1 of the 3 full members (one third, rounded down).
    assert "2 are" in text and "at most 1 of the 3" in text and "1/3" in text
    assert not AppraisalEntry.objects.filter(round=round).exclude(proposed_grade="").exists()  # nothing half-saved
    grades[ids["李娜"]] = "合格"
    services.grades_propose(round=round, grades=grades, version=round.version, actor=people.organiser)
    assert services.excellent_cap(round) == (1, 3, 1, 3)


def test_the_cap_counts_the_grades_already_saved(people):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    ids = _ids(round)
    services.grades_propose(round=round, grades={ids["张伟"]: "优秀"}, actor=people.organiser)
    _refused(
        "at most 1 of the 3",
        services.grades_propose,
        round=round,
        grades={ids["周强"]: "优秀"},
        actor=people.organiser,
    )


def test_a_grade_outside_the_official_set_is_refused_and_nothing_is_saved(people):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    AppraisalEntry.objects.filter(round=round).update(proposed_grade="")
    ids = _ids(round)
    text = _refused(
        "not an official grade",
        services.grades_propose,
        round=round,
        grades={ids["张伟"]: "合格", ids["李娜"]: "良好"},
        actor=people.organiser,
    )
    assert "良好" in text and "优秀、合格、基本合格、不合格" in text
    assert not AppraisalEntry.objects.filter(round=round).exclude(proposed_grade="").exists()


def test_probationary_members_are_not_graded(people):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    ids = _ids(round)
    text = _refused(
        "receive no grade",
        services.grades_propose,
        round=round,
        grades={ids["陈静"]: "合格"},
        actor=people.organiser,
    )
    assert "陈静" in text
    # The database refuses it too.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AppraisalEntry.objects.filter(pk=ids["陈静"]).update(final_grade="合格")


def test_an_entry_of_another_round_is_refused(people):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    other = appraisal_round_at(people.tree.branch_b, "proposal")
    stranger = AppraisalEntry.objects.filter(round=other).first()
    _refused(
        "Not members of this appraisal", services.grades_propose, round=round, grades={stranger.pk: "合格"}, actor=None
    )
    assert AppraisalEntry.objects.get(pk=stranger.pk).proposed_grade == ""  # untouched


def test_a_committee_member_of_another_branch_may_not_propose(people):
    other = appraisal_round_at(people.tree.branch_b, "proposal")
    with pytest.raises(PermissionDenied):
        services.grades_propose(round=other, grades={}, actor=people.organiser)


def test_moving_on_needs_the_steps_work_done_and_names_who_is_missing(people):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    ids = _ids(round)
    services.grades_propose(round=round, grades={ids["张伟"]: "合格", ids["李娜"]: "合格"}, actor=people.secretary)
    round.refresh_from_db()
    text = _refused(
        "has not proposed a grade",
        services.appraisal_transition,
        round=round,
        to_status="decision",
        version=round.version,
        actor=people.secretary,
    )
    assert "周强" in text and "张伟" not in text and "陈静" not in text
    services.grades_propose(round=round, grades={ids["周强"]: "合格"}, actor=people.secretary)
    round.refresh_from_db()
    round = services.appraisal_transition(round=round, to_status="decision", version=round.version, actor=None)
    services.grades_decide(round=round, grades={ids["张伟"]: "合格"}, actor=people.secretary)
    round.refresh_from_db()
    text = _refused(
        "has not decided a grade",
        services.appraisal_transition,
        round=round,
        to_status="notified",
        version=round.version,
        actor=people.secretary,
    )
    assert "李娜" in text and "周强" in text and "张伟" not in text


def test_reporting_upward_needs_every_member_told(people):
    round = appraisal_round_at(people.tree.branch_a, "notified")
    ids = _ids(round)
    services.results_tell(round=round, entry_ids=[ids["张伟"], ids["李娜"]], actor=people.secretary)
    round.refresh_from_db()
    text = _refused("not told yet", services.report_upward, round=round, version=round.version, actor=people.secretary)
    assert "周强" in text and "陈静" in text and "张伟" not in text


def test_a_reported_round_is_locked(people):
    round = appraisal_round_at(people.tree.branch_a, "reported")
    ids = _ids(round)
    _refused("is locked", services.grades_propose, round=round, grades={ids["张伟"]: "优秀"}, actor=None)
    _refused("is locked", services.grades_decide, round=round, grades={ids["张伟"]: "不合格"}, actor=None)
    _refused("is locked", services.masses_tally_enter, round=round, counts={ids["张伟"]: {"合格": 1}}, actor=None)
    _refused("is locked", services.results_tell, round=round, actor=None)
    _refused(
        "is locked",
        services.self_assessment_submit,
        entry=AppraisalEntry.objects.get(pk=ids["张伟"]),
        text="改",
        actor=people.member,
    )
    _refused(
        "is locked", services.appraisal_transition, round=round, to_status="peer", version=round.version, actor=None
    )
    assert set(
        AppraisalEntry.objects.filter(round=round, probationary=False).values_list("final_grade", flat=True)
    ) == {"合格"}


def test_each_step_refuses_work_of_another_step(people):
    round = appraisal_round_at(people.tree.branch_a, "self")
    ids = _ids(round)
    text = _refused(
        "is done at the step", services.grades_propose, round=round, grades={ids["张伟"]: "合格"}, actor=None
    )
    assert "Self-assessment" in text and "Committee proposes grades" in text
    _refused("is done at the step", services.peer_vote, round=round, grades={ids["李娜"]: "合格"}, actor=people.member)
    _refused("is done at the step", services.masses_tally_enter, round=round, counts={}, actor=None)


# --- the member's own steps ------------------------------------------------------------------------------------


def test_the_self_assessment_is_the_members_own_and_needs_text(people):
    round = appraisal_round_at(people.tree.branch_a, "self")
    entry = AppraisalEntry.objects.get(round=round, member=people.members["a1"])
    with pytest.raises(PermissionDenied):
        services.self_assessment_submit(entry=entry, text="替他写", actor=people.secretary)
    _refused("Write your self-assessment", services.self_assessment_submit, entry=entry, text="  ", actor=people.member)
    services.self_assessment_submit(entry=entry, text="我的自评", actor=people.member)
    with pytest.raises(services.Conflict):
        services.self_assessment_submit(entry=entry, text="旧页面", version=entry.version, actor=people.member)


def test_a_member_votes_once_and_only_on_colleagues_with_a_grade(people):
    round = appraisal_round_at(people.tree.branch_a, "peer")
    ids = _ids(round)
    own = {ids["张伟"]: "合格", ids["李娜"]: "合格", ids["周强"]: "合格"}
    _refused("not yourself", services.peer_vote, round=round, grades=own, actor=people.member)
    text = _refused(
        "receive no grade",
        services.peer_vote,
        round=round,
        grades={ids["李娜"]: "合格", ids["周强"]: "合格", ids["陈静"]: "合格"},
        actor=people.member,
    )
    assert "陈静" in text
    text = _refused(
        "every colleague", services.peer_vote, round=round, grades={ids["李娜"]: "合格"}, actor=people.member
    )
    assert "周强" in text
    _refused(
        "not an official grade",
        services.peer_vote,
        round=round,
        grades={ids["李娜"]: "合格", ids["周强"]: "很好"},
        actor=people.member,
    )
    assert not AppraisalVoter.objects.exists() and not AppraisalTally.objects.exists()  # nothing half-saved

    ballot = {ids["李娜"]: "优秀", ids["周强"]: "合格"}
    services.peer_vote(round=round, grades=ballot, actor=people.member)
    _refused("already voted", services.peer_vote, round=round, grades=ballot, actor=people.member)
    assert AppraisalVoter.objects.filter(round=round).count() == 1
    assert sum(AppraisalTally.objects.values_list("count", flat=True)) == 2
    # Someone who is not in the round has no ballot.
    with pytest.raises(PermissionDenied):
        services.peer_vote(round=round, grades=ballot, actor=people.secretary)


def test_the_peer_tally_is_anonymous(people):
    round = appraisal_round_at(people.tree.branch_a, "peer")
    ids = _ids(round)
    services.peer_vote(round=round, grades={ids["李娜"]: "优秀", ids["周强"]: "不合格"}, actor=people.member)
    # No row links a voter to a grade: the voter row has no grade, the tally no voter.
    voter_fields = {f.name for f in AppraisalVoter._meta.get_fields()}
    tally_fields = {f.name for f in AppraisalTally._meta.get_fields()}
    assert voter_fields == {"id", "round", "member", "voted_at"}
    assert tally_fields == {"id", "entry", "source", "grade", "count"}
    assert AppraisalVoter.objects.get().voted_at == timezone.localdate()  # the day, not the moment
    # The audit event says that 张伟 voted, not how.
    event = AuditEvent.objects.get(action="orglife.appraisal_vote")
    written = json.dumps([event.changes, event.reason, event.object_repr], ensure_ascii=False)
    assert not any(grade in written for grade in Grade.values)
    assert event.changes == {"colleagues": 2}


def test_the_masses_tally_replaces_earlier_counts_all_or_nothing(people):
    round = appraisal_round_at(people.tree.branch_a, "peer")
    ids = _ids(round)
    services.masses_tally_enter(round=round, counts={ids["张伟"]: {"优秀": 3, "合格": 7}}, actor=people.secretary)
    services.masses_tally_enter(round=round, counts={ids["张伟"]: {"合格": 9}}, actor=people.secretary)
    masses = dict(AppraisalTally.objects.filter(source="masses").values_list("grade", "count"))
    assert masses == {"合格": 9}
    _refused(
        "whole number from 0",
        services.masses_tally_enter,
        round=round,
        counts={ids["李娜"]: {"合格": 4}, ids["张伟"]: {"合格": -1}},
        actor=people.secretary,
    )
    _refused(
        "receive no grade",
        services.masses_tally_enter,
        round=round,
        counts={ids["陈静"]: {"合格": 4}},
        actor=people.secretary,
    )
    assert dict(AppraisalTally.objects.filter(source="masses").values_list("entry_id", "count")) == {ids["张伟"]: 9}


def test_the_deciding_meeting_is_a_general_meeting_of_the_unit(people):
    round = appraisal_round_at(people.tree.branch_a, "decision")
    ids = _ids(round)
    committee = meeting_make(people.tree.branch_a, kind=MeetingKind.COMMITTEE_MEETING, title="支委会")
    other = meeting_make(people.tree.branch_b, kind=MeetingKind.GENERAL_MEETING, title="第二支部党员大会")
    for meeting in (committee, other):
        _refused(
            "decided by a general meeting of 第一党支部",
            services.grades_decide,
            round=round,
            grades={ids["张伟"]: "优秀"},
            meeting=meeting,
            actor=people.secretary,
        )
    assert AppraisalEntry.objects.get(pk=ids["张伟"]).final_grade == ""
    round.refresh_from_db()
    assert round.meeting is None


def test_follow_up_is_for_the_two_lower_grades_once_told(people):
    round = appraisal_round_at(people.tree.branch_a, "decision")
    ids = _ids(round)
    grades = {ids["张伟"]: "合格", ids["李娜"]: "合格", ids["周强"]: "不合格"}
    services.grades_decide(round=round, grades=grades, actor=people.secretary)
    round.refresh_from_db()
    zhou = AppraisalEntry.objects.get(pk=ids["周强"])
    _refused("once the general meeting has decided", services.follow_up_set, entry=zhou, measure="帮扶", actor=None)
    round = services.appraisal_transition(round=round, to_status="notified", version=round.version, actor=None)
    services.results_tell(round=round, actor=None)
    zhang = AppraisalEntry.objects.get(pk=ids["张伟"])
    _refused("graded 合格", services.follow_up_set, entry=zhang, measure="帮扶", actor=people.secretary)
    zhou = AppraisalEntry.objects.get(pk=ids["周强"])
    days = services.follow_up_days(round)
    assert zhou.follow_up_due == timezone.localdate() + timezone.timedelta(days=days)
    _refused("Record the measures", services.follow_up_done, entry=zhou, actor=people.secretary)
    _refused("Describe", services.follow_up_set, entry=zhou, measure=" ", actor=people.secretary)
    services.follow_up_set(entry=zhou, measure="限期改正，组织处置。", actor=people.secretary)
    with pytest.raises(services.Conflict):
        services.follow_up_done(entry=zhou, version=zhou.version, actor=people.secretary)


def test_a_result_is_acknowledged_once_after_being_told(people):
    round = appraisal_round_at(people.tree.branch_a, "notified")
    entry = AppraisalEntry.objects.get(round=round, member=people.members["a1"])
    _refused("not been told", services.result_acknowledge, entry=entry, actor=people.member)
    services.results_tell(round=round, actor=None)
    with pytest.raises(PermissionDenied):
        services.result_acknowledge(entry=entry, actor=people.member2)
    services.result_acknowledge(entry=entry, actor=people.member)
    _refused("You acknowledged", services.result_acknowledge, entry=entry, actor=people.member)
