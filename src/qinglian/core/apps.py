from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _load_rules(sender, **kwargs):
    from qinglian.core.rules import rules_load_shipped

    rules_load_shipped(verbosity=kwargs.get("verbosity", 0))


def _crypto_check(app_configs, **kwargs):
    from qinglian.core.crypto import self_test

    return [checks.Error(f"Cryptography self-test failed: {failure}", id="qinglian.E001") for failure in self_test()]


class CoreConfig(AppConfig):
    name = "qinglian.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from qinglian.core.registry import NavItem, registry

        post_migrate.connect(_load_rules, sender=self, dispatch_uid="qinglian.core.rules")
        checks.register(_crypto_check, checks.Tags.security)
        registry.add_nav(NavItem("home", _("Home"), "core:home", "house", order=0))
        registry.add_nav(NavItem("inbox", _("Inbox"), "core:inbox", "bell", order=1))
        registry.add_nav(
            NavItem(
                "rules", _("Rules"), "core:rule_list", "sliders", "rule.view", order=900, section=_("Administration")
            )
        )
        registry.add_nav(
            NavItem(
                "audit",
                _("Audit trail"),
                "core:audit_list",
                "shield-check",
                "audit.view",
                order=910,
                section=_("Administration"),
            )
        )
