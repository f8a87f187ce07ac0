"""The permissions of evaluation and the roles that hold them.

Scores are read within one's scope: a branch secretary sees their branch's score and what it is made of, the
committee office and the auditor the whole tree. Experts (the committee office, discipline inspection) fill
judgment matrices; the committee office runs cycles, enters survey results and freezes weights.
"""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access

VIEW, JUDGE, MANAGE = "evaluation.view", "evaluation.judge", "evaluation.manage"


def register() -> None:
    access.register(
        {
            VIEW: _("See evaluation scores, dashboards, the panel and the contribution analysis"),
            JUDGE: _("Give expert judgments for the indicator weights"),
            MANAGE: _("Run evaluation cycles: values, surveys, weights and scoring"),
        },
        {
            "branch_secretary": [VIEW],
            "committee_office": [VIEW, JUDGE, MANAGE],
            "discipline_staff": [VIEW, JUDGE],
            "discipline_lead": [VIEW, JUDGE],
            "auditor": [VIEW],
            "administrator": [VIEW],
        },
    )
