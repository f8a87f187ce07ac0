"""The clue register: rows of the route table.

Three clues of the root's discipline inspection about b1 王芳: one the inspector handles (discipline_clues_clue, from a
portal report so that its thread can be answered, with the head of discipline inspection as its leader in charge),
an earlier one the inspector handles (discipline_clues_first, which the first may be linked to as a repeat), and one
only the head handles (discipline_clues_lead_only), which the inspector — discipline staff, but not its handler —
must not open. Nobody
outside discipline inspection reaches any page: all get 404. Only the head assigns handlers.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route
from qinglian.discipline.tests.routes import NO_DISCIPLINE

CLUE_SECRET = "在办公用房装修采购中收受供应商购物卡三千元"
LEAD_SECRET = "只有纪委书记经办的线索摘要"


def world_extend(world) -> None:
    from qinglian.discipline.models import Clue, ClueHandler
    from qinglian.discipline.tests.factories import clue_make, lead_user
    from qinglian.discipline.tests.factories_intake import report_make
    from qinglian.discipline.vocab import HandlerRole, ReportStatus

    cast = world.cast
    lead_user(cast)
    report = report_make(cast, text="举报原文", status=ReportStatus.REGISTERED)
    clue = clue_make(cast, summary=CLUE_SECRET, source="portal")
    Clue.objects.filter(pk=clue.pk).update(report=report)
    ClueHandler.objects.create(clue=clue, user=cast.users["lead"], role=HandlerRole.LEADER)
    world.extra["discipline_clues_clue"] = Clue.objects.get(pk=clue.pk)
    world.extra["discipline_clues_first"] = clue_make(cast, summary="更早登记的一条线索")
    world.extra["discipline_clues_lead_only"] = clue_make(cast, handlers=("lead",), summary=LEAD_SECRET)


def _pk(key):
    return lambda w: {"pk": w.extra[key].pk}


def _version(key):
    from qinglian.discipline.models import Clue

    return lambda w: Clue.objects.get(pk=w.extra[key].pk).version


def _report_version(w) -> int:
    from qinglian.discipline.models import Report

    return Report.objects.get(pk=w.extra["discipline_clues_clue"].report_id).version


CLUE = _pk("discipline_clues_clue")
VERSION = _version("discipline_clues_clue")
STAFF = {"refused": NO_DISCIPLINE, "allowed": "inspector"}
CLUE_STAFF = {"refused": NO_DISCIPLINE, "allowed": "inspector", "secret": lambda w: CLUE_SECRET}
LEAD_ONLY = {"refused": (*NO_DISCIPLINE, "inspector"), "allowed": "lead"}

ROUTES = [
    Route("discipline:clue_list", **STAFF, secret=lambda w: w.extra["discipline_clues_clue"].number),
    Route("discipline:clue_export", **STAFF),
    Route("discipline:clue_mine", **STAFF, secret=lambda w: w.extra["discipline_clues_clue"].number),
    Route("discipline:clue_create", **STAFF),
    Route(
        "discipline:clue_member_search",
        data=lambda w: {"unit": w.cast.tree.root.pk, "member_q": "王芳"},
        **STAFF,
        secret=lambda w: "王芳",
    ),
    Route("discipline:clue_detail", kwargs=CLUE, **CLUE_STAFF),
    Route(
        "discipline:clue_detail",
        kwargs=_pk("discipline_clues_lead_only"),
        **LEAD_ONLY,
        secret=lambda w: LEAD_SECRET,
    ),
    Route("discipline:clue_edit", kwargs=CLUE, **CLUE_STAFF),
    Route(
        "discipline:clue_handler_add",
        "post",
        kwargs=_pk("discipline_clues_first"),
        data=lambda w: {
            "user": w.cast.users["lead"].pk,
            "role": "leader",
            "version": _version("discipline_clues_first")(w),
        },
        refused=(*NO_DISCIPLINE, "inspector"),
        allowed="lead",
    ),
    Route(
        "discipline:clue_handler_remove",
        "post",
        kwargs=CLUE,
        data=lambda w: {"user": w.cast.users["lead"].pk, "version": VERSION(w)},
        refused=(*NO_DISCIPLINE, "inspector"),
        allowed="lead",
    ),
    Route(
        "discipline:clue_repeat",
        "post",
        kwargs=CLUE,
        data=lambda w: {"original": w.extra["discipline_clues_first"].pk, "version": VERSION(w)},
        **STAFF,
    ),
    Route(
        "discipline:clue_refer",
        "post",
        kwargs=CLUE,
        data=lambda w: {"to": "市纪委监委", "direction": "up", "version": VERSION(w)},
        **STAFF,
    ),
    Route("discipline:clue_reply", "post", kwargs=CLUE, data=lambda w: {"body": "请补充线索。"}, **STAFF),
    Route(
        "discipline:clue_feedback",
        "post",
        kwargs=CLUE,
        data=lambda w: {"body": "已依规处理。", "version": _report_version(w)},
        **STAFF,
    ),
    Route(
        "discipline:subject_history",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk},
        **STAFF,
        secret=lambda w: w.extra["discipline_clues_clue"].number,
    ),
]
