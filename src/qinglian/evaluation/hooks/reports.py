"""The reports page's menu entry."""

from django.utils.translation import gettext_lazy as _


def register(nav) -> None:
    nav(
        "evaluation_reports", _("Evaluation reports"), "evaluation:reports", "file-earmark-word", "evaluation.view", 130
    )
