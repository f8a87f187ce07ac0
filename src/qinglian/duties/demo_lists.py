"""The demo agency's duty lists: the agency committee's template for last year and this year (this year's
copied from last year's and revised), and this year's lists of most branches inherited from it, the budget
branch's adapted to its work. Runs after the register and its committees; only once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qinglian.duties.models import DutyList
from qinglian.duties.services import lists as services
from qinglian.duties.services.lists import Source
from qinglian.duties.vocab import Holder
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import Organisation

# Branches left without a list this year, so that making one from the template can be tried.
LEFT_OUT = ("procurement", "it", "retired")


@transaction.atomic
def load(*, members: int = 300) -> dict:
    root = Organisation.objects.filter(code=ROOT_CODE).first()
    if root is None or DutyList.objects.filter(organisation=root).exists():
        return {"loaded": False}
    office = get_user_model().objects.filter(username="office").first()
    year = timezone.localdate().year
    last = services.list_create(
        org=root,
        year=year - 1,
        source=Source.DEFAULT,
        is_template=True,
        title=f"机关党委{year - 1}年度全面从严治党主体责任和监督责任清单",
        actor=office,
    )
    services.list_publish(duty_list=last, version=None, actor=office)
    template = services.list_create(
        org=root,
        year=year,
        source=Source.LAST_YEAR,
        is_template=True,
        title=f"机关党委{year}年度全面从严治党主体责任和监督责任清单",
        actor=office,
    )
    services.duty_add(
        duty_list=template,
        version=None,
        holder=Holder.COMMITTEE,
        area="为基层减负",
        content="统筹规范督查检查考核，精简会议文件和报表，同一事项材料只报一次，不以留痕代替实绩。",
        basis="《整治形式主义为基层减负若干规定》（要点）。",
        frequency="half_year",
        evidence="督查检查考核计划；精简会议文件情况统计。",
        actor=office,
    )
    services.list_publish(duty_list=template, version=None, actor=office)
    branches = {
        org.code.removeprefix(f"{ROOT_CODE}-").lower(): org
        for org in Organisation.objects.subtree(root).branches().active().order_by("path")
    }
    made = 0
    for key, branch in branches.items():
        if key in LEFT_OUT:
            continue
        duty_list = services.list_create(
            org=branch, year=year, source=Source.TEMPLATE, title=f"{branch.name}{year}年度责任清单", actor=office
        )
        if key == "budget":
            _adapt(duty_list, office)
        else:
            services.list_publish(duty_list=duty_list, version=None, actor=office)
        made += 1
    return {"loaded": True, "duty_lists": made + 2}


def _adapt(duty_list: DutyList, actor) -> None:
    """The budget branch's list: a duty rewritten for its work, one dropped, one of its own added."""
    duties = list(duty_list.duties.order_by("order", "pk"))
    selection = next(d for d in duties if d.area == "选人用人")
    services.duty_remove(duty=selection, version=None, actor=actor)  # cadres are selected by the agency, not here
    organiser = next(d for d in duties if d.post == "组织委员")
    services.duty_update(
        duty=organiser,
        version=None,
        content=organiser.content + "每季度检查一次党小组活动记录。",
        actor=actor,
    )
    services.duty_add(
        duty_list=duty_list,
        version=None,
        holder=Holder.DISCIPLINE,
        area="预算编制",
        content="对预算编制和资金分配中的廉政风险点开展提醒，参与重大资金分配事项的监督。",
        basis="《党委（党组）落实全面从严治党主体责任规定》第十一条（要点）；本单位廉政风险防控办法。",
        frequency="quarterly",
        evidence="廉政提醒记录；参与监督的会议记录。",
        actor=actor,
    )
    services.list_publish(duty_list=duty_list, version=None, actor=actor)
