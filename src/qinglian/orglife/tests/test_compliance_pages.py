"""The compliance table, the year plan, tightening a rule, the export and the API, as their users see them."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qinglian.core.models import AuditEvent, Rule
from qinglian.orglife.tests.factories import meeting_counted, meeting_make
from qinglian.orglife.vocab import MeetingKind
from qinglian.orgs.services import org_create

K = MeetingKind
YEAR = timezone.localdate().year - 1


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def some_meetings(cast):
    tree = cast.tree
    for month in (2, 5, 8, 11):
        meeting_counted(tree.branch_a, K.GENERAL_MEETING, date(YEAR, month, 20))
    meeting_counted(tree.branch_a, K.THEME_DAY, date(YEAR, 3, 15))
    meeting_counted(tree.branch_b, K.GENERAL_MEETING, date(YEAR, 2, 20))
    return tree


def test_the_office_sees_every_branch_with_lights_and_totals(some_meetings, cast, login, english):
    tree = some_meetings
    client = login(cast.office)
    response = client.get(reverse("orglife:compliance"), {"year": YEAR, "org": tree.root.pk})
    page = response.content.decode()
    assert response.status_code == 200
    for name in (
        "第一党支部",
        "第二党支部",
        "直属党支部",
        "第一党小组",
        "第一党总支 (total)",
        "Branch general meeting",
    ):
        assert name in page
    assert "4/4" in page and "1/4" in page and "0/4" in page
    assert "table-success" in page and "table-danger" in page
    assert f"/orglife/compliance/plan/{tree.branch_a.pk}/?year={YEAR}&amp;kind=general_meeting" in page


def test_a_branch_secretary_sees_only_their_branch(some_meetings, cast, login):
    client = login(cast.secretary)
    page = client.get(reverse("orglife:compliance"), {"year": YEAR}).content.decode()
    assert "第一党支部" in page and "第一党小组" in page
    assert "第二党支部" not in page and "直属党支部" not in page
    assert client.get(reverse("orglife:compliance"), {"org": cast.tree.root.pk}).status_code == 404


def test_a_bad_year_falls_back_to_this_year(cast, login):
    client = login(cast.secretary)
    response = client.get(reverse("orglife:compliance"), {"year": "abc"})
    assert response.status_code == 200
    assert response.context["table"].year == timezone.localdate().year


def test_the_table_page_costs_the_same_queries_for_more_units(cast, login):
    client = login(cast.office)
    url = reverse("orglife:compliance")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"year": YEAR, "org": cast.tree.root.pk}).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request also saves the session
    few = count()
    for i in range(15):
        branch = org_create(name=f"新支部{i}", kind="branch", parent=cast.tree.gb, actor=None)
        if i < 3:
            meeting_counted(branch, K.THEME_DAY, date(YEAR, 4, 10))
    assert count() == few


def test_the_export_is_a_coloured_workbook(some_meetings, cast, login, english):
    client = login(cast.office)
    response = client.get(reverse("orglife:compliance_export"), {"year": YEAR, "org": cast.tree.root.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Organisation", "Branch general meeting", "Branch committee meeting")
    a = next(r for r in rows if r[0] and r[0].strip() == "第一党支部")
    assert a[1] == "4/4"
    cell = next(c for c in sheet.iter_rows() if c[0].value and c[0].value.strip() == "第一党支部")[1]
    assert cell.fill.fgColor.rgb.endswith("C8E6C9")
    assert rows[-1][0] == "Total"
    assert AuditEvent.objects.filter(action="orglife.compliance_export").exists()


def test_the_plan_lists_periods_meetings_rule_and_schedule_buttons(some_meetings, cast, login, english):
    client = login(cast.secretary)
    this_year = timezone.localdate().year
    meeting_make(cast.tree.branch_a, kind=K.GENERAL_MEETING, title="年末党员大会", days=3)
    response = client.get(reverse("orglife:plan", args=[cast.tree.branch_a.pk]), {"year": this_year})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Once a quarter" in page and "System rule" in page and "条例" in page
    assert "年末党员大会" in page or timezone.localdate().month == 12
    # "Schedule" opens the meeting form for this unit and kind.
    link = re.search(r'href="([^"]*meetings/new/[^"]*kind=committee_meeting[^"]*)"', page).group(1)
    form = client.get(html.unescape(link))
    assert form.status_code == 200
    assert form.context["form"].initial["organisation"] == cast.tree.branch_a
    assert form.context["form"].initial["kind"] == "committee_meeting"
    past = client.get(reverse("orglife:plan", args=[cast.tree.branch_a.pk]), {"year": YEAR, "kind": "general_meeting"})
    text = past.content.decode()
    assert text.count("Met") >= 4 and "Schedule" not in text
    assert "Thematic Party day" not in text.split("nav-pills")[-1].split("</ul>")[-1]


def test_a_member_reads_the_plan_without_buttons(some_meetings, cast, login, english):
    client = login(cast.member)
    page = client.get(reverse("orglife:plan", args=[cast.tree.branch_a.pk]), {"year": YEAR}).content.decode()
    assert "Year plan" in page
    assert "Schedule" not in page and "Tighten" not in page and "Rule page" not in page


def test_the_plan_of_a_general_branch_points_to_its_units(cast, login, english):
    client = login(cast.office)
    page = client.get(reverse("orglife:plan", args=[cast.tree.gb.pk])).content.decode()
    assert "does not itself owe meetings" in page


def test_the_office_tightens_lectures_for_a_general_branch(cast, login, english):
    client = login(cast.office)
    url = reverse("orglife:compliance_rule_tighten", args=[cast.tree.gb.pk, "party_lecture"])
    form = client.get(url)
    assert form.status_code == 200 and "Once a year" in form.content.decode()
    data = {
        "per": "quarter",
        "times": 1,
        "quorum": "1/2",
        "strict": "more",
        "effective_from": date(YEAR, 1, 1).isoformat(),
        "source": "第一党总支关于严格党课制度的通知：每季度至少讲一次党课",
        "reason": "总支决定",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    rule = Rule.objects.get(key="orglife.frequency.party_lecture", org_path=cast.tree.gb.path)
    assert rule.value["per"] == "quarter"
    rules_page = client.get(reverse("orglife:compliance_rules", args=[cast.tree.branch_a.pk])).content.decode()
    assert "Once a quarter" in rules_page and "第一党总支" in rules_page
    table = client.get(reverse("orglife:compliance"), {"year": YEAR, "org": cast.tree.root.pk}).context["table"]
    assert table.units[cast.tree.branch_a.pk].cells[K.PARTY_LECTURE].required == 4
    assert table.units[cast.tree.branch_c.pk].cells[K.PARTY_LECTURE].required == 1


def test_a_looser_rule_is_refused_with_the_reason_and_the_form_kept(cast, login, english):
    client = login(cast.secretary)
    url = reverse("orglife:compliance_rule_tighten", args=[cast.tree.branch_a.pk, "committee_meeting"])
    data = {
        "per": "quarter",
        "times": 1,
        "quorum": "1/2",
        "strict": "least",
        "effective_from": date(YEAR, 1, 1).isoformat(),
        "source": "放宽",
        "reason": "试试",
    }
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be longer than the rule above" in page
    assert "cannot be lower than the rule above" in page
    assert "放宽" in page
    assert not Rule.objects.filter(org_path=cast.tree.branch_a.path).exists()


def test_tightening_needs_approval_rights_on_the_unit(cast, login):
    client = login(cast.organiser)  # manages meetings in branch_a, but does not approve
    url = reverse("orglife:compliance_rule_tighten", args=[cast.tree.branch_a.pk, "party_lecture"])
    assert client.get(url).status_code == 404
    client = login(cast.secretary)
    assert (
        client.get(reverse("orglife:compliance_rule_tighten", args=[cast.tree.branch_a.pk, "nonsense"])).status_code
        == 404
    )


def test_the_api_gives_rows_cells_and_the_plan(some_meetings, cast, login):
    client = login(cast.office)
    table = client.get(f"/api/v1/orglife/compliance/{cast.tree.root.pk}", {"year": YEAR}).json()
    assert table["year"] == YEAR and "general_meeting" in table["kinds"]
    a = next(r for r in table["rows"] if r["organisation_id"] == cast.tree.branch_a.pk and not r["is_total"])
    general = a["cells"][table["kinds"].index("general_meeting")]
    assert (general["held"], general["required"], general["light"]) == (4, 4, "green")
    assert any(r["is_total"] and r["organisation_id"] == cast.tree.gb.pk for r in table["rows"])
    plan = client.get(f"/api/v1/orglife/compliance/{cast.tree.branch_a.pk}/plan", {"year": YEAR}).json()
    general = next(k for k in plan["kinds"] if k["kind"] == "general_meeting")
    assert [p["status"] for p in general["periods"]] == ["met"] * 4
    assert general["rule"]["tightened"] is False and general["rule"]["per"] == "quarter"
    assert len(general["periods"][0]["meetings"]) == 1


def test_the_api_hides_a_sibling_branch_and_refuses_a_bad_year(cast, login):
    client = login(cast.secretary)
    for path in (
        f"/api/v1/orglife/compliance/{cast.tree.branch_b.pk}",
        f"/api/v1/orglife/compliance/{cast.tree.branch_b.pk}/plan",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "第二党支部" not in response.content.decode()
    response = client.get(f"/api/v1/orglife/compliance/{cast.tree.branch_a.pk}", {"year": 1900})
    assert response.status_code in (400, 422)


def test_the_plan_costs_the_same_queries_for_more_meetings(cast, login):
    client = login(cast.secretary)
    url = reverse("orglife:plan", args=[cast.tree.branch_a.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"year": YEAR}).status_code == 200
        return len(ctx.captured_queries)

    meeting_counted(cast.tree.branch_a, K.THEME_DAY, date(YEAR, 1, 15))
    count()
    few = count()
    for month in range(2, 8):
        meeting_counted(cast.tree.branch_a, K.THEME_DAY, date(YEAR, month, 15))
        meeting_counted(cast.tree.branch_a, K.GENERAL_MEETING, date(YEAR, month, 20))
    assert count() == few


def test_a_period_with_a_meeting_on_the_way_offers_no_second_one(cast, login, english):
    client = login(cast.secretary)
    url = reverse("orglife:plan", args=[cast.tree.branch_a.pk])
    today = timezone.localdate()

    def schedule_links():
        page = client.get(url, {"year": today.year, "kind": "committee_meeting"}).content.decode()
        return re.findall(r'href="[^"]*meetings/new/[^"]*date=(\d{4}-\d{2}-\d{2})', page)

    this_month = [d for d in schedule_links() if d[:7] == today.strftime("%Y-%m")]
    assert this_month  # nothing planned yet: the month offers a button
    meeting_make(cast.tree.branch_a, kind=K.COMMITTEE_MEETING, title="本月支委会", days=0)
    assert [d for d in schedule_links() if d[:7] == today.strftime("%Y-%m")] == []
