from django.utils.translation import gettext_lazy as _


def register(nav) -> None:
    nav("evaluation_scores", _("Scores"), "evaluation:cycle_list", "clipboard-data", "evaluation.view", 130)
