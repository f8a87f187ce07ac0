"""The problems found at a life meeting go on the unit's rectification list: rectification's items, which refer back
to the meeting. The old list's address leads to rectification, and its problems were moved there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from qinglian.orglife.services import life as services
from qinglian.orglife.tests.factories import at, attend_all, meeting_make
from qinglian.orglife.vocab import MeetingKind
from qinglian.rectification.models import Item

# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


def _day(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def meeting(cast):
    meeting = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-3, topic="对照检查")
    attend_all(meeting)
    return meeting


def _problem(meeting, cast, *, days=30, problem="理论学习不够系统", **fields):
    fields.setdefault("owner", cast.members["a1"])
    return services.life_problem_add(
        meeting=meeting, problem=problem, due_on=_day(days), actor=cast.secretary, **fields
    )


def test_a_problem_from_a_life_meeting_goes_on_the_rectification_list(meeting, cast, login):
    response = login(cast.secretary).post(
        reverse("orglife:life_problem_add", args=[meeting.pk]),
        {
            "problem-problem": "组织生活不够严肃",
            "problem-measures": "每月开展一次批评和自我批评",
            "problem-owner": cast.members["a1"].pk,
            "problem-member": cast.members["a2"].pk,
            "problem-due_on": _day(60).isoformat(),
        },
    )
    assert response.status_code == 302
    item = Item.objects.get()
    assert (item.organisation, item.owner, item.member) == (cast.tree.branch_a, cast.members["a1"], cast.members["a2"])
    assert (item.source, item.source_kind, item.source_id) == ("life_meeting", "orglife.meeting", meeting.pk)
    assert item.created_on == meeting.starts_on and item.status == "open"
    page = login(cast.secretary).get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()
    assert "组织生活不够严肃" in page and reverse("rectification:item_detail", args=[item.pk]) in page
    # The item's page names the meeting it was found at.
    page = login(cast.secretary).get(reverse("rectification:item_detail", args=[item.pk])).content.decode()
    assert meeting.title in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"owner": None}, "Name the member responsible"),
        ({"due_on": None}, "Set a deadline"),
        ({"due_on": "before"}, "before the day the problem was found"),
        ({"owner": "c1"}, "must be a member on the register"),
        ({"problem": " "}, "Describe the problem"),
    ],
    ids=["no-owner", "no-deadline", "deadline-before-the-meeting", "owner-elsewhere", "no-problem"],
)
def test_bad_problems_are_refused_and_nothing_is_saved(fields, message, meeting, cast):
    values = {"problem": "问题", "owner": cast.members["a1"], "due_on": _day(10)}
    values.update(fields)
    if values["owner"] == "c1":
        values["owner"] = cast.members["c1"]
    if values["due_on"] == "before":
        values["due_on"] = meeting.starts_on - timedelta(days=1)
    with pytest.raises(ValidationError, match=message):
        services.life_problem_add(meeting=meeting, actor=cast.secretary, **values)
    assert not Item.objects.exists()


def test_a_problem_taken_later_from_the_meetings_record_may_already_be_due(meeting, cast):
    item = _problem(meeting, cast, days=-1)  # after the meeting, before today: overdue from the start
    assert item.is_overdue()


def test_problems_come_only_from_life_meetings_that_were_held(cast):
    general = meeting_make(cast.tree.branch_a, kind=MeetingKind.GENERAL_MEETING, days=-2)
    attend_all(general)
    with pytest.raises(ValidationError, match="life meetings only"):
        _problem(general, cast)
    coming = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=3)
    with pytest.raises(ValidationError, match="not been held"):
        _problem(coming, cast)
    unrecorded = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-1)
    with pytest.raises(ValidationError, match="Record the meeting's attendance first"):
        _problem(unrecorded, cast)
    assert not Item.objects.exists()


def test_only_those_who_manage_rectification_add_problems(meeting, cast, login):
    with pytest.raises(PermissionDenied):
        services.life_problem_add(
            meeting=meeting, problem="问题", owner=cast.members["a1"], due_on=_day(5), actor=cast.propagandist
        )
    form = reverse("orglife:life_problem_add", args=[meeting.pk])
    assert form not in login(cast.propagandist).get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()
    assert form in login(cast.organiser).get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()


def test_the_panel_shows_the_items_each_reader_may_see(meeting, cast, login):
    _problem(meeting, cast, problem="张伟负责的问题")
    _problem(meeting, cast, problem="李娜负责的问题", owner=cast.members["a2"])
    page = login(cast.member).get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()
    assert "张伟负责的问题" in page and "李娜负责的问题" not in page  # the member reads only their own
    page = login(cast.secretary).get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()
    assert "张伟负责的问题" in page and "李娜负责的问题" in page


def test_the_panel_form_answers_htmx_in_place(meeting, cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    url = reverse("orglife:life_problem_add", args=[meeting.pk])
    response = client.post(url, {"problem-problem": "只写了描述"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps the panel with the form and its errors
    page = response.content.decode()
    assert 'id="life-panel"' in page and "只写了描述" in page and "Set a deadline" in page
    assert not Item.objects.exists()
    response = client.post(
        url,
        {
            "problem-problem": "只写了描述",
            "problem-owner": cast.members["a2"].pk,
            "problem-due_on": _day(9).isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "李娜" in response.content.decode()
    assert Item.objects.get().owner == cast.members["a2"]


def test_the_panel_asks_for_the_attendance_before_problems(cast, login):
    meeting = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-1)
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()
    assert "Record the meeting's attendance first" in page and "Add a problem found" not in page


def test_the_api_adds_a_problem_to_the_rectification_list(meeting, cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    url = f"/api/v1/orglife/meetings/{meeting.pk}/problems"
    response = client.post(url, {"problem": "问题", "owner_id": cast.members["c1"].pk, "due_on": _day(5).isoformat()},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 422  # an owner from another unit is never looked up by its id alone
    response = client.post(url, {"problem": "问题", "due_on": _day(5).isoformat()}, content_type="application/json")
    assert response.status_code == 422 and "Name the member responsible" in response.content.decode()
    assert not Item.objects.exists()
    response = client.post(
        url, {"problem": "问题", "owner_id": cast.members["a1"].pk, "due_on": _day(5).isoformat()},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201
    item = Item.objects.get()
    assert response.json() == {"id": item.pk, "status": "open", "due_on": _day(5).isoformat()}
    assert login(cast.secretary_b).post(url, {"problem": "越权"}, content_type="application/json").status_code == 404


def test_the_old_list_leads_to_rectification(cast, login):
    response = login(cast.secretary).get(reverse("orglife:problem_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("rectification:item_list") + "?source=life_meeting"


def test_my_organisational_life_shows_my_items_not_yet_closed(meeting, cast, login):
    item = _problem(meeting, cast, problem="我要整改的问题")
    page = login(cast.member).get(reverse("orglife:me")).content.decode()
    assert "我要整改的问题" in page and reverse("rectification:item_detail", args=[item.pk]) in page


def test_the_migration_moves_every_problem_to_rectification(transactional_db, cast):
    """Problems on the old list become items: open stays open; done is awaiting verification (never verified)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("orglife", "0001_initial"), ("rectification", "0001_initial")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Problem, Meeting = old.get_model("orglife", "Problem"), old.get_model("orglife", "Meeting")
    tree, members = cast.tree, cast.members
    meeting = Meeting.objects.create(
        organisation_id=tree.branch_a.pk, kind="life_meeting", title="组织生活会", starts_at=at(_day(-40)),
        starts_on=_day(-40), status="held",
    )  # fmt: skip
    created = at(_day(-39), 9)
    Problem.objects.create(
        organisation_id=tree.branch_a.pk, meeting_id=meeting.pk, member_id=members["a2"].pk, description="批评不够",
        measure="加强学习", owner_id=members["a1"].pk, due_on=_day(20), created_by_id=cast.secretary.pk,
        created_at=created,
    )  # fmt: skip
    Problem.objects.create(
        organisation_id=tree.branch_a.pk, description="台账不全", owner_id=members["a1"].pk, due_on=_day(-5),
        status="done", done_on=_day(-8), done_note="已补齐台账", created_at=created,
    )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    open_item, done_item = Item.objects.order_by("pk")
    assert (open_item.status, open_item.problem, open_item.measures, open_item.member, open_item.owner) == (
        "open", "批评不够", "加强学习", members["a2"], members["a1"],
    )  # fmt: skip
    assert (open_item.source, open_item.source_kind, open_item.source_id) == (
        "life_meeting",
        "orglife.meeting",
        meeting.pk,
    )
    assert (open_item.created_at, open_item.created_on, open_item.created_by) == (created, _day(-39), cast.secretary)
    assert (done_item.status, done_item.submitted_on, done_item.result) == ("submitted", _day(-8), "已补齐台账")
    assert (done_item.source_kind, done_item.source_id, done_item.closed_on) == ("", None, None)
    assert list(done_item.events.values_list("kind", flat=True)) == ["created", "submitted"]
    # Nobody verified it: someone other than its owner closes it, once there is evidence.
    from qinglian.rectification.services.items import item_verify

    with pytest.raises(ValidationError, match="no evidence"):
        item_verify(item=done_item, version=done_item.version, actor=cast.discipline)
