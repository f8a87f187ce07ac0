"""Taking exams: the marks of a small hand-checked random paper, shuffling per member, the server's clock, attempts,
the window, a second concurrent start, a tampered item, double submit and manual marking."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qinglian.study.marking import LETTERS
from qinglian.study.models import Attempt, AttemptItem, Card, Question
from qinglian.study.services import exams as setting
from qinglian.study.services import take
from qinglian.study.tests.factories import category_make, question_make
from qinglian.study.vocab import AttemptStatus, PaperMode, QuestionType

pytestmark = pytest.mark.usefixtures("in_english")


def member_with_login(org, name, username, django_user_model):
    from qinglian.orgs.services import member_create

    user = django_user_model.objects.create_user(username, f"{username}@example.cn", "pw")
    return member_create(organisation=org, name=name, gender="M", actor=None, user=user)


def exam_make(org, *, mode=PaperMode.FIXED, questions=(), rules=(), publish=True, **fields):
    now = timezone.now()
    defaults = {
        "title": "党章知识测试",
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=1),
        "time_limit_minutes": 30,
        "attempts_allowed": 1,
        "mode": mode,
    }
    exam = setting.exam_create(org=org, actor=None, units=[org], **{**defaults, **fields})
    for question in questions:
        setting.slot_add(exam=exam, question=question, actor=None)
    for rule in rules:
        setting.rule_add(exam=exam, actor=None, **rule)
    if publish:
        exam = setting.exam_publish(exam=exam, version=exam.version, actor=None)
    return exam


def shown(item, *original):
    """The letters the member sees for the question's own letters."""
    return [LETTERS[item.option_order.index(LETTERS.index(letter))] for letter in original]


def small_bank(org):
    category_make("党章党规")
    single = question_make(org, answer=("A",), score="2")
    multiple = question_make(
        org,
        qtype=QuestionType.MULTIPLE,
        stem="党的纪律包括哪些？",
        options=("政治纪律", "休假纪律", "组织纪律", "财务审批"),
        answer=("A", "C"),
        score="4",
    )
    judge = question_make(org, qtype=QuestionType.JUDGE, stem="党员可以不参加组织生活。", answer=(False,), score="1")
    fill = question_make(
        org,
        qtype=QuestionType.FILL,
        stem="四个意识：政治意识、____、核心意识、____。",
        answer=(["大局意识"], ["看齐意识"]),
        score="2",
    )
    return single, multiple, judge, fill


def test_a_random_paper_is_marked_right_with_partial_credit(cast, client):
    org = cast.tree.branch_a
    single, multiple, judge, fill = small_bank(org)
    party = category_make("党章党规")
    exam = exam_make(
        org,
        mode=PaperMode.RANDOM,
        rules=[
            {"category": party, "qtype": QuestionType.SINGLE, "count": 1, "score": "2"},
            {"category": party, "qtype": QuestionType.MULTIPLE, "count": 1, "score": "4"},
            {"category": None, "qtype": QuestionType.JUDGE, "count": 1, "score": "1"},
            {"category": None, "qtype": QuestionType.FILL, "count": 1, "score": "2"},
        ],
    )
    client.force_login(cast.member)
    started = client.post(f"/api/v1/study/my/exams/{exam.pk}/attempts")
    assert started.status_code == 201, started.content
    attempt = Attempt.objects.get(pk=started.json()["id"])
    assert attempt.max_score == Decimal("9")
    items = {item.question_version.question_id: item for item in attempt.items.select_related("question_version")}
    assert set(items) == {single.pk, multiple.pk, judge.pk, fill.pk}
    assert Question.objects.get(pk=single.pk).times_used == 1
    answers = [
        {"item_id": items[single.pk].pk, "response": shown(items[single.pk], "A")},  # right: 2
        {"item_id": items[multiple.pk].pk, "response": shown(items[multiple.pk], "A")},  # correct subset: 4 × 0.5
        {"item_id": items[judge.pk].pk, "response": [True]},  # wrong: 0
        {"item_id": items[fill.pk].pk, "response": ["大局意识", "担当意识"]},  # one blank of two: 1
    ]
    saved = client.put(f"/api/v1/study/my/attempts/{attempt.pk}/answers", {"answers": answers}, "application/json")
    assert saved.json() == {"saved": 4}
    assert AttemptItem.objects.get(pk=items[multiple.pk].pk).response == ["A"]  # stored in the question's letters
    result = client.post(f"/api/v1/study/my/attempts/{attempt.pk}/submit").json()
    assert Decimal(result["score"]) == Decimal("5")
    assert result["passed"] is False  # 5 / 9 = 55.6 % < 60 %
    scores = {i.question_version.question_id: i.score for i in attempt.items.select_related("question_version")}
    assert scores == {single.pk: 2, multiple.pk: 2, judge.pk: 0, fill.pk: 1}
    # The wrong and part-right answers go to the member's practice.
    assert set(Card.objects.filter(member=cast.members["a1"]).values_list("question_id", flat=True)) == {
        multiple.pk,
        judge.pk,
        fill.pk,
    }


def test_publishing_a_random_paper_says_which_rule_is_short(cast):
    org = cast.tree.branch_a
    small_bank(org)
    exam = exam_make(
        org,
        mode=PaperMode.RANDOM,
        rules=[{"category": None, "qtype": QuestionType.SINGLE, "count": 3, "score": "2"}],
        publish=False,
    )
    with pytest.raises(ValidationError, match=r"Rule 1 .* needs 3 questions but the bank has 1: 2 short"):
        setting.exam_publish(exam=exam, version=exam.version, actor=None)


def test_two_members_see_different_orders_and_both_are_marked_right(cast, django_user_model):
    org = cast.tree.branch_a
    questions = [
        question_make(org, stem=f"第{n}题", options=("甲", "乙", "丙", "丁", "戊"), answer=("B",)) for n in range(8)
    ]
    exam = exam_make(org, questions=questions)
    one = take.attempt_start(exam=exam, member=cast.members["a1"])
    other_member = member_with_login(org, "周强", "zhou", django_user_model)
    two = take.attempt_start(exam=exam, member=other_member)

    def layout(attempt):
        return [(i.question_version_id, i.option_order) for i in attempt.items.order_by("position")]

    assert layout(one) != layout(two)
    for attempt, member in ((one, cast.members["a1"]), (two, other_member)):
        items = list(attempt.items.select_related("question_version"))
        take.answers_save(attempt_id=attempt.pk, member=member, answers={i.pk: shown(i, "B") for i in items})
        assert take.attempt_submit(attempt=attempt).score == Decimal("16")


def test_the_server_refuses_answers_after_the_time_limit_and_submits_what_was_saved(cast):
    org = cast.tree.branch_a
    q1, q2 = question_make(org, stem="一"), question_make(org, stem="二")
    exam = exam_make(org, questions=[q1, q2], shuffle_options=False)
    member = cast.members["a1"]
    attempt = take.attempt_start(exam=exam, member=member)
    first, second = attempt.items.order_by("position")
    take.answers_save(attempt_id=attempt.pk, member=member, answers={first.pk: ["A"]})
    # 31 s past the deadline: beyond the 30 s grace.
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(ValidationError, match="time for this exam ran out"):
        take.answers_save(attempt_id=attempt.pk, member=member, answers={second.pk: ["A"]})
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINISHED and attempt.timed_out
    assert attempt.score == Decimal("2")
    assert AttemptItem.objects.get(pk=second.pk).response is None


def test_within_the_grace_an_answer_still_counts(cast):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)], shuffle_options=False)
    attempt = take.attempt_start(exam=exam, member=cast.members["a1"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=10))
    item = attempt.items.get()
    assert take.answers_save(attempt_id=attempt.pk, member=cast.members["a1"], answers={item.pk: ["A"]}) == 1


def test_an_overdue_attempt_is_closed_by_the_server(cast):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)])
    attempt = take.attempt_start(exam=exam, member=cast.members["a1"])
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=5))
    assert take.attempts_expire() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINISHED and attempt.timed_out and attempt.score == 0


def test_the_attempts_limit_and_the_window(cast):
    org = cast.tree.branch_a
    member = cast.members["a1"]
    exam = exam_make(org, questions=[question_make(org)], attempts_allowed=1)
    take.attempt_submit(attempt=take.attempt_start(exam=exam, member=member))
    with pytest.raises(ValidationError, match="used all 1 attempts"):
        take.attempt_start(exam=exam, member=member)
    now = timezone.now()
    closed = exam_make(
        org,
        questions=[question_make(org, stem="另一题")],
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="The exam closed at"):
        take.attempt_start(exam=closed, member=member)
    assert not Attempt.objects.filter(exam=closed).exists()


def test_outside_the_audience_one_cannot_start(cast):
    exam = exam_make(cast.tree.branch_b, questions=[question_make(cast.tree.branch_b)])
    with pytest.raises(ValidationError, match="not among those"):
        take.attempt_start(exam=exam, member=cast.members["a1"])


def test_opening_again_resumes_and_a_racing_second_start_is_refused(cast, client, monkeypatch):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)], attempts_allowed=0)
    client.force_login(cast.member)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    first = client.post(f"/api/v1/study/my/exams/{exam.pk}/attempts").json()
    again = client.post(f"/api/v1/study/my/exams/{exam.pk}/attempts").json()
    assert again["id"] == first["id"]
    # A second request that did not see the first one's attempt (they raced) hits the database's constraint.
    monkeypatch.setattr(take, "attempt_active", lambda exam, member: None)
    response = client.post(f"/api/v1/study/my/exams/{exam.pk}/attempts")
    assert response.status_code == 422
    assert "already in progress" in response.json()["error"]["details"][0]["message"]
    assert Attempt.objects.filter(exam=exam).count() == 1


def test_a_tampered_item_id_is_refused_and_nothing_saved(cast, client, django_user_model):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)], shuffle_options=False)
    other = member_with_login(org, "周强", "zhou", django_user_model)
    theirs = take.attempt_start(exam=exam, member=other)
    mine = take.attempt_start(exam=exam, member=cast.members["a1"])
    their_item = theirs.items.get()
    client.force_login(cast.member)
    url = f"/api/v1/study/my/attempts/{mine.pk}/answers"
    body = {
        "answers": [{"item_id": mine.items.get().pk, "response": ["A"]}, {"item_id": their_item.pk, "response": ["A"]}]
    }
    assert client.put(url, body, "application/json").status_code == 404
    assert (
        client.put(
            f"/api/v1/study/my/attempts/{theirs.pk}/items/{their_item.pk}", {"response": ["A"]}, "application/json"
        ).status_code
        == 404
    )
    assert not AttemptItem.objects.filter(response__isnull=False).exists()
    bad_letter = client.put(
        f"/api/v1/study/my/attempts/{mine.pk}/items/{mine.items.get().pk}", {"response": ["Z"]}, "application/json"
    )
    assert bad_letter.status_code == 422


def test_submitting_twice_counts_once(cast, client):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)], shuffle_options=False)
    attempt = take.attempt_start(exam=exam, member=cast.members["a1"])
    take.answers_save(attempt_id=attempt.pk, member=cast.members["a1"], answers={attempt.items.get().pk: ["A"]})
    client.force_login(cast.member)
    one = client.post(f"/api/v1/study/my/attempts/{attempt.pk}/submit").json()
    two = client.post(f"/api/v1/study/my/attempts/{attempt.pk}/submit").json()
    assert one["score"] == two["score"] == "2.00"
    assert one["submitted_at"] == two["submitted_at"]
    from qinglian.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="study.attempt_submit").count() == 1


def test_manual_marking_finishes_the_attempt(cast, client):
    org = cast.tree.branch_a
    auto = question_make(org, stem="自动题")
    short = question_make(
        org, qtype=QuestionType.SHORT, stem="谈谈你对全面从严治党的认识。", answer=("要点：……",), score="10"
    )
    exam = exam_make(org, questions=[auto, short], shuffle_options=False, pass_percent=50)
    member = cast.members["a1"]
    attempt = take.attempt_start(exam=exam, member=member)
    items = {i.question_version.question_id: i for i in attempt.items.select_related("question_version")}
    take.answers_save(
        attempt_id=attempt.pk, member=member, answers={items[auto.pk].pk: ["A"], items[short.pk].pk: "坚持党的领导……"}
    )
    attempt = take.attempt_submit(attempt=attempt)
    assert attempt.status == AttemptStatus.MARKING and attempt.score is None
    client.force_login(cast.secretary)
    queue = client.get("/api/v1/study/marking").json()
    assert [row["id"] for row in queue] == [items[short.pk].pk]
    assert (
        client.post(f"/api/v1/study/marking/{items[short.pk].pk}", {"score": "11"}, "application/json").status_code
        == 422
    )
    marked = client.post(
        f"/api/v1/study/marking/{items[short.pk].pk}", {"score": "6", "comment": "较好"}, "application/json"
    )
    assert marked.status_code == 200, marked.content
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINISHED
    assert attempt.score == Decimal("8") and attempt.passed
    # Another branch's secretary does not see the queue.
    client.force_login(cast.secretary_b)
    assert client.get("/api/v1/study/marking").json() == []


def test_the_api_adds_a_rule_without_a_category_and_refuses_a_rule_of_no_questions(cast, client):
    """A rule drawing from the whole bank names no category; one drawing no question is refused with the reason."""
    exam = exam_make(cast.tree.root, mode=PaperMode.RANDOM, publish=False)
    client.force_login(cast.office)
    url = f"/api/v1/study/exams/{exam.pk}/rules"
    refused = client.post(url, {"count": 0, "qtype": "fill", "score": 1}, content_type="application/json")
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["count"]
    added = client.post(url, {"count": 2, "qtype": "fill", "score": 1}, content_type="application/json")
    assert added.status_code == 200, added.content
    assert exam.rules.get().category is None
