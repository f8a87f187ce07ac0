from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "qinglian.orglife"
    label = "orglife"
    verbose_name = _("Organisational life")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.orglife import permissions

        permissions.register()
        section = _("Organisational life")
        registry.add_nav(
            NavItem("orglife_me", _("My organisational life"), "orglife:me", "person-check", order=19, section=section)
        )
        from qinglian.orglife.services.life import problem_reminders, problem_todos

        registry.add_nav(
            NavItem(
                "orglife_talks",
                _("Talks"),
                "orglife:talk_list",
                "chat-heart",
                "orglife.view",
                order=25,
                section=section,
            )
        )
        registry.add_nav(
            NavItem(
                "orglife_problems",
                _("Rectification list"),
                "orglife:problem_list",
                "list-check",
                "orglife.view",
                order=26,
                section=section,
            )
        )
        registry.add_todos(problem_todos)
        registry.add_reminders(problem_reminders)
        registry.add_nav(
            NavItem(
                "orglife_ledger",
                _("Meeting ledger"),
                "orglife:ledger",
                "journal-text",
                "orglife.view",
                order=23,
                section=section,
            )
        )
        from qinglian.orglife.services.minutes import minutes_todos

        registry.add_todos(minutes_todos)
        from qinglian.orglife import indicators, reminders_compliance

        registry.add_nav(
            NavItem(
                "orglife_compliance",
                _("Compliance"),
                "orglife:compliance",
                "stoplights",
                "orglife.view",
                order=22,
                section=section,
            )
        )
        registry.add_reminders(reminders_compliance.compliance_reminders)
        registry.add_todos(reminders_compliance.compliance_todos)
        indicators.register()
        from qinglian.orglife.views.appraisal import appraisal_member_section, appraisal_todos

        registry.add_nav(
            NavItem(
                "orglife_appraisal",
                _("Democratic appraisal"),
                "orglife:appraisal_list",
                "award",
                "orglife.view",
                order=24,
                section=section,
            )
        )
        registry.add_todos(appraisal_todos)
        registry.add_member_section(50, appraisal_member_section)
        from qinglian.orglife import reminders_meetings

        registry.add_nav(
            NavItem(
                "orglife_meetings",
                _("Meetings"),
                "orglife:meeting_list",
                "calendar-event",
                "orglife.view",
                order=20,
                section=section,
            )
        )
        registry.add_nav(
            NavItem(
                "orglife_calendar",
                _("Calendar"),
                "orglife:calendar",
                "calendar3",
                "orglife.view",
                order=21,
                section=section,
            )
        )
        registry.add_reminders(reminders_meetings.meeting_reminders)
        registry.add_todos(reminders_meetings.reply_todos)
        registry.add_todos(reminders_meetings.leave_todos)
