"""Risks' pages: each area's views module lists its own URL patterns."""

import importlib

app_name = "risks"

urlpatterns = []
for _area in ("register", "rounds", "monitoring", "files", "opinion", "conflicts"):
    try:
        urlpatterns += importlib.import_module(f"qinglian.risks.views.{_area}").urls
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.risks.views.{_area}":
            raise
