"""The frequency rules as read for a unit, and the scheduling and attendance services they drive."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from qinglian.core.models import Rule
from qinglian.core.rules import rule_get, rule_revise
from qinglian.orglife.models import Minutes
from qinglian.orglife.rules import kind_rule, kind_rules
from qinglian.orglife.services import attendance_record, meeting_recount
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import MeetingKind, MeetingStatus, Presence

# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


def test_every_kind_has_a_shipped_rule_with_its_source(db):
    for kind in MeetingKind.values:
        rule = Rule.objects.get(key=f"orglife.frequency.{kind}", org_path="")
        assert rule.source, kind


def test_a_branch_owes_the_three_meetings_one_lecture_theme_day_and_life_meeting(tree):
    kinds = {r.kind for r in kind_rules(tree.branch_a, on=date(2026, 6, 1))}
    assert kinds == {"general_meeting", "committee_meeting", "party_lecture", "theme_day", "life_meeting"}
    assert {r.kind for r in kind_rules(tree.group_a, on=date(2026, 6, 1))} == {"group_meeting"}
    assert {r.kind for r in kind_rules(tree.root, on=date(2026, 6, 1))} == {"democratic_life"}


def test_quorum_more_than_half_and_two_thirds(tree):
    committee = kind_rule("committee_meeting", tree.branch_a, on=date(2026, 6, 1))
    assert committee.quorum == Fraction(1, 2) and committee.strict
    assert committee.quorum_met(2, 4) is False
    assert committee.quorum_met(3, 5) is True
    assert committee.quorum_needed(4) == 3
    life = kind_rule("democratic_life", tree.root, on=date(2026, 6, 1))
    assert life.quorum_met(4, 6) is True and life.quorum_met(3, 6) is False
    assert life.quorum_needed(6) == 4 and life.quorum_needed(7) == 5


def test_a_unit_tightens_party_lectures_to_quarterly_for_its_subtree(tree, cast):
    base = rule_get("orglife.frequency.party_lecture")
    value = {**base.value, "per": "quarter"}
    rule_revise(
        rule=base,
        value=value,
        effective_from=date(2026, 1, 1),
        source="本单位规定：每季度讲一次党课",
        actor=cast.office,
        reason="收紧",
        org_path=tree.gb.path,
    )
    assert kind_rule("party_lecture", tree.branch_a, on=date(2026, 3, 1)).per == "quarter"
    assert len(kind_rule("party_lecture", tree.branch_a, on=date(2026, 3, 1)).periods(2026)) == 4
    assert kind_rule("party_lecture", tree.branch_c, on=date(2026, 3, 1)).per == "year"


def test_schedule_invites_the_register_and_guests(cast):
    meeting = meeting_make(cast.tree.branch_a, days=3, guests=[("陈主任", "市纪委监委派驻纪检组")])
    names = sorted(a.name for a in meeting.attendees.all())
    assert names == sorted(["张伟", "李娜", "陈主任"])
    assert meeting.invitee_count == 2 and meeting.status == MeetingStatus.SCHEDULED
    assert len(meeting.checkin_code) == 6


def test_a_party_lecture_needs_a_lecturer(cast):
    with pytest.raises(ValidationError):
        meeting_make(cast.tree.branch_a, kind=MeetingKind.PARTY_LECTURE, lecturer_name="", days=3)


def test_attendance_is_refused_before_the_meeting_and_for_strangers(cast):
    future = meeting_make(cast.tree.branch_a, days=3)
    row = future.attendees.first()
    with pytest.raises(ValidationError, match="not happened"):
        attendance_record(meeting=future, presences={row.pk: Presence.PRESENT}, actor=None)
    past = meeting_make(cast.tree.branch_a, days=-3)
    with pytest.raises(ValidationError):
        attendance_record(meeting=past, presences={row.pk: Presence.PRESENT}, actor=None)
    assert not past.attendees.exclude(presence=Presence.UNKNOWN).exists()


def test_a_meeting_counts_only_with_attendance_and_approved_minutes(cast):
    meeting = attend_all(meeting_make(cast.tree.branch_a, days=-3))
    assert meeting.status == MeetingStatus.HELD and meeting.present_count == 2 and meeting.quorum_met
    assert not meeting.counted
    Minutes.objects.create(meeting=meeting, status="approved")
    assert meeting_recount(meeting=meeting).counted
