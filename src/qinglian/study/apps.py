from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    name = "qinglian.study"
    label = "study"
    verbose_name = _("Study and education")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.study import permissions

        permissions.register()
        section = _("Study and education")

        def nav(key, label, url_name, icon, permission, order):
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))

        from qinglian.study import demo

        registry.add_demo(30, demo.load)
        # Each area registers its menu entries, to-dos, reminders and indicators in its own block.
        # --- me and practice
        from qinglian.study.services.mastery import practice_active_rate, practice_mastery
        from qinglian.study.views.me import practice_todos, study_member_section

        nav("study_me", _("My study"), "study:me", "mortarboard", None, 30)
        nav("study_practice", _("Daily practice"), "study:practice", "lightning-charge", None, 31)
        nav("study_mastery", _("Practice and mastery"), "study:mastery", "graph-up", "study.view", 40)
        registry.add_member_section(60, study_member_section)
        registry.add_todos(practice_todos)
        registry.add_indicator("study.practice_mastery", practice_mastery)
        registry.add_indicator("study.practice_active_rate", practice_active_rate)
        # --- library
        nav("study_library", _("Library"), "study:library", "book", None, 33)
        # --- programmes
        nav("study_programmes", _("Study programmes"), "study:programme_list", "calendar2-check", "study.view", 34)
        # --- hours
        from qinglian.study.reminders_hours import hours_reminders
        from qinglian.study.services.hours import hours_norm_met_rate, hours_per_member

        nav("study_sessions", _("Study sessions"), "study:session_list", "journal-text", "study.view", 35)
        nav("study_hours", _("Study hours"), "study:hours_table", "table", "study.view", 36)
        from qinglian.study.indicator_records import hours_records

        registry.add_indicator("study.hours_per_member", hours_per_member, hours_records)
        registry.add_indicator("study.hours_norm_met_rate", hours_norm_met_rate, hours_records)
        registry.add_reminders(hours_reminders)
        # --- bank
        nav("study_bank", _("Question bank"), "study:bank_list", "patch-question", "study.bank", 37)
        # --- exams
        from qinglian.study.services.take import attempts_expire_reminder

        nav("study_my_exams", _("My exams"), "study:my_exams", "ui-checks", None, 32)
        nav("study_exams", _("Exams"), "study:exam_list", "clipboard-check", "study.exam", 38)
        nav("study_marking", _("Marking"), "study:marking_queue", "pencil-square", "study.mark", 39)
        registry.add_reminders(attempts_expire_reminder)
        # --- records that evidence elsewhere may point at
        from qinglian.core.registry import RecordKind
        from qinglian.study import records

        registry.add_record_kind(
            RecordKind(records.SESSION, _("Study session"), records.session_search, records.session_resolve, 20)
        )
