"""The minutes panel on a meeting's page: what it needs, read in two queries from the meeting and the viewer."""

from __future__ import annotations

from django import template

from qinglian.orglife.forms.minutes import VersionForm
from qinglian.orglife.models import Minutes
from qinglian.orglife.people import person_name
from qinglian.orglife.vocab import MeetingStatus, MinutesStatus
from qinglian.orgs.access import can

register = template.Library()


@register.simple_tag
def minutes_panel(meeting, user) -> dict:
    manager = can(user, "orglife.manage", meeting)
    approver = can(user, "orglife.approve", meeting)
    versions = list(Minutes.objects.filter(meeting=meeting).select_related("approved_by__member").order_by("-number"))
    record = next((v for v in versions if v.status == MinutesStatus.APPROVED), None)
    in_making = next((v for v in versions if v.status != MinutesStatus.APPROVED), None)
    if not (manager or approver):
        in_making = None
    if record is not None:
        record.approver_name = person_name(record.approved_by)
    return {
        "record": record,
        "in_making": in_making,
        "shown": in_making or record,
        "manager": manager,
        "approver": approver,
        "happened": meeting.has_happened and meeting.status != MeetingStatus.CANCELLED,
        "attachments": meeting.attachments.count(),
        "version_form": VersionForm(initial={"version": in_making.version if in_making else 0}),
    }
