from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "qinglian.orglife"
    label = "orglife"
    verbose_name = _("Organisational life")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.orglife import demo, indicators, permissions, reminders_compliance, reminders_meetings
        from qinglian.orglife.appraisal_reads import appraisal_todos
        from qinglian.orglife.services.minutes import minutes_todos
        from qinglian.orglife.views.appraisal import appraisal_member_section

        permissions.register()
        section = _("Organisational life")
        for key, label, url_name, icon, permission, order in [
            ("orglife_me", _("My organisational life"), "orglife:me", "person-check", None, 19),
            ("orglife_meetings", _("Meetings"), "orglife:meeting_list", "calendar-event", "orglife.view", 20),
            ("orglife_calendar", _("Calendar"), "orglife:calendar", "calendar3", "orglife.view", 21),
            ("orglife_ledger", _("Meeting ledger"), "orglife:ledger", "journal-text", "orglife.view", 22),
            ("orglife_compliance", _("Compliance"), "orglife:compliance", "stoplights", "orglife.view", 23),
            ("orglife_appraisal", _("Democratic appraisal"), "orglife:appraisal_list", "award", "orglife.view", 24),
            ("orglife_talks", _("Talks"), "orglife:talk_list", "chat-heart", "orglife.view", 25),
        ]:
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))
        for todos in (
            reminders_meetings.reply_todos,
            reminders_meetings.leave_todos,
            minutes_todos,
            reminders_compliance.compliance_todos,
            appraisal_todos,
        ):
            registry.add_todos(todos)
        for reminders in (
            reminders_meetings.meeting_reminders,
            reminders_compliance.compliance_reminders,
        ):
            registry.add_reminders(reminders)
        registry.add_member_section(50, appraisal_member_section)
        indicators.register()
        registry.add_demo(20, demo.load)
        # --- records that evidence elsewhere may point at
        from qinglian.core.registry import RecordKind
        from qinglian.orglife import records

        for key, label, search, resolve, order in [
            (records.MEETING, _("Meeting and its minutes"), records.meeting_search, records.meeting_resolve, 10),
            (records.TALK, _("Talk"), records.talk_search, records.talk_resolve, 30),
        ]:
            registry.add_record_kind(RecordKind(key, label, search, resolve, order))
        # --- talks received and appraisal grades as facts about a person (integrity files, opinion replies)
        from qinglian.orglife import facts

        registry.add_person_facts(30, facts.person_facts, topics=facts.TOPICS)
