"""The database unreachable (restarting, failed over, the network cut): a 503 with a message, never a 500.

Django wraps the driver's errors when connecting and mid-query in `django.db.OperationalError` and
`InterfaceError`; code that talks to psycopg directly (COPY) may raise psycopg's own. Whatever was being written
is rolled back by the database, so the page says nothing was saved and to try again; `Retry-After` says when.

Three places answer with it, as an error can surface in three places:
- `DatabaseUnavailableMiddleware.process_exception`: a page's view;
- `core.views.server_error` (handler500): a middleware before the view (the session, the user, the scope);
- the API's error handler (`qinglian.api`): the API's own JSON error, code "unavailable".
The answer is rendered without touching the database (no context processors) and the broken connections are
closed, so the next request connects afresh once the database is back, with no server restart.
"""

from __future__ import annotations

import json
import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

try:
    import psycopg

    DRIVER_ERRORS: tuple[type[Exception], ...] = (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # SQLite-only installs
    DRIVER_ERRORS = ()

UNAVAILABLE = (OperationalError, InterfaceError, *DRIVER_ERRORS)


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (or what it was raised from) says the database cannot be reached or the connection broke."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, UNAVAILABLE):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def close_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # already gone; Django forgets it either way
            log.debug("closing %s failed", conn.alias, exc_info=True)


def unavailable_message() -> str:
    return _("The database cannot be reached just now; nothing was saved. Try again in a few seconds.")


def unavailable_response(request, exc: BaseException | None = None) -> HttpResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    close_broken_connections()
    if request.path.startswith("/api/"):
        body = {"error": {"code": "unavailable", "message": unavailable_message()}}
        response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json", status=503)
    else:
        context = {"status": 503, "title": _("Service unavailable"), "message": unavailable_message()}
        # No request: the context processors would ask the database for the user and the scope.
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
