"""Rate limits of the public reporting portal, kept in Django's cache, without ever keeping the visitor's address.

A visitor is known here only by `client_key(request)`: an HMAC of their network address under a key that is derived
from SECRET_KEY and today's date, so the same address gives another key tomorrow and yesterday's keys cannot be
recomputed without the secret. The address itself is read from the request and dropped; it is written nowhere (not
the database, not the cache, not a log). An IPv6 visitor is counted by their /64 network, which one household or
phone holds whole, so that stepping through its addresses gives no fresh allowance.

Counters live in fixed clock-hour windows (the key names the hour) and expire with it; a lock after repeated wrong
receipt codes lives `lock_minutes`. Besides each client's limits there are limits for the whole site (reports and
lookups per hour, from the rule `discipline.portal_caps`), so that many machines together are capped too: when they
are reached the portal pauses that kind of request for everyone until the hour ends, which is better than a server
brought down or receipt codes guessed at scale.

The counters are only as shared as the cache: the default local-memory cache is per process, so with N gunicorn
workers each limit is in effect N times larger. Set REDIS_URL in production so that all workers count together.

Behind a reverse proxy REMOTE_ADDR is the proxy's own address and every visitor would share one allowance: have the
proxy pass the visitor's address as REMOTE_ADDR (gunicorn is not told to trust forwarding headers, which anyone can
forge) — and keep it out of the proxy's own access log.
"""

from __future__ import annotations

import ipaddress
import math
import time
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import ngettext

from qinglian.core import crypto
from qinglian.core.rules import rule_value

WINDOW = 3600
PREFIX = "discipline.portal"
ALL = "all"  # the whole site's counters


class Limited(Exception):
    """A request refused by a limit: `message` says which and for how long; `retry_after` in seconds."""

    def __init__(self, message: str, *, retry_after: int, code: str = "too_many"):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, int(retry_after))
        self.code = code


def limits() -> dict:
    """The limits in force today: the rules `discipline.portal` and `discipline.portal_caps` together."""
    return {**rule_value("discipline.portal"), **rule_value("discipline.portal_caps")}


def client_key(request) -> str:
    """An opaque name for the visitor's network, valid for today only (see the module's docstring)."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        network = address
    else:
        mapped = ip.ipv4_mapped if ip.version == 6 else None
        if ip.version == 6 and mapped is None:
            network = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        else:
            network = str(mapped or ip)
    day_key = crypto.mac(f"qinglian-portal-client:{timezone.localdate().isoformat()}", key=settings.SECRET_KEY)
    return crypto.mac(network, key=day_key)[:32]


# What each kind of request is limited by: the rule key of one client's limit and of the whole site's (or None).
BUCKETS = {
    "report": ("reports_per_hour", "all_reports_per_hour"),
    "lookup": ("lookups_per_hour", "all_lookups_per_hour"),
    "message": ("messages_per_hour", None),
}


def _hour() -> tuple[int, int]:
    """(the current window's number, seconds until it ends)."""
    now = time.time()
    return int(now // WINDOW), WINDOW - int(now % WINDOW)


def _counter(bucket: str, who: str, window: int) -> str:
    return f"{PREFIX}:{bucket}:{who}:{window}"


def check(bucket: str, client: str) -> None:
    """Refuse (Limited) when this client, or the whole site, has used up this hour's allowance of `bucket`."""
    own, overall = BUCKETS[bucket]
    rules = limits()
    window, left = _hour()
    if overall and (cache.get(_counter(bucket, ALL, window)) or 0) >= rules[overall]:
        raise Limited(_site_message(bucket, left), retry_after=left, code="site_busy")
    if (cache.get(_counter(bucket, client, window)) or 0) >= rules[own]:
        raise Limited(_client_message(bucket, left), retry_after=left)


def count(bucket: str, client: str) -> None:
    """Count one request of `bucket` for this client and for the whole site."""
    overall = BUCKETS[bucket][1]
    window, left = _hour()
    _increment(_counter(bucket, client, window), left)
    if overall:
        _increment(_counter(bucket, ALL, window), left)


def _increment(key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # it expired between the two calls
        cache.add(key, 1, timeout)
        return 1


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _client_message(bucket: str, seconds: int) -> str:
    minutes = _minutes(seconds)
    if bucket == "report":
        text = ngettext(
            "Too many reports have come from your connection this hour. Please try again in {n} minute.",
            "Too many reports have come from your connection this hour. Please try again in {n} minutes.",
            minutes,
        )
    elif bucket == "message":
        text = ngettext(
            "Too many messages have come from your connection this hour. Please try again in {n} minute.",
            "Too many messages have come from your connection this hour. Please try again in {n} minutes.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many receipt codes have been tried from your connection this hour. Please try again in {n} minute.",
            "Too many receipt codes have been tried from your connection this hour. Please try again in {n} minutes.",
            minutes,
        )
    return text.format(n=minutes)


def _site_message(bucket: str, seconds: int) -> str:
    minutes = _minutes(seconds)
    if bucket == "report":
        text = ngettext(
            "The portal is receiving an unusual number of reports and has paused new ones. Please try again in {n} "
            "minute, or report by letter, by visit or by telephone (12388).",
            "The portal is receiving an unusual number of reports and has paused new ones. Please try again in {n} "
            "minutes, or report by letter, by visit or by telephone (12388).",
            minutes,
        )
    else:
        text = ngettext(
            "The portal is receiving an unusual number of receipt codes and has paused looking them up. Please try "
            "again in {n} minute.",
            "The portal is receiving an unusual number of receipt codes and has paused looking them up. Please try "
            "again in {n} minutes.",
            minutes,
        )
    return text.format(n=minutes)


# --- wrong receipt codes ----------------------------------------------------------------------------------------


def _lock_key(client: str) -> str:
    return f"{PREFIX}:lock:{client}"


def lock_check(client: str) -> None:
    """Refuse (Limited, code "locked") a client locked after too many wrong receipt codes."""
    until = cache.get(_lock_key(client))
    left = int(until - time.time()) if until else 0
    if left > 0:
        raise Limited(_locked_message(until), retry_after=left, code="locked")


def failure(client: str) -> bool:
    """Count a wrong receipt code; lock the client when `lock_after_failures` fell within `lock_minutes`.

    A right code does not reset the count: whoever holds one code must not be able to clear their failures with it
    and guess on. Returns whether the client is now locked.
    """
    rules = limits()
    span = int(rules["lock_minutes"]) * 60
    key = f"{PREFIX}:fail:{client}"
    if _increment(key, span) < int(rules["lock_after_failures"]):
        return False
    cache.set(_lock_key(client), time.time() + span, span)
    cache.delete(key)
    return True


def locked_error(client: str) -> Limited:
    """The refusal a client just locked receives."""
    until = cache.get(_lock_key(client)) or time.time() + int(limits()["lock_minutes"]) * 60
    return Limited(_locked_message(until), retry_after=int(until - time.time()), code="locked")


def _locked_message(until: float) -> str:
    minutes = int(limits()["lock_minutes"])
    at = timezone.localtime(datetime.fromtimestamp(until, tz=timezone.get_current_timezone()))
    return ngettext(
        "Too many wrong receipt codes were entered. To protect reporters, looking up reports from your connection "
        "is paused for {n} minute, until {time}.",
        "Too many wrong receipt codes were entered. To protect reporters, looking up reports from your connection "
        "is paused for {n} minutes, until {time}.",
        minutes,
    ).format(n=minutes, time=f"{at:%H:%M}")


def first_use(token: str) -> bool:
    """Whether a form's one-time token is used for the first time (a report sent twice by reloading is refused)."""
    if not token:
        return True
    return cache.add(f"{PREFIX}:once:{crypto.digest(token)[:32]}", 1, WINDOW)


def forget_use(token: str) -> None:
    """Free a one-time token again (the report it carried was refused, so sending it again is no repeat)."""
    if token:
        cache.delete(f"{PREFIX}:once:{crypto.digest(token)[:32]}")
