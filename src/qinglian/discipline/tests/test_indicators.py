"""The discipline indicators evaluation reads, against the hand-counted year of the four-forms statistics
(test_stats_counts.year): the same counting, per unit subtree."""

from __future__ import annotations

from datetime import date

import pytest

from qinglian.core.registry import registry
from qinglian.discipline.indicators import cases_filed, clues_per_100, first_form_share
from qinglian.discipline.tests.test_stats_counts import year  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _orgs(cast):
    t = cast.tree
    return [t.root, t.gb, t.branch_a, t.group_a, t.branch_b, t.branch_c]


def test_registered():
    for code in ("discipline.first_form_share", "discipline.clues_per_100", "discipline.cases_filed"):
        assert code in registry.indicators


def test_first_form_share(cast, year):  # noqa: F811
    t = cast.tree
    share = first_form_share(orgs=_orgs(cast), year=2025)
    # branch_a: C1 (with its repeat C5, once) and C3, both first form; branch_b: C2 (3rd) and C6 (4th);
    # branch_c: C8 (2nd after appeal; C4 cleared has no form).
    assert share[t.branch_a.pk] == 1.0 and share[t.group_a.pk] == 1.0
    assert share[t.branch_b.pk] == 0.0 and share[t.branch_c.pk] == 0.0
    assert share[t.gb.pk] == pytest.approx(2 / 4)
    assert share[t.root.pk] == pytest.approx(2 / 5)  # as the statistics' summary: 40.0%
    # as seen on 2025-03-31: only C1 (criticism, 02-10; its repeat's reminder 03-05) was decided
    early = first_form_share(orgs=_orgs(cast), year=2025, on=date(2025, 3, 31))
    assert early[t.root.pk] == 1.0 and early[t.branch_b.pk] is None
    assert first_form_share(orgs=[t.root], year=2023) == {t.root.pk: None}


def test_clues_per_100(cast, year):  # noqa: F811
    t = cast.tree
    rate = clues_per_100(orgs=_orgs(cast), year=2025)
    # received in 2025, the repeat C5 not counted: branch_a C1, C3 (2 members); branch_b C2, C6, C9 (1 member);
    # branch_c C4, C8 (1 member); 7 in all for 4 members.
    assert rate[t.branch_a.pk] == pytest.approx(100.0)
    assert rate[t.branch_b.pk] == pytest.approx(300.0)
    assert rate[t.branch_c.pk] == pytest.approx(200.0)
    assert rate[t.root.pk] == pytest.approx(175.0)
    assert rate[t.group_a.pk] == pytest.approx(100.0)  # C3 about a2, its one member
    early = clues_per_100(orgs=[t.root], year=2025, on=date(2025, 2, 28))
    assert early[t.root.pk] == pytest.approx(100 * 2 / 4)  # C1 (01-05) and C4 (02-01)


def test_cases_filed(cast, year):  # noqa: F811
    t = cast.tree
    filed = cases_filed(orgs=_orgs(cast), year=2025)
    # C2 and C6 about b1 (branch_b), C8 about c1 (branch_c); C7 was filed in 2024
    assert filed == {t.root.pk: 3.0, t.gb.pk: 2.0, t.branch_a.pk: 0.0, t.group_a.pk: 0.0, t.branch_b.pk: 2.0,
                     t.branch_c.pk: 1.0}  # fmt: skip
    assert cases_filed(orgs=[t.root], year=2024) == {t.root.pk: 1.0}
    assert cases_filed(orgs=[t.root], year=2025, on=date(2025, 4, 1)) == {t.root.pk: 1.0}


def test_a_unit_without_members_has_no_rate(cast):
    from qinglian.orgs.services import org_create

    empty = org_create(name="空支部", kind="branch", parent=cast.tree.root, actor=None)
    assert clues_per_100(orgs=[empty], year=2025) == {empty.pk: None}
    assert cases_filed(orgs=[empty], year=2025) == {empty.pk: 0.0}
    assert first_form_share(orgs=[], year=2025) == {}
