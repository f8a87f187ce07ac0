"""The app's settings and URLs plus one minimal page, for measuring the served ceiling in the same server.

    DJANGO_SETTINGS_MODULE=bench.minimal qinglian serve ...

`/bench-minimal/` returns a fixed string behind the full middleware stack, with no database, cache or session
work (the health endpoint asks the database, the cache and the queue, so it is not a ceiling). Every other URL is
the app's own.
"""

from qinglian.settings import *  # noqa: F403

ROOT_URLCONF = "bench.minimal"

handler403 = "qinglian.core.views.permission_denied"
handler404 = "qinglian.core.views.page_not_found"
handler500 = "qinglian.core.views.server_error"


def minimal(request):
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def __getattr__(name: str):
    # The URL patterns are built when the resolver first asks for them: this module is read as settings before
    # the apps are loaded, and the app's URLs import models.
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import include, path

    return [path("bench-minimal/", minimal), path("", include("qinglian.urls"))]
