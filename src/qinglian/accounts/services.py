"""Account writes: API tokens and two-factor enrolment."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglian.accounts.models import ApiToken
from qinglian.core import crypto
from qinglian.core.audit import audit_record

TOKEN_RE = re.compile(r"^ql_([A-Za-z0-9]{10})_([A-Za-z0-9_-]{30,})$")


class BadToken(Exception):
    """The presented API token is malformed, unknown, expired or revoked (the message says which)."""


@transaction.atomic
def token_create(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the token text, which is never shown again."""
    days = min(days or settings.API_TOKEN_MAX_DAYS, settings.API_TOKEN_MAX_DAYS)
    prefix = secrets.token_hex(5)
    text = f"ql_{prefix}_{crypto.token(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80],
        prefix=prefix,
        digest=crypto.digest(text),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(actor=user, action="token.create", obj=token, changes={"name": token.name, "days": days})
    return token, text


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(actor=actor, action="token.revoke", obj=token)


def token_authenticate(text: str):
    """The user a token belongs to, or BadToken saying what is wrong with it."""
    match = TOKEN_RE.match(text.strip())
    if not match:
        raise BadToken("malformed")
    token = ApiToken.objects.select_related("user").filter(prefix=match.group(1)).first()
    if token is None or not crypto.constant_time_equal(token.digest, crypto.digest(text.strip())):
        raise BadToken("unknown")
    if not token.is_usable:
        raise BadToken("expired" if token.revoked_at is None else "revoked")
    if not token.user.is_active:
        raise BadToken("inactive")
    # Touch at most once a minute: a busy client must not write on every request.
    if token.last_used_at is None or timezone.now() - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def totp_device_for(user) -> TOTPDevice:
    """The user's TOTP device, made unconfirmed on first visit to the enrolment page."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, code: str, actor) -> bool:
    """Confirm enrolment with a first code from the app; False when the code is wrong."""
    if not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=actor, action="auth.otp_enrolled", obj=device.user)
    return True
