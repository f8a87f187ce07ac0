"""Making study records for tests."""

from __future__ import annotations

from decimal import Decimal

from qinglian.study.models import Category, Question, QuestionVersion
from qinglian.study.vocab import QuestionType, TopicKind


def category_make(full_name: str = "党章党规/党章") -> Category:
    parent = None
    for depth, name in enumerate(full_name.split("/"), start=1):
        path = "/".join(full_name.split("/")[:depth])
        parent, _created = Category.objects.get_or_create(full_name=path, defaults={"name": name, "parent": parent})
    return parent


def question_make(
    org,
    *,
    qtype=QuestionType.SINGLE,
    stem="党的最高理想和最终目标是什么？",
    options=("实现共产主义", "全面建成小康社会", "实现现代化", "消除贫困"),
    answer=("A",),
    category="党章党规/党章",
    topic=TopicKind.CHARTER,
    difficulty=3,
    score="2",
    **version_fields,
) -> Question:
    """A published question of `org`'s bank with one version (written directly: the bank's services check keys)."""
    if (
        qtype in (QuestionType.JUDGE, QuestionType.SHORT, QuestionType.FILL)
        and options == question_make.__kwdefaults__["options"]
    ):
        options = ()
    question = Question.objects.create(organisation=org, category=category_make(category), topic=topic)
    version = QuestionVersion.objects.create(
        question=question,
        qtype=qtype,
        stem=stem,
        options=list(options),
        answer=list(answer),
        difficulty=difficulty,
        score=Decimal(score),
        **version_fields,
    )
    question.current = version
    question.save(update_fields=["current"])
    return question
