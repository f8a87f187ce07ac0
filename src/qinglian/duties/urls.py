"""Duties' pages: each area's views module lists its own URL patterns."""

app_name = "duties"

urlpatterns = []
