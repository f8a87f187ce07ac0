"""Duty lists: rows of the route table.

branch_b has this year's draft list (list_b) with a duty of the committee (duty_b); only those who may see
duties in branch_b read it, only its managers change it.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

SECRET = "第二支部的责任清单"
B_REFUSED = ("outsider", "secretary", "manager_a", "member")
B_WRITE_REFUSED = (*B_REFUSED, "auditor", "liaison")
NO_MANAGER = ("outsider", "member", "liaison", "auditor")


def world_extend(world) -> None:
    from qinglian.duties.tests.factories import lists_duty, lists_list

    duty_list = lists_list(world.cast.tree.branch_b, title=SECRET)
    world.extra.update(list_b=duty_list, duty_b=lists_duty(duty_list, content="第二支部专题研究党风廉政建设"))


def _list(w):
    return {"pk": w.extra["list_b"].pk}


def _duty(w):
    return {"pk": w.extra["list_b"].pk, "duty_pk": w.extra["duty_b"].pk}


def _version(w):
    from qinglian.duties.models import DutyList

    return {"version": DutyList.objects.get(pk=w.extra["list_b"].pk).version}


def _duty_data(w):
    return {**_version(w), "holder": "committee", "content": "越权改写的职责", "frequency": "once"}


ROUTES = [
    Route("duties:list_list", refused=("outsider",), allowed="secretary_b", secret=lambda w: SECRET),
    Route("duties:list_create", refused=NO_MANAGER, allowed="secretary_b"),
    Route("duties:my_duties", allowed="member"),
    Route("duties:list_detail", kwargs=_list, refused=B_REFUSED, allowed="secretary_b", secret=lambda w: SECRET),
    Route("duties:list_update", kwargs=_list, refused=B_WRITE_REFUSED, allowed="secretary_b", secret=lambda w: SECRET),
    Route("duties:list_publish", "post", kwargs=_list, data=_version, refused=B_WRITE_REFUSED, allowed="secretary_b"),
    Route("duties:list_copy_year", "post", kwargs=_list, refused=B_WRITE_REFUSED, allowed="secretary_b"),
    Route("duties:list_delete", "post", kwargs=_list, data=_version, refused=B_WRITE_REFUSED, allowed="secretary_b"),
    Route("duties:list_export", kwargs=_list, refused=B_REFUSED, allowed="secretary_b"),
    Route("duties:duty_create", kwargs=_list, refused=B_WRITE_REFUSED, allowed="secretary_b"),
    Route("duties:duty_update", "post", kwargs=_duty, data=_duty_data, refused=B_WRITE_REFUSED, allowed="secretary_b"),
    Route("duties:duty_remove", "post", kwargs=_duty, data=_version, refused=B_WRITE_REFUSED, allowed="secretary_b"),
    Route(
        "duties:duty_move",
        "post",
        kwargs=_duty,
        data=lambda w: {"direction": "up"},
        refused=B_WRITE_REFUSED,
        allowed="secretary_b",
    ),
]
