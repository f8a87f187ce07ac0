"""The panel page's menu entry."""

from django.utils.translation import gettext_lazy as _


def register(nav) -> None:
    nav("evaluation_panel", _("Panel data"), "evaluation:panel", "table", "evaluation.view", 132)
