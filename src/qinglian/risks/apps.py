from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "qinglian.risks"
    label = "risks"
    verbose_name = _("Integrity risks")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.risks import permissions

        permissions.register()
        section = _("Prevention")

        def nav(key, label, url_name, icon, permission, order):
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))

        # Each area registers its menu entries, to-dos, reminders, indicators, record kinds and demo in its own block.
        # The menu puts a person's own entries first (my risk points 70, my integrity file 71), as duties and
        # rectification do, then the register and what those who keep it use (72-80).
        # --- register: posts, risk points, measures, reviews, incidents
        from qinglian.risks import records

        nav("risks_register", _("Integrity-risk register"), "risks:point_list", "shield-exclamation", "risks.view", 72)
        nav("risks_mine", _("My risk points"), "risks:my_points", "person-exclamation", None, 70)
        nav("risks_posts", _("Posts"), "risks:post_list", "person-badge", "risks.view", 73)
        records.register()
        # --- rounds: identification campaigns, progress, comparison with the round before
        from qinglian.risks import reminders as risk_reminders
        from qinglian.risks import todos as risk_todos

        nav("risks_rounds", _("Identification rounds"), "risks:round_list", "arrow-repeat", "risks.view", 74)
        registry.add_todos(risk_todos.holder_todos)
        registry.add_todos(risk_todos.reviewer_todos)
        registry.add_todos(risk_todos.consult_todos)
        registry.add_todos(risk_todos.approver_todos)
        registry.add_reminders(risk_reminders.round_due_reminders)
        # --- monitoring: warnings, heat map, to-dos, reminders, indicators
        from qinglian.risks import indicators as risk_indicators

        nav("risks_warnings", _("Risk warnings"), "risks:warnings", "exclamation-triangle", "risks.view", 75)
        nav("risks_heat_map", _("Risk heat map"), "risks:heat_map", "grid-3x3", "risks.view", 76)
        registry.add_todos(risk_todos.review_overdue_todos)
        registry.add_reminders(risk_reminders.review_overdue_reminders)
        risk_indicators.register()
        # --- files: integrity files, named reviewers, the file access log
        from qinglian.risks.services import files as integrity_files

        nav("risks_file_mine", _("My integrity file"), "risks:file_mine", "folder-check", None, 71)
        nav("risks_files", _("Integrity files"), "risks:file_list", "folder2-open", integrity_files.FILE_REVIEW, 77)
        registry.add_todos(integrity_files.file_todos)
        registry.add_indicator("risks.files_submitted_rate", integrity_files.files_submitted_rate)
        # --- opinion: integrity opinion replies
        opinion = "risks.opinion"
        nav("risks_opinion", _("Integrity opinion replies"), "risks:opinion_list", "envelope-paper", opinion, 78)
        # --- conflicts: supplier register, conflict checks, matches
        nav("risks_suppliers", _("Supplier register"), "risks:supplier_list", "truck", "risks.conflicts", 79)
        nav("risks_conflicts", _("Conflict checks"), "risks:conflict_check_list", "intersect", "risks.conflicts", 80)
        # --- demo: the register, rounds, files, conflicts and replies, after responsibility
        from qinglian.risks import demo

        registry.add_demo(45, demo.load)
