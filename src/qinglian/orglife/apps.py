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
