"""The question bank: rows of the route table.

branch_b's bank has one question (question_b, whose stem is the secret) and secretary_b's checked import
(import_b, ready to confirm).
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a")
NO_BANK_ROLE = ("outsider", "member", "liaison")
STEM = "第二支部题库的题目"


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def world_extend(world) -> None:
    from qinglian.study.services.bank import bank_import_upload
    from qinglian.study.tests.factories import question_make

    branch_b = world.cast.tree.branch_b
    question = question_make(branch_b, stem=STEM)
    text = "第二支部导入的题目？\nA. 甲\nB. 乙\nANSWER: A\n".encode()
    job = bank_import_upload(organisation=branch_b, actor=world.cast.secretary_b, name="b.txt", data=text)
    world.extra.update(question_b=question, import_b=job)


def _question_post(world) -> dict:
    from qinglian.study.services.bank import version_token

    question = world.extra["question_b"]
    question.refresh_from_db()
    return {
        "qtype": "single", "stem": "越权改的题目", "option_a": "甲", "option_b": "乙", "answer_letters": ["A"],
        "category": "党章党规/党章", "topic": "charter", "difficulty": 3, "score": "1", "multiple_rule": "partial",
        "partial_fraction": "0.5", "status": "published", "token": version_token(question),
    }  # fmt: skip


ROUTES = [
    Route("study:bank_list", refused=NO_BANK_ROLE, allowed="secretary_b", secret=lambda w: STEM),
    Route("study:question_create", refused=NO_BANK_ROLE, allowed="secretary_b"),
    Route(
        "study:question_detail", kwargs=_pk("question_b"), refused=B_REFUSED, allowed="secretary_b",
        secret=lambda w: STEM,
    ),
    Route(
        "study:question_edit", "post", kwargs=_pk("question_b"), data=_question_post, refused=B_REFUSED,
        allowed="secretary_b", secret=lambda w: STEM,
    ),
    Route(
        "study:question_history", kwargs=_pk("question_b"), refused=B_REFUSED, allowed="secretary_b",
        secret=lambda w: STEM,
    ),
    Route("study:bank_import", refused=NO_BANK_ROLE, allowed="secretary_b"),
    Route(
        "study:bank_import_detail", kwargs=_pk("import_b"), refused=B_REFUSED, allowed="secretary_b",
        secret=lambda w: "第二支部导入的题目",
    ),
    Route("study:bank_import_confirm", "post", kwargs=_pk("import_b"), refused=B_REFUSED, allowed="secretary_b"),
    Route("study:bank_template", refused=NO_BANK_ROLE, allowed="secretary_b"),
    Route("study:bank_export", refused=NO_BANK_ROLE, allowed="secretary_b"),
]  # fmt: skip
