"""Duties' pages: each area's views module lists its own URL patterns."""

from qinglian.duties.views import dashboards

app_name = "duties"

urlpatterns = [
    *dashboards.urls,
]
