"""Disposal: rows of the route table.

Three clues of the root's discipline inspection about b1 王芳, each handled by the inspector: one under talk or inquiry
with a letter awaiting its reply (discipline_disposal_talk, discipline_disposal_letter), one awaiting approval of the
inspector's disposal form (discipline_disposal_proposed, discipline_disposal_form), one just registered
(discipline_disposal_new). Nobody outside discipline inspection reaches any of the pages: all get 404.
"""

from __future__ import annotations

from django.utils import timezone

from qinglian.core.tests.web import Route
from qinglian.discipline.tests.routes import NO_DISCIPLINE

TALK_SECRET = "在物业服务合同续签中为亲属公司打招呼"
FORM_SECRET = "拟初步核实物业合同问题"


def world_extend(world) -> None:
    from qinglian.discipline.services import disposal as services
    from qinglian.discipline.tests.factories import clue_make
    from qinglian.discipline.vocab import ClueStatus, FormKind, InquiryMode, Method

    cast = world.cast
    talk = clue_make(cast, status=ClueStatus.TALK_INQUIRY, summary=TALK_SECRET)
    world.extra["discipline_disposal_talk"] = talk
    world.extra["discipline_disposal_letter"] = services.inquiry_record(
        clue=talk, mode=InquiryMode.LETTER, held_on=timezone.localdate(), record="请书面说明。", actor=cast.inspector
    )
    proposed = clue_make(cast)
    world.extra["discipline_disposal_proposed"] = proposed
    world.extra["discipline_disposal_form"] = services.form_submit(
        clue=proposed, kind=FormKind.DISPOSAL, method=Method.VERIFY, body=FORM_SECRET, actor=cast.inspector
    )
    world.extra["discipline_disposal_new"] = clue_make(cast)


def _clue(key):
    return lambda w: {"pk": w.extra[key].pk}


def _version(key):
    from qinglian.discipline.models import Clue

    return lambda w: Clue.objects.get(pk=w.extra[key].pk).version


def _form_version(w) -> int:
    from qinglian.discipline.models import ApprovalForm

    return ApprovalForm.objects.get(pk=w.extra["discipline_disposal_form"].pk).version


def _today() -> str:
    return timezone.localdate().isoformat()


FORM = _clue("discipline_disposal_form")
STAFF = {"refused": NO_DISCIPLINE, "allowed": "inspector"}

ROUTES = [
    Route("discipline:disposal_awaiting", secret=lambda w: w.extra["discipline_disposal_proposed"].number, **STAFF),
    Route("discipline:disposal_inquiries", secret=lambda w: w.extra["discipline_disposal_talk"].number, **STAFF),
    Route("discipline:disposal_shelved", **STAFF),
    Route("discipline:disposal_clue", kwargs=_clue("discipline_disposal_talk"), secret=lambda w: TALK_SECRET, **STAFF),
    Route(
        "discipline:form_create",
        "post",
        kwargs=_clue("discipline_disposal_new"),
        data=lambda w: {
            "kind": "disposal",
            "version": _version("discipline_disposal_new")(w),
            "method": "verify",
            "body": "越权提出的处置意见",
        },
        secret=lambda w: w.extra["discipline_disposal_new"].number,
        **STAFF,
    ),
    Route("discipline:form_detail", kwargs=FORM, secret=lambda w: FORM_SECRET, **STAFF),
    Route(
        "discipline:form_opinion",
        "post",
        kwargs=FORM,
        data=lambda w: {"version": _form_version(w), "agree": "yes", "text": "越权的意见"},
        secret=lambda w: FORM_SECRET,
        **STAFF,
    ),
    Route("discipline:form_withdraw", "post", kwargs=FORM, data=lambda w: {"version": _form_version(w)}, **STAFF),
    Route("discipline:form_export", kwargs=FORM, **STAFF),
    Route(
        "discipline:inquiry_create",
        "post",
        kwargs=_clue("discipline_disposal_talk"),
        data=lambda w: {
            "version": _version("discipline_disposal_talk")(w),
            "mode": "talk",
            "held_on": _today(),
            "record": "越权记录的谈话",
        },
        secret=lambda w: TALK_SECRET,
        **STAFF,
    ),
    Route(
        "discipline:inquiry_reply",
        "post",
        kwargs=_clue("discipline_disposal_letter"),
        data=lambda w: {"version": _version("discipline_disposal_talk")(w), "reply_on": _today(), "reply": "越权回复"},
        secret=lambda w: TALK_SECRET,
        **STAFF,
    ),
]
