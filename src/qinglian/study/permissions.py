"""The permissions of study and education and the built-in roles that hold them.

Members need none of them for their own study (what is due, the library, their exams and practice): those
pages answer from the member's own record. These are for the people who run study for a unit.
"""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access


def register() -> None:
    view, manage, bank, exam, mark = "study.view", "study.manage", "study.bank", "study.exam", "study.mark"
    access.register(
        {
            view: _("See study programmes, hours, exam results and mastery of a unit's members"),
            manage: _("Set programmes, publish materials and record study sessions and hours"),
            bank: _("Edit and import the question bank"),
            exam: _("Set exams and read their item statistics"),
            mark: _("Mark short answers"),
        },
        {
            "branch_secretary": [view, manage, bank, exam, mark],
            "org_commissioner": [view, manage],
            "propaganda_commissioner": [view, manage, bank, exam, mark],
            "committee_office": [view, manage, bank, exam, mark],
            "discipline_staff": [view],
            "auditor": [view],
        },
    )
