"""Two application servers and one task worker sharing PostgreSQL, Redis and the data folder (docs/deploy.md).

One browser session walks across both servers: it logs in on A (with the CSRF token A issued) and is known on B
without logging in again; wrong receipt codes entered on A and B count toward one lock, kept in the shared cache; an
audit export asked for on A is run by the worker and its file downloaded from B. Neither server answers for the
other: each is a separate `qinglian serve` process, as on two hosts.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.scale.stack import Stack, wait_http

pytestmark = pytest.mark.scale

PORT_A, PORT_B = 8200, 8201
PASSWORD = "Lian-zheng-2026!"

SETUP = f"""
from django.contrib.auth import get_user_model
from qinglian.orgs.models import Role
from qinglian.orgs.services import org_create, role_assign

root = org_create(name="机关党委", kind="committee", parent=None, actor=None, code="ROOT")
user = get_user_model().objects.create_user("auditor", "auditor@example.cn", {PASSWORD!r})
role_assign(user=user, role=Role.objects.get(code="auditor"), organisation=root, include_subtree=True, actor=None)
print(user.pk)
"""


class Browser:
    """One person's browser: a cookie jar shared by every request, whichever server it goes to; no redirects
    followed, so that each answer is seen as the server gave it."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self._NoRedirect)

    def request(self, url: str, data: dict | None = None, *, json_body: dict | None = None, referer: str = ""):
        body, headers = None, {"Accept-Language": "en"}
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if referer:
            headers["Referer"] = referer
        try:
            with self.opener.open(urllib.request.Request(url, data=body, headers=headers), timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")


def csrf_token(html: bytes) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "the page holds no CSRF token"
    return found.group(1).decode()


def test_two_servers_and_a_worker_share_sessions_cache_and_tasks():
    with Stack("c_multi", redis_db=3) as stack:
        stack.manage("migrate", "--noinput")
        stack.python(SETUP)
        # Collected once here (minutes of CPU on a busy machine); each server then finds them current and skips it.
        servers = [stack.server(port, wait=False) for port in (PORT_A, PORT_B)]
        worker = stack.worker()
        for port, server in zip((PORT_A, PORT_B), servers, strict=True):
            try:
                wait_http(f"http://127.0.0.1:{port}/api/v1/health", seconds=300)
            except TimeoutError as error:
                raise AssertionError(stack.log(server)) from error
        a, b = f"http://127.0.0.1:{PORT_A}", f"http://127.0.0.1:{PORT_B}"
        browser = Browser()

        # Not logged in anywhere yet: B sends the visitor to the login page.
        status, headers, _ = browser.request(f"{b}/audit/")
        assert status == 302 and "/accounts/login/" in headers["Location"]

        # Log in on A, with the CSRF token from A's form.
        status, _, page = browser.request(f"{a}/accounts/login/")
        assert status == 200
        token = csrf_token(page)
        status, headers, body = browser.request(
            f"{a}/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": "auditor", "password": PASSWORD},
            referer=f"{a}/accounts/login/",
        )
        assert status == 302, body[:500]
        assert browser.cookie("sessionid")

        # B knows the session A made: the audit trail opens without logging in again, and shows A's login.
        status, _, page = browser.request(f"{b}/audit/")
        assert status == 200, page[:500]
        assert b"auth.login" in page

        # A form from B, posted to A: the CSRF secret is the same on both (one SECRET_KEY, the cookie's token).
        status, _, page = browser.request(f"{b}/audit/")
        token = csrf_token(page)

        # Shared cache: wrong receipt codes at the reporting portal count toward one lock, whichever server takes
        # them (four on A, the fifth on B locks; A then refuses too). Per-process caches would never lock here.
        lookups = []
        for base in (a, a, a, a, b, a):
            status, _, body = browser.request(f"{base}/api/v1/report/lookup", json_body={"receipt": "1234567890123456"})
            lookups.append((status, json.loads(body)["error"]["code"]))
        assert lookups == [(404, "receipt_unknown")] * 4 + [(429, "locked"), (429, "locked")]

        # A task asked for on A (with B's form token), run by the worker, its file downloaded from B.
        status, headers, body = browser.request(
            f"{a}/audit/export/", {"csrfmiddlewaretoken": token}, referer=f"{b}/audit/"
        )
        assert status == 302, body[:500]
        job_url = headers["Location"]
        assert re.fullmatch(r"/jobs/[0-9a-f-]{36}/", job_url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, _, page = browser.request(f"{b}{job_url}")
            assert status == 200
            if b"download/" in page:
                break
            assert worker.poll() is None, stack.log(worker)
            time.sleep(0.5)
        else:
            raise AssertionError(f"the export did not finish within 60 s:\n{stack.log(worker)}")
        status, headers, body = browser.request(f"{b}{job_url}download/")
        assert status == 200
        assert "attachment" in headers["Content-Disposition"]
        events = [json.loads(line) for line in body.decode().splitlines()]
        actions = [event["action"] for event in events]
        assert "auth.login" in actions and "audit.export_requested" in actions

        # The worker queued the day's reminders once, and only once, however often it polled.
        runs = stack.python(
            "from qinglian.core.models import ScheduledRun\n"
            "from django.utils import timezone\n"
            "print([(r.name, r.last_run_on == timezone.localdate()) for r in ScheduledRun.objects.all()])"
        )
        assert runs.strip() == "[('daily_reminders', True)]"
