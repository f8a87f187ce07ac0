"""Duties' pages: each area's views module lists its own URL patterns."""

from qinglian.duties.views import dashboards, plans, tasks

app_name = "duties"

urlpatterns = [
    *plans.urls,
    *tasks.urls,
    *dashboards.urls,
]
