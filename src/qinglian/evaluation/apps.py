import importlib

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "qinglian.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from qinglian.core.registry import NavItem, registry
        from qinglian.evaluation import permissions

        permissions.register()
        post_migrate.connect(_load_catalogue, sender=self)
        section = _("Evaluation")

        def nav(key, label, url_name, icon, permission, order):
            registry.add_nav(NavItem(key, label, url_name, icon, permission, order=order, section=section))

        # Each area registers its menu entries in its own hooks module, so that areas can be added apart.
        for area in AREAS:
            try:
                module = importlib.import_module(f"qinglian.evaluation.hooks.{area}")
            except ModuleNotFoundError as error:  # an area not written yet
                if error.name != f"qinglian.evaluation.hooks.{area}":
                    raise
                continue
            module.register(nav)
        from qinglian.evaluation import demo

        registry.add_demo(60, demo.load)  # after every module whose records it reads


AREAS = ("scores", "weights", "values", "panel", "contribution", "dashboards", "reports")


def _load_catalogue(sender, **kwargs) -> None:
    from qinglian.evaluation.services.catalogue import catalogue_load

    catalogue_load(verbosity=kwargs.get("verbosity", 0))
