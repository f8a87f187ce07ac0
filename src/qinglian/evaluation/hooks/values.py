from django.utils.translation import gettext_lazy as _


def register(nav) -> None:
    nav(
        "evaluation_values",
        _("Survey and manual values"),
        "evaluation:value_list",
        "ui-checks",
        "evaluation.manage",
        131,
    )
