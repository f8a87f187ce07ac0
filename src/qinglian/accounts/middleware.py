"""Session expiry notice and the two-factor requirement for privileged roles."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from qinglian.core.registry import registry

# Paths a privileged user may open before completing two-factor enrolment or verification.
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/v1/health", "/jsi18n/")


class SessionExpiryMiddleware:
    """Tells a person whose session ran out why they are back at the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        had_cookie = settings.SESSION_COOKIE_NAME in request.COOKIES
        if had_cookie and not request.user.is_authenticated and request.session.is_empty():
            request.session_expired = True
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Sends holders of privileged roles to enrol in or confirm TOTP before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.TWO_FACTOR_REQUIRED
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not request.path.startswith("/api/")
            and not user.is_verified()
            and registry.is_privileged(user)
        ):
            if any(devices_for_user(user, confirmed=True)):
                return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
            messages.info(request, _("Your role requires two-factor authentication. Set it up to continue."))
            return redirect(f"{reverse('accounts:otp_setup')}?next={request.get_full_path()}")
        return self.get_response(request)
