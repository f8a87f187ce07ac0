"""Reminders before a period ends without a counted meeting, the managers' to-dos, and the indicators."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation import override

from qinglian.core.models import Notification
from qinglian.core.registry import registry
from qinglian.orglife.reminders_compliance import MISSED_LIMIT, TODO_LIMIT, compliance_reminders, compliance_todos
from qinglian.orglife.tests.factories import meeting_counted
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.models import RoleAssignment

K = MeetingKind
YEAR = timezone.localdate().year - 1
ON = date(YEAR, 3, 26)  # five days before the end of the first quarter


@pytest.fixture
def march(cast):
    """Roles held since the year before; branch_a held its March theme day and the first general meeting."""
    RoleAssignment.objects.update(valid_from=date(YEAR - 1, 1, 1))
    tree = cast.tree
    meeting_counted(tree.branch_a, K.THEME_DAY, date(YEAR, 3, 10))
    meeting_counted(tree.branch_a, K.GENERAL_MEETING, date(YEAR, 2, 20))
    return tree


def test_managers_are_reminded_once_per_unit_kind_and_period(march, cast):
    sent = compliance_reminders(ON)
    assert sent > 0
    mine = Notification.objects.filter(user=cast.secretary, kind="orglife.compliance")
    titles = sorted(n.title for n in mine)
    # Notices are written in the site's language.
    with override(settings.LANGUAGE_CODE):
        committee, theme, general, group = (
            str(k.label) for k in (K.COMMITTEE_MEETING, K.THEME_DAY, K.GENERAL_MEETING, K.GROUP_MEETING)
        )
    # Branch_a held its theme day and general meeting: only the committee meeting (and the group's) are due.
    assert any(committee in t and "第一党支部" in t for t in titles)
    assert not any(theme in t and "第一党支部" in t for t in titles)
    assert not any(general in t and "第一党支部" in t for t in titles)
    assert any(group in t and "第一党小组" in t for t in titles)
    assert not any("第二党支部" in t for t in titles)  # not the secretary's branch
    note = mine.filter(title__contains=committee).first()
    assert f"/orglife/compliance/plan/{march.branch_a.pk}/?year={YEAR}&kind=committee_meeting" == note.url
    assert Notification.objects.filter(user=cast.secretary_b, title__contains="第二党支部").exists()
    assert not Notification.objects.filter(user=cast.member, kind="orglife.compliance").exists()
    assert compliance_reminders(ON) == 0  # the next day's run repeats nothing


def test_nothing_is_reminded_early_in_a_period(march):
    assert compliance_reminders(date(YEAR, 3, 10)) == 0


def test_the_todos_are_bounded_and_point_to_the_table(march, cast, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: ON)
    # The office is asked about the units with no managers of their own: branch_c, and branch_b once
    # its secretary has gone; branch_a's secretary is asked about branch_a.
    RoleAssignment.objects.filter(user=cast.secretary_b).delete()
    items = compliance_todos(cast.office)
    assert len(items) == TODO_LIMIT
    assert all("第一党支部" not in item.title for item in items)
    assert items[-1].url == "/orglife/compliance/" and items[-1].due is None
    assert not items[0].overdue and items[0].due == date(YEAR, 3, 31)
    assert sum(item.overdue for item in items) <= MISSED_LIMIT
    secretary = compliance_todos(cast.secretary)
    assert secretary and all("第二党支部" not in item.title for item in secretary)
    assert compliance_todos(cast.member) == []


def test_the_indicators_give_each_subtree_its_rate(march, cast):
    rate = registry.indicators["orglife.meeting_compliance_rate"]
    quorum = registry.indicators["orglife.quorum_rate"]
    tree = march
    values = rate(orgs=[tree.branch_a, tree.root, tree.branch_c], year=YEAR)
    # Branch_a owes 4 general, 12 committee, 12 theme days, 1 lecture, 1 life meeting; its group 12 group
    # meetings: 42, of which 2 were held.
    assert values[tree.branch_a.pk] == pytest.approx(2 / 42)
    assert values[tree.branch_c.pk] == 0
    assert 0 < values[tree.root.pk] < values[tree.branch_a.pk]
    assert quorum(orgs=[tree.branch_a, tree.branch_c], year=YEAR) == {tree.branch_a.pk: 1.0, tree.branch_c.pk: None}
