"""The database unreachable: pages and the API answer 503 with a message and Retry-After, never 500.

The errors are raised here by patching the service a view calls (or the session store a middleware reads), as
Django raises them when the connection is refused or breaks mid-query; the scale test restarts a real server.
"""

from __future__ import annotations

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError

from qinglian.core.middleware_db import database_unavailable

pytestmark = pytest.mark.usefixtures("in_english")

MESSAGE = "The database cannot be reached just now; nothing was saved. Try again in a few seconds."


def _refused(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def client_en(cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    client.raise_request_exception = False  # see the response the server gives, as a browser does
    return client


def _assert_503_page(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    text = response.content.decode()
    assert MESSAGE in text and "Service unavailable" in text
    assert "<html" in text  # the site's own page, not a bare error


def test_a_page_whose_view_loses_the_database_answers_503_with_a_page(client_en, monkeypatch):
    monkeypatch.setattr("qinglian.core.views.notification_mark_read", _refused)
    _assert_503_page(client_en.post("/inbox/read/", {"all": "1"}))


def test_a_middleware_that_loses_the_database_before_the_view_answers_503_too(client_en, monkeypatch):
    monkeypatch.setattr(SessionStore, "load", _refused)
    _assert_503_page(client_en.get("/"))


def test_the_503_page_is_in_the_readers_language(cast, login, monkeypatch):
    client = login(cast.secretary)
    client.cookies["django_language"] = "zh-hans"
    client.raise_request_exception = False
    monkeypatch.setattr("qinglian.core.views.notification_mark_read", _refused)
    response = client.post("/inbox/read/", {"all": "1"})
    assert response.status_code == 503
    assert 'lang="zh-hans"' in response.content.decode()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError], ids=["operational", "interface"])
def test_the_api_answers_503_in_its_error_format(client_en, monkeypatch, error):
    def broken(*args, **kwargs):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr("qinglian.core.api.notification_mark_read", broken)
    response = client_en.post("/api/v1/notifications/read", {"ids": []}, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json() == {"error": {"code": "unavailable", "message": MESSAGE}}


def test_other_errors_stay_500(client_en, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("qinglian.core.views.notification_mark_read", broken)
    assert client_en.post("/inbox/read/", {"all": "1"}).status_code == 500
    monkeypatch.setattr("qinglian.core.api.notification_mark_read", broken)
    response = client_en.post("/api/v1/notifications/read", {"ids": []}, content_type="application/json")
    assert response.status_code == 500 and response.json()["error"]["code"] == "server_error"


def test_health_reports_the_database_down(client, db, monkeypatch):
    class Down:
        def cursor(self):
            _refused()

    monkeypatch.setattr("qinglian.core.api.connection", Down())
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"


def test_driver_errors_and_their_wrappers_count_as_unavailable():
    assert database_unavailable(OperationalError("x"))
    assert database_unavailable(psycopg.OperationalError("x"))
    try:
        try:
            raise psycopg.InterfaceError("the connection is closed")
        except psycopg.InterfaceError as exc:
            raise RuntimeError("copy failed") from exc
    except RuntimeError as wrapped:
        assert database_unavailable(wrapped)
    assert not database_unavailable(ValueError("x"))
    assert not database_unavailable(None)
