"""The drill-down behind the meeting indicators: the counted meetings of a unit's subtree, newest first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.orglife.tests.factories import meeting_counted, meeting_make
from qinglian.orglife.vocab import MeetingKind

pytestmark = pytest.mark.django_db


def test_meeting_records_list_the_counted_meetings_of_the_subtree(cast, in_english):
    tree = cast.tree
    year = timezone.localdate().year - 1
    first = meeting_counted(tree.branch_a, MeetingKind.GENERAL_MEETING, date(year, 3, 20))
    second = meeting_counted(tree.group_a, MeetingKind.GROUP_MEETING, date(year, 5, 10))
    meeting_counted(tree.branch_b, MeetingKind.GENERAL_MEETING, date(year, 4, 2))  # another unit
    meeting_counted(tree.branch_a, MeetingKind.GENERAL_MEETING, date(year - 1, 12, 20))  # another year
    meeting_make(tree.branch_a, days=-3)  # not counted
    for code in ("orglife.meeting_compliance_rate", "orglife.quorum_rate"):
        records = registry.indicator_records[code](org=tree.branch_a, year=year)
        assert [r.on for r in records] == [second.starts_on, first.starts_on]
        assert records.total == 2
        assert records[0].url == f"/orglife/meetings/{second.pk}/"
        assert second.title in records[0].label
        assert records[0].value in ("quorum met", "no quorum rule")
    # as seen on a day: meetings after it are not listed yet
    early = registry.indicator_records["orglife.quorum_rate"](org=tree.branch_a, year=year, on=date(year, 4, 1))
    assert [r.on for r in early] == [first.starts_on]
    gb = registry.indicator_records["orglife.quorum_rate"](org=tree.gb, year=year)
    assert gb.total == 3


def test_meeting_records_are_limited(cast, monkeypatch):
    from qinglian.orglife import indicators

    monkeypatch.setattr(indicators, "RECORDS_LIMIT", 1)
    year = timezone.localdate().year - 1
    meeting_counted(cast.tree.branch_a, MeetingKind.GENERAL_MEETING, date(year, 3, 20))
    meeting_counted(cast.tree.branch_a, MeetingKind.GENERAL_MEETING, date(year, 3, 20) + timedelta(days=30))
    records = indicators.meeting_records(org=cast.tree.branch_a, year=year)
    assert len(records) == 1 and records.total == 2 and records.truncated
