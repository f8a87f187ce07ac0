"""The iCalendar generator: structure, escaping, folding at 75 octets and UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from qinglian.core.lib.ics import Event, calendar_text, escape_text, fold, utc

SHANGHAI = timezone(timedelta(hours=8))
STAMP = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    """Content lines as a reader sees them: CRLF followed by a space continues the line before."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "bare LF"
    return text[:-2].replace("\r\n ", "").split("\r\n")


def _meeting(**fields):
    values = {
        "uid": "orglife-meeting-7@qinglian",
        "start": datetime(2026, 3, 15, 14, 30, tzinfo=SHANGHAI),
        "end": datetime(2026, 3, 15, 16, 0, tzinfo=SHANGHAI),
        "summary": "第一党支部党员大会",
        "location": "机关大楼301会议室",
        "description": "议程：\n1. 学习党章; 讨论\n2. 发展党员, 表决",
        "sequence": 3,
    }
    return Event(**{**values, **fields})


def test_a_calendar_has_the_required_structure():
    lines = unfold(calendar_text([_meeting()], prodid="-//Qinglian//Orglife//ZH", name="我的会议", stamp=STAMP))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and "PRODID:-//Qinglian//Orglife//ZH" in lines
    begin, end = lines.index("BEGIN:VEVENT"), lines.index("END:VEVENT")
    event = dict(line.split(":", 1) for line in lines[begin + 1 : end])
    assert event["UID"] == "orglife-meeting-7@qinglian"
    assert event["DTSTAMP"] == "20260301T080000Z"
    assert event["DTSTART"] == "20260315T063000Z"  # 14:30 in Beijing is 06:30 UTC
    assert event["DTEND"] == "20260315T080000Z"
    assert event["SUMMARY"] == "第一党支部党员大会"
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == "3"
    assert event["DESCRIPTION"] == "议程：\\n1. 学习党章\\; 讨论\\n2. 发展党员\\, 表决"


def test_text_escapes_backslash_semicolon_comma_and_newlines():
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "学习贯彻党的二十大精神，" * 20
    folded = fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    for i, part in enumerate(parts):
        assert len(part.encode("utf-8")) <= 75
        if i:
            assert part.startswith(" ")
        part.encode("utf-8").decode("utf-8")  # each physical line is whole characters
    assert folded.replace("\r\n ", "") == line


def test_a_cancelled_meeting_says_so_and_an_open_end_has_no_dtend():
    text = calendar_text([_meeting(status="CANCELLED", end=None)], prodid="-//Q//EN", stamp=STAMP)
    lines = unfold(text)
    assert "STATUS:CANCELLED" in lines
    assert not any(line.startswith("DTEND") for line in lines)


def test_naive_times_and_unknown_statuses_are_refused():
    with pytest.raises(ValueError):
        utc(datetime(2026, 1, 1, 9))
    with pytest.raises(ValueError):
        calendar_text([_meeting(status="MAYBE")], prodid="-//Q//EN")


def test_every_physical_line_of_a_long_calendar_is_short():
    events = [_meeting(uid=f"m{i}", summary="长" * 100, location="地点," * 30) for i in range(3)]
    text = calendar_text(events, prodid="-//Q//EN", stamp=STAMP)
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert unfold(text).count("BEGIN:VEVENT") == 3
