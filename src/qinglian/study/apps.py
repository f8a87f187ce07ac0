from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    name = "qinglian.study"
    label = "study"
    verbose_name = _("Study and education")

    def ready(self):
        from qinglian.study import permissions

        permissions.register()
        # The menu entries are added when the pages exist (see NAV below).
