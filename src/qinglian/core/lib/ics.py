"""iCalendar (RFC 5545) text for a list of events: what phone and desktop calendars import.

Pure: no Django. Lines end in CRLF and are folded at 75 octets (never inside a UTF-8 character);
text values escape backslash, semicolon, comma and newlines; times are written in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"
LINE_OCTETS = 75
STATUSES = ("TENTATIVE", "CONFIRMED", "CANCELLED")


@dataclass(frozen=True)
class Event:
    """One VEVENT. `uid` must stay the same for the same event across exports, so calendars update it."""

    uid: str
    start: datetime
    summary: str
    end: datetime | None = None
    location: str = ""
    description: str = ""
    status: str = "CONFIRMED"
    sequence: int = 0
    url: str = ""


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc(moment: datetime) -> str:
    """A DATE-TIME in UTC form, 20260315T060000Z; naive datetimes are refused (their zone is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("iCalendar times need a time zone")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Fold a content line (§3.1): at most 75 octets per line, continuation lines start with a space."""
    out: list[str] = []
    current, size, limit = [], 0, LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += width
    out.append("".join(current))
    return (CRLF + " ").join(out)


def _property(name: str, value: str) -> str:
    return fold(f"{name}:{value}") + CRLF


def event_lines(event: Event, *, stamp: datetime) -> str:
    if event.status not in STATUSES:
        raise ValueError(f"unknown status {event.status!r}")
    text = _property("BEGIN", "VEVENT")
    text += _property("UID", escape_text(event.uid))
    text += _property("DTSTAMP", utc(stamp))
    text += _property("DTSTART", utc(event.start))
    if event.end is not None:
        text += _property("DTEND", utc(event.end))
    text += _property("SEQUENCE", str(max(0, int(event.sequence))))
    text += _property("STATUS", event.status)
    text += _property("SUMMARY", escape_text(event.summary))
    if event.location:
        text += _property("LOCATION", escape_text(event.location))
    if event.description:
        text += _property("DESCRIPTION", escape_text(event.description))
    if event.url:
        text += _property("URL", event.url)
    return text + _property("END", "VEVENT")


def calendar_text(events: Iterable[Event], *, prodid: str, name: str = "", stamp: datetime | None = None) -> str:
    """A whole VCALENDAR with the events; `stamp` (DTSTAMP, when this copy was made) defaults to now."""
    stamp = stamp or datetime.now(UTC)
    text = _property("BEGIN", "VCALENDAR")
    text += _property("VERSION", "2.0")
    text += _property("PRODID", prodid)
    text += _property("CALSCALE", "GREGORIAN")
    text += _property("METHOD", "PUBLISH")
    if name:
        text += _property("X-WR-CALNAME", escape_text(name))
    for event in events:
        text += event_lines(event, stamp=stamp)
    return text + _property("END", "VCALENDAR")
