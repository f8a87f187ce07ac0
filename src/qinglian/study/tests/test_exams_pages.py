"""The exam pages as people use them: a member takes an exam in the browser's flow (start, answers saved one by
one, submit, result, printable result); a setter builds and publishes a paper; results and their export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.study.models import Attempt, AttemptItem
from qinglian.study.services import exams as setting
from qinglian.study.tests.factories import question_make
from qinglian.study.tests.test_exams_take import exam_make, shown
from qinglian.study.vocab import AttemptStatus, ExamStatus

pytestmark = pytest.mark.usefixtures("in_english")


def test_a_member_takes_an_exam_page_by_page(cast, login):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org, stem="第一题"), question_make(org, stem="第二题")])
    client = login(cast.member)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    assert exam.title in client.get(reverse("study:my_exams")).content.decode()
    page = client.get(reverse("study:exam_take", kwargs={"pk": exam.pk})).content.decode()
    assert "Start the exam" in page and "30 min" in page
    response = client.post(reverse("study:attempt_start", kwargs={"pk": exam.pk}))
    attempt = Attempt.objects.get(exam=exam)
    assert response.url == reverse("study:attempt_page", kwargs={"pk": attempt.pk})
    body = client.get(response.url).content.decode()
    assert "第一题" in body and "第二题" in body and 'id="attempt-clock"' in body
    for item in attempt.items.all():
        url = reverse("study:attempt_save", kwargs={"pk": attempt.pk, "item": item.pk})
        payload = json.dumps({"response": shown(item, "A")})
        assert client.put(url, payload, content_type="application/json").status_code == 200
        assert client.put(url, payload, content_type="application/json").status_code == 200  # resent: harmless
    # Opening the exam again resumes the attempt.
    page = client.get(reverse("study:exam_take", kwargs={"pk": exam.pk})).content.decode()
    assert "Go on with your attempt" in page
    response = client.post(reverse("study:attempt_submit", kwargs={"pk": attempt.pk}))
    assert response.url == reverse("study:attempt_result", kwargs={"pk": attempt.pk})
    result = client.get(response.url).content.decode()
    assert '<div class="display-5">4<span' in result and "Passed" in result
    certificate = client.get(reverse("study:attempt_certificate", kwargs={"pk": attempt.pk})).content.decode()
    assert "张伟" in certificate and exam.title in certificate and "@media print" in certificate


def test_a_late_save_is_refused_with_a_message_and_the_page_shows_the_result(cast, login):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)])
    client = login(cast.member)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    client.post(reverse("study:attempt_start", kwargs={"pk": exam.pk}))
    attempt = Attempt.objects.get(exam=exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=2))
    item = attempt.items.get()
    url = reverse("study:attempt_save", kwargs={"pk": attempt.pk, "item": item.pk})
    response = client.put(url, json.dumps({"response": ["A"]}), content_type="application/json")
    assert response.status_code == 409 and "ran out" in response.json()["error"]
    assert AttemptItem.objects.get(pk=item.pk).response is None
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINISHED and attempt.timed_out
    page = client.get(reverse("study:attempt_page", kwargs={"pk": attempt.pk}))
    assert page.url == reverse("study:attempt_result", kwargs={"pk": attempt.pk})


def test_a_setter_builds_and_publishes_a_paper(cast, login):
    org = cast.tree.branch_a
    question = question_make(org, stem="可以挑选的题")
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    now = timezone.localtime()
    response = client.post(
        reverse("study:exam_create"),
        {
            "title": "季度测试",
            "topic": "charter",
            "mode": "fixed",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "time_limit_minutes": 20,
            "attempts_allowed": 1,
            "grading": "highest",
            "pass_percent": 60,
            "review": "after_submit",
            "units": [org.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    exam = org.study_exams.get(title="季度测试")
    detail = client.get(reverse("study:exam_detail", kwargs={"pk": exam.pk}) + "?q=挑选").content.decode()
    assert "可以挑选的题" in detail and "The paper has no questions." in detail
    client.post(reverse("study:exam_slot_add", kwargs={"pk": exam.pk}), {"question": question.pk, "score": "5"})
    assert exam.slots.get().score == 5
    client.post(reverse("study:exam_publish", kwargs={"pk": exam.pk}), {"version": exam.version})
    exam.refresh_from_db()
    assert exam.status == ExamStatus.PUBLISHED


def test_results_by_unit_and_the_export(cast, login, django_assert_max_num_queries):
    from qinglian.study.services import take

    org = cast.tree.gb
    exam = exam_make(org, questions=[question_make(org)], shuffle_options=False)
    attempt = take.attempt_start(exam=exam, member=cast.members["a1"])
    take.answers_save(attempt_id=attempt.pk, member=cast.members["a1"], answers={attempt.items.get().pk: ["A"]})
    take.attempt_submit(attempt=attempt)
    client = login(cast.office)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("study:exam_results", kwargs={"pk": exam.pk}))
    body = page.content.decode()
    assert "张伟" in body and "第一党支部" in body and "100%" in body
    export = client.get(reverse("study:exam_results_export", kwargs={"pk": exam.pk}))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("study:exam_list")).status_code == 200


def test_publishing_says_what_is_missing(cast):
    exam = exam_make(cast.tree.branch_a, publish=False)
    with pytest.raises(Exception, match="no questions"):
        setting.exam_publish(exam=exam, version=exam.version, actor=None)


def test_the_review_shows_answers_as_the_member_saw_them(cast, login):
    from qinglian.study.services.take import answers_save, attempt_start, attempt_submit

    org = cast.tree.branch_a
    choice = question_make(org, stem="选择题", options=("甲", "乙", "丙"), answer=("C",))
    judge = question_make(org, qtype="judge", stem="判断题", answer=(True,))
    exam = exam_make(org, questions=[choice, judge])
    member = cast.members["a1"]
    attempt = attempt_start(exam=exam, member=member)
    items = {item.question_version.question_id: item for item in attempt.items.select_related("question_version")}
    c_item = items[choice.pk]
    shown_c = "ABC"[c_item.option_order.index(2)]  # where the member saw 丙, the right option
    answers_save(attempt_id=attempt.pk, member=member, answers={c_item.pk: [shown_c], items[judge.pk].pk: [False]})
    attempt_submit(attempt=attempt)
    client = login(cast.member)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("study:attempt_result", kwargs={"pk": attempt.pk})).content.decode()
    assert f"{shown_c}. 丙" in page
    assert f"Your answer</span>: {shown_c}" in page.replace(":</span>", "</span>:")
    assert "False" in page and "True" in page and "[True]" not in page and "['" not in page


def test_a_branch_reads_its_own_members_results_of_an_exam_set_above(cast, login):
    from qinglian.orgs.services import member_create
    from qinglian.study.services.take import attempt_start, attempt_submit

    root = cast.tree.root
    exam = exam_make(root, title="全局测试", questions=[question_make(root, stem="全局的题")])
    b_member = member_create(organisation=cast.tree.branch_b, name="赵敏", gender="F", actor=None)
    for member in (cast.members["a1"], b_member):
        attempt_submit(attempt=attempt_start(exam=exam, member=member))
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    listing = client.get(reverse("study:exam_list")).content.decode()
    assert "Exams set above for these units" in listing and "全局测试" in listing
    page = client.get(reverse("study:exam_results", kwargs={"pk": exam.pk})).content.decode()
    assert "张伟" in page and "赵敏" not in page
    assert client.get(reverse("study:exam_detail", kwargs={"pk": exam.pk})).status_code == 404
    office = login(cast.office)
    assert "赵敏" in office.get(reverse("study:exam_results", kwargs={"pk": exam.pk})).content.decode()


def test_nobody_reads_results_of_an_exam_not_addressed_to_their_unit(cast, login):
    exam = exam_make(cast.tree.branch_b, title="二支部测试", questions=[question_make(cast.tree.branch_b)])
    client = login(cast.secretary)
    assert client.get(reverse("study:exam_results", kwargs={"pk": exam.pk})).status_code == 404
    assert "二支部测试" not in client.get(reverse("study:exam_list")).content.decode()
