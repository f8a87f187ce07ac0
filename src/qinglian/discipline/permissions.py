"""The permissions of supervision and discipline, and the roles that hold them.

Only discipline roles hold any of them: the administrator, the committee office, branch secretaries and members get
404 everywhere in this module. Within it, a clue is need-to-know (services.access): its handlers, and those who lead
discipline inspection over its unit (the head of the discipline inspection body, a new built-in role).
"""

from django.utils.translation import gettext_lazy as _

from qinglian.orgs import access

INTAKE, HANDLE, LEAD, STATS, RETENTION = (
    "discipline.intake",
    "discipline.handle",
    "discipline.lead",
    "discipline.stats",
    "discipline.retention",
)
LEAD_ROLE = "discipline_lead"


def register() -> None:
    if LEAD_ROLE not in access.BUILTIN_ROLES:
        access.BUILTIN_ROLES[LEAD_ROLE] = access.RoleSpec(
            LEAD_ROLE, "纪委书记（纪检组长）", "Head of discipline inspection", privileged=True, order=75
        )
    access.register(
        {
            INTAKE: _("Receive reports and register clues"),
            HANDLE: _("Handle the clues assigned to one"),
            LEAD: _("Lead discipline inspection: assign clues, approve forms and identity requests"),
            STATS: _("See the four-forms statistics"),
            RETENTION: _("Delete discipline records whose retention period has ended"),
        },
        {
            "discipline_staff": [INTAKE, HANDLE, STATS],
            # The head also follows the rectification items a case opens in the reported person's unit.
            LEAD_ROLE: [INTAKE, HANDLE, LEAD, STATS, RETENTION, "sealed.view", "rectification.view"],
        },
    )
