"""The public reporting portal, on its own path (/report/): no login, no session, nothing about the visitor kept."""

import importlib

app_name = "portal"

try:
    urlpatterns = importlib.import_module("qinglian.discipline.views.portal").urls
except ModuleNotFoundError as error:  # not written yet
    if error.name != "qinglian.discipline.views.portal":
        raise
    urlpatterns = []
