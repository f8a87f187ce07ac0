"""The hand-in: the last answers and the submit in one request and one transaction, for the exam-day rush (every
member submitting in the same minute). All or nothing, twice counts once, late answers refused, few queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.study.models import Attempt, AttemptItem
from qinglian.study.services import take
from qinglian.study.tests.factories import question_make
from qinglian.study.tests.test_exams_take import exam_make, member_with_login, shown, small_bank
from qinglian.study.vocab import AttemptStatus

pytestmark = pytest.mark.usefixtures("in_english")


def test_the_hand_in_saves_the_rest_and_marks_everything(cast, client):
    org = cast.tree.branch_a
    single, multiple, judge, fill = small_bank(org)
    exam = exam_make(org, questions=[single, multiple, judge, fill])
    member = cast.members["a1"]
    attempt = take.attempt_start(exam=exam, member=member)
    items = {i.question_version.question_id: i for i in attempt.items.select_related("question_version")}
    # Saved as the member went: the single choice; the rest comes with the hand-in.
    take.answers_save(attempt_id=attempt.pk, member=member, answers={items[single.pk].pk: shown(items[single.pk], "A")})
    client.force_login(cast.member)
    body = {
        "answers": [
            {"item_id": items[multiple.pk].pk, "response": shown(items[multiple.pk], "A")},
            {"item_id": items[judge.pk].pk, "response": [False]},
            {"item_id": items[fill.pk].pk, "response": ["大局意识", "看齐意识"]},
        ]
    }
    response = client.post(f"/api/v1/study/my/attempts/{attempt.pk}/finish", body, "application/json")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["status"] == "finished" and result["items"] == []
    # 2 + 2 (one right option of two: half the marks) + 1 + 2.
    assert Decimal(result["score"]) == Decimal("7") and Decimal(result["max_score"]) == Decimal("9")
    stored = {
        i.question_version.question_id: i
        for i in AttemptItem.objects.filter(attempt=attempt).select_related("question_version")
    }
    assert stored[single.pk].response == ["A"] and stored[multiple.pk].response == ["A"]
    assert stored[judge.pk].response == [False] and stored[judge.pk].saved_at is not None
    assert all(item.score is not None for item in stored.values())
    again = client.post(f"/api/v1/study/my/attempts/{attempt.pk}/finish", {"answers": []}, "application/json").json()
    assert again["submitted_at"] == result["submitted_at"] and again["score"] == result["score"]
    assert AuditEvent.objects.filter(action="study.attempt_submit").count() == 1


def test_a_tampered_item_or_a_bad_answer_changes_nothing(cast, client, django_user_model):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)], shuffle_options=False)
    other = member_with_login(org, "周强", "zhou", django_user_model)
    theirs = take.attempt_start(exam=exam, member=other)
    mine = take.attempt_start(exam=exam, member=cast.members["a1"])
    client.force_login(cast.member)
    url = f"/api/v1/study/my/attempts/{mine.pk}/finish"
    tampered = {
        "answers": [
            {"item_id": mine.items.get().pk, "response": ["A"]},
            {"item_id": theirs.items.get().pk, "response": ["A"]},
        ]
    }
    assert client.post(url, tampered, "application/json").status_code == 404
    assert (
        client.post(f"/api/v1/study/my/attempts/{theirs.pk}/finish", {"answers": []}, "application/json").status_code
        == 404
    )
    bad = {"answers": [{"item_id": mine.items.get().pk, "response": ["Z"]}]}
    assert client.post(url, bad, "application/json").status_code == 422
    assert not AttemptItem.objects.filter(response__isnull=False).exists()
    assert Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS).count() == 2


def test_after_the_grace_the_late_answers_are_refused_and_the_saved_ones_count(cast, client):
    org = cast.tree.branch_a
    q1, q2 = question_make(org, stem="一"), question_make(org, stem="二")
    exam = exam_make(org, questions=[q1, q2], shuffle_options=False)
    member = cast.members["a1"]
    attempt = take.attempt_start(exam=exam, member=member)
    first, second = attempt.items.order_by("position")
    take.answers_save(attempt_id=attempt.pk, member=member, answers={first.pk: ["A"]})
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=31))
    client.force_login(cast.member)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    response = client.post(
        f"/api/v1/study/my/attempts/{attempt.pk}/finish",
        {"answers": [{"item_id": second.pk, "response": ["A"]}]},
        "application/json",
    )
    assert response.status_code == 422 and "ran out" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINISHED and attempt.timed_out and attempt.score == Decimal("2")
    assert AttemptItem.objects.get(pk=second.pk).response is None


def test_within_the_grace_the_hand_in_counts(cast):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)], shuffle_options=False)
    member = cast.members["a1"]
    attempt = take.attempt_start(exam=exam, member=member)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=10))
    done = take.attempt_finish(attempt_id=attempt.pk, member=member, answers={attempt.items.get().pk: ["A"]})
    assert done.status == AttemptStatus.FINISHED and not done.timed_out and done.score == Decimal("2")


def test_the_hand_in_of_many_answers_takes_a_fixed_number_of_queries(cast, monkeypatch):
    org = cast.tree.branch_a
    questions = [question_make(org, stem=f"第{n}题") for n in range(20)]
    exam = exam_make(org, questions=questions, shuffle_options=False)
    member = cast.members["a1"]
    attempt = take.attempt_start(exam=exam, member=member)
    answers = {item.pk: ["A"] for item in attempt.items.all()}
    # The follow-up is a task (one row queued in production; the tests run it at once): not counted here.
    monkeypatch.setattr(take, "_after_marking", lambda attempt, items, now: None)
    with CaptureQueriesContext(connection) as queries:
        done = take.attempt_finish(attempt_id=attempt.pk, member=member, answers=answers)
    assert done.score == Decimal("40")
    assert len(queries) <= 12, "\n".join(q["sql"][:150] for q in queries)
    assert AttemptItem.objects.filter(attempt=attempt, score=Decimal("2"), saved_at__isnull=False).count() == 20
