"""Item statistics on a small case checked by hand: 5 members × 3 questions, with the formulas written out plainly."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.study.models import Attempt, AttemptItem, Exam
from qinglian.study.stats import exam_statistics
from qinglian.study.tests.factories import question_make
from qinglian.study.vocab import AttemptStatus, ExamStatus

pytestmark = pytest.mark.usefixtures("in_english")

# Rows are members, columns questions worth 1, 2 and 1 marks.
SCORES = [
    [1, 2, 1],
    [1, 2, 0],
    [1, 1, 0],
    [0, 1, 1],
    [0, 0, 0],
]
MARKS = [1, 2, 1]


def mean(xs):
    return sum(xs) / len(xs)


def sample_var(xs):
    m = mean(xs)
    return sum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def cov(xs, ys):
    mx, my = mean(xs), mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


@pytest.fixture
def exam(cast):
    from qinglian.orgs.services import member_create

    org = cast.tree.branch_a
    now = timezone.now()
    exam = Exam.objects.create(
        organisation=org,
        title="统计用考试",
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        status=ExamStatus.CLOSED,
    )
    versions = [question_make(org, stem=f"第{n + 1}题", score=str(MARKS[n])).current for n in range(3)]
    for row_number, row in enumerate(SCORES):
        member = member_create(organisation=org, name=f"党员{row_number}", gender="M", actor=None)
        attempt = Attempt.objects.create(
            exam=exam,
            member=member,
            organisation=org,
            number=1,
            status=AttemptStatus.FINISHED,
            deadline_at=now,
            submitted_at=now,
            score=Decimal(sum(row)),
            max_score=Decimal(sum(MARKS)),
        )
        AttemptItem.objects.bulk_create(
            AttemptItem(attempt=attempt, position=n + 1, question_version=v, max_score=MARKS[n], score=Decimal(row[n]))
            for n, v in enumerate(versions)
        )
        if row_number == 0:  # a second attempt of the first member: not counted
            second = Attempt.objects.create(
                exam=exam, member=member, organisation=org, number=2, status=AttemptStatus.FINISHED,
                deadline_at=now, submitted_at=now, score=Decimal("0"), max_score=Decimal("4"),
            )  # fmt: skip
            AttemptItem.objects.bulk_create(
                AttemptItem(attempt=second, position=n + 1, question_version=v, max_score=MARKS[n], score=0)
                for n, v in enumerate(versions)
            )
    return exam


def test_item_statistics_match_the_hand_computed_numbers(exam):
    test, items = exam_statistics(exam)
    totals = [sum(row) for row in SCORES]  # 4, 3, 2, 2, 0
    assert test.attempts == 5
    percent = [100 * t / 4 for t in totals]
    assert test.mean == pytest.approx(mean(percent))  # 55
    assert test.median == pytest.approx(50)
    assert test.sd == pytest.approx(math.sqrt(sample_var(percent)))
    item_vars = sum(sample_var([row[n] for row in SCORES]) for n in range(3))
    alpha = 3 / 2 * (1 - item_vars / sample_var(totals))
    assert test.cic == pytest.approx(100 * alpha)
    for n, stat in enumerate(items):
        x = [row[n] for row in SCORES]
        rest = [t - xi for t, xi in zip(totals, x)]
        assert stat.attempts == 5
        assert stat.facility == pytest.approx(100 * mean(x) / MARKS[n])
        assert stat.sd == pytest.approx(100 * math.sqrt(sample_var(x)) / MARKS[n])
        r = cov(x, rest) / math.sqrt(sample_var(x) * sample_var(rest))
        assert stat.di == pytest.approx(100 * r)
        assert stat.de == pytest.approx(100 * cov(x, rest) / cov(sorted(x), sorted(rest)))
    # The first question by hand: x = 1,1,1,0,0 and rest = 3,2,1,2,0. Facility 60; cov(x, rest) = 1.2 / 4 = 0.3;
    # var x = 0.3, var rest = 1.3: DI = 0.3 / √0.39 = 48.0. Sorted alike (0,0,1,1,1 with 0,1,2,2,3) the covariance
    # would be 2.2 / 4 = 0.55: DE = 0.3 / 0.55 = 54.5.
    first = items[0]
    assert first.facility == pytest.approx(60)
    assert first.di == pytest.approx(48.04, abs=0.01)
    assert first.de == pytest.approx(54.55, abs=0.01)


def test_flags_follow_the_rule_and_say_when_there_is_too_little_data(exam):
    _test, items = exam_statistics(exam)
    # 5 first attempts, below the rule's 10: every question says so instead of judging it.
    assert all(len(i.flags) == 1 and "Not enough attempts" in i.flags[0][1] for i in items)


def test_flags_with_enough_attempts(exam):
    from qinglian.core.models import Rule
    from qinglian.study.stats import ItemStat, flags_for

    limits = Rule.objects.filter(key="study.item_flags").first().value | {"min_attempts": 5}
    weak = ItemStat(1, "", "single", 5, 1, facility=97, sd=10, di=20, de=10)
    texts = [text for _level, text in flags_for(weak, limits)]
    assert any("Very likely" in t for t in texts)
    assert any("Dubious" in t for t in texts)
    assert any("Too easy" in t for t in texts)
    fair = ItemStat(2, "", "single", 5, 1, facility=60, sd=10, di=40, de=50)
    assert next(text for _level, text in flags_for(fair, limits)).startswith("Likely needs checking")
    good = ItemStat(3, "", "single", 5, 1, facility=60, sd=10, di=70, de=80)
    assert flags_for(good, limits) == []


def test_the_statistics_page_shows_the_table(exam, cast, login, django_assert_max_num_queries):
    client = login(cast.secretary)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("study:exam_stats", kwargs={"pk": exam.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "第1题" in body and "48.0" in body


def test_a_question_everyone_scored_the_same_on_says_so_instead_of_a_weak_discrimination(exam):
    from qinglian.core.models import Rule
    from qinglian.study.stats import ItemStat, flags_for

    limits = Rule.objects.filter(key="study.item_flags").first().value | {"min_attempts": 5}
    flat = ItemStat(4, "", "judge", 5, 1, facility=100, sd=0, di=None, de=None)
    texts = [text for _level, text in flags_for(flat, limits)]
    assert any("tells nobody apart" in t for t in texts) and any("Too easy" in t for t in texts)
    assert not any("Very likely" in t for t in texts)
