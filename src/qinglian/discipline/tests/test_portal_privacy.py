"""What the portal keeps about a reporter: nothing of their machine (no address, no browser string, no session) in the
database, the cache or the logs; a real name only sealed; and the server's access log names no one."""

from __future__ import annotations

import io
import logging
import pickle

import pytest
from django.core.cache import cache
from django.core.management import call_command

from qinglian.discipline.models import Report, ReportMessage
from qinglian.discipline.tests.factories_portal import TEXT, jpeg_with_exif, reply_make, upload

ADDRESS = "203.0.113.77"
BROWSER = "ZZ-Fingerprint-Browser/9.9"
VISITOR = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER, "HTTP_X_FORWARDED_FOR": ADDRESS,
           "HTTP_X_REAL_IP": ADDRESS, "HTTP_ACCEPT_LANGUAGE": "en"}  # fmt: skip
REPORTER = {"name": "孙建平", "phone": "13907311234", "id_number": "110101199003071233", "email": "sjp@example.cn"}


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def everything_stored() -> str:
    """Every row of every model, as dumpdata writes it."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def cached() -> str:
    """Every key and value in the (local memory) cache."""
    return "\n".join(f"{key} {pickle.loads(value)!r}" for key, value in cache._cache.items())


def _file(client, cast, **identity):
    data = {"organisation": cast.tree.root.pk, "category": "integrity", "subject_name": "王芳",
            "subject_unit": "政府采购管理处", "text": TEXT, "once": f"form-{len(identity)}",
            "files": [upload("现场.jpg", jpeg_with_exif(), "image/jpeg")],
            "mode": "real_name" if identity else "anonymous",
            **{f"reporter_{key}": value for key, value in identity.items()}}  # fmt: skip
    response = client.post("/report/", data, **VISITOR)
    assert response.status_code == 201, response.content.decode()
    return response.content.decode().split('class="ql-receipt mb-3"')[1].split(">")[1].split("<")[0]


def test_an_anonymous_report_answered_and_followed_up_leaves_no_trace_of_the_reporter(cast, client, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.server", "django.security", "qinglian", "axes"):
        caplog.set_level(logging.DEBUG, logger=name)
    client.get("/report/", **VISITOR)
    code = _file(client, cast)
    report = Report.objects.get()
    reply_make(report, cast.inspector, "请补充时间地点。")
    assert client.post("/report/follow-up/", {"code": "0000 0000 0000 0000"}, **VISITOR).status_code == 404
    assert client.post("/report/follow-up/", {"code": code}, **VISITOR).status_code == 303
    assert "请补充时间地点。" in client.get("/report/follow-up/report/", **VISITOR).content.decode()
    sent = client.post("/report/follow-up/report/", {"body": "时间是2月2日晚。"}, **VISITOR)
    assert sent.status_code == 303
    api = client.post("/api/v1/report/lookup", {"receipt": code}, "application/json", **VISITOR)
    assert api.status_code == 200
    assert client.post("/api/v1/report/reports", {"organisation_id": cast.tree.root.pk, "category": "work",
                                                  "subject_unit": "某处", "text": TEXT}, "application/json",
                       **VISITOR).status_code == 201  # fmt: skip
    assert ReportMessage.objects.filter(side="reporter").count() == 1

    stored = everything_stored()
    assert "王芳" in stored and TEXT in stored  # the dump does hold the reports
    logs = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    assert "Unprocessable" in logs or "Not Found" in logs  # the wrong code was logged, by path only
    for trace in (ADDRESS, BROWSER, "203.0.113", "Fingerprint"):
        assert trace not in stored, trace
        assert trace not in logs, trace
        assert trace not in cached(), trace
    assert '"model": "sessions.session"' not in stored
    assert code.replace(" ", "") not in stored


def test_a_real_name_reporter_is_not_readable_anywhere(cast, client, caplog):
    caplog.set_level(logging.DEBUG)
    _file(client, cast, **REPORTER)
    report = Report.objects.get()
    assert not report.is_anonymous
    stored = everything_stored()
    logs = caplog.text
    for secret in REPORTER.values():
        assert secret not in stored, secret
        assert secret not in logs, secret
    assert ADDRESS not in stored and BROWSER not in stored


def test_the_client_key_is_not_the_address_and_changes_every_day(rf, monkeypatch):
    from datetime import date

    from qinglian.discipline.services import ratelimit

    request = rf.get("/report/", REMOTE_ADDR=ADDRESS)
    today = ratelimit.client_key(request)
    assert ADDRESS not in today and len(today) == 32
    assert ratelimit.client_key(rf.get("/", REMOTE_ADDR="203.0.113.78")) != today
    monkeypatch.setattr(ratelimit.timezone, "localdate", lambda: date(2030, 1, 2))
    assert ratelimit.client_key(request) != today
    # One IPv6 household (a /64) is one client.
    first = ratelimit.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:2::10"))
    assert first == ratelimit.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1"))
    assert first != ratelimit.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:3::10"))


def test_the_server_access_log_names_no_address_and_no_browser(monkeypatch):
    import subprocess

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from qinglian.core.management.commands import serve

    ran = []
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: ran.append(command))
    call_command("serve", verbosity=2, stdout=io.StringIO())
    command = ran[-1]
    assert command[command.index("--access-logformat") + 1] == serve.ACCESS_LOG_FORMAT
    assert command[command.index("--logger-class") + 1].endswith("serve.AddresslessLogger")

    # What gunicorn writes for one request, with the format in force.
    config = Config()
    config.set("access_log_format", serve.ACCESS_LOG_FORMAT)
    atoms = Logger(config).atoms(
        type("Response", (), {"status": "200 OK", "response_length": 512, "headers": (), "sent": 512})(),
        type("Request", (), {"headers": [("USER-AGENT", BROWSER), ("X-FORWARDED-FOR", ADDRESS)],
                             "method": "POST", "path": "/report/follow-up/", "query": "code=1", "uri": "/report/",
                             "version": (1, 1)})(),
        {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER, "QUERY_STRING": "code=1", "RAW_URI": "/report/",
         "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_METHOD": "POST", "PATH_INFO": "/report/follow-up/"},
        __import__("datetime").timedelta(milliseconds=12),
    )  # fmt: skip
    line = serve.ACCESS_LOG_FORMAT % atoms
    assert "POST /report/follow-up/ HTTP/1.1" in line and " 200 " in line
    assert ADDRESS not in line and BROWSER not in line and "code=1" not in line

    # A malformed request's warning in the error log.
    captured = []
    logger = serve.AddresslessLogger(config)
    monkeypatch.setattr(logger.error_log, "warning", lambda msg, *a, **k: captured.append(msg))
    logger.warning(f"Invalid request from ip={ADDRESS}: Invalid HTTP request line: 'GARBAGE'")
    logger.warning("Invalid request from ip=::1: Invalid HTTP request line: 'X'")
    assert captured == ["Invalid request from ip=-: Invalid HTTP request line: 'GARBAGE'",
                        "Invalid request from ip=-: Invalid HTTP request line: 'X'"]  # fmt: skip
