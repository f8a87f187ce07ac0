"""Rectification items' services: recording, changing, evidence and the workflow to verified closure, with every
refusal of the issue said clearly and nothing half-saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.models import AuditEvent, Notification
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.services import Conflict, department_create
from qinglian.rectification.models import Event, Evidence, Item
from qinglian.rectification.services import items as services
from qinglian.rectification.tests.factories import day, item_closed, item_make, item_submitted, png
from qinglian.rectification.vocab import EventKind, ItemStatus

# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


def _counts():
    return Item.objects.count(), Event.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()


# --- recording ---------------------------------------------------------------------------------------------


def test_an_item_is_recorded_with_its_event_and_audit(cast):
    department = department_create(organisation=cast.tree.root, name="审计处", code="SJ", actor=None)
    item = item_make(
        cast,
        actor=cast.secretary,
        measures="每月集中学习一次",
        member=cast.members["a2"],
        department=department,
        source_title="巡察反馈意见",
    )
    assert (item.status, item.owner, item.member, item.department) == (
        "open",
        cast.members["a1"],
        cast.members["a2"],
        department,
    )
    assert item.created_on == day(0) and item.created_by == cast.secretary
    assert list(item.events.values_list("kind", flat=True)) == [EventKind.CREATED]
    assert AuditEvent.objects.filter(action="rectification.item_create", object_id=str(item.pk)).exists()
    # The owner (张伟, the member login) hears at once that they are responsible, with the deadline.
    (note,) = Notification.objects.filter(user=cast.member, kind="rectification.item_create")
    assert item.problem[:20] in note.title and day(30).isoformat() in note.body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"owner": None}, "Name the member responsible"),
        ({"due_on": None}, "Set a deadline"),
        ({"due_on": "past"}, "cannot be in the past"),
        ({"owner": "c1"}, "must be a member on the register of"),
        ({"member": "c1"}, "The member must belong to"),
        ({"problem": "  "}, "Describe the problem"),
        ({"source": "rumour"}, "Choose where the problem was found"),
        ({"found_on": "future"}, "cannot be in the future"),
        ({"source_kind": "orglife.meeting"}, "Give both the kind of record and the record"),
        ({"source_kind": "no.such", "source_id": 1}, "Unknown kind of record"),
        ({"source_kind": "orglife.meeting", "source_id": 999999}, "No such record"),
    ],
    ids=[
        "no-owner", "no-deadline", "past-deadline", "owner-elsewhere", "member-elsewhere", "no-problem", "bad-source",
        "found-in-future", "half-a-source", "unknown-kind", "unseen-record",
    ],
)  # fmt: skip
def test_bad_items_are_refused_and_nothing_is_saved(fields, message, cast):
    values = {"problem": "问题", "owner": cast.members["a1"], "due_on": day(10), "source": "audit"}
    values.update(fields)
    for key in ("owner", "member"):
        if values.get(key) == "c1":
            values[key] = cast.members["c1"]
    if values["due_on"] == "past":
        values["due_on"] = day(-1)
    if values.get("found_on") == "future":
        values["found_on"] = day(2)
    before = _counts()
    with pytest.raises(ValidationError, match=message):
        services.item_create(org=cast.tree.branch_a, actor=cast.secretary, **values)
    assert _counts() == before


def test_an_item_from_an_earlier_record_may_have_a_deadline_after_the_record_but_not_before(cast):
    meeting = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-20)
    attend_all(meeting)
    common = {"source": "life_meeting", "source_kind": "orglife.meeting", "source_id": meeting.pk}
    with pytest.raises(ValidationError, match="before the day the problem was found"):
        item_make(cast, days=-25, actor=cast.secretary, **common)
    item = item_make(cast, days=-5, actor=cast.secretary, **common)
    assert item.created_on == meeting.starts_on  # recorded from the day it was found
    assert item.is_overdue()
    with pytest.raises(ValidationError, match="cannot be in the past"):
        item_make(cast, days=-5, actor=cast.secretary)


def test_only_the_units_managers_record_items(cast):
    with pytest.raises(PermissionDenied):
        item_make(cast, actor=cast.member)
    with pytest.raises(PermissionDenied):
        item_make(cast, org=cast.tree.branch_b, owner=cast.members["b1"], actor=cast.secretary)
    assert not Item.objects.exists()


def test_a_source_record_the_actor_may_not_see_is_refused(cast):
    meeting = meeting_make(cast.tree.branch_b, kind=MeetingKind.LIFE_MEETING, days=-2)
    attend_all(meeting)
    with pytest.raises(ValidationError, match="No such record"):
        item_make(cast, actor=cast.secretary, source_kind="orglife.meeting", source_id=meeting.pk)


# --- changing ----------------------------------------------------------------------------------------------


def test_an_item_is_changed_with_its_version_and_a_stale_version_is_refused(cast):
    item = item_make(cast, actor=cast.secretary)
    changed = services.item_update(
        item=item,
        version=item.version,
        actor=cast.secretary,
        problem="新的描述",
        owner=cast.members["a2"],
        due_on=day(40),
    )
    assert (changed.problem, changed.owner, changed.version) == ("新的描述", cast.members["a2"], item.version + 1)
    assert item.events.filter(kind=EventKind.CHANGED).exists()
    with pytest.raises(Conflict, match="Someone else changed this item"):
        services.item_update(
            item=item,
            version=item.version,
            actor=cast.secretary,
            problem="旧页面",
            owner=cast.members["a1"],
            due_on=day(40),
        )
    assert Item.objects.get().problem == "新的描述"


def test_a_reported_item_cannot_be_changed(cast):
    item = item_submitted(cast)
    with pytest.raises(ValidationError, match="only while it is being rectified"):
        services.item_update(
            item=item, version=None, actor=cast.secretary, problem="改", owner=item.owner, due_on=item.due_on
        )


# --- evidence ----------------------------------------------------------------------------------------------


def test_the_owner_adds_and_removes_evidence_until_the_item_is_closed(cast):
    item = item_make(cast)
    evidence = services.evidence_add(item=item, actor=cast.member, file=png("整改 前后.png"), note="前后对比")
    assert (evidence.name, evidence.content_type, evidence.added_by) == ("整改 前后.png", "image/png", cast.member)
    assert evidence.file.name.startswith("rectification/") and "整改" not in evidence.file.name
    item.refresh_from_db()
    assert item.version == 2  # a verifier who read the evidence before is asked to look again
    services.evidence_remove(evidence=evidence, actor=cast.member)
    assert not Evidence.objects.exists()
    closed = item_closed(cast)
    with pytest.raises(ValidationError, match="evidence can no longer change"):
        services.evidence_add(item=closed, actor=cast.secretary, file=png())
    with pytest.raises(ValidationError, match="evidence can no longer change"):
        services.evidence_remove(evidence=closed.evidence.get(), actor=cast.secretary)


def test_evidence_may_point_at_a_record_the_user_may_see(cast):
    meeting = meeting_make(cast.tree.branch_a, days=-3)
    attend_all(meeting)
    item = item_make(cast)
    evidence = services.evidence_add(
        item=item, actor=cast.secretary, record_kind="orglife.meeting", record_id=meeting.pk
    )
    assert (evidence.record_kind, evidence.record_id, evidence.file.name) == ("orglife.meeting", meeting.pk, "")
    other = meeting_make(cast.tree.branch_b, days=-3)
    attend_all(other)
    with pytest.raises(ValidationError, match="No such record"):
        services.evidence_add(item=item, actor=cast.secretary, record_kind="orglife.meeting", record_id=other.pk)
    with pytest.raises(ValidationError, match="not a photo"):
        services.evidence_add(item=item, actor=cast.secretary, file=png().__class__("x.exe", b"MZ\x90\x00" * 10))
    assert item.evidence.count() == 1


def test_someone_else_may_not_add_evidence(cast):
    item = item_make(cast)
    with pytest.raises(PermissionDenied):
        services.evidence_add(item=item, actor=cast.propagandist, file=png())


# --- the workflow ------------------------------------------------------------------------------------------


def test_report_verify_and_close(cast):
    item = item_make(cast)
    services.evidence_add(item=item, actor=cast.member, file=png())
    item.refresh_from_db()
    item = services.item_submit(item=item, version=item.version, result="已组织专题学习三次", actor=cast.member)
    assert (item.status, item.submitted_on, item.result) == ("submitted", day(0), "已组织专题学习三次")
    item = services.item_verify(item=item, version=item.version, actor=cast.discipline, comment="经核查属实")
    assert (item.status, item.closed_on, item.closed_by) == ("closed", day(0), cast.discipline)
    assert item.days_to_close == 0
    kinds = list(item.events.values_list("kind", flat=True))
    assert kinds == ["created", "evidence", "submitted", "closed"]
    actions = set(AuditEvent.objects.filter(object_id=str(item.pk)).values_list("action", flat=True))
    assert {"rectification.item_submit", "rectification.item_verify"} <= actions


def test_reporting_rectified_needs_evidence_and_what_was_done(cast):
    item = item_make(cast)
    before = _counts()
    with pytest.raises(ValidationError, match="Add at least one piece of evidence"):
        services.item_submit(item=item, version=item.version, result="已整改", actor=cast.member)
    services.evidence_add(item=item, actor=cast.member, file=png())
    with pytest.raises(ValidationError, match="Say what was done"):
        services.item_submit(item=item, version=None, result=" ", actor=cast.member)
    assert Item.objects.get().status == "open"
    assert _counts()[1] == before[1] + 1  # only the evidence's event


def test_closing_without_evidence_is_refused(cast):
    item = item_submitted(cast)
    Evidence.objects.filter(item=item).delete()  # evidence gone behind the service's back
    before = _counts()
    with pytest.raises(ValidationError, match="no evidence of its rectification: it cannot be closed"):
        services.item_verify(item=item, version=item.version, actor=cast.discipline)
    assert Item.objects.get().status == "submitted" and _counts() == before


def test_the_owner_may_not_verify_their_own_item_whatever_their_roles(cast):
    # The secretary is a member with a login and holds rectification.verify on branch_a.
    from qinglian.orgs.services import member_create

    own = member_create(organisation=cast.tree.branch_a, name="赵书记", gender="M", actor=None, user=cast.secretary)
    item = item_submitted(cast, owner=own)
    before = _counts()
    with pytest.raises(ValidationError, match="someone else must verify and close it"):
        services.item_verify(item=item, version=item.version, actor=cast.secretary)
    with pytest.raises(ValidationError, match="someone else reviews it"):
        services.item_return(item=item, version=item.version, reason="自己退回", actor=cast.secretary)
    assert Item.objects.get().status == "submitted" and _counts() == before
    assert services.item_verify(item=item, version=item.version, actor=cast.discipline).status == "closed"


def test_verifying_needs_the_verify_permission(cast):
    item = item_submitted(cast)
    with pytest.raises(PermissionDenied):
        services.item_verify(item=item, version=item.version, actor=cast.organiser)  # manages, does not verify
    with pytest.raises(ValidationError, match="needs a verifier"):
        services.item_verify(item=item, version=item.version, actor=None)


def test_two_verifiers_at_once_one_wins_the_other_is_told(cast):
    item = item_submitted(cast)
    seen = item.version
    services.item_verify(item=item, version=seen, actor=cast.discipline)
    with pytest.raises(Conflict, match="Someone else changed this item"):
        services.item_verify(item=item, version=seen, actor=cast.office)
    with pytest.raises(Conflict):
        services.item_return(item=item, version=seen, reason="不够", actor=cast.office)
    item.refresh_from_db()
    assert (item.closed_by, item.events.filter(kind="closed").count()) == (cast.discipline, 1)


def test_a_verifier_sends_an_item_back_and_the_owner_reports_again(cast):
    item = item_submitted(cast)
    with pytest.raises(ValidationError, match="Say why the item is sent back"):
        services.item_return(item=item, version=item.version, reason="", actor=cast.discipline)
    item = services.item_return(
        item=item, version=item.version, reason="缺少会议记录", actor=cast.discipline, due_on=day(60)
    )
    assert (item.status, item.submitted_on, item.due_on) == ("open", None, day(60))
    assert item.events.last().comment == "缺少会议记录"
    assert Notification.objects.filter(user=cast.member, kind="rectification.item_return").exists()
    item = services.item_submit(item=item, version=item.version, result="补充了会议记录", actor=cast.member)
    assert item.status == "submitted"
    with pytest.raises(ValidationError, match="awaits verification"):
        services.item_submit(item=item, version=None, result="再报", actor=cast.member)


def test_a_closed_item_is_reopened_with_a_reason_and_perhaps_a_new_deadline(cast):
    item = item_closed(cast)
    with pytest.raises(ValidationError, match="Say why the item is reopened"):
        services.item_reopen(item=item, version=item.version, reason="", actor=cast.secretary)
    with pytest.raises(ValidationError, match="cannot be in the past"):
        services.item_reopen(item=item, version=item.version, reason="反弹", actor=cast.secretary, due_on=day(-1))
    assert Item.objects.get().status == "closed"
    item = services.item_reopen(
        item=item, version=item.version, reason="问题反弹", actor=cast.secretary, due_on=day(20)
    )
    assert (item.status, item.reopened, item.closed_on, item.closed_by, item.due_on) == ("open", 1, None, None, day(20))
    assert Item.objects.filter(reopened__gt=0).count() == 1
    with pytest.raises(ValidationError, match="still being rectified"):
        services.item_reopen(item=item, version=None, reason="再开", actor=cast.secretary)
    with pytest.raises(PermissionDenied):
        services.item_reopen(item=item_closed(cast), version=None, reason="想重开", actor=cast.member)


def test_moves_the_workflow_does_not_allow_are_refused(cast):
    item = item_make(cast)
    with pytest.raises(ValidationError, match="still being rectified"):
        services.item_verify(item=item, version=item.version, actor=cast.discipline)
    closed = item_closed(cast)
    with pytest.raises(ValidationError, match="verified and closed already"):
        services.item_verify(item=closed, version=closed.version, actor=cast.discipline)
    with pytest.raises(ValidationError, match="verified and closed already"):
        services.item_submit(item=closed, version=closed.version, result="x", actor=cast.secretary)


def test_progress_notes_by_the_owner_or_managers(cast):
    item = item_make(cast)
    event = services.item_progress(item=item, actor=cast.member, comment="已完成第一阶段")
    assert (event.kind, event.actor) == ("progress", cast.member)
    with pytest.raises(ValidationError, match="Say how the rectification is going"):
        services.item_progress(item=item, actor=cast.member, comment="")
    with pytest.raises(PermissionDenied):
        services.item_progress(item=item, actor=cast.propagandist, comment="旁观")


def test_filters(cast):
    open_item = item_make(cast)
    late = item_make(cast, problem="逾期的", days=-3, found_on=day(-10))
    submitted = item_submitted(cast, source="audit")
    closed = item_closed(cast, org=cast.tree.group_a, owner=cast.members["a2"])
    reopened = services.item_reopen(item=item_closed(cast), version=None, reason="反弹", actor=cast.secretary)
    qs = Item.objects.all()

    def ids(**filters):
        return set(services.item_filter(qs, **filters).values_list("pk", flat=True))

    assert ids(status="open") == {open_item.pk, late.pk, reopened.pk}
    assert ids(status="overdue") == {late.pk}
    assert ids(status="submitted") == {submitted.pk}
    assert ids(status="closed") == {closed.pk}
    assert ids(status="reopened") == {reopened.pk}
    assert ids(source="audit") == {submitted.pk}
    assert ids(org=cast.tree.group_a) == {closed.pk}
    assert ids(owner_id=cast.members["a2"].pk) == {closed.pk}
    assert ids(year=day(0).year - 1) == (set() if late.created_on.year == day(0).year else {late.pk})
    assert ItemStatus.OPEN == "open"


def test_a_step_entered_after_the_fact_keeps_its_day(cast):
    item = item_make(cast, days=5, found_on=day(-30))
    services.evidence_add(item=item, actor=None, file=png())
    with pytest.raises(ValidationError, match="between the item's previous step and today"):
        services.item_submit(item=item, version=None, result="已整改", actor=None, on=day(-31))
    item = services.item_submit(item=item, version=None, result="已整改", actor=None, on=day(-10))
    with pytest.raises(ValidationError, match="between the item's previous step and today"):
        services.item_verify(item=item, version=None, actor=cast.discipline, on=day(1))
    item = services.item_verify(item=item, version=None, actor=cast.discipline, on=day(-8))
    assert (item.submitted_on, item.closed_on, item.days_to_close) == (day(-10), day(-8), 22)
    assert [e.at.date() for e in item.events.order_by("pk")][-2:] == [day(-10), day(-8)]


@pytest.mark.django_db(transaction=True)
def test_two_verifiers_in_two_connections_one_wins(cast):
    """On PostgreSQL the row lock makes the second verifier wait for the first, then see its version change."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time; the stale-version test covers it")
    item = item_submitted(cast)
    barrier, outcomes = threading.Barrier(2), []

    def verify(user):
        try:
            barrier.wait()
            services.item_verify(item=item, version=item.version, actor=user)
            outcomes.append("closed")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=verify, args=(user,)) for user in (cast.discipline, cast.office)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["closed", "conflict"]
    assert Item.objects.get().events.filter(kind="closed").count() == 1
