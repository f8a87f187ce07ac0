"""Factories of disposal: forms submitted and approved through the services (the inspector writes and gives the
office's opinion, the head of discipline inspection "lead" gives the leader's), clues taken to a method, an approved
work plan, letters sent on a given day, and a unit's rules changed for a test.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from qinglian.core.models import Rule
from qinglian.core.rules import rule_revise
from qinglian.discipline.models import Clue
from qinglian.discipline.services import disposal as services
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.vocab import ClueStatus, FormKind, InquiryMode, Method

BODY = {
    FormKind.DISPOSAL: "反映问题具体，具有可查性，拟按所列方式处置。",
    FormKind.VERIFY_PLAN: "核查供应商账目及购物卡发放记录，两周内完成，严格保密。",
    FormKind.VERIFY_REPORT: "经核查，反映的收受购物卡问题部分属实，金额较小。",
    FormKind.INQUIRY_REPORT: "本人书面说明情况清楚，所反映问题不属实。",
}
CHECKERS = ["赵强", "钱敏"]


def rule_set(cast, key: str, value, *, since: date = date(2024, 6, 1)) -> Rule:
    """A version of rule `key` for the root committee's subtree (the clues' unit) from `since`."""
    rule = Rule.objects.filter(key=key, org_path="").order_by("-version").first()
    return rule_revise(
        rule=rule,
        value=value,
        effective_from=since,
        source="测试用规则",
        actor=None,
        reason="测试",
        org_path=cast.tree.root.path,
    )


def propose_case_on(cast) -> Rule:
    return rule_set(cast, "discipline.methods", {"propose_case": True})


def submit(clue: Clue, kind: str = FormKind.DISPOSAL, *, by, method: str = "", measure: str = "", body: str = ""):
    if kind == FormKind.DISPOSAL and not method:
        method = Method.VERIFY
    return services.form_submit(
        clue=clue,
        kind=kind,
        body=body or BODY[kind],
        actor=by,
        method=method,
        measure=measure,
        checkers=CHECKERS if kind == FormKind.VERIFY_REPORT else (),
    )


def approve(cast, form):
    """The office's opinion by the inspector, the leader's by "lead" (both agree): the form is approved."""
    lead = lead_user(cast)
    form = services.form_opinion(form=form, actor=cast.inspector, agree=True, text="同意。")
    return services.form_opinion(form=form, actor=lead, agree=True, text="同意，请按程序办理。")


def clue_at(cast, method: str, **clue_kwargs) -> Clue:
    """A registered clue taken by an approved disposal form to `method`'s status."""
    clue = clue_make(cast, **clue_kwargs)
    approve(cast, submit(clue, by=cast.inspector, method=method))
    return Clue.objects.get(pk=clue.pk)


def plan_approved(cast, clue: Clue):
    return approve(cast, submit(clue, FormKind.VERIFY_PLAN, by=cast.inspector))


def letter(clue: Clue, *, by, sent: date | None = None, text: str = "请于规定时限内就反映问题作出书面说明。"):
    return services.inquiry_record(
        clue=clue, mode=InquiryMode.LETTER, held_on=sent or timezone.localdate(), record=text, actor=by
    )


def talk(clue: Clue, *, by, held: date | None = None, text: str = "与王芳同志谈话，本人对反映问题作了说明。"):
    return services.inquiry_record(
        clue=clue, mode=InquiryMode.TALK, held_on=held or timezone.localdate(), record=text, actor=by
    )


def shelved(cast, *, idle_days: int, **clue_kwargs) -> Clue:
    """A clue shelved by an approved form, last worked on `idle_days` ago."""
    clue = clue_at(cast, Method.SHELVE, **clue_kwargs)
    Clue.objects.filter(pk=clue.pk).update(touched_at=timezone.now() - timedelta(days=idle_days))
    clue.refresh_from_db()
    assert clue.status == ClueStatus.SHELVED
    return clue
