"""The rectification list: problems with an owner and a deadline, closed and reopened, with its reminders."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qinglian.core.models import Notification
from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import Problem
from qinglian.orglife.services import life as services
from qinglian.orglife.services.meetings import Conflict
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import MeetingKind

# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


def _day(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def meeting(cast):
    meeting = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-3, topic="对照检查")
    attend_all(meeting)
    return meeting


def _problem(cast, *, days=30, description="理论学习不够系统", **fields):
    fields.setdefault("org", cast.tree.branch_a)
    return services.problem_add(
        description=description, owner=cast.members["a1"], due_on=_day(days), actor=cast.secretary, **fields
    )


def test_a_problem_from_a_life_meeting_goes_on_the_unit_list(meeting, cast, login):
    response = login(cast.secretary).post(
        reverse("orglife:life_problem_add", args=[meeting.pk]),
        {
            "problem-description": "组织生活不够严肃",
            "problem-measure": "每月开展一次批评和自我批评",
            "problem-owner": cast.members["a1"].pk,
            "problem-due_on": _day(60).isoformat(),
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert (problem.organisation, problem.meeting, problem.owner) == (cast.tree.branch_a, meeting, cast.members["a1"])
    page = login(cast.secretary).get(reverse("orglife:life_panel", args=[meeting.pk])).content.decode()
    assert "组织生活不够严肃" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"owner": None}, "Name the member responsible"),
        ({"due_on": None}, "Set a deadline"),
        ({"due_on": "past"}, "cannot be in the past"),
        ({"owner": "c1"}, "must be a member on the register"),
        ({"description": " "}, "Describe the problem"),
    ],
    ids=["no-owner", "no-deadline", "past-deadline", "owner-elsewhere", "no-description"],
)
def test_bad_problems_are_refused_and_nothing_is_saved(fields, message, cast):
    values = {"description": "问题", "owner": cast.members["a1"], "due_on": _day(10)}
    values.update(fields)
    if values["owner"] == "c1":
        values["owner"] = cast.members["c1"]
    if values["due_on"] == "past":
        values["due_on"] = _day(-1)
    with pytest.raises(ValidationError, match=message):
        services.problem_add(org=cast.tree.branch_a, actor=cast.secretary, **values)
    assert not Problem.objects.exists()


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(meeting, cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("orglife:problem_create"), {"unit": cast.tree.branch_a.pk, "description": "台账不规范", "owner": ""}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "台账不规范" in page
    assert "Name the member responsible for the rectification." in page
    assert "Set a deadline for the rectification." in page
    assert not Problem.objects.exists()


def test_the_api_refuses_a_problem_without_owner_or_deadline(meeting, cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    response = client.post(
        "/api/v1/orglife/problems", {"meeting_id": meeting.pk, "description": "问题"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "Name the member responsible" in response.content.decode()
    response = client.post(
        "/api/v1/orglife/problems",
        {
            "meeting_id": meeting.pk,
            "description": "问题",
            "owner_id": cast.members["c1"].pk,
            "due_on": _day(5).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 422  # an owner from another unit is never looked up by its id alone
    assert not Problem.objects.exists()
    response = client.post(
        "/api/v1/orglife/problems",
        {
            "meeting_id": meeting.pk,
            "description": "问题",
            "owner_id": cast.members["a1"].pk,
            "due_on": _day(5).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["owner_name"] == "张伟"


def test_problems_come_only_from_life_meetings_that_were_held(cast):
    general = meeting_make(cast.tree.branch_a, kind=MeetingKind.GENERAL_MEETING, days=-2)
    with pytest.raises(ValidationError, match="life meetings only"):
        _problem(cast, meeting=general)
    coming = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=3)
    with pytest.raises(ValidationError, match="not been held"):
        _problem(cast, meeting=coming)


def test_a_stale_version_is_a_conflict(cast, login):
    problem = _problem(cast)
    services.problem_update(
        problem=problem, version=1, actor=cast.secretary, description="改过的描述", owner=cast.members["a1"],
        due_on=problem.due_on,
    )  # fmt: skip
    with pytest.raises(Conflict):
        services.problem_update(
            problem=problem, version=1, actor=cast.secretary, description="过期的修改", owner=cast.members["a1"],
            due_on=problem.due_on,
        )  # fmt: skip
    client = login(cast.secretary)
    response = client.patch(
        f"/api/v1/orglife/problems/{problem.pk}", {"version": 1, "description": "过期"}, content_type="application/json"
    )
    assert response.status_code == 409
    response = client.post(
        reverse("orglife:problem_update", args=[problem.pk]),
        {"description": "网页上过期的修改", "owner": cast.members["a1"].pk, "due_on": problem.due_on, "version": 1},
    )
    assert response.status_code == 409
    assert "网页上过期的修改" in response.content.decode()  # the form keeps what was typed
    problem.refresh_from_db()
    assert problem.description == "改过的描述"


def test_done_and_reopen(cast, login):
    problem = _problem(cast)
    with pytest.raises(ValidationError, match="what was done"):
        services.problem_done(problem=problem, version=1, done_on=_day(0), done_note="", actor=cast.secretary)
    with pytest.raises(ValidationError, match="future"):
        services.problem_done(problem=problem, version=1, done_on=_day(1), done_note="x", actor=cast.secretary)
    # The owner reports it rectified from the problem's page.
    response = login(cast.member).post(
        reverse("orglife:problem_done", args=[problem.pk]),
        {"done_on": _day(0).isoformat(), "done_note": "制定了学习计划并落实", "version": 1},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.done_on, problem.version) == ("done", _day(0), 2)
    # Only the unit's managers reopen.
    assert login(cast.member).post(reverse("orglife:problem_reopen", args=[problem.pk])).status_code == 404
    response = login(cast.secretary).post(
        f"/api/v1/orglife/problems/{problem.pk}/reopen",
        {"version": 2, "reason": "整改不彻底", "due_on": _day(20).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "open" and response.json()["done_on"] is None


def test_the_list_filters_and_highlights_overdue_problems(cast, login):
    late = _problem(cast, description="逾期未整改的问题")
    Problem.objects.filter(pk=late.pk).update(due_on=_day(-5))
    _problem(cast, description="按期推进的问题", days=40)
    done = _problem(cast, description="已经整改的问题")
    services.problem_done(problem=done, version=1, done_on=_day(0), done_note="已整改", actor=cast.secretary)
    client = login(cast.secretary)
    url = reverse("orglife:problem_list")
    page = client.get(url).content.decode()
    assert all(t in page for t in ("逾期未整改的问题", "按期推进的问题", "已经整改的问题"))
    assert 'class="table-danger"' in page
    overdue = client.get(url, {"status": "overdue"}).content.decode()
    assert "逾期未整改的问题" in overdue and "按期推进的问题" not in overdue
    done_page = client.get(url, {"status": "done"}).content.decode()
    assert "已经整改的问题" in done_page and "逾期未整改的问题" not in done_page
    # branch_b's secretary sees none of branch_a's list.
    assert "逾期未整改的问题" not in login(cast.secretary_b).get(url).content.decode()


def test_the_list_reads_a_fixed_number_of_queries(cast, login):
    client = login(cast.secretary)
    url = reverse("orglife:problem_list")
    _problem(cast)
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n in range(8):
        _problem(cast, description=f"问题{n}")
    assert count_queries(lambda: client.get(url)) == few


def test_the_list_exports_to_a_workbook(cast, login):
    _problem(cast, description="台账记录不完整")
    response = login(cast.secretary).get(reverse("orglife:problem_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "第一党支部" and rows[1][1] == "台账记录不完整" and rows[1][4] == "张伟"


def test_owners_see_problems_due_soon_on_their_to_do_list(cast):
    soon = _problem(cast, description="下周到期的问题", days=5)
    _problem(cast, description="很久以后到期的问题", days=60)
    todos = services.problem_todos(cast.member)
    assert len(todos) == 1
    assert soon.description in todos[0].title and todos[0].due == soon.due_on and not todos[0].overdue
    assert services.problem_todos(cast.secretary) == []  # no member record, nothing owned


def test_overdue_reminders_reach_owner_and_managers_once_a_week(cast):
    problem = _problem(cast, description="逾期的问题")
    Problem.objects.filter(pk=problem.pk).update(due_on=_day(-2))
    today = timezone.localdate()
    sent = services.problem_reminders(today)
    recipients = set(Notification.objects.values_list("user__username", flat=True))
    assert {"member", "secretary"} <= recipients  # the owner's login and the branch's secretary
    assert "secretary_b" not in recipients
    assert sent == len(recipients)
    assert services.problem_reminders(today) == 0  # the same week: not repeated
    assert services.problem_reminders(today + timedelta(days=7)) == sent


def test_the_api_list_reads_a_fixed_number_of_queries(cast, login):
    client = login(cast.secretary)
    _problem(cast)
    url = "/api/v1/orglife/problems"
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n in range(6):
        _problem(cast, description=f"问题{n}")
    assert count_queries(lambda: client.get(url)) == few
    assert client.get(url, {"status": "open"}).json()["count"] == 7


def test_the_panel_form_answers_htmx_in_place(meeting, cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    url = reverse("orglife:life_problem_add", args=[meeting.pk])
    response = client.post(url, {"problem-description": "只写了描述"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps the panel with the form and its errors
    page = response.content.decode()
    assert 'id="life-panel"' in page and "只写了描述" in page and "Set a deadline" in page
    response = client.post(
        url,
        {
            "problem-description": "只写了描述",
            "problem-owner": cast.members["a2"].pk,
            "problem-due_on": _day(9).isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "李娜" in response.content.decode()
    assert Problem.objects.get().owner == cast.members["a2"]


def test_the_status_filter_uses_the_words_of_the_counts_and_badges(cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("orglife:problem_list"), {"status": "open"}).content.decode()
    pressed = re.search(r'<a class="btn btn-outline-primary active"[^>]*>([^<]+)</a>', page).group(1)
    assert pressed == "Being rectified"
