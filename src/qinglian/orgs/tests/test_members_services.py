"""The member register's services: ID numbers, versions, status history, probation and its reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from qinglian.core.lib import idcard
from qinglian.core.models import AuditEvent, Notification, Rule
from qinglian.core.rules import rule_revise
from qinglian.orgs import services
from qinglian.orgs.models import Member, MemberStatusChange
from qinglian.orgs.probation_reminders import probation_reminders, probation_todos
from qinglian.orgs.services.probation import add_months, probation_dates
from qinglian.orgs.vocab import MemberStatus

NUMBER = idcard.make("360102", date(1988, 5, 17), 123)  # a man born 17 May 1988


@pytest.fixture(autouse=True)
def _english():
    """The messages checked here are the English source strings, whatever LANGUAGE_CODE says."""
    with translation.override("en"):
        yield


def _with_checksum_broken(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("36010219880517123", "18 characters"),
        ("3601021988051712AB", "18 characters"),
        (idcard.make("360102", date(1988, 5, 17), 123)[:10] + "1399" + "1234", "not a real date"),
        (_with_checksum_broken(NUMBER), "last character"),
    ],
)
def test_a_bad_id_number_is_refused_saying_which_check_failed(cast, number, words):
    with pytest.raises(ValidationError) as caught:
        services.member_set_id_number(member=cast.members["a1"], number=number, actor=cast.organiser)
    assert words in " ".join(caught.value.message_dict["id_number"])
    assert Member.objects.get(pk=cast.members["a1"].pk).id_number_index == ""


def test_the_number_is_encrypted_at_rest_and_masked(cast):
    member = cast.members["a1"]
    services.member_set_id_number(member=member, number=NUMBER.lower(), actor=cast.organiser)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM orgs_member WHERE id = %s", [member.pk])
        row = [str(value) for value in cursor.fetchone()]
    assert not any(NUMBER in value for value in row)
    member.refresh_from_db()
    assert member.id_number_masked == "360102********1231"[:14] + NUMBER[-4:]
    assert AuditEvent.objects.filter(action="member.id_set", object_id=str(member.pk)).exists()


def test_birth_date_and_gender_come_from_the_number_or_are_warned_about(cast, tree):
    fresh = services.member_create(organisation=tree.branch_a, name="赵敏", gender="F", actor=None, id_number=NUMBER)
    assert fresh.birth_date == date(1988, 5, 17)
    assert fresh.warnings == ["The gender on the register differs from the one the ID number gives."]


def test_a_number_already_on_the_register_is_refused_naming_its_organisation_when_visible(cast):
    services.member_set_id_number(member=cast.members["a2"], number=NUMBER, actor=None)
    with pytest.raises(ValidationError, match="李娜, 第一党小组"):
        services.member_set_id_number(member=cast.members["a1"], number=NUMBER, actor=cast.organiser)
    with pytest.raises(ValidationError, match="outside your scope"):
        services.member_set_id_number(member=cast.members["b1"], number=NUMBER, actor=cast.secretary_b)


def test_the_full_number_is_revealed_with_a_reason_and_audited(cast):
    member = cast.members["a1"]
    services.member_set_id_number(member=member, number=NUMBER, actor=None)
    assert services.member_reveal_id_number(member=member, actor=cast.organiser, reason="核对党费") == NUMBER
    event = AuditEvent.objects.get(action="member.id_viewed")
    assert (event.reason, event.actor, event.object_id) == ("核对党费", cast.organiser, str(member.pk))
    with pytest.raises(ValidationError):
        services.member_reveal_id_number(member=member, actor=cast.organiser, reason="  ")
    with pytest.raises(PermissionError):
        services.member_reveal_id_number(member=member, actor=cast.secretary, reason="看看")


def test_a_stale_version_is_refused(cast):
    member = cast.members["a1"]
    services.member_update(member=member, actor=cast.organiser, version=member.version, post="处长")
    with pytest.raises(services.Conflict, match="Someone else changed this member"):
        services.member_update(member=member, actor=cast.secretary, version=member.version, post="科员")
    assert Member.objects.get(pk=member.pk).post == "处长"


def test_status_changes_keep_a_dated_history(cast):
    member = cast.members["a1"]
    today = timezone.localdate()
    services.member_change_status(
        member=member, status=MemberStatus.RETAINED, effective_on=today - timedelta(days=30), reason="出国", actor=None
    )
    services.member_change_status(
        member=member, status=MemberStatus.RESTORED, effective_on=today, reason="回国", actor=None
    )
    assert list(MemberStatusChange.objects.filter(member=member).values_list("status", flat=True)) == [
        "保留党籍",
        "恢复党籍",
    ]
    assert Member.objects.on_register().filter(pk=member.pk).exists()
    services.member_change_status(
        member=member, status=MemberStatus.DECEASED, effective_on=today, reason="病故", actor=None
    )
    assert not Member.objects.on_register().filter(pk=member.pk).exists()
    with pytest.raises(ValidationError, match="cannot change"):
        services.member_change_status(
            member=member, status=MemberStatus.NORMAL, effective_on=today, reason="x", actor=None
        )


def _probationer(tree, joined: date, org=None) -> Member:
    return services.member_create(
        organisation=org or tree.branch_a,
        name="钱程",
        gender="M",
        actor=None,
        category="probationary",
        joined_on=joined,
    )


def test_probation_dates_follow_the_rules(cast, tree):
    member = _probationer(tree, date(2025, 3, 15))
    dates = probation_dates(member)
    assert (dates.ends_on, dates.application_due, dates.approval_deadline) == (
        date(2026, 3, 15),
        date(2026, 2, 13),
        date(2026, 6, 15),
    )
    rule = Rule.objects.get(key="orgs.probation_application_lead_days")
    rule_revise(rule=rule, value=60, effective_from=date(2020, 1, 1), source="试行", actor=None, reason="提前")
    assert probation_dates(member).application_due == date(2026, 1, 14)


def test_probation_is_extended_once_by_six_to_twelve_months(cast, tree):
    member = _probationer(tree, date(2025, 3, 15))
    with pytest.raises(ValidationError, match="6 to 12 months"):
        services.member_extend_probation(member=member, until=date(2026, 8, 1), actor=None, reason="继续考察")
    services.member_extend_probation(member=member, until=date(2026, 12, 15), actor=None, reason="继续考察")
    assert probation_dates(member).ends_on == date(2026, 12, 15)
    with pytest.raises(ValidationError, match="only once"):
        services.member_extend_probation(member=member, until=date(2027, 3, 1), actor=None, reason="再延")


def test_full_membership_starts_no_earlier_than_the_end_of_probation(cast, tree):
    member = _probationer(tree, date(2025, 3, 15))
    with pytest.raises(ValidationError, match="Probation ends on 2026-03-15"):
        services.member_confirm_full(member=member, on=date(2026, 3, 1), actor=None)
    services.member_confirm_full(member=member, on=date(2026, 3, 15), actor=None)
    member.refresh_from_db()
    assert (member.category, member.full_member_on) == ("full", date(2026, 3, 15))


def test_cancelling_the_qualification_takes_the_member_off_the_register(cast, tree):
    member = _probationer(tree, date(2025, 3, 15))
    services.member_cancel_probation(member=member, on=date(2026, 3, 20), actor=None, reason="不具备党员条件")
    assert not Member.objects.on_register().filter(pk=member.pk).exists()
    assert MemberStatusChange.objects.get(member=member).status == MemberStatus.LEFT


def test_reminders_reach_the_branch_secretary_and_commissioner_once_per_step(cast, tree):
    today = timezone.localdate()
    due = _probationer(tree, add_months(today + timedelta(days=20), -12))  # application due 10 days ago
    _probationer(tree, add_months(today - timedelta(days=100), -12), org=tree.branch_b)  # approval overdue
    assert probation_reminders(today) == 3  # secretary and organiser for branch_a, secretary_b for branch_b
    assert probation_reminders(today) == 0
    notes = Notification.objects.filter(kind="orgs.probation")
    assert {n.user.username for n in notes} == {"secretary", "organiser", "secretary_b"}
    assert notes.filter(user=cast.organiser, dedupe_key__startswith=f"orgs.probation.apply:{due.pk}:").exists()
    assert notes.filter(user=cast.secretary_b, dedupe_key__startswith="orgs.probation.overdue:").exists()
    # A month later the same member's probation has ended: a new step, a new reminder.
    assert probation_reminders(today + timedelta(days=31)) >= 2


def test_todos_list_the_steps_for_those_who_manage_the_member(cast, tree):
    today = timezone.localdate()
    _probationer(tree, add_months(today + timedelta(days=30 + 7), -12))  # application due in a week
    assert len(probation_todos(cast.organiser)) == 1
    assert probation_todos(cast.secretary_b) == []
    assert probation_todos(cast.propagandist) == []
