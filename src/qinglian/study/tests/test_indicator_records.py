"""The drill-down behind the study-hours indicators: sessions once each, other records one by one, newest first."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.study.services import hours as services

pytestmark = pytest.mark.django_db


def test_hours_records(cast, in_english):
    tree, a1, a2, b1 = cast.tree, cast.members["a1"], cast.members["a2"], cast.members["b1"]
    year = timezone.localdate().year - 1
    session = services.session_create(
        org=tree.branch_a, title="集中学习", held_on=date(year, 3, 1), hours=2, members=[a1, a2], actor=None
    )
    own = services.record_self_study(member=a2, title="自学党章", studied_on=date(year, 4, 1), hours=1.5, actor=None)
    services.record_self_study(member=b1, title="自学", studied_on=date(year, 4, 2), hours=1, actor=None)  # other unit
    services.record_self_study(member=a1, title="自学", studied_on=date(year - 1, 4, 2), hours=1, actor=None)
    for code in ("study.hours_per_member", "study.hours_norm_met_rate"):
        records = registry.indicator_records[code](org=tree.branch_a, year=year)
        assert records.total == 2
        assert [(r.on, r.value) for r in records] == [(own.studied_on, "1.5 h"), (session.held_on, "2 h × 2 members")]
        assert records[0].url == f"/orgs/members/{a2.pk}/" and "自学党章" in records[0].label
        assert records[1].url == f"/study/sessions/{session.pk}/"
    early = registry.indicator_records["study.hours_per_member"](org=tree.branch_a, year=year, on=date(year, 3, 31))
    assert [r.on for r in early] == [session.held_on]
    assert registry.indicator_records["study.hours_per_member"](org=tree.root, year=year).total == 3
