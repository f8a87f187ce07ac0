"""Two-factor authentication: required of privileged roles, enrolled with an authenticator app."""

from __future__ import annotations

import re
from base64 import b32encode
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglian.accounts.models import ApiToken
from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import body


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code(device, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or `steps_ahead` periods later)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + steps_ahead)
    return str(value).zfill(device.digits)


def log_in(username) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": username, "password": "pw"})
    assert response.status_code == 302
    return client


def enrol(client, user) -> TOTPDevice:
    page = body(client.get("/accounts/two-factor/setup/"))
    device = TOTPDevice.objects.get(user=user)
    assert "<svg" in page  # the QR code
    shown_key = re.search(r'user-select-all">([A-Z2-7=]+)<', page).group(1)
    assert shown_key == b32encode(device.bin_key).decode()  # the key to type in, if the camera fails
    response = client.post("/accounts/two-factor/setup/", {"code": code(device), "next": "/orgs/"})
    assert response["Location"] == "/orgs/"
    return device


def test_privileged_user_is_sent_to_enrolment_first(cast):
    client = log_in("admin")
    response = client.get("/orgs/members/?q=zhang&page=1")
    target = urlsplit(response["Location"])
    assert target.path == "/accounts/two-factor/setup/"
    assert parse_qs(target.query)["next"] == ["/orgs/members/?q=zhang&page=1"]
    page = body(client.get(response["Location"]))
    assert "Your role requires two-factor authentication" in page
    assert "Set up two-factor authentication" in page


def test_enrolment_with_a_code_from_the_key_opens_the_pages(cast):
    client = log_in("admin")
    device = enrol(client, cast.admin)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/orgs/").status_code == 200
    assert client.get("/orgs/roles/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_enrolled", actor=cast.admin).exists()
    assert "On" in body(client.get("/accounts/me/"))


def test_a_wrong_code_does_not_enrol(cast):
    client = log_in("admin")
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=cast.admin)
    wrong = str((int(code(device)) + 1) % 1_000_000).zfill(6)
    response = client.post("/accounts/two-factor/setup/", {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in body(response)
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/orgs/")["Location"].startswith("/accounts/two-factor/setup/")


def test_next_session_asks_for_a_code(cast, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause after the deliberate wrong code below
    enrol(log_in("admin"), cast.admin)
    device = TOTPDevice.objects.get(user=cast.admin)
    client = log_in("admin")
    response = client.get("/orgs/")
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Forgs%2F"
    right = code(device, 1)  # the next period's code: the current one was spent on enrolment
    wrong = str((int(right) + 1) % 1_000_000).zfill(6)
    response = client.post("/accounts/two-factor/verify/", {"code": wrong, "next": "/orgs/"})
    assert "That code is not right" in body(response)
    response = client.post("/accounts/two-factor/verify/", {"code": right, "next": "/orgs/"})
    assert response["Location"] == "/orgs/"
    assert client.get("/orgs/").status_code == 200
    # A code already used does not work twice.
    again = log_in("admin")
    response = again.post("/accounts/two-factor/verify/", {"code": right, "next": "/orgs/"})
    assert response.status_code == 200
    assert again.get("/orgs/").status_code == 302


def test_a_member_is_not_forced_to_enrol(cast):
    client = log_in("member")
    assert client.get("/").status_code == 200
    assert client.get("/orgs/members/").status_code == 200
    assert not TOTPDevice.objects.filter(user=cast.member).exists()


def test_nothing_is_forced_when_the_setting_is_off(cast, settings):
    settings.TWO_FACTOR_REQUIRED = False
    assert log_in("admin").get("/orgs/").status_code == 200


def test_before_the_second_factor_no_api_token_can_be_made(cast):
    """A token made with the password alone would be a way around the second factor."""
    client = log_in("admin")
    assert client.get("/accounts/tokens/")["Location"].startswith("/accounts/two-factor/setup/")
    client.post("/accounts/tokens/", {"name": "绕过", "days": 30})
    response = client.post("/api/v1/accounts/tokens", {"name": "绕过"}, "application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "two_factor_required"
    assert not ApiToken.objects.exists()


def test_before_the_second_factor_the_api_refuses_the_session(cast):
    client = log_in("admin")
    response = client.get("/api/v1/orgs/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "two_factor_required"
    assert client.get("/api/v1/health").status_code == 200
    enrol(client, cast.admin)
    assert client.get("/api/v1/orgs/").json()["count"] == 6


def test_members_use_the_api_without_a_second_factor(cast):
    assert log_in("member").get("/api/v1/orgs/").status_code == 200


def test_logging_out_and_password_reset_stay_open_before_the_second_factor(cast):
    client = log_in("admin")
    assert client.get("/accounts/password/reset/").status_code == 200
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


def test_wrong_codes_slow_down_guessing(cast, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a pause long enough that a slow machine cannot outlast it
    enrol(log_in("admin"), cast.admin)
    device = TOTPDevice.objects.get(user=cast.admin)
    client = log_in("admin")
    wrong = str((int(code(device, 1)) + 1) % 1_000_000).zfill(6)
    client.post("/accounts/two-factor/verify/", {"code": wrong})
    # Straight after a wrong guess even the right code is refused for a moment.
    response = client.post("/accounts/two-factor/verify/", {"code": code(device, 1), "next": "/orgs/"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_failed", actor=cast.admin).count() == 2
