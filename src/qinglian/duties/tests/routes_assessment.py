"""Responsibility assessment: rows of the route table.

The root committee assesses branch_a and branch_b this year on its small table (assess_round_now, opened):
branch_a has submitted and been scored item by item (assess_unit_a), branch_b is scoring itself
(assess_unit_b, with a note and a file on item 1.2). Last year's round (finished) gave branch_b its result
(assess_unit_b_last). A draft round of the general branch (assess_draft) is there to open or remove. Rounds and
tables of the root are the committee office's (office); a unit's pages are its secretary's (secretary_b).
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglian.core.tests.web import Route

ROOT_REFUSED = ("outsider", "member", "secretary", "secretary_b", "manager_a")
B_REFUSED = ("outsider", "member", "secretary", "manager_a")
ROUND_TITLE = "机关党委年度考核（路由）"
NOTE_B = "第二支部的自评说明"
FEEDBACK_B = "第二支部去年的反馈"
TABLE_TITLE = "考核简表（路由）"


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def world_extend(world) -> None:
    from qinglian.duties.services import assessment as services
    from qinglian.duties.tests.factories import (
        assess_all,
        assess_round,
        assess_scores,
        assess_self_all,
        assess_small_table,
    )

    tree = world.cast.tree
    this = timezone.localdate().year
    last = assess_round(tree.root, [tree.branch_b], year=this - 1, title="去年的考核")
    unit_b_last = assess_all(assess_self_all(last.units.get()), inputs={"1.1": {"value": 40}}, feedback=FEEDBACK_B)
    last = services.round_advance(round=last, version=last.version, actor=None)
    services.round_finish(round=last, version=last.version, actor=None)
    unit_b_last.refresh_from_db()

    table = assess_small_table(tree.root)["table"]
    table = services.table_update(
        table=table, title=TABLE_TITLE, grades=table.grades, version=table.version, actor=None
    )
    now = assess_round(tree.root, [tree.branch_a, tree.branch_b], table=table, title=ROUND_TITLE)
    unit_a = assess_all(
        assess_self_all(now.units.get(organisation=tree.branch_a)), inputs={"1.1": {"value": 40}}, finish=False
    )
    unit_b = now.units.get(organisation=tree.branch_b)
    score_b = assess_scores(unit_b)["1.2"]
    score_b = services.score_self(score=score_b, self_score=10, self_note=NOTE_B, version=score_b.version, actor=None)
    pdf = SimpleUploadedFile("第二支部责任书.pdf", b"%PDF-1.4\n%evidence\n", content_type="application/pdf")
    evidence = services.evidence_add(score=score_b, file=pdf, note="责任书", actor=None)
    draft = assess_round(tree.gb, [tree.branch_a], table=table, opened=False, title="总支的考核草案")
    world.extra.update(
        assess_table=table,
        assess_round_now=now,
        assess_draft=draft,
        assess_unit_a=unit_a,
        assess_unit_b=unit_b,
        assess_unit_b_last=unit_b_last,
        assess_score_a=assess_scores(unit_a)["1.2"],
        assess_score_b=score_b,
        assess_evidence_b=evidence,
        assess_item=assess_scores(unit_b)["1.2"].item,
    )


def _self_data(w) -> dict:
    pk = w.extra["assess_score_b"].pk
    return {f"s{pk}-self_score": "10", f"s{pk}-self_note": "已签订"}


def _assess_data(w) -> dict:
    pk = w.extra["assess_score_a"].pk
    return {f"a{pk}-value": "10", f"a{pk}-comment": "已签订"}


ROUTES = [
    Route(
        "duties:assessment_round_list",
        refused=("outsider",),
        allowed="secretary_b",
        secret=lambda w: ROUND_TITLE,
    ),
    Route(
        "duties:assessment_round_create",
        data=lambda w: {"org": w.cast.tree.root.pk},
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: TABLE_TITLE,
    ),
    Route(
        "duties:assessment_round",
        kwargs=_pk("assess_round_now"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: ROUND_TITLE,
    ),
    Route(
        "duties:assessment_round_edit",
        kwargs=_pk("assess_round_now"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: ROUND_TITLE,
    ),
    Route("duties:assessment_round_open", "post", kwargs=_pk("assess_draft"), refused=ROOT_REFUSED, allowed="office"),
    Route(
        "duties:assessment_round_measure",
        "post",
        kwargs=_pk("assess_round_now"),
        refused=ROOT_REFUSED,
        allowed="office",
    ),
    Route(
        "duties:assessment_round_advance",
        "post",
        kwargs=_pk("assess_round_now"),
        refused=ROOT_REFUSED,
        allowed="office",
    ),
    Route(
        "duties:assessment_round_finish", "post", kwargs=_pk("assess_round_now"), refused=ROOT_REFUSED, allowed="office"
    ),
    Route("duties:assessment_round_delete", "post", kwargs=_pk("assess_draft"), refused=ROOT_REFUSED, allowed="office"),
    Route(
        "duties:assessment_results",
        kwargs=_pk("assess_round_now"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: ROUND_TITLE,
    ),
    Route("duties:assessment_results_export", kwargs=_pk("assess_round_now"), refused=ROOT_REFUSED, allowed="office"),
    Route(
        "duties:assessment_unit",
        kwargs=_pk("assess_unit_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: NOTE_B,
    ),
    Route(
        "duties:assessment_unit_submit", "post", kwargs=_pk("assess_unit_b"), refused=B_REFUSED, allowed="secretary_b"
    ),
    Route(
        "duties:assessment_unit_return",
        "post",
        kwargs=_pk("assess_unit_a"),
        data=lambda w: {"reason": "补充佐证材料"},
        refused=ROOT_REFUSED,
        allowed="office",
    ),
    Route(
        "duties:assessment_unit_finish",
        "post",
        kwargs=_pk("assess_unit_a"),
        data=lambda w: {"feedback": "总体较好"},
        refused=ROOT_REFUSED,
        allowed="office",
    ),
    Route("duties:assessment_unit_reopen", "post", kwargs=_pk("assess_unit_a"), refused=ROOT_REFUSED, allowed="office"),
    Route(
        "duties:assessment_feedback",
        kwargs=_pk("assess_unit_b_last"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: FEEDBACK_B,
    ),
    Route(
        "duties:assessment_score_self",
        "post",
        kwargs=_pk("assess_score_b"),
        data=_self_data,
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "duties:assessment_score_assess",
        "post",
        kwargs=_pk("assess_score_a"),
        data=_assess_data,
        refused=ROOT_REFUSED,
        allowed="office",
    ),
    Route(
        "duties:assessment_evidence_add",
        kwargs=_pk("assess_score_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部责任书",
    ),
    Route("duties:assessment_evidence_file", kwargs=_pk("assess_evidence_b"), refused=B_REFUSED, allowed="secretary_b"),
    Route(
        "duties:assessment_evidence_remove",
        "post",
        kwargs=_pk("assess_evidence_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route("duties:assessment_table_list", refused=("outsider",), allowed="office", secret=lambda w: TABLE_TITLE),
    Route(
        "duties:assessment_table_create", refused=("outsider", "member", "secretary", "secretary_b"), allowed="office"
    ),
    Route(
        "duties:assessment_table",
        kwargs=_pk("assess_table"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: TABLE_TITLE,
    ),
    Route(
        "duties:assessment_table_edit",
        kwargs=_pk("assess_table"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: TABLE_TITLE,
    ),
    Route("duties:assessment_table_delete", "post", kwargs=_pk("assess_table"), refused=ROOT_REFUSED, allowed="office"),
    Route(
        "duties:assessment_item_create",
        kwargs=_pk("assess_table"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: TABLE_TITLE,
    ),
    Route(
        "duties:assessment_item_edit",
        kwargs=_pk("assess_item"),
        refused=ROOT_REFUSED,
        allowed="office",
        secret=lambda w: TABLE_TITLE,
    ),
    Route("duties:assessment_item_delete", "post", kwargs=_pk("assess_item"), refused=ROOT_REFUSED, allowed="office"),
]
