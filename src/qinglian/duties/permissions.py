"""The permissions of duties, work plans and responsibility assessment, and the built-in roles that hold them."""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access


def register() -> None:
    view, manage, report, assess = "duties.view", "duties.manage", "duties.report", "duties.assess"
    access.register(
        {
            view: _("See duty lists, work plans, tasks and assessment results"),
            manage: _("Edit duty lists and work plans, assign and accept tasks"),
            report: _("Report progress on a unit's tasks and score it in assessment"),
            assess: _("Score units in responsibility assessment"),
        },
        {
            "member": [view],
            "branch_secretary": [view, manage, report],
            "org_commissioner": [view, report],
            "propaganda_commissioner": [view, report],
            "discipline_commissioner": [view, report],
            "committee_office": [view, manage, report, assess],
            "discipline_staff": [view, assess],
            "department_liaison": [view, report],
            "auditor": [view],
        },
    )
