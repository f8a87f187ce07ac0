from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "qinglian.duties"
    label = "duties"
    verbose_name = _("Responsibility")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.duties import permissions

        permissions.register()
        section = _("Responsibility")

        def nav(key, label, url_name, icon, permission, order):
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))

        # Each area registers its menu entries, to-dos, reminders, indicators and demo in its own block.
        # --- duty lists
        nav("duties_mine", _("My duties"), "duties:my_duties", "person-check", None, 50)
        nav("duties_lists", _("Duty lists"), "duties:list_list", "list-check", "duties.view", 51)
        from qinglian.duties import demo_lists

        registry.add_demo(41, demo_lists.load)
        # --- plans and tasks
        from qinglian.duties import indicators_tasks, reminders_tasks

        nav("duties_plans", _("Work plans"), "duties:plan_list", "journal-check", "duties.view", 52)
        nav("duties_tasks", _("Tasks"), "duties:task_list", "list-task", None, 53)
        registry.add_todos(reminders_tasks.task_todos)
        registry.add_reminders(reminders_tasks.task_reminders)
        indicators_tasks.register()
        # --- assessment
        from qinglian.duties.services.assessment import VIEW, assessment_score, assessment_todos

        nav("duties_assessment", _("Responsibility assessment"), "duties:assessment_round_list", "award", VIEW, 57)
        registry.add_indicator("duties.assessment_score", assessment_score)
        registry.add_todos(assessment_todos)
        # --- dashboards
        nav("duties_dashboard", _("Responsibility dashboard"), "duties:dashboard", "bar-chart-line", "duties.view", 59)
        # --- demo of plans, tasks and assessment (after the lists)
        from qinglian.duties import demo

        registry.add_demo(42, demo.load)
        # --- assessment results as facts about a person (integrity files, opinion replies)
        from qinglian.duties import facts

        registry.add_person_facts(50, facts.assessment_results, topics=facts.TOPICS)
