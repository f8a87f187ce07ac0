"""Minutes through their workflow: drafting, approval and locking, corrections, and the bad input refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from qinglian.core.models import AuditEvent, Notification
from qinglian.orglife.models import Meeting, Minutes
from qinglian.orglife.services import attendance_record
from qinglian.orglife.services.meetings import attendance_editable
from qinglian.orglife.services.minutes import (
    Conflict,
    minutes_approve,
    minutes_correct,
    minutes_open,
    minutes_record,
    minutes_return,
    minutes_save,
    minutes_submit,
    minutes_todos,
)
from qinglian.orglife.tests.factories import attend_all, meeting_make, minutes_make
from qinglian.orglife.vocab import MeetingStatus, MinutesStatus, Presence

ITEMS = [
    {"title": "传达学习上级文件精神", "discussion": "大家逐条学习。", "decision": "抓好落实。", "votes": None},
    {"title": "讨论发展对象", "discussion": "张伟介绍情况。", "decision": "同意列为发展对象。",
     "votes": {"for": 2, "against": 0, "abstain": 0}},
]  # fmt: skip


@pytest.fixture
def held(cast):
    """A general meeting of branch_a a week ago, everyone (张伟, 李娜) present."""
    meeting = meeting_make(cast.tree.branch_a, title="第一支部党员大会", agenda=["学习文件", "发展对象"])
    return attend_all(meeting)


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


def test_a_draft_is_saved_and_audited(cast, held):
    minutes = minutes_save(meeting=held, summary="会议由书记主持。", items=ITEMS, actor=cast.secretary, version=0)
    assert minutes.number == 1 and minutes.status == MinutesStatus.DRAFT
    assert minutes.items[1]["votes"] == {"for": 2, "against": 0, "abstain": 0}
    assert minutes.author == cast.secretary
    updated = minutes_save(
        meeting=held, summary="改过的纪要。", items=ITEMS[:1], actor=cast.secretary, version=minutes.version
    )
    assert updated.pk == minutes.pk and updated.summary == "改过的纪要。" and len(updated.items) == 1
    actions = list(
        AuditEvent.objects.filter(object_type="orglife.minutes").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["orglife.minutes_create", "orglife.minutes_save"]


def test_minutes_for_a_meeting_that_has_not_happened_are_refused(cast):
    meeting = meeting_make(cast.tree.branch_a, days=3)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_save(meeting=meeting, summary="提前写好的纪要", items=[], actor=cast.secretary)
    assert "has not happened yet" in _messages(exc)
    assert not Minutes.objects.filter(meeting=meeting).exists()


def test_minutes_for_a_cancelled_meeting_are_refused(cast):
    meeting = meeting_make(cast.tree.branch_a, days=-2)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED)
    meeting.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_save(meeting=meeting, summary="纪要", items=[], actor=cast.secretary)
    assert "cancelled" in _messages(exc)


def test_votes_above_the_members_present_are_refused_naming_the_item(cast):
    meeting = meeting_make(cast.tree.branch_a, title="第一支部党员大会")
    ids = list(meeting.attendees.values_list("pk", flat=True))
    meeting = attendance_record(
        meeting=meeting, presences={ids[0]: Presence.PRESENT, ids[1]: Presence.ABSENT}, actor=cast.secretary
    )
    assert meeting.present_count == 1
    items = [{"title": "表决事项", "votes": {"for": 2, "against": 0, "abstain": 0}}]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_save(meeting=meeting, summary="纪要", items=items, actor=cast.secretary)
    assert _messages(exc) == "Item 1 “表决事项”: 2 votes were counted, but only 1 member was present."
    assert not Minutes.objects.filter(meeting=meeting).exists()


def test_a_vote_needs_the_attendance_first_and_counts_must_be_whole_and_not_negative(cast):
    meeting = meeting_make(cast.tree.branch_a)
    items = [
        {"title": "甲", "votes": {"for": 1, "against": 0, "abstain": 0}},
        {"title": "", "discussion": "没有题目"},
        {"title": "乙", "votes": {"for": -1}},
        {"title": "丙", "votes": {"for": "两"}},
    ]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_save(meeting=meeting, summary="", items=items, actor=cast.secretary)
    assert exc.value.messages == [
        "Item 1 “甲”: record the attendance before recording a vote.",
        "Item 2: give the item a title.",
        "Item 3 “乙”: a vote count cannot be negative.",
        "Item 4 “丙”: a vote count must be a whole number.",
    ]


def test_counted_only_after_approval(cast, held):
    assert held.counted is False
    minutes = minutes_make(held, actor=cast.secretary, items=ITEMS)
    minutes = minutes_submit(minutes=minutes, actor=cast.secretary, version=minutes.version)
    held.refresh_from_db()
    assert held.counted is False
    minutes_approve(minutes=minutes, actor=cast.secretary, version=minutes.version)
    held.refresh_from_db()
    assert held.counted is True


def test_approved_minutes_are_locked(cast, held):
    minutes = minutes_make(held, actor=cast.secretary, items=ITEMS, approve_by=cast.secretary)
    assert minutes.locked and minutes.approved_by == cast.secretary and minutes.approved_at
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_save(meeting=held, summary="偷偷改", items=[], actor=cast.secretary)
    assert "approved and locked" in _messages(exc)
    minutes.refresh_from_db()
    assert minutes.summary == "会议纪要。" and len(minutes.items) == 2
    # The attendance is part of the record too.
    attendee = held.attendees.first()
    with pytest.raises(ValidationError):
        attendance_record(meeting=held, presences={attendee.pk: Presence.ABSENT}, actor=cast.secretary)


def test_approval_needs_orglife_approve_at_the_unit(cast, held):
    minutes = minutes_make(held, actor=cast.organiser)
    minutes = minutes_submit(minutes=minutes, actor=cast.organiser, version=minutes.version)
    for user in (cast.organiser, cast.secretary_b, cast.member):  # manages but may not approve; other unit; reader
        with pytest.raises(PermissionDenied):
            minutes_approve(minutes=minutes, actor=user, version=minutes.version)
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.SUBMITTED
    minutes_approve(minutes=minutes, actor=cast.office, version=minutes.version)  # the committee office above


def test_approval_needs_the_attendance_recorded(cast):
    meeting = meeting_make(cast.tree.branch_a, days=-1)
    minutes = minutes_make(meeting, actor=cast.secretary)
    minutes = minutes_submit(minutes=minutes, actor=cast.secretary)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_approve(minutes=minutes, actor=cast.secretary)
    assert "Record the attendance" in _messages(exc)


def test_a_stale_version_is_a_conflict(cast, held):
    first = minutes_save(meeting=held, summary="甲的版本", items=[], actor=cast.secretary, version=0)
    with pytest.raises(Conflict):  # someone else also started from "no draft yet"
        minutes_save(meeting=held, summary="乙的版本", items=[], actor=cast.organiser, version=0)
    minutes_save(meeting=held, summary="甲改了", items=[], actor=cast.secretary, version=first.version)
    with pytest.raises(Conflict):
        minutes_save(meeting=held, summary="乙改了", items=[], actor=cast.organiser, version=first.version)
    with pytest.raises(Conflict):
        minutes_submit(minutes=first, actor=cast.secretary, version=first.version)
    assert minutes_open(held).summary == "甲改了"


def test_submitted_minutes_wait_for_the_approver_who_may_return_them_with_a_note(cast, held):
    minutes = minutes_make(held, actor=cast.organiser)
    minutes = minutes_submit(minutes=minutes, actor=cast.organiser, version=minutes.version)
    assert Notification.objects.filter(user=cast.secretary, kind="orglife.minutes").exists()
    with translation.override("en"):
        assert [t.title for t in minutes_todos(cast.secretary)] == ["Approve the minutes: 第一支部党员大会"]
        assert minutes_todos(cast.organiser) == [] and minutes_todos(cast.secretary_b) == []
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_save(meeting=held, summary="等待审批时修改", items=[], actor=cast.organiser)
    assert "waiting for approval" in _messages(exc)
    with pytest.raises(ValidationError):
        minutes_return(minutes=minutes, note="  ", actor=cast.secretary, version=minutes.version)
    returned = minutes_return(minutes=minutes, note="请补充表决情况", actor=cast.secretary, version=minutes.version)
    assert returned.status == MinutesStatus.DRAFT and returned.submitted_at is None
    note = Notification.objects.get(user=cast.organiser, kind="orglife.minutes")
    assert note.body == "请补充表决情况"
    assert AuditEvent.objects.get(action="orglife.minutes_return").reason == "请补充表决情况"
    with translation.override("en"):
        assert [t.title for t in minutes_todos(cast.organiser)] == ["Minutes returned for changes: 第一支部党员大会"]
        assert minutes_todos(cast.secretary) == []
    minutes_save(meeting=held, summary="补充了", items=ITEMS, actor=cast.organiser, version=returned.version)


def test_a_correction_keeps_the_old_version_and_becomes_the_record_when_approved(cast, held):
    first = minutes_make(held, actor=cast.secretary, items=ITEMS, approve_by=cast.secretary)
    assert not attendance_editable(held)
    with pytest.raises(ValidationError):
        minutes_correct(meeting=held, reason=" ", actor=cast.secretary, version=first.version)
    draft = minutes_correct(meeting=held, reason="表决票数记错", actor=cast.secretary, version=first.version)
    assert draft.number == 2 and draft.status == MinutesStatus.DRAFT and draft.reason == "表决票数记错"
    assert draft.items == first.items and draft.summary == first.summary
    assert minutes_record(held) == first  # the old version is still the record
    assert attendance_editable(held)
    with pytest.raises(ValidationError):  # only one correction at a time
        minutes_correct(meeting=held, reason="再改", actor=cast.secretary, version=first.version)
    items = [dict(ITEMS[0]), {**ITEMS[1], "votes": {"for": 1, "against": 1, "abstain": 0}}]
    draft = minutes_save(meeting=held, summary=first.summary, items=items, actor=cast.secretary, version=draft.version)
    draft = minutes_submit(minutes=draft, actor=cast.secretary, version=draft.version)
    minutes_approve(minutes=draft, actor=cast.secretary, version=draft.version)
    record = minutes_record(held)
    assert record.number == 2 and record.items[1]["votes"]["against"] == 1
    first.refresh_from_db()
    assert first.status == MinutesStatus.APPROVED and first.items[1]["votes"]["against"] == 0
    held.refresh_from_db()
    assert held.counted and not attendance_editable(held)


def test_a_correction_needs_an_approved_record(cast, held):
    minutes_make(held, actor=cast.secretary)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        minutes_correct(meeting=held, reason="更正", actor=cast.secretary)
    assert "no approved minutes" in _messages(exc)
