"""Discipline inspection's pages (staff side): each area's views module lists its own URL patterns."""

import importlib

app_name = "discipline"

AREAS = ("intake", "clues", "disposal", "cases", "sealed", "stats")

urlpatterns = []
for _area in AREAS:
    try:
        urlpatterns += importlib.import_module(f"qinglian.discipline.views.{_area}").urls
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.discipline.views.{_area}":
            raise
