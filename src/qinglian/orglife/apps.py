from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "qinglian.orglife"
    label = "orglife"
    verbose_name = _("Organisational life")

    def ready(self):
        from qinglian.orglife import permissions

        permissions.register()
