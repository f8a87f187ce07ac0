from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from qinglian.orgs.access import roles_sync

    roles_sync()


class OrgsConfig(AppConfig):
    name = "qinglian.orgs"
    label = "orgs"
    verbose_name = _("Organisations and people")

    def ready(self):
        from qinglian.core.jobs import job_abandoned
        from qinglian.core.registry import NavItem, registry
        from qinglian.orgs import access, demo, probation_reminders
        from qinglian.orgs.demo_transfers import load as load_demo_transfers
        from qinglian.orgs.tasks import roster_abandoned
        from qinglian.orgs.transfer_hooks import transfer_member_section, transfer_reminders, transfer_todos

        job_abandoned.connect(roster_abandoned, dispatch_uid="qinglian.orgs.roster_abandoned")
        registry.has_permission = access.has_permission
        registry.is_privileged = access.is_privileged
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="qinglian.orgs.roles")
        registry.add_nav(
            NavItem(
                "orgs",
                _("Organisations"),
                "orgs:org_list",
                "diagram-3",
                "org.view",
                order=10,
                section=_("Organisation & people"),
            )
        )
        registry.add_nav(
            NavItem(
                "members",
                _("Members"),
                "orgs:member_list",
                "people",
                "member.view",
                order=11,
                section=_("Organisation & people"),
            )
        )
        registry.add_nav(
            NavItem(
                "roster_import",
                _("Import roster"),
                "orgs:import_start",
                "file-earmark-arrow-up",
                "member.import",
                order=14,
                section=_("Organisation & people"),
            )
        )
        registry.add_nav(
            NavItem(
                "member_stats",
                _("Statistics"),
                "orgs:member_stats",
                "bar-chart",
                "member.view",
                order=15,
                section=_("Organisation & people"),
            )
        )
        registry.add_nav(
            NavItem(
                "roles",
                _("Roles"),
                "orgs:assignment_list",
                "person-badge",
                "role.assign",
                order=920,
                section=_("Administration"),
            )
        )
        registry.add_demo(10, demo.load)
        probation_reminders.register()
        from qinglian.orgs import committee_reminders, demo_structure

        registry.add_nav(
            NavItem(
                "departments",
                _("Departments"),
                "orgs:department_list",
                "building",
                "org.view",
                order=13,
                section=_("Organisation & people"),
            )
        )
        registry.add_reminders(committee_reminders.reelection_reminders)
        registry.add_todos(committee_reminders.reelection_todos)
        registry.add_demo(11, demo_structure.load)
        registry.add_nav(
            NavItem(
                "transfers",
                _("Transfers"),
                "orgs:transfer_list",
                "arrow-left-right",
                "member.transfer",
                order=12,
                section=_("Organisation & people"),
            )
        )
        registry.add_todos(transfer_todos)
        registry.add_reminders(transfer_reminders)
        registry.add_member_section(40, transfer_member_section)
        registry.add_demo(12, load_demo_transfers)
