"""Study sessions and hours: sessions from meetings, sync, self-study cap, norms, the table and the indicators."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.orglife.services import attendance_record
from qinglian.orglife.tests.factories import at, committee_make, meeting_make
from qinglian.orglife.vocab import Presence
from qinglian.orgs.services import member_create
from qinglian.study.models import StudyRecord
from qinglian.study.services import hours as services
from qinglian.study.vocab import RecordSource, SessionKind

pytestmark = pytest.mark.usefixtures("in_english")


def _presences(meeting, by_name: dict):
    rows = meeting.attendees.filter(member__isnull=False).select_related("member")
    return {a.pk: by_name.get(a.member.name, Presence.ABSENT) for a in rows}


@pytest.fixture
def meeting(cast):
    """A held meeting of branch_a of 2 h 10 min: 张伟 present, 李娜 late."""
    day = timezone.localdate() - timedelta(days=3)
    m = meeting_make(cast.tree.branch_a, days=-3, ends_at=at(day, 16) + timedelta(minutes=10), topic="学习党章")
    presences = _presences(m, {"张伟": Presence.PRESENT, "李娜": Presence.LATE})
    return attendance_record(meeting=m, presences=presences, actor=None)


def test_session_from_meeting_gives_hours_to_those_present_only(cast, meeting):
    absent = member_create(organisation=cast.tree.branch_a, name="陈静", gender="F", actor=None)
    m = meeting_make(cast.tree.branch_a, days=-2)  # invites the three, no end: the default 2 hours
    m = attendance_record(meeting=m, presences=_presences(m, {"张伟": Presence.PRESENT}), actor=None)
    session = services.session_from_meeting(meeting=m, actor=cast.secretary)
    assert session.hours == Decimal("2")
    assert session.meeting == m and session.held_on == m.starts_on and session.title == m.title
    assert list(session.records.values_list("member__name", flat=True)) == ["张伟"]
    assert not StudyRecord.objects.filter(member=absent).exists()

    first = services.session_from_meeting(meeting=meeting, actor=cast.secretary)
    assert first.hours == Decimal("2.0")  # 2 h 10 min, to the half hour
    assert set(first.records.values_list("member__name", flat=True)) == {"张伟", "李娜"}
    with pytest.raises(ValidationError, match="already a study session"):
        services.session_from_meeting(meeting=meeting, actor=cast.secretary)


def test_meeting_hours_round_to_half_hours(cast):
    day = timezone.localdate() - timedelta(days=1)
    m = meeting_make(cast.tree.branch_a, days=-1, ends_at=at(day, 16) + timedelta(minutes=20))
    assert services.meeting_hours(m) == Decimal("2.5")


def test_sync_follows_a_change_of_attendance(cast, meeting):
    session = services.session_from_meeting(meeting=meeting, actor=cast.secretary)
    rows = _presences(meeting, {"张伟": Presence.ABSENT, "李娜": Presence.PRESENT})
    attendance_record(meeting=meeting, presences=rows, actor=None)
    assert services.session_sync(session=session, actor=cast.secretary) == (0, 1)
    assert list(session.records.values_list("member__name", flat=True)) == ["李娜"]


def test_another_units_staff_may_not_link_its_meeting(cast, meeting):
    with pytest.raises(PermissionDenied):
        services.session_from_meeting(meeting=meeting, actor=cast.secretary_b)


def test_training_course_counts_days_times_training_day(cast):
    a1 = cast.members["a1"]
    first = timezone.localdate() - timedelta(days=10)
    session = services.session_create(
        org=cast.tree.branch_a,
        kind=SessionKind.TRAINING,
        title="党支部书记培训班",
        held_on=first,
        ends_on=first + timedelta(days=2),
        members=[a1],
        actor=cast.secretary,
    )
    assert session.hours == Decimal("24")
    assert a1.study_records.get().hours == Decimal("24")


def test_session_refuses_members_of_another_unit(cast):
    with pytest.raises(ValidationError):
        services.session_create(
            org=cast.tree.branch_a,
            title="集中学习",
            held_on=timezone.localdate(),
            hours=2,
            members=[cast.members["b1"]],
            actor=cast.secretary,
        )


def test_self_study_counts_up_to_the_cap(cast):
    a1, year = cast.members["a1"], timezone.localdate().year
    day = timezone.localdate()
    for _i in range(3):
        services.record_self_study(member=a1, title="自学党章", studied_on=day, hours=5, actor=cast.member)
    services.record_external(
        member=a1, title="市委党校轮训", studied_on=day, hours=8, note="结业证书", actor=cast.secretary
    )
    result = services.member_hours(a1, year)
    assert result["self_study"] == Decimal(15) and result["self_counted"] == Decimal(12)
    assert result["hours"] == Decimal(20)
    assert result["by_source"][RecordSource.EXTERNAL] == Decimal(8)
    assert result["norm"] == 32
    with pytest.raises(PermissionDenied):
        services.record_self_study(member=a1, title="代录", studied_on=day, hours=1, actor=cast.secretary)


def test_committee_member_gets_norm_56(cast):
    a1, year = cast.members["a1"], timezone.localdate().year
    assert services.member_hours(a1, year)["norm"] == 32
    committee_make(cast.tree.branch_a, members=[a1])
    assert services.member_hours(a1, year)["norm"] == 56
    assert services.member_hours(a1, year)["committee"] is True


def test_behind_table_hand_checked(cast, django_assert_max_num_queries):
    year = 2025
    on = date(2025, 7, 2)  # 182 of 365 days gone: on track at 32 × 0.4986 = 15.96 hours (56: 27.9)
    a1, a2 = cast.members["a1"], cast.members["a2"]
    committee_make(cast.tree.branch_a, members=[a2])
    services.session_create(
        org=cast.tree.branch_a, title="集中学习", held_on=date(2025, 3, 1), hours=16, members=[a1, a2], actor=None
    )
    services.record_self_study(member=a2, title="自学", studied_on=date(2025, 4, 1), hours=20, actor=None)
    with django_assert_max_num_queries(3):  # the two rules, then every member's hours in one query
        rows = [services.hours_row(m) for m in services.hours_table(scope=cast.tree.branch_a, year=year, on=on)]
    by_name = {r.member.name: r for r in rows}
    assert set(by_name) == {"张伟", "李娜"}
    assert (by_name["张伟"].hours, by_name["张伟"].norm, by_name["张伟"].percent) == (16.0, 32, 50)
    assert by_name["张伟"].behind is False
    # 李娜: 16 + 12 of 20 self-study hours = 28 of 56, on track at 27.9
    assert (by_name["李娜"].hours, by_name["李娜"].norm, by_name["李娜"].percent) == (28.0, 56, 50)
    assert by_name["李娜"].behind is False
    late = date(2025, 9, 1)
    behind = list(services.hours_table(scope=cast.tree.branch_a, year=year, on=late, behind_only=True))
    assert {m.name for m in behind} == {"张伟", "李娜"}
    totals = services.unit_totals(scope=cast.tree.branch_a, year=year, on=on)
    assert [(t["name"], t["members"], t["hours"]) for t in totals] == [("第一党支部", 1, 16.0), ("第一党小组", 1, 28.0)]


def test_indicators(cast):
    year = 2025
    a1 = cast.members["a1"]
    services.session_create(
        org=cast.tree.branch_a, title="专题培训", held_on=date(2025, 3, 1), hours=32, members=[a1], actor=None
    )
    tree = cast.tree
    avg = services.hours_per_member(orgs=[tree.branch_a, tree.gb, tree.branch_c], year=year)
    assert avg == {tree.branch_a.pk: 16.0, tree.gb.pk: round(32 / 3, 1), tree.branch_c.pk: 0.0}
    rate = services.hours_norm_met_rate(orgs=[tree.branch_a], year=year)
    assert rate == {tree.branch_a.pk: 0.5}


def test_monthly_reminder_to_the_units_study_managers(cast):
    from qinglian.core.models import Notification
    from qinglian.study.reminders_hours import hours_reminders

    today = timezone.localdate()
    if today.month == 1:
        pytest.skip("no reminders in January")
    services.session_create(
        org=cast.tree.branch_b,
        title="集中学习",
        held_on=date(today.year, 1, 1),
        hours=32,
        members=[cast.members["b1"]],
        actor=None,
    )
    assert hours_reminders(date(today.year, 1, 20)) == 0
    sent = hours_reminders(today)
    notes = Notification.objects.filter(kind="study.hours")
    # 张伟 in branch_a and 李娜 in group_a are behind; 王芳 in branch_b is not; 刘洋 in branch_c is
    assert sent == notes.count() > 0
    assert notes.filter(user=cast.secretary).exists()
    assert not notes.filter(user=cast.secretary_b).exists()
    assert not notes.filter(user=cast.member).exists()
    assert hours_reminders(today) == 0  # once a month
