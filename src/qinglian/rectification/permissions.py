"""The permissions of rectification and the built-in roles that hold them.

The owner of an item needs none of them to see it and report on it. Verifying (销号) is a separate
permission, and the service refuses it to the item's own owner whatever roles they hold.
"""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access


def register() -> None:
    view, manage, verify = "rectification.view", "rectification.manage", "rectification.verify"
    access.register(
        {
            view: _("See rectification items and the ledger"),
            manage: _("Record rectification items and change them"),
            verify: _("Verify and close rectification items (销号)"),
        },
        {
            "branch_secretary": [view, manage, verify],
            "org_commissioner": [view, manage],
            "discipline_commissioner": [view, verify],
            "committee_office": [view, manage, verify],
            "discipline_staff": [view, manage, verify],
            "department_liaison": [view],
            "auditor": [view],
        },
    )
