"""Session expiry notice and the two-factor requirement for privileged roles."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from qinglian.core.registry import registry

# Paths a privileged user may open before completing two-factor enrolment or verification. Not
# the rest of /accounts/: API tokens made there would let the password alone into the API.
OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/password/reset/",
    "/static/",
    "/i18n/",
    "/api/v1/health",
    "/jsi18n/",
)

LAST_SEEN_KEY = "qinglian_last_seen"
TOUCH_EVERY_SECONDS = 60


def second_factor_missing(user) -> bool:
    """Whether the user holds a privileged role but has not confirmed TOTP in this session."""
    return (
        settings.TWO_FACTOR_REQUIRED
        and user.is_authenticated
        and not user.is_verified()
        and registry.is_privileged(user)
    )


class SessionExpiryMiddleware:
    """Tells a person whose session ran out why they are back at the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        had_cookie = bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        expired = had_cookie and not request.user.is_authenticated and request.session.is_empty()
        if expired:
            request.session_expired = True
        elif request.user.is_authenticated:
            self.touch(request.session)
        response = self.get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        if expired and response.status_code == 302 and response["Location"].startswith(login_url):
            # This response deletes the dead cookie, so the login page it leads to cannot tell by
            # itself why the person is there: say so in its address.
            response["Location"] += "&expired=1" if "?" in response["Location"] else "?expired=1"
        return response

    @staticmethod
    def touch(session) -> None:
        """Renew the idle timeout, writing the session at most once a minute rather than on every request."""
        now = int(time.time())
        if now - session.get(LAST_SEEN_KEY, 0) >= TOUCH_EVERY_SECONDS:
            session[LAST_SEEN_KEY] = now


class TwoFactorRequiredMiddleware:
    """Sends holders of privileged roles to enrol in or confirm TOTP before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # The API answers 401 itself (qinglian.api.SessionAuth) rather than redirecting.
        if (
            not request.path.startswith(OPEN_PREFIXES)
            and not request.path.startswith("/api/")
            and second_factor_missing(user)
        ):
            query = urlencode({"next": request.get_full_path()})
            if any(devices_for_user(user, confirmed=True)):
                return redirect(f"{reverse('accounts:otp_verify')}?{query}")
            messages.info(request, _("Your role requires two-factor authentication. Set it up to continue."))
            return redirect(f"{reverse('accounts:otp_setup')}?{query}")
        return self.get_response(request)
