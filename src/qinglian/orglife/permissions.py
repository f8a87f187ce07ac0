"""The permissions of organisational life and the built-in roles that hold them."""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access


def register() -> None:
    view, manage, approve = "orglife.view", "orglife.manage", "orglife.approve"
    appraise, talk_view, talk_record, critique = (
        "orglife.appraise",
        "orglife.talk_view",
        "orglife.talk_record",
        "orglife.critique_view",
    )
    access.register(
        {
            view: _("See meetings, minutes, compliance and appraisal results"),
            manage: _("Schedule meetings, record attendance and write minutes"),
            approve: _("Approve minutes and leave requests"),
            appraise: _("Run democratic appraisal of members"),
            talk_view: _("Read records of talks"),
            talk_record: _("Record talks"),
            critique: _("Read criticism and self-criticism from life meetings"),
        },
        {
            "member": [view],
            "branch_secretary": [view, manage, approve, appraise, talk_view, talk_record, critique],
            "org_commissioner": [view, manage, appraise, talk_view, talk_record],
            "propaganda_commissioner": [view, manage],
            "discipline_commissioner": [view, talk_view],
            "committee_office": [view, manage, approve, appraise, talk_view, talk_record, critique],
            "discipline_staff": [view, talk_view],
            "auditor": [view],
        },
    )
