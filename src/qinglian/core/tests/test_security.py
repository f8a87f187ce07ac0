"""Security as the browser sees it: headers, cookies, friendly error pages without internals, and
pages that load nothing from another host (intranets have no internet; CDNs leak who reads what).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.urls import include, path

from qinglian.core.models import Notification, NotificationQuerySet
from qinglian.core.registry import registry
from qinglian.core.tests.web import ROUTES, body, build_world, call, foreign_urls, parse_page

NONCE_RE = re.compile(r"'nonce-([^']+)'")


def _inline_script_page(request):
    template = engines["django"].from_string(
        '<html><body><script nonce="{{ CSP_NONCE }}">var ok = 1;</script></body></html>'
    )
    return HttpResponse(template.render({}, request))


# A test-only page with an inline script, beside the real ones: proves the nonce reaches the header.
urlpatterns = [path("test-inline-script/", _inline_script_page), path("", include("qinglian.urls"))]


def csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_security_headers(response):
    policy = csp(response)
    scripts = policy["script-src"]
    assert "'self'" in scripts
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "'nonce'" not in scripts, "a bare 'nonce' is not a valid source: the nonce was never filled in"
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def assert_scripts_are_ours(response):
    """Every script comes from /static/ or carries this response's nonce; data blocks are inert."""
    nonces = NONCE_RE.findall(" ".join(csp(response)["script-src"]))
    for attrs in parse_page(body(response)).scripts:
        if attrs.get("type") in ("application/json", "application/ld+json"):
            continue
        if attrs.get("src"):
            assert attrs["src"].startswith("/static/"), attrs
        else:
            assert attrs.get("nonce") and attrs["nonce"] in nonces, f"inline script without the nonce: {attrs}"


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_pages_carry_the_security_headers(cast, client):
    assert_security_headers(client.get("/accounts/login/"))
    client.force_login(cast.secretary)
    assert_security_headers(client.get("/"))
    assert_security_headers(client.get("/orgs/members/"))
    assert_security_headers(client.get("/no-such-page/"))
    assert client.get("/api/v1/orgs/").headers["X-Content-Type-Options"] == "nosniff"


def test_an_inline_script_runs_only_with_the_nonce_in_the_header(settings, client, db):
    settings.ROOT_URLCONF = __name__
    response = client.get("/test-inline-script/")
    [script] = parse_page(body(response)).scripts
    assert script["nonce"]
    assert f"'nonce-{script['nonce']}'" in csp(response)["script-src"]
    assert_scripts_are_ours(response)
    again = client.get("/test-inline-script/")
    assert parse_page(body(again)).scripts[0]["nonce"] != script["nonce"], "a nonce is used once"


def _crawl(client, world):
    """Every GET page of the route table, plus the API docs, as the logged-in client sees them."""
    for route in ROUTES:
        if route.method == "get":
            yield route.url(world), call(client, route, world)
    yield "/api/v1/docs", client.get("/api/v1/docs")
    yield "/no-such-page/", client.get("/no-such-page/")


@pytest.mark.parametrize("who", ["admin", "secretary", "auditor", None])
def test_no_page_loads_anything_from_another_host(who, world, client):
    if who:
        client.force_login(world.user(who))
    seen = 0
    for url, response in _crawl(client, world):
        if response.status_code == 302 or "html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        assert foreign_urls(body(response)) == [], url
        assert_scripts_are_ours(response)
        assert_security_headers(response)
    assert seen >= (15 if who else 6)


def test_login_page_and_layout_reference_only_this_server(db, client):
    response = client.get("/accounts/login/")
    page = body(response)
    assert "accounts/login.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    links = parse_page(page)
    assert any(src.startswith("/static/vendor/") for _tag, attr, src in links.urls if attr == "src")
    assert foreign_urls(page) == []
    assert_scripts_are_ours(response)


def test_foreign_url_detector_catches_a_cdn():
    page = '<link href="https://cdn.example.com/x.css"><script src="//cdn.example.com/x.js"></script><a href="/ok">'
    assert len(foreign_urls(page)) == 2
    assert foreign_urls('<a href="http://testserver/x">') == []


def test_hsts_and_secure_cookies_when_served_over_https(settings, cast):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    response = client.get("/accounts/login/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"]
    response = client.post("/accounts/login/", {"username": "member", "password": "pw"}, secure=True)
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    assert "Strict-Transport-Security" not in Client().get("/accounts/login/").headers  # never over plain HTTP


def test_production_settings_turn_on_https_protections(tmp_path):
    """Start the settings as production would (DEBUG off) and read what they decide."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qinglian.settings",
        "DEBUG": "false",
        "SECRET_KEY": "s" * 50,
        "QINGLIAN_AUDIT_KEY": "a" * 50,
        "QINGLIAN_DATA_KEY": "d" * 50,
        "QINGLIAN_SEALED_KEY": "k" * 50,
        "ALLOWED_HOSTS": "qinglian.example.cn",
        "QINGLIAN_DATA_DIR": str(tmp_path),
    }
    for name in ("SECURE_COOKIES", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ["
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'ALLOWED_HOSTS']}))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    decided = json.loads(result.stdout.strip().splitlines()[-1])
    assert decided == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "ALLOWED_HOSTS": ["qinglian.example.cn"],
    }


# --- friendly error pages -----------------------------------------------------------------------------------

INTERNALS = ("Traceback", "CSRF verification failed", "Reason given", "Using the URLconf", "django.", 'File "')


def _friendly(response, status, text):
    page = body(response)
    assert response.status_code == status
    assert "core/error.html" in [t.name for t in response.templates]
    assert text in page
    assert 'href="/"' in page  # the way back home
    for leak in INTERNALS:
        assert leak not in page, leak


def test_post_without_csrf_token_gets_the_friendly_403(cast):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": "member", "password": "pw"})
    _friendly(response, 403, "The form has expired")
    client.force_login(cast.admin)
    response = client.post(f"/orgs/{cast.tree.branch_a.pk}/rename/", {"name": "未经确认", "version": 1})
    _friendly(response, 403, "The form has expired")
    cast.tree.branch_a.refresh_from_db()
    assert cast.tree.branch_a.name == "第一党支部"


def test_unknown_page_gets_the_friendly_404(cast, client):
    client.cookies["django_language"] = "en"
    _friendly(client.get("/no-such-page/"), 404, "Not found")
    client.force_login(cast.member)
    _friendly(client.get("/orgs/99999/"), 404, "Not found")


def test_server_error_gets_the_friendly_500_without_details(cast, monkeypatch):
    def broken_todos(user):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(registry, "todos", [broken_todos])
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    client.force_login(cast.member)
    response = client.get("/")
    _friendly(response, 500, "Something went wrong")
    assert "secret-internal-detail" not in body(response)


def test_api_server_error_keeps_the_error_format_without_details(cast, login, monkeypatch):
    def broken(self, user):
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(NotificationQuerySet, "for_user", broken)
    response = login(cast.member).get("/api/v1/notifications")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret-internal-detail" not in response.content.decode()


# --- redirects stay on this site ----------------------------------------------------------------------------


def test_mark_read_does_not_redirect_to_another_site(cast, login):
    Notification.objects.create(user=cast.member, title="未读")
    client = login(cast.member)
    response = client.post("/inbox/read/", {"next": "https://evil.example/phish"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    assert client.post("/inbox/read/", {"next": "/orgs/members/"})["Location"] == "/orgs/members/"


def test_login_does_not_redirect_to_another_site(cast, client):
    response = client.post("/accounts/login/?next=https://evil.example/", {"username": "member", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == "/"
