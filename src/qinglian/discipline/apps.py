from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    name = "qinglian.discipline"
    label = "discipline"
    verbose_name = _("Supervision and discipline")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.discipline import permissions

        permissions.register()
        section = _("Supervision and discipline")

        def nav(key, label, url_name, icon, permission, order):
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))

        # Each area registers its menu entries, to-dos, reminders, person facts and record kinds in its own block
        # (the area modules' `register(nav)`), so that helpers can add theirs without touching the others.
        import importlib

        for area in ("intake", "clues", "disposal", "cases", "sealed", "stats"):
            try:
                module = importlib.import_module(f"qinglian.discipline.hooks.{area}")
            except ModuleNotFoundError as error:  # an area not written yet
                if error.name != f"qinglian.discipline.hooks.{area}":
                    raise
                continue
            module.register(nav)
        # --- demo: after risks (45), whose integrity files read the outcomes
        from qinglian.discipline import demo

        registry.add_demo(50, demo.load)
