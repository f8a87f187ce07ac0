"""The demo's organisational life: a whole past year with deliberate gaps, which compliance finds.

One load (it takes a while: ~900 meetings through the services), several checks. The expected
numbers are the hand count of what `demo.py` holds for two branches: 预算处党支部 keeps every rule
(lectures quarterly, as its general branch requires); 国库处党支部 skipped two committee meetings and a
thematic Party day.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import F
from django.utils import timezone

from qinglian.core.audit import audit_verify
from qinglian.core.models import Notification
from qinglian.orglife import demo as orglife_demo
from qinglian.orglife.compliance.table import compliance_table
from qinglian.orglife.coverage import talk_coverage
from qinglian.orglife.models import AppraisalRound, Attendee, Critique, Meeting, Talk
from qinglian.orglife.vocab import AppraisalStatus, Grade, LeaveStatus, MeetingStatus
from qinglian.orgs import demo, demo_structure
from qinglian.orgs.demo_transfers import load as load_transfers
from qinglian.orgs.models import Organisation
from qinglian.rectification.models import Item

FULL = {"general_meeting": 4, "committee_meeting": 12, "party_lecture": 4, "theme_day": 12, "life_meeting": 1}
# kind: (held, required, light)
EXPECTED = {
    "BUDGET": {kind: (n, n, "green") for kind, n in FULL.items()},
    "TREASURY": {
        **{kind: (n, n, "green") for kind, n in FULL.items()},
        "committee_meeting": (10, 12, "red"),  # none in July and August
        "theme_day": (11, 12, "red"),  # none in February
    },
}


@pytest.fixture
def loaded(db, django_capture_on_commit_callbacks):
    demo.load(members=300)
    demo_structure.load()
    load_transfers()
    with django_capture_on_commit_callbacks(execute=True):  # what the command's commit runs: notices sent then
        return orglife_demo.load()


def _branch(key: str) -> Organisation:
    return Organisation.objects.get(code=f"{demo.ROOT_CODE}-{key}")


def test_the_demo_year_and_what_compliance_finds_in_it(loaded):
    assert loaded["loaded"] is True and loaded["meetings"] > 800
    assert orglife_demo.load() == {"loaded": False}
    year = timezone.localdate().year - 1
    root = Organisation.objects.get(code=demo.ROOT_CODE)
    table = compliance_table(scope=root, year=year, units=Organisation.objects.all())

    for key, expected in EXPECTED.items():
        branch = _branch(key)
        cells = table.units[branch.pk].cells
        assert {k: (c.held, c.required, c.light) for k, c in cells.items()} == expected, key
        # The hand count, read straight off the meetings: counted ones per kind, no period counted twice.
        counted = Counter(
            Meeting.objects.filter(organisation=branch, starts_on__year=year, counted=True).values_list(
                "kind", flat=True
            )
        )
        assert {k: counted[k] for k in expected} == {k: held for k, (held, _r, _l) in expected.items()}, key

    # The other gaps: a theme day with minutes never approved, a general meeting short of its quorum,
    # a branch with no life meeting.
    tax = Meeting.objects.get(organisation=_branch("TAX"), kind="theme_day", starts_on__year=year, starts_on__month=10)
    assert tax.status == MeetingStatus.HELD and not tax.counted
    thin = Meeting.objects.get(
        organisation=_branch("PROCUREMENT"), kind="general_meeting", starts_on__year=year, starts_on__month=6
    )
    assert thin.counted and thin.quorum_met is False
    assert table.units[_branch("PROCUREMENT").pk].cells["general_meeting"].light == "amber"
    assert table.units[_branch("IT").pk].cells["life_meeting"].light == "red"
    assert table.units[root.pk].cells["democratic_life"].held == 1

    # Life meetings left their record; last year's appraisals were finished and reported.
    assert Critique.objects.filter(meeting__starts_on__year=year).exists()
    # The problems found there are on the rectification list, the early ones rectified and verified by others.
    found = Item.objects.filter(organisation=_branch("BUDGET"), source="life_meeting", source_kind="orglife.meeting")
    assert found.exists() and found.filter(status="closed").exists()
    assert not found.filter(status="closed", closed_by=F("owner__user")).exists()
    rounds = AppraisalRound.objects.filter(year=year)
    assert rounds.count() == 12 and set(rounds.values_list("status", flat=True)) == {AppraisalStatus.REPORTED}
    budget_round = rounds.get(organisation=_branch("BUDGET"))
    grades = Counter(budget_round.entries.exclude(final_grade="").values_list("final_grade", flat=True))
    assert grades[Grade.EXCELLENT] * 3 <= sum(grades.values())
    assert AppraisalRound.objects.get(year=year + 1, organisation=_branch("BUDGET")).status == AppraisalStatus.PEER
    # They were told long ago: no notice of last year's results waits in today's inboxes.
    assert not Notification.objects.filter(kind="appraisal").exists()

    # Talks cover the budget branch but for two pairs, which the coverage table lists as missing.
    coverage = talk_coverage(_branch("BUDGET"), year)
    assert Talk.objects.filter(organisation=_branch("BUDGET"), talked_on__year=year).exists()
    assert sum(len(group.missing) for group in coverage.groups) == 2

    # The coming weeks: the demo member's leave request waits for the secretary.
    waiting = Attendee.objects.get(member__user__username="member", leave_status=LeaveStatus.REQUESTED)
    assert waiting.meeting.starts_at > timezone.now()

    assert audit_verify().ok
