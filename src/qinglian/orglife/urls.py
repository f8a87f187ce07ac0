"""Organisational life's pages: each area's views module lists its own URL patterns."""

from qinglian.orglife.views import appraisal, compliance, life, me, meetings, minutes, talks

app_name = "orglife"

urlpatterns = [
    *me.urls,
    *meetings.urls,
    *minutes.urls,
    *compliance.urls,
    *life.urls,
    *talks.urls,
    *appraisal.urls,
]
