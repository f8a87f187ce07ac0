"""Cases and sanctions: rows of the route table.

Four cases on clues about b1 王芳, handled by `inspector` with 纪委书记 `lead` over the root: one under investigation,
one at its decision, one in execution (with a Party warning in effect), one under appeal; and a clue whose approved
form proposes a case. Nobody outside discipline inspection reaches any of these pages, and on a case's own pages
neither does `cases_staff`, a discipline staff member who handles none of these clues.
"""

from __future__ import annotations

from django.utils import timezone

from qinglian.core.tests.web import Route
from qinglian.discipline.tests.routes import NO_DISCIPLINE

NOT_HANDLING = (*NO_DISCIPLINE, "cases_staff")
NUMBERS = {
    "investigation": "纪立〔2020〕901号",
    "decision": "纪立〔2020〕902号",
    "execution": "纪立〔2020〕903号",
    "appeal": "纪立〔2020〕904号",
}


def world_extend(world) -> None:
    from qinglian.discipline.tests.factories import day, lead_user
    from qinglian.discipline.tests.factories_cases import case_make, proposed_clue, staff_user

    cast = world.cast
    lead_user(cast)
    staff_user(cast, "cases_staff")
    for stage, number in NUMBERS.items():
        started = day(-5) if stage in ("investigation", "execution", "appeal") else None
        world.extra[f"discipline_cases_{stage}"] = case_make(cast, stage=stage, number=number, stage_started_on=started)
    world.extra["discipline_cases_clue"] = proposed_clue(cast, summary="反映其违规接受管理服务对象宴请（拟立案）。")


def _pk(stage):
    return lambda w: {"pk": w.extra[f"discipline_cases_{stage}"].pk}


def _data(stage, **values):
    def data(w):
        from qinglian.discipline.models import Case

        version = Case.objects.get(pk=w.extra[f"discipline_cases_{stage}"].pk).version
        return {"version": version, "on": timezone.localdate().isoformat(), **values}

    return data


def _number(stage):
    return lambda w: NUMBERS[stage]


ROUTES = [
    Route("discipline:case_list", refused=NO_DISCIPLINE, allowed="inspector", secret=_number("investigation")),
    Route(
        "discipline:case_detail",
        kwargs=_pk("investigation"),
        refused=NOT_HANDLING,
        allowed="inspector",
        secret=_number("investigation"),
    ),
    Route(
        "discipline:case_advance",
        "post",
        kwargs=_pk("investigation"),
        data=_data("investigation", to="review", note="越权推进"),
        refused=NOT_HANDLING,
        allowed="inspector",
        secret=_number("investigation"),
    ),
    Route(
        "discipline:case_extend",
        "post",
        kwargs=_pk("investigation"),
        data=_data("investigation", days=10, reason="越权延长"),
        refused=NOT_HANDLING,
        allowed="lead",
        secret=_number("investigation"),
    ),
    Route(
        "discipline:case_transfer",
        "post",
        kwargs=_pk("investigation"),
        data=_data("investigation", note="越权移送"),
        refused=NOT_HANDLING,
        allowed="lead",
        secret=_number("investigation"),
    ),
    Route(
        "discipline:case_decide",
        kwargs=_pk("decision"),
        refused=NOT_HANDLING,
        allowed="lead",
        secret=_number("decision"),
    ),
    Route(
        "discipline:case_appeal",
        "post",
        kwargs=_pk("execution"),
        data=_data("execution", grounds="越权申诉"),
        refused=NOT_HANDLING,
        allowed="lead",
        secret=_number("execution"),
    ),
    Route(
        "discipline:case_appeal_end",
        "post",
        kwargs=_pk("appeal"),
        data=_data("appeal", result="kept", note="越权维持"),
        refused=NOT_HANDLING,
        allowed="lead",
        secret=_number("appeal"),
    ),
    Route(
        "discipline:case_rectify",
        kwargs=_pk("execution"),
        refused=NOT_HANDLING,
        allowed="lead",
        secret=_number("execution"),
    ),
    Route(
        "discipline:case_file",
        kwargs=lambda w: {"pk": w.extra["discipline_cases_clue"].pk},
        refused=NOT_HANDLING,
        allowed="lead",
        secret=lambda w: w.extra["discipline_cases_clue"].number,
    ),
    Route("discipline:sanction_list", refused=NO_DISCIPLINE, allowed="inspector", secret=_number("execution")),
]
