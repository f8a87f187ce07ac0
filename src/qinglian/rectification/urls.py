"""Rectification's pages: each area's views module lists its own URL patterns."""

from qinglian.rectification.views import items, ledger, me

app_name = "rectification"

urlpatterns = [
    *me.urls,
    *ledger.urls,
    *items.urls,
]
