"""The contribution analysis' menu entry."""

from django.utils.translation import gettext_lazy as _


def register(nav) -> None:
    nav(
        "evaluation_contribution",
        _("Contribution"),
        "evaluation:contribution_list",
        "graph-up-arrow",
        "evaluation.view",
        133,
    )
