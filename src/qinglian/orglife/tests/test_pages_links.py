"""The links between organisational life's pages: breadcrumbs back to the lists, the meeting's way to its year plan."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from qinglian.orglife.tests.factories import attend_all, meeting_make, minutes_make
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.services import member_create


def _crumbs(page: str) -> list[str]:
    trail = re.search(r'<ol class="breadcrumb">(.*?)</ol>', page, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"', trail)


def test_every_page_under_a_meeting_leads_back_to_the_meetings(cast, login):
    meeting = attend_all(meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-3))
    minutes_make(meeting, actor=cast.secretary, approve_by=cast.secretary)
    client = login(cast.secretary)
    meetings, detail = reverse("orglife:meeting_list"), reverse("orglife:meeting_detail", args=[meeting.pk])
    for name in ("minutes_detail", "minutes_correct", "life_meeting", "meeting_attendance"):
        page = client.get(reverse(f"orglife:{name}", args=[meeting.pk])).content.decode()
        crumbs = _crumbs(page)
        assert crumbs[0] == meetings and crumbs[1].startswith(detail), name
    draft = attend_all(meeting_make(cast.tree.branch_a, days=-2))
    page = client.get(reverse("orglife:minutes_edit", args=[draft.pk])).content.decode()
    assert _crumbs(page)[:2] == [meetings, reverse("orglife:meeting_detail", args=[draft.pk])]


def test_the_meeting_page_links_its_units_year_plan(cast, login):
    meeting = meeting_make(cast.tree.branch_a, kind=MeetingKind.THEME_DAY, days=3)
    plan = reverse("orglife:plan", args=[cast.tree.branch_a.pk])
    page = login(cast.secretary).get(reverse("orglife:meeting_detail", args=[meeting.pk])).content.decode()
    assert f"{plan}?year={meeting.starts_on.year}&amp;kind=theme_day" in page
    # A member invited from another unit reads the meeting, not that unit's plan.
    guest = meeting_make(cast.tree.branch_b, days=3, title="第二支部的会")
    guest.attendees.create(member=cast.members["a1"])
    page = login(cast.member).get(reverse("orglife:meeting_detail", args=[guest.pk])).content.decode()
    assert "第二支部的会" in page and reverse("orglife:plan", args=[cast.tree.branch_b.pk]) not in page


def test_the_members_appraisal_pages_lead_back_to_their_own_page(cast, login):
    from qinglian.orglife.tests.factories import appraisal_round_at

    round = appraisal_round_at(cast.tree.branch_a, "peer")
    client = login(cast.member)
    for name in ("appraisal_self", "appraisal_vote"):
        page = client.get(reverse(f"orglife:{name}", args=[round.pk])).content.decode()
        assert _crumbs(page)[0] == reverse("orglife:me"), name


def test_tightening_a_rule_leads_back_to_the_compliance_table(cast, login):
    page = (
        login(cast.office)
        .get(reverse("orglife:compliance_rule_tighten", args=[cast.tree.branch_a.pk, "theme_day"]))
        .content.decode()
    )
    assert _crumbs(page)[0].startswith(reverse("orglife:compliance"))


def test_on_a_phone_the_meeting_page_puts_ones_own_part_first_and_cancelling_last(cast, login):
    """The page is one column on a phone, in the order of the markup."""
    meeting = meeting_make(cast.tree.branch_a, days=3)
    own = member_create(organisation=cast.tree.branch_a, name="姚丽", gender="F", actor=None, user=cast.secretary)
    meeting.attendees.create(member=own)
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("orglife:meeting_detail", args=[meeting.pk])).content.decode()
    mine, details, cancel = (page.index(s) for s in ("Your part", ">Details<", "Call it off and tell the invitees"))
    assert mine < details < cancel


def test_the_ledger_and_the_year_plan_link_each_other(cast, login):
    client = login(cast.secretary)
    org, year = cast.tree.branch_a, timezone.localdate().year
    ledger = client.get(reverse("orglife:ledger"), {"org": org.pk, "year": year}).content.decode()
    assert f'{reverse("orglife:plan", args=[org.pk])}?year={year}"' in ledger
    plan = client.get(reverse("orglife:plan", args=[org.pk]), {"year": year}).content.decode()
    assert f'{reverse("orglife:ledger")}?org={org.pk}&amp;year={year}"' in plan
