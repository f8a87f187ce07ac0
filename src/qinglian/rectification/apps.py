from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "qinglian.rectification"
    label = "rectification"
    verbose_name = _("Rectification")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.rectification import permissions

        permissions.register()
        section = _("Responsibility")

        def nav(key, label, url_name, icon, permission, order):
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))

        # Each area registers its menu entries, to-dos, reminders, indicators and demo in its own block.
        # --- items and ledger
        from qinglian.rectification import demo, indicators, reminders

        nav("rectification_mine", _("My rectification"), "rectification:my_items", "wrench-adjustable", None, 64)
        view = "rectification.view"
        nav("rectification_items", _("Rectification"), "rectification:item_list", "list-check", view, 65)
        nav("rectification_ledger", _("Rectification ledger"), "rectification:ledger", "table", view, 66)
        registry.add_todos(reminders.owner_todos)
        registry.add_todos(reminders.verifier_todos)
        registry.add_reminders(reminders.overdue_reminders)
        indicators.register()
        registry.add_demo(35, demo.load)
        # --- items as records other modules link to (the risk register's incidents)
        from qinglian.core.registry import RecordKind
        from qinglian.rectification import records

        registry.add_record_kind(
            RecordKind(records.ITEM, _("Rectification item"), records.item_search, records.item_resolve, 40)
        )
