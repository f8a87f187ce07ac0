"""The sealed compartment: rows of the route table.

A real-name clue about b1 王芳, handled by the inspector, whose reporter 欧阳娜娜 is sealed: the inspector's request
to read the identity, approved by 纪委书记 "lead" (discipline_sealed_approved); another clue's request awaiting the
lead's decision (discipline_sealed_pending); a clue closed six years ago, due for deletion, and the lead's finished
deletion run (discipline_sealed_run). Nobody outside discipline inspection reaches any of it: all get 404. Retention
is the lead's alone (the inspector holds no discipline.retention).
"""

from __future__ import annotations

from qinglian.core.tests.web import Route
from qinglian.discipline.tests.routes import NO_DISCIPLINE

REPORTER = "欧阳娜娜"
REASON = "核实举报内容需当面听取举报人补充情况"
DUE_NUMBER = "纪线〔2019〕保存期满号"
NO_RETENTION = (*NO_DISCIPLINE, "inspector")


def world_extend(world) -> None:
    from django.utils import timezone

    from qinglian.core.lib.dates import add_years
    from qinglian.core.models import Job
    from qinglian.discipline.services import sealed
    from qinglian.discipline.services.retention import JOB_KIND
    from qinglian.discipline.tests.factories import lead_user
    from qinglian.discipline.tests.factories_sealed import ended_clue, real_name_clue

    cast = world.cast
    lead = lead_user(cast)
    clue = real_name_clue(cast)
    approved = sealed.reveal_ask(clue=clue, actor=cast.inspector, reason=REASON)
    approved = sealed.reveal_approve(req=approved, actor=lead, note="同意，仅用于核实")
    pending = sealed.reveal_ask(clue=real_name_clue(cast), actor=cast.inspector, reason=REASON)
    due = ended_clue(cast, ended_on=add_years(timezone.localdate(), -6), number=DUE_NUMBER)
    run = Job.objects.create(
        owner=lead, kind=JOB_KIND, title="删除保存期满的纪检记录", status=Job.Status.DONE, done=1, total=1,
        params={"items": [["clue", 0]], "deleted": ["纪线〔2018〕已删号"], "refused": []}, finished_at=timezone.now(),
    )  # fmt: skip
    world.extra.update(
        discipline_sealed_clue=clue,
        discipline_sealed_approved=approved,
        discipline_sealed_pending=pending,
        discipline_sealed_due=due,
        discipline_sealed_run=run,
    )


def _pk(key):
    return lambda w: {"pk": w.extra[key].pk}


ROUTES = [
    Route(
        "discipline:reveal_request_new", kwargs=_pk("discipline_sealed_clue"), refused=NO_DISCIPLINE,
        allowed="inspector",
    ),
    Route("discipline:reveal_list", refused=NO_DISCIPLINE, allowed="inspector", secret=lambda w: REASON),
    Route(
        "discipline:reveal_detail", kwargs=_pk("discipline_sealed_approved"), refused=NO_DISCIPLINE,
        allowed="inspector", secret=lambda w: REASON,
    ),
    Route(
        "discipline:reveal_decide", "post", kwargs=_pk("discipline_sealed_pending"),
        data=lambda w: {"decision": "approve", "note": "同意"}, refused=NO_DISCIPLINE, allowed="lead",
    ),
    Route(
        "discipline:reveal_identity", "post", kwargs=_pk("discipline_sealed_approved"), refused=NO_DISCIPLINE,
        allowed="inspector", secret=lambda w: REPORTER,
    ),
    Route("discipline:retention_list", refused=NO_RETENTION, allowed="lead", secret=lambda w: DUE_NUMBER),
    Route(
        "discipline:retention_confirm", data=lambda w: {"all": "1"}, refused=NO_RETENTION, allowed="lead",
    ),
    Route("discipline:retention_run", "post", data=lambda w: {"all": "1"}, refused=NO_RETENTION, allowed="lead"),
    Route(
        "discipline:retention_job", kwargs=_pk("discipline_sealed_run"), refused=NO_RETENTION, allowed="lead",
        secret=lambda w: "纪线〔2018〕已删号",
    ),
]  # fmt: skip
