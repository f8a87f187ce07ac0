"""Intake: rows of the route table.

Two portal reports to the root committee: a new one with an attached file (discipline_intake_report), and one already
registered as a clue that only the head of discipline inspection handles (discipline_intake_registered): its page,
its thread and its file are then the clue's, closed to the inspector who holds intake but not that clue. Nobody
outside discipline inspection reaches any page: all get 404.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route
from qinglian.discipline.tests.routes import NO_DISCIPLINE

REPORT_SECRET = "私房菜馆由供应商结账的那次宴请"
REGISTERED_SECRET = "已登记为线索的举报内容"


def world_extend(world) -> None:
    from qinglian.discipline.models import Clue
    from qinglian.discipline.tests.factories import clue_make, lead_user
    from qinglian.discipline.tests.factories_intake import report_make
    from qinglian.discipline.vocab import ReportStatus

    cast = world.cast
    lead_user(cast)
    world.extra["discipline_intake_report"] = report_make(cast, text=f"反映{REPORT_SECRET}。", files=1)
    registered = report_make(cast, text=REGISTERED_SECRET, status=ReportStatus.REGISTERED, files=1)
    clue = clue_make(cast, handlers=("lead",), summary="登记后的摘要", source="portal")
    Clue.objects.filter(pk=clue.pk).update(report=registered)
    world.extra["discipline_intake_registered"] = registered


def _pk(key):
    return lambda w: {"pk": w.extra[key].pk}


def _version(key):
    from qinglian.discipline.models import Report

    return lambda w: Report.objects.get(pk=w.extra[key].pk).version


def _attachment(key):
    return lambda w: {"pk": w.extra[key].attachments.first().pk}


REPORT = _pk("discipline_intake_report")
STAFF = {"refused": NO_DISCIPLINE, "allowed": "inspector"}

ROUTES = [
    Route("discipline:report_list", **STAFF, secret=lambda w: REPORT_SECRET),
    Route("discipline:report_detail", kwargs=REPORT, **STAFF, secret=lambda w: REPORT_SECRET),
    Route(
        "discipline:report_detail",
        kwargs=_pk("discipline_intake_registered"),
        refused=(*NO_DISCIPLINE, "inspector"),
        allowed="lead",
    ),
    Route("discipline:report_attachment", kwargs=_attachment("discipline_intake_report"), **STAFF),
    Route(
        "discipline:report_attachment",
        kwargs=_attachment("discipline_intake_registered"),
        refused=(*NO_DISCIPLINE, "inspector"),
        allowed="lead",
    ),
    Route(
        "discipline:report_acknowledge",
        "post",
        kwargs=REPORT,
        data=lambda w: {"version": _version("discipline_intake_report")(w), "body": "已收到您的举报。"},
        **STAFF,
    ),
    Route("discipline:report_reply", "post", kwargs=REPORT, data=lambda w: {"body": "请补充材料。"}, **STAFF),
    Route(
        "discipline:report_not_accept",
        "post",
        kwargs=REPORT,
        data=lambda w: {
            "version": _version("discipline_intake_report")(w),
            "reason": "不属于受理范围",
            "message": "您反映的问题不属于本机关受理范围。",
        },
        **STAFF,
    ),
    Route(
        "discipline:report_feedback",
        "post",
        kwargs=REPORT,
        data=lambda w: {"version": _version("discipline_intake_report")(w), "body": "已核实处理。"},
        **STAFF,
    ),
]
