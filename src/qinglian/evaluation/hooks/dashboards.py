"""The dashboard's menu entry."""

from django.utils.translation import gettext_lazy as _


def register(nav) -> None:
    nav(
        "evaluation_dashboard",
        _("Evaluation dashboard"),
        "evaluation:dashboard",
        "speedometer2",
        "evaluation.view",
        129,
    )
