"""Duties' pages: each area's views module lists its own URL patterns."""

from qinglian.duties.views import assessment, dashboards, lists, plans, tasks

app_name = "duties"

urlpatterns = [
    *lists.urls,
    *plans.urls,
    *tasks.urls,
    *assessment.urls,
    *dashboards.urls,
]
