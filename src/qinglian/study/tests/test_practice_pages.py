"""The member's practice and study home, the branch mastery page and the points settings, through the browser
and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.core.tests.web import count_queries
from qinglian.orgs.services import member_create
from qinglian.study.models import PointEntry, Question, Review
from qinglian.study.services.mastery import practice_active_rate, practice_mastery
from qinglian.study.services.practice import practice_answer
from qinglian.study.tests.factories import question_make
from qinglian.study.tests.test_practice_points import points_on
from qinglian.study.vocab import QuestionType

pytestmark = pytest.mark.usefixtures("in_english")


def _en(client):
    client.cookies["django_language"] = "en"
    return client


def test_a_member_practises_one_question_at_a_time(cast, login):
    question_make(
        cast.tree.root, stem="党的最高理想是什么？", explanation="党章总纲。", source="《中国共产党章程》总纲"
    )
    client = _en(login(cast.member))
    page = client.get(reverse("study:practice")).content.decode()
    assert "党的最高理想是什么？" in page and "实现共产主义" in page
    question = Question.objects.get()
    response = client.post(reverse("study:practice"), {"question": question.pk, "token": 0, "answer": "B"})
    page = response.content.decode()
    assert "Not right" in page and "党章总纲。" in page and "《中国共产党章程》总纲" in page
    assert "Done for today" in page  # the only question of the day
    review = Review.objects.get()
    assert review.correct is False and review.response == ["B"]
    # The same showing sent again (a double tap): no second review.
    client.post(reverse("study:practice"), {"question": question.pk, "token": 0, "answer": "A"})
    assert Review.objects.count() == 1
    page = client.get(reverse("study:practice")).content.decode()
    assert "Done for today" in page and "1 question comes back tomorrow" in page


def test_fill_and_judge_questions_are_answered_on_the_page(cast, login):
    fill = question_make(
        cast.tree.root, qtype=QuestionType.FILL, stem="党的根本宗旨是____。", answer=[["全心全意为人民服务"]]
    )
    judge = question_make(cast.tree.root, qtype=QuestionType.JUDGE, stem="党员有表决权。", answer=[True])
    client = _en(login(cast.member))
    client.post(reverse("study:practice"), {"question": fill.pk, "token": 0, "blank": "全心全意为人民服务"})
    client.post(reverse("study:practice"), {"question": judge.pk, "token": 0, "answer": "true"})
    assert list(Review.objects.order_by("pk").values_list("correct", flat=True)) == [True, True]


def test_the_study_home_shows_practice_mastery_and_no_points_by_default(cast, login):
    a1 = cast.members["a1"]
    q = question_make(cast.tree.root)
    practice_answer(member=a1, question_id=q.pk, response=["A"], token=0, at=timezone.now() - timedelta(days=1))
    page = _en(login(cast.member)).get(reverse("study:me")).content.decode()
    assert "My study" in page and "张伟" in page
    assert "Today&#x27;s practice" in page or "Today's practice" in page
    assert "how much you would recall today" in page
    assert "1 of 1 seen" in page
    assert "My points" not in page


def test_the_study_home_shows_points_when_the_unit_turned_them_on(cast, login):
    points_on(cast.tree.branch_a, cast.admin)
    a1 = cast.members["a1"]
    q = question_make(cast.tree.root)
    answer = practice_answer(member=a1, question_id=q.pk, response=["A"], token=0)
    assert {p.kind for p in answer.points} == {"practice_correct", "practice_day"}
    page = _en(login(cast.member)).get(reverse("study:me")).content.decode()
    assert "My points" in page and "today 2" in page


def test_a_login_without_a_member_is_told_so(cast, login):
    client = _en(login(cast.outsider))
    for name in ("study:me", "study:practice"):
        assert "not linked to a member" in client.get(reverse(name)).content.decode()
    assert client.get("/api/v1/study/me/mastery").json() == {"linked": False, "topics": []}


def test_the_study_home_costs_the_same_with_more_practice(cast, login):
    a1 = cast.members["a1"]
    client = login(cast.member)
    q = question_make(cast.tree.root)
    practice_answer(member=a1, question_id=q.pk, response=["A"], token=0, at=timezone.now() - timedelta(days=2))
    client.get(reverse("study:me"))
    before = count_queries(lambda: client.get(reverse("study:me")))
    for i in range(5):
        extra = question_make(cast.tree.root, stem=f"题{i}")
        practice_answer(member=a1, question_id=extra.pk, response=["B"], token=0, at=timezone.now() - timedelta(days=2))
    assert count_queries(lambda: client.get(reverse("study:me"))) <= before


def _branch_world(cast):
    """Practice in branch_a (two members) and group_a's member idle; branch_b's member practised."""
    a2 = cast.members["a2"]
    extra = member_create(organisation=cast.tree.branch_a, name="陈静", gender="F", actor=None)
    questions = [question_make(cast.tree.root, stem=f"题{i}") for i in range(4)]
    at = timezone.now() - timedelta(days=2)
    for member in (cast.members["a1"], extra, cast.members["b1"]):
        for q in questions[:2]:
            practice_answer(member=member, question_id=q.pk, response=["A"], token=0, at=at)
    return a2, extra


def test_branch_mastery_counts_members_without_ranking_them(cast, login, django_assert_max_num_queries):
    _branch_world(cast)
    client = _en(login(cast.secretary))
    url = reverse("study:mastery") + f"?unit={cast.tree.branch_a.pk}"
    with django_assert_max_num_queries(25):
        page = client.get(url).content.decode()
    assert "第一党小组" in page  # a unit below
    assert "张伟" not in page and "陈静" not in page  # no member named
    assert "王芳" not in page
    # Another branch's unit is not shown to branch_a's secretary.
    assert client.get(reverse("study:mastery") + f"?unit={cast.tree.branch_b.pk}").status_code == 404
    data = client.get(f"/api/v1/study/mastery/{cast.tree.branch_a.pk}").json()
    assert data["total"]["members"] == 3 and data["total"]["active_7"] == 2
    assert data["total"]["reviews_month"] in (0, 4)  # at the turn of a month the reviews fall in the last one
    group = next(u for u in data["units"] if u["name"] == "第一党小组")
    assert group["members"] == 1 and group["mastery"] == 0 and group["active_30"] == 0


def test_branch_mastery_query_count_does_not_grow_with_members(cast, login):
    _branch_world(cast)
    client = login(cast.secretary)
    url = reverse("study:mastery") + f"?unit={cast.tree.branch_a.pk}"
    client.get(url)
    before = count_queries(lambda: client.get(url))
    for i in range(6):
        m = member_create(organisation=cast.tree.group_a, name=f"新党员{i}", gender="M", actor=None)
        q = question_make(cast.tree.root, stem=f"新题{i}")
        practice_answer(member=m, question_id=q.pk, response=["A"], token=0)
    assert count_queries(lambda: client.get(url)) <= before


def test_indicators_of_practice(cast):
    _branch_world(cast)
    tree = cast.tree
    mastery = practice_mastery(orgs=[tree.branch_a, tree.branch_b, tree.branch_c], year=timezone.localdate().year)
    active = practice_active_rate(orgs=[tree.branch_a, tree.branch_b, tree.branch_c], year=timezone.localdate().year)
    assert active[tree.branch_a.pk] == pytest.approx(2 / 3) and active[tree.branch_b.pk] == 1
    assert active[tree.branch_c.pk] == 0
    assert 0 < mastery[tree.branch_a.pk] < mastery[tree.branch_b.pk] <= 1
    assert registry.indicators["study.practice_mastery"] is practice_mastery


def test_a_unit_turns_points_on_for_its_subtree(cast, login):
    client = _en(login(cast.secretary))
    url = reverse("study:points_settings", args=[cast.tree.branch_a.pk])
    page = client.get(url).content.decode()
    assert "Points settings" in page and f'value="{timezone.localdate().isoformat()}"' in page
    data = {"enabled": "on", "effective_from": timezone.localdate().isoformat(), "reason": "支部决定开启积分"}
    for kind in ("practice_day", "practice_correct", "material_finished", "exam_passed", "session_attended"):
        data |= {f"{kind}__points": 2, f"{kind}__cap": 4}
    response = client.post(url, data)
    assert response.status_code == 302
    q = question_make(cast.tree.root)
    answer = practice_answer(member=cast.members["a2"], question_id=q.pk, response=["A"], token=0)
    assert sorted(p.points for p in answer.points) == [2, 2]
    # branch_b is not affected; points show on the mastery page of branch_a.
    assert not PointEntry.objects.filter(member=cast.members["b1"]).exists()
    page = client.get(reverse("study:mastery") + f"?unit={cast.tree.branch_a.pk}").content.decode()
    assert "Points this year" in page
    # A cap lower than one award is refused.
    data["practice_day__cap"] = 1
    data["effective_from"] = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "cannot be lower" in client.post(url, data).content.decode()


def test_the_member_section_shows_mastery_to_study_staff_only(cast):
    from qinglian.study.views.me import study_member_section

    a1 = cast.members["a1"]
    assert study_member_section(a1, cast.secretary) is not None
    assert study_member_section(a1, cast.secretary_b) is None


def test_the_practice_api(cast, login):
    q = question_make(cast.tree.root, stem="接口题")
    client = login(cast.member)
    today = client.get("/api/v1/study/practice/today").json()
    assert [i["question_id"] for i in today["items"]] == [q.pk] and today["items"][0]["new"] is True
    answer = client.post(
        "/api/v1/study/practice/answer",
        {"question_id": q.pk, "token": 0, "response": ["A"]},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["correct"] is True and answer.json()["finished_day"]
    again = client.post(
        "/api/v1/study/practice/answer",
        {"question_id": q.pk, "token": 0, "response": ["A"]},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert client.get("/api/v1/study/me/points").json() == {
        "linked": True, "enabled": False, "today": 0, "year": 0, "rules": []
    }  # fmt: skip
    mastery = client.get("/api/v1/study/me/mastery").json()
    assert mastery["topics"][0]["seen"] == 1
    assert client.get(f"/api/v1/study/mastery/{cast.tree.branch_a.pk}").status_code == 404


def test_todays_practice_is_a_todo_until_done(cast):
    from qinglian.study.views.me import practice_todos

    q = question_make(cast.tree.root)
    (todo,) = practice_todos(cast.member)
    assert "1 question" in todo.title and todo.url == reverse("study:practice")
    practice_answer(member=cast.members["a1"], question_id=q.pk, response=["A"], token=0)
    assert practice_todos(cast.member) == [] and practice_todos(cast.outsider) == []


def test_the_member_page_has_a_study_section_for_study_staff(cast, login):
    a1 = cast.members["a1"]
    q = question_make(cast.tree.root)
    practice_answer(member=a1, question_id=q.pk, response=["A"], token=0)
    page = _en(login(cast.secretary)).get(reverse("orgs:member_detail", args=[a1.pk])).content.decode()
    assert "1 of 1 seen" in page


def test_the_study_home_lists_my_exams(cast, login):
    from qinglian.study.models import Exam
    from qinglian.study.vocab import ExamStatus

    now = timezone.now()
    exam = Exam.objects.create(
        organisation=cast.tree.branch_a, title="支部党章测试", opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=1), status=ExamStatus.PUBLISHED,
    )  # fmt: skip
    exam.units.set([cast.tree.branch_a])
    page = _en(login(cast.member)).get(reverse("study:me")).content.decode()
    assert "支部党章测试" in page and reverse("study:exam_take", args=[exam.pk]) in page
