"""What the staff and member pages show beside their forms: counts, labels and links a reader relies on."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from qinglian.study.services import take
from qinglian.study.tests.factories import question_make
from qinglian.study.tests.test_exams_take import exam_make

pytestmark = pytest.mark.usefixtures("in_english")


def test_the_exam_list_counts_the_finished_attempts_and_results_link_to_statistics(cast, login):
    org = cast.tree.branch_a
    exam = exam_make(org, questions=[question_make(org)])
    attempt = take.attempt_start(exam=exam, member=cast.members["a1"])
    take.attempt_submit(attempt=attempt)
    client = login(cast.office)
    body = client.get(reverse("study:exam_list")).content.decode()
    assert re.search(r'<td class="text-end">\s*1\s*</td>', body)
    results = client.get(reverse("study:exam_results", kwargs={"pk": exam.pk})).content.decode()
    assert reverse("study:exam_stats", kwargs={"pk": exam.pk}) in results


def test_a_question_is_headed_by_its_type_in_the_reader_s_language(cast, login):
    question = question_make(cast.tree.branch_a)
    client = login(cast.office)
    client.cookies["django_language"] = "en"  # the pages' language comes from the request, not the test's override
    body = client.get(reverse("study:question_detail", kwargs={"pk": question.pk})).content.decode()
    assert "<h1>Single choice" in body


def test_a_login_without_a_member_record_is_shown_the_study_pages_it_may_use(cast, login):
    body = login(cast.office).get(reverse("study:me")).content.decode()
    assert reverse("study:exam_list") in body and reverse("study:bank_list") in body
