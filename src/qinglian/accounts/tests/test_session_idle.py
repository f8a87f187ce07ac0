import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def session_writes(client, path="/"):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


def test_the_idle_timeout_is_renewed_at_most_once_a_minute(cast, login, monkeypatch):
    client = login(cast.secretary)
    session_writes(client)  # the first request after login records the time
    assert session_writes(client) == 0, "a page within the minute must not write the session"
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert session_writes(client) == 1, "after a minute the session is renewed, pushing the timeout back"
