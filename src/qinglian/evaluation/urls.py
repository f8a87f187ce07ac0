"""Evaluation's pages: each area's views module lists its own URL patterns."""

import importlib

from qinglian.evaluation.apps import AREAS

app_name = "evaluation"

urlpatterns = []
for _area in AREAS:
    try:
        urlpatterns += importlib.import_module(f"qinglian.evaluation.views.{_area}").urls
    except ModuleNotFoundError as error:  # an area not written yet
        if error.name != f"qinglian.evaluation.views.{_area}":
            raise
