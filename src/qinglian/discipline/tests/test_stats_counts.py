"""The four-forms statistics match a hand count: a year of clues and cases across units, sources and quarters —
a case with both a Party and an administrative sanction, a repeated report, a cleared clue with no form, an outcome
replaced on appeal, one decided the year before — each cell checked against the count written here."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from qinglian.discipline.models import ApprovalForm, Case, Clue, Outcome
from qinglian.discipline.services import stats
from qinglian.discipline.tests.factories import clue_make
from qinglian.discipline.tests.factories_sealed import outcome_at
from qinglian.discipline.vocab import ClueStatus, FormKind, FormStatus, Method, Source
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign

YEAR = date(2025, 1, 1), date(2025, 12, 31)


@pytest.fixture(autouse=True)
def _english(in_english):
    """Labels ("2025 Q1", "(own level)") as written in English, whatever the translators make of them."""


def d(month: int, day: int, year: int = 2025) -> date:
    return date(year, month, day)


def clue(cast, member: str, source: str, received: date, **kwargs) -> Clue:
    return clue_make(cast, subject=cast.members[member], source=source, received_on=received, **kwargs)


def disposal(c: Clue, method: str, on: date, status: str = FormStatus.APPROVED) -> None:
    at = timezone.make_aware(datetime(on.year, on.month, on.day, 10))
    ApprovalForm.objects.create(clue=c, kind=FormKind.DISPOSAL, method=method, body="处置意见", status=status,
                                decided_at=at)  # fmt: skip


@pytest.fixture
def year(cast):
    """The clues of 2025 (all handled by the root committee's discipline inspection):

    C1 a1 张伟 (branch_a), letter: criticism (1st form) 2025-02-10
    C5 a repeated report of C1, letter: its own reminder (1st form) 2025-03-05 — the same person and clue, once
    C2 b1 王芳 (branch_b), telephone: one case, Party warning (2nd) and demotion (3rd) 2025-05-20 — once, 3rd form
    C3 a2 李娜 (group_a under branch_a), inspection: reminder 2025-04-02, admonishment 2025-08-15 — once, Q3
    C4 c1 刘洋 (branch_c), letter: cleared up 2025-03-01 — no form, not counted
    C6 b1 王芳 again, daily supervision: judicial transfer (4th) 2025-11-03 — another clue, counted again
    C7 a1 张伟, telephone: organisational adjustment (2nd) 2024-12-20 — the year before, not counted
    C8 c1 刘洋, letter: removal (3rd) 2025-06-01 replaced on appeal by a warning (2nd) 2025-06-10 — 2nd form
    C9 b1 王芳, visit: referred to another body 2025-07-01
    """
    c1 = clue(cast, "a1", Source.LETTER, d(1, 5), status=ClueStatus.CLOSED)
    c5 = clue(cast, "a1", Source.LETTER, d(1, 20), status=ClueStatus.REPEATED)
    Clue.objects.filter(pk=c5.pk).update(repeat_of=c1)
    c5.refresh_from_db()
    c2 = clue(cast, "b1", Source.PHONE, d(3, 1), status=ClueStatus.CLOSED)
    c3 = clue(cast, "a2", Source.INSPECTION, d(3, 10), status=ClueStatus.CLOSED)
    c4 = clue(cast, "c1", Source.LETTER, d(2, 1), status=ClueStatus.CLOSED)
    c6 = clue(cast, "b1", Source.SUPERVISION, d(9, 1), status=ClueStatus.CASE)
    c7 = clue(cast, "a1", Source.PHONE, d(11, 1, 2024), status=ClueStatus.CASE)
    c8 = clue(cast, "c1", Source.LETTER, d(4, 1), status=ClueStatus.CASE)
    clue(cast, "b1", Source.VISIT, d(6, 20), status=ClueStatus.REFERRED)
    Clue.objects.filter(source=Source.VISIT).update(referred_on=d(7, 1), referred_to="市纪委监委")

    outcome_at(cast, c1, "criticism", d(2, 10))
    outcome_at(cast, c5, "reminder", d(3, 5))
    outcome_at(cast, c2, "party_warning", d(5, 20))
    outcome_at(cast, c2, "admin_demotion", d(5, 20))
    outcome_at(cast, c3, "reminder", d(4, 2))
    outcome_at(cast, c3, "admonishment", d(8, 15))
    outcome_at(cast, c4, "clarified", d(3, 1))
    outcome_at(cast, c6, "judicial", d(11, 3))
    outcome_at(cast, c7, "org_adjustment", d(12, 20, 2024))
    removal = outcome_at(cast, c8, "party_removal", d(6, 1))
    warning = outcome_at(cast, c8, "party_warning", d(6, 10))
    Outcome.objects.filter(pk=removal.pk).update(superseded_by=warning)

    Case.objects.filter(clue=c2).update(filed_on=d(3, 20), closed_on=d(6, 30))
    Case.objects.filter(clue=c6).update(filed_on=d(9, 20), judicial_transfer_on=d(11, 3))
    Case.objects.filter(clue=c7).update(filed_on=d(11, 20, 2024))
    Case.objects.filter(clue=c8).update(filed_on=d(4, 20))

    disposal(c1, Method.TALK_INQUIRY, d(1, 15))
    disposal(c3, Method.TALK_INQUIRY, d(3, 20))
    disposal(c4, Method.VERIFY, d(2, 10))
    disposal(c2, Method.VERIFY, d(3, 5))
    disposal(c6, Method.VERIFY, d(9, 5), status=FormStatus.PENDING)  # not approved: not counted
    disposal(c7, Method.VERIFY, d(11, 10, 2024))  # the year before
    return {"c1": c1, "c2": c2, "c6": c6}


def counts(table: stats.Table) -> dict[str, list[int]]:
    return {row.label: row.counts for row in table.rows if row.total} | {"total": table.total.counts}


def flt(user, **kwargs) -> stats.Filters:
    values = {"date_from": YEAR[0], "date_to": YEAR[1], "period": "quarter", "level": 3, **kwargs}
    return stats.Filters(**values)


def test_every_cell_matches_the_hand_count(cast, year):
    s = stats.statistics(cast.inspector, flt(cast.inspector))
    #                 first second third fourth
    assert counts(s.units) == {
        "第一党支部": [2, 0, 0, 0],  # C1 (with its repeat C5), C3 (a2 in group_a, rolled up)
        "第二党支部": [0, 0, 1, 1],  # C2 once under the heavier sanction, C6
        "直属党支部": [0, 1, 0, 0],  # C8: the warning that replaced the removal
        "total": [2, 1, 1, 1],
    }
    assert s.total.total == 5
    assert [s.total.share(i) for i in range(4)] == [40.0, 20.0, 20.0, 20.0]
    assert [row.share(i) for row in s.units.rows for i in range(4) if row.label == "第二党支部"] == [0.0, 0.0, 50, 50]
    assert counts(s.periods) == {
        "2025 Q1": [1, 0, 0, 0],  # C1/C5 (the later of the two, 03-05)
        "2025 Q2": [0, 1, 1, 0],  # C8 (06-10), C2 (05-20)
        "2025 Q3": [1, 0, 0, 0],  # C3's admonishment (08-15), the later of its two
        "2025 Q4": [0, 0, 0, 1],  # C6
        "total": [2, 1, 1, 1],
    }
    assert [row.label for row in s.periods.rows] == ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"]
    assert counts(s.sources) == {
        str(Source.LETTER.label): [1, 1, 0, 0],  # C1/C5, C8
        str(Source.PHONE.label): [0, 0, 1, 0],  # C2
        str(Source.INSPECTION.label): [1, 0, 0, 0],  # C3
        str(Source.SUPERVISION.label): [0, 0, 0, 1],  # C6
        "total": [2, 1, 1, 1],
    }
    assert len(s.sources.rows) == len(Source)  # the empty sources have their rows too


def test_the_clue_handling_counts_match_the_hand_count(cast, year):
    h = stats.statistics(cast.inspector, flt(cast.inspector)).handling
    received = dict(h.received)
    assert received[str(Source.LETTER.label)] == 3  # C1, C4, C8 — not the repeat C5
    assert received[str(Source.PHONE.label)] == 1  # C2 (C7 came in 2024)
    assert received[str(Source.INSPECTION.label)] == 1 and received[str(Source.SUPERVISION.label)] == 1
    assert received[str(Source.VISIT.label)] == 1 and received[str(Source.PORTAL.label)] == 0
    assert h.received_total == 7 and h.repeated == 1
    disposed = dict(h.disposed)
    assert disposed[str(Method.TALK_INQUIRY.label)] == 2 and disposed[str(Method.VERIFY.label)] == 2
    assert h.disposed_total == 4
    assert (h.cleared, h.cases_filed, h.cases_closed, h.judicial, h.referred) == (1, 3, 1, 1, 1)


def test_rolling_up_to_a_higher_level_and_narrowing_to_a_unit(cast, year):
    tree = cast.tree
    s = stats.statistics(cast.inspector, flt(cast.inspector, level=2))
    assert counts(s.units) == {"第一党总支": [2, 0, 1, 1], "直属党支部": [0, 1, 0, 0], "total": [2, 1, 1, 1]}
    s = stats.statistics(cast.inspector, flt(cast.inspector, org=tree.branch_a, level=4))
    assert counts(s.units) == {
        "第一党支部 (own level)": [1, 0, 0, 0],
        "第一党小组": [1, 0, 0, 0],
        "total": [2, 0, 0, 0],
    }
    assert s.handling.received_total == 2  # C1 and C3 are about branch_a's people; C7 came in 2024


def test_the_period_and_source_filters(cast, year):
    s = stats.statistics(
        cast.inspector, flt(cast.inspector, date_from=d(12, 1, 2024), date_to=d(3, 31), period="month")
    )
    assert counts(s.periods) == {"2024-12": [0, 1, 0, 0], "2025-03": [1, 0, 0, 0], "total": [1, 1, 0, 0]}
    assert [row.label for row in s.periods.rows] == ["2024-12", "2025-01", "2025-02", "2025-03"]
    # Only C3's reminder falls in Q2: in a period of its own, C3 counts there.
    s = stats.statistics(cast.inspector, flt(cast.inspector, date_from=d(4, 1), date_to=d(6, 30)))
    assert s.total.counts == [1, 1, 1, 0]
    s = stats.statistics(cast.inspector, flt(cast.inspector, source=Source.LETTER, period="year"))
    assert counts(s.periods) == {"2025": [1, 1, 0, 0], "total": [1, 1, 0, 0]}
    assert [row.key for row in s.sources.rows] == [Source.LETTER]


def test_the_summary_sentence(cast, year):
    s = stats.statistics(cast.inspector, flt(cast.inspector))
    assert s.summary == (
        "The four forms of supervision and discipline were applied to 5 person-times: the first form 2 person-times, "
        "40.0%; the second form 1 person-times, 20.0%; the third form 1 person-times, 20.0%; the fourth form "
        "1 person-times, 20.0%."
    )


def test_statistics_count_only_clues_handled_where_one_holds_the_permission(cast, year, django_user_model):
    Clue.objects.filter(pk=year["c6"].pk).update(organisation=cast.tree.branch_b)
    staff_b = django_user_model.objects.create_user("staff_b", "b@example.cn", "pw")
    role_assign(user=staff_b, role=Role.objects.get(code="discipline_staff"), organisation=cast.tree.branch_b,
                include_subtree=True, actor=None)  # fmt: skip
    s = stats.statistics(staff_b, flt(staff_b))
    assert s.total.counts == [0, 0, 0, 1]
    assert s.handling.received_total == 1 and s.handling.cases_filed == 1
    for name in ("admin", "office", "secretary", "discipline", "member"):
        assert stats.statistics(cast.users[name], flt(cast.users[name])).total.total == 0, name


def test_the_count_reads_the_outcomes_in_a_few_queries(cast, year, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        stats.statistics(cast.inspector, flt(cast.inspector))
