"""The question bank's pages and API: the list with filters and its query count, the form that keeps what was
typed when the key is refused, editing into a new version, and the import's upload → preview → confirm."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import Job
from qinglian.study.imports.xlsx import template_bytes
from qinglian.study.models import Exam, PaperSlot, Question
from qinglian.study.services import bank as services
from qinglian.study.tests.factories import question_make
from qinglian.study.vocab import QuestionType

pytestmark = pytest.mark.usefixtures("in_english")
API = "/api/v1/study/bank"


@pytest.fixture
def login(client):
    """Log in with the pages in English, for assertions on their messages."""

    def _login(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return _login


def form_data(**fields):
    base = {
        "qtype": "single",
        "stem": "党的最高理想是什么？",
        "option_a": "实现共产主义",
        "option_b": "全面小康",
        "option_c": "现代化",
        "option_d": "脱贫",
        "answer_letters": ["A"],
        "category": "党章党规/党章",
        "topic": "charter",
        "difficulty": 3,
        "score": "2",
        "multiple_rule": "partial",
        "partial_fraction": "0.5",
        "status": "published",
        "fill_ignore_case": "on",
        "tags": "两学一做，党章",
    }
    return {**base, **fields}


def test_list_filters_and_counts_its_queries(cast, login, django_assert_max_num_queries):
    org = cast.tree.branch_a
    for i in range(12):
        question_make(org, stem=f"单选题{i}", difficulty=1 + i % 5)
    question_make(org, qtype=QuestionType.JUDGE, stem="判断题目", answer=[True], category="党章党规/纪律处分条例")
    question_make(cast.tree.root, stem="上级的题")
    question_make(cast.tree.branch_b, stem="二支部的题")
    client = login(cast.secretary)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("study:bank_list")).content.decode()
    assert "单选题11" in page and "上级的题" in page and "二支部的题" not in page
    page = client.get(reverse("study:bank_list"), {"category": "党章党规", "qtype": "judge"}).content.decode()
    assert "判断题目" in page and "单选题1" not in page
    page = client.get(reverse("study:bank_list"), {"q": "题1", "difficulty": 2}).content.decode()
    assert "单选题1<" in page and "单选题10" not in page


def test_a_refused_key_keeps_what_was_typed(cast, login):
    client = login(cast.secretary)
    response = client.post(reverse("study:question_create"), form_data(answer_letters=["A", "B"], stem="我打的字"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "exactly one correct option" in page and "我打的字" in page and "全面小康" in page
    response = client.post(reverse("study:question_create"), form_data(qtype="multiple", answer_letters=[]))
    assert "no correct option" in response.content.decode()
    assert not Question.objects.exists()


def test_create_then_edit_a_used_question_makes_version_two(cast, login):
    client = login(cast.secretary)
    response = client.post(reverse("study:question_create"), form_data())
    question = Question.objects.get()
    assert response.url == reverse("study:question_detail", args=[question.pk])
    now = timezone.now()
    exam = Exam.objects.create(
        organisation=cast.tree.branch_a, title="党章知识测试", opens_at=now, closes_at=now + timedelta(days=1)
    )
    PaperSlot.objects.create(exam=exam, position=1, question_version=question.current, score=2)
    edit = client.get(reverse("study:question_edit", args=[question.pk]))
    assert "makes a new version" in edit.content.decode()
    token = edit.context["form"].initial["token"]
    client.post(reverse("study:question_edit", args=[question.pk]), form_data(stem="改过的题干", token=token))
    question.refresh_from_db()
    assert question.current.number == 2
    detail = client.get(reverse("study:question_detail", args=[question.pk])).content.decode()
    assert "改过的题干" in detail and "党章知识测试" in detail
    history = client.get(reverse("study:question_history", args=[question.pk])).content.decode()
    assert "<del" in history and "题干</ins>" in history
    stale = client.post(reverse("study:question_edit", args=[question.pk]), form_data(stem="过期的", token=token))
    assert "Someone else saved this question" in stale.content.decode()


def test_import_upload_preview_confirm_through_the_pages(cast, login):
    client = login(cast.secretary)
    assert client.get(reverse("study:bank_template"))["Content-Type"].startswith("application/vnd.openxml")
    file = SimpleUploadedFile("bank.xlsx", template_bytes())
    response = client.post(reverse("study:bank_import"), {"file": file})
    job = Job.objects.get(kind=services.IMPORT_KIND)
    assert response.url == reverse("study:bank_import_detail", args=[job.pk])
    preview = client.get(response.url).content.decode()
    assert "5 questions checked" in preview and "党的纪律包括" in preview
    assert not Question.objects.exists()
    client.post(reverse("study:bank_import_confirm", args=[job.pk]))
    assert Question.objects.count() == 5
    assert "5 questions added" in client.get(response.url).content.decode()
    exported = client.get(reverse("study:bank_export"))
    assert exported["Content-Type"].startswith("application/vnd.openxml")
    gift = client.get(reverse("study:bank_export"), {"format": "gift"}).content.decode()
    assert "党的纪律包括" in gift


def test_a_bad_file_shows_its_errors_by_row(cast, login):
    client = login(cast.secretary)
    text = "题目\nA. 甲\nB. 乙\nANSWER: E\n".encode()
    response = client.post(reverse("study:bank_import"), {"file": SimpleUploadedFile("a.txt", text)})
    page = client.get(response.url).content.decode()
    assert "1 problem found" in page and "The answer E is not among the options (A to B)." in page


def test_api_create_edit_list_and_import(cast, login):
    client = login(cast.secretary)
    payload = {
        "organisation_id": cast.tree.branch_a.pk,
        "qtype": "multiple",
        "stem": "接口的题",
        "options": ["甲", "乙", "丙"],
        "answer": ["A", "C"],
        "category": "党章党规/党章",
        "tags": ["接口"],
    }
    created = client.post(f"{API}/questions", payload, "application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    bad = client.post(f"{API}/questions", {**payload, "answer": ["D"]}, "application/json")
    assert bad.status_code in (400, 422) and "D is not among" in bad.content.decode()
    edited = client.put(
        f"{API}/questions/{body['id']}", {**payload, "stem": "改过", "token": body["token"]}, "application/json"
    )
    assert edited.status_code == 200 and edited.json()["current"]["stem"] == "改过"
    stale = client.put(f"{API}/questions/{body['id']}", {**payload, "token": body["token"]}, "application/json")
    assert stale.status_code == 409
    listed = client.get(f"{API}/questions", {"q": "改"}).json()
    assert [q["id"] for q in listed["items"]] == [body["id"]]
    upload = client.post(
        f"{API}/imports",
        {"organisation_id": cast.tree.branch_a.pk, "file": SimpleUploadedFile("b.xlsx", template_bytes())},
    )
    assert upload.status_code == 201 and upload.json()["state"] == "ready"
    confirmed = client.post(f"{API}/imports/{upload.json()['id']}/confirm")
    assert confirmed.status_code == 202 and confirmed.json()["created"] == 5
    assert client.get(f"{API}/export", {"format": "gift"}).status_code == 200
    other = login(cast.secretary_b)
    assert other.get(f"{API}/questions/{body['id']}").status_code == 404


def test_api_list_query_count_does_not_grow_with_rows(cast, login):
    from qinglian.core.tests.web import count_queries

    client = login(cast.secretary)
    for i in range(3):
        question_make(cast.tree.branch_a, stem=f"少{i}")
    client.get(f"{API}/questions")
    few = count_queries(lambda: client.get(f"{API}/questions"))
    for i in range(20):
        question_make(cast.tree.branch_a, stem=f"多{i}", qtype=QuestionType.JUDGE, answer=[True])
    many = count_queries(lambda: client.get(f"{API}/questions"))
    assert client.get(f"{API}/questions").json()["count"] == 23
    assert many == few
