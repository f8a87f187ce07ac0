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
        # --- register: posts, risk points, measures, reviews, incidents
        # --- rounds: identification campaigns, progress, comparison with the round before
        # --- monitoring: warnings, heat map, to-dos, reminders, indicators
        # --- files: integrity files, named reviewers, the file access log
        # --- opinion: integrity opinion replies
        nav("risks_opinion", _("Integrity opinion replies"), "risks:opinion_list", "envelope-paper", "risks.opinion", 78)
        # --- conflicts: supplier register, conflict checks, matches
