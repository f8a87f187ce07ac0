"""Writing questions: refusals of keys that cannot be marked, versions when an exam has used a question, edits in
place otherwise, concurrent edits refused, and who may read and edit which bank."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.orgs.services import Conflict
from qinglian.study.imports.common import QuestionData
from qinglian.study.models import Exam, PaperSlot, Question, QuestionVersion
from qinglian.study.services import bank as services
from qinglian.study.vocab import QuestionType

pytestmark = pytest.mark.usefixtures("in_english")


def data(**fields) -> QuestionData:
    base = dict(
        qtype=QuestionType.SINGLE,
        stem="党的最高理想是什么？",
        options=["实现共产主义", "全面小康", "现代化", "脱贫"],
        answer=["A"],
        category="党章党规/党章",
        topic="charter",
        tags=["两学一做"],
        score="2",
    )
    return QuestionData(**{**base, **fields})


@pytest.fixture
def question(cast):
    return services.question_create(organisation=cast.tree.branch_a, data=data(), actor=cast.secretary)


def exam_using(version, org) -> Exam:
    now = timezone.now()
    exam = Exam.objects.create(organisation=org, title="党章测试", opens_at=now, closes_at=now + timedelta(days=1))
    PaperSlot.objects.create(exam=exam, position=1, question_version=version, score=2)
    return exam


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"answer": []}, "no correct option"),
        ({"qtype": QuestionType.MULTIPLE, "answer": ["A", "E"]}, "The answer E is not among the options (A to D)"),
        ({"answer": ["A", "B"]}, "exactly one correct option"),
    ],
)
def test_a_key_that_cannot_be_marked_is_refused_and_nothing_saved(cast, fields, message):
    with pytest.raises(ValidationError) as info:
        services.question_create(organisation=cast.tree.branch_a, data=data(**fields), actor=cast.secretary)
    assert message in " ".join(info.value.message_dict["answer"])
    assert not Question.objects.exists()


def test_create_keeps_category_tags_and_key(question):
    question.refresh_from_db()
    assert question.category.full_name == "党章党规/党章"
    assert question.category.parent.full_name == "党章党规"
    assert [t.name for t in question.tags.all()] == ["两学一做"]
    assert question.current.number == 1 and question.current.answer == ["A"]


def test_editing_a_question_an_exam_used_makes_a_new_version_and_the_exam_keeps_v1(cast, question):
    v1 = question.current
    exam = exam_using(v1, cast.tree.branch_a)
    token = services.version_token(question)
    services.question_edit(
        question=question, data=data(stem="党的最高理想和最终目标是什么？"), token=token, actor=cast.secretary
    )
    question.refresh_from_db()
    assert question.current.number == 2
    assert question.current.stem == "党的最高理想和最终目标是什么？"
    slot = PaperSlot.objects.get(exam=exam)
    assert slot.question_version_id == v1.pk
    assert QuestionVersion.objects.get(pk=v1.pk).stem == "党的最高理想是什么？"


def test_editing_an_unused_question_corrects_the_version_in_place(cast, question):
    token = services.version_token(question)
    services.question_edit(question=question, data=data(answer=["B"]), token=token, actor=cast.secretary)
    question.refresh_from_db()
    assert question.versions.count() == 1
    assert question.current.answer == ["B"]


def test_a_second_edit_from_a_stale_form_is_refused(cast, question):
    token = services.version_token(question)
    services.question_edit(question=question, data=data(stem="第一人改的"), token=token, actor=cast.secretary)
    with pytest.raises(Conflict):
        services.question_edit(question=question, data=data(stem="第二人改的"), token=token, actor=cast.secretary)
    question.refresh_from_db()
    assert question.current.stem == "第一人改的"


def test_a_unit_uses_the_banks_above_it_but_edits_only_its_own(cast):
    root_question = services.question_create(organisation=cast.tree.root, data=data(stem="上级题库的题"), actor=None)
    b_question = services.question_create(organisation=cast.tree.branch_b, data=data(stem="二支部的题"), actor=None)
    readable = services.questions_readable(cast.secretary)
    assert root_question in readable and b_question not in readable
    assert root_question in Question.objects.usable_by(cast.tree.branch_a)
    with pytest.raises(PermissionDenied):
        services.question_edit(
            question=root_question, data=data(), token=services.version_token(root_question), actor=cast.secretary
        )


def test_history_diff_shows_what_changed(cast, question):
    exam_using(question.current, cast.tree.branch_a)
    services.question_edit(
        question=question,
        data=data(stem="党的最高理想是什么？（单选）", answer=["B"]),
        token=services.version_token(question),
        actor=cast.secretary,
    )
    v1, v2 = question.versions.order_by("number")
    diff = services.version_diff(v1, v2)
    assert ("added", "（单选）") in diff["stem"]
    assert diff["answer"] == ("A", "B")
