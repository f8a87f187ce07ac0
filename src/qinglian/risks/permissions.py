"""The permissions of integrity-risk prevention, integrity files and conflict checks, and the roles that hold them.

Integrity files are stricter than a permission on a unit: besides discipline inspection (risks.file_review)
only the cadre and the reviewers discipline inspection names may open them (see services.files.file_can_read).
"""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access


def register() -> None:
    view, review, manage, consult = "risks.view", "risks.review", "risks.manage", "risks.consult"
    files, opinion, conflicts = "risks.file_review", "risks.opinion", "risks.conflicts"
    access.register(
        {
            view: _("See the integrity-risk register, rounds and warnings"),
            review: _("Review risk points proposed in a branch"),
            manage: _("Run identification rounds and approve the risk register"),
            consult: _("Give discipline inspection's opinion on risk points"),
            files: _("Review cadres' integrity files"),
            opinion: _("Compile and sign integrity opinion replies"),
            conflicts: _("Keep the supplier register and run conflict-of-interest checks"),
        },
        {
            "branch_secretary": [view, review],
            "discipline_commissioner": [view],
            "committee_office": [view, manage],
            "discipline_staff": [view, consult, files, opinion, conflicts],
            "department_liaison": [view],
            "auditor": [view],
        },
    )
