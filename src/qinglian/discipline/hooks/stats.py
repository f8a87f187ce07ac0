"""The four-forms statistics' menu entry, and the indicators evaluation reads (built on the same counting)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from qinglian.discipline import indicators
from qinglian.discipline.permissions import STATS


def register(nav) -> None:
    nav(
        "discipline_stats", gettext_lazy("Four-forms statistics"), "discipline:stats_table", "bar-chart-line", STATS, 97
    )
    indicators.register()
