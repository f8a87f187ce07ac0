"""Talk coverage: the secretary with each committee member and each member, committee members with each other."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qinglian.core.tests.web import count_queries
from qinglian.orglife.coverage import talk_coverage
from qinglian.orglife.tests.factories import committee_make, talk_make
from qinglian.orgs.models import Role
from qinglian.orgs.services import member_create, org_create, role_assign


@pytest.fixture
def unit(cast):
    """A hand-built branch: secretary 周书记, committee members 吴委员 and 郑委员, members 冯一, 陈二, 褚三."""
    org = org_create(name="第三党支部", kind="branch", parent=cast.tree.gb, actor=None)
    people = {
        name: member_create(organisation=org, name=name, gender="M", actor=None)
        for name in ("周书记", "吴委员", "郑委员", "冯一", "陈二", "褚三")
    }
    committee_make(org, secretary=people["周书记"], members=[people["吴委员"], people["郑委员"]])
    return org, people


def _talks(org, p):
    """This year: secretary–吴 (secretary asked), 郑–secretary (the other way round), secretary–冯一,
    陈二–secretary. Last year: secretary–褚三 (does not count this year)."""
    talk_make(org, p["周书记"], p["吴委员"], days=0)
    talk_make(org, p["郑委员"], p["周书记"], days=0)
    talk_make(org, p["周书记"], p["冯一"], days=0)
    talk_make(org, p["陈二"], p["周书记"], days=0)
    last_year = date(timezone.localdate().year - 1, 6, 1)
    talk_make(org, p["周书记"], p["褚三"], days=(last_year - timezone.localdate()).days)


def _missing(coverage):
    return {g.code: sorted((p.a.name, p.b.name) for p in g.missing) for g in coverage.groups}


def test_coverage_lists_exactly_the_missing_pairs(unit):
    org, p = unit
    _talks(org, p)
    coverage = talk_coverage(org, timezone.localdate().year)
    assert coverage.secretary == p["周书记"]
    assert [m.name for m in coverage.committee] == ["吴委员", "郑委员"]
    assert _missing(coverage) == {
        "secretary_committee": [],
        "secretary_member": [("周书记", "褚三")],
        "committee_committee": [("吴委员", "郑委员")],
    }
    by_code = {g.code: g for g in coverage.groups}
    assert (by_code["secretary_committee"].done, by_code["secretary_committee"].total) == (2, 2)
    assert (by_code["secretary_member"].done, by_code["secretary_member"].percent) == (2, 67)
    assert by_code["committee_committee"].percent == 0
    assert coverage.problem() == ""


def test_last_years_coverage_counts_last_years_talks(unit):
    org, p = unit
    _talks(org, p)
    coverage = talk_coverage(org, timezone.localdate().year - 1)
    assert _missing(coverage)["secretary_member"] == [("周书记", "冯一"), ("周书记", "陈二")]


def test_coverage_reads_three_queries_however_many_talks(unit):
    org, p = unit
    year = timezone.localdate().year
    few = count_queries(lambda: talk_coverage(org, year))
    _talks(org, p)
    for _ in range(5):
        talk_make(org, p["吴委员"], p["冯一"], days=0)
    assert count_queries(lambda: talk_coverage(org, year)) == few
    assert few <= 4  # the rule, the posts, the members, the talks


def test_the_page_shows_groups_matrix_and_missing_pairs(unit, cast, login):
    org, p = unit
    _talks(org, p)
    client = login(cast.office)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("orglife:talk_coverage"), {"unit": org.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The secretary with each member" in page and "67%" in page
    assert "ql-coverage-matrix" in page
    assert page.count('class="table-danger"') == 2  # 周书记–褚三 and 吴委员–郑委员


def test_a_unit_without_a_committee_is_told_so_not_an_error(cast, login):
    client = login(cast.office)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("orglife:talk_coverage"), {"unit": cast.tree.branch_c.pk})
    assert response.status_code == 200
    assert "has no current committee on record" in response.content.decode()


def test_a_committee_without_a_secretary_is_told_so(cast, login):
    committee_make(cast.tree.branch_c, members=[cast.members["c1"]])
    coverage = talk_coverage(cast.tree.branch_c, timezone.localdate().year)
    assert coverage.secretary is None and "no secretary" in coverage.problem()


def test_coverage_exports_to_a_workbook(unit, cast, login):
    org, p = unit
    _talks(org, p)
    response = login(cast.office).get(reverse("orglife:talk_coverage_export"), {"unit": org.pk})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1 + 2 + 3 + 1  # header, secretary–committee, secretary–member, committee–committee
    missing = [(r[1], r[2]) for r in rows[1:] if r[4] == 0]
    assert sorted(missing) == [("吴委员", "郑委员"), ("周书记", "褚三")]


def test_the_api_gives_the_coverage_and_refuses_other_units(unit, cast, login):
    org, p = unit
    _talks(org, p)
    data = login(cast.office).get("/api/v1/orglife/talks/coverage", {"org_id": org.pk}).json()
    assert data["secretary"]["name"] == "周书记"
    groups = {g["code"]: g for g in data["groups"]}
    assert [(x["a_name"], x["b_name"]) for x in groups["secretary_member"]["pairs"] if not x["done"]] == [
        ("周书记", "褚三")
    ]
    assert (data["done"], data["total"]) == (4, 6)
    assert login(cast.secretary).get("/api/v1/orglife/talks/coverage", {"org_id": org.pk}).status_code == 404


def test_a_branch_secretary_reads_their_own_units_coverage(unit, cast, login):
    org, _people = unit
    user = cast.secretary_b.__class__.objects.create_user("zhou", "zhou@example.cn", "pw")
    role_assign(
        user=user, role=Role.objects.get(code="branch_secretary"), organisation=org, include_subtree=True, actor=None
    )
    client = login(user)
    assert client.get(reverse("orglife:talk_coverage")).status_code == 200  # the scope's own unit by default
    assert client.get(reverse("orglife:talk_coverage"), {"unit": cast.tree.branch_a.pk}).status_code == 404


def test_the_coverage_indicator_is_the_share_of_required_pairs_held_by_the_day_asked(unit, cast):
    from qinglian.core.registry import registry

    org, p = unit
    _talks(org, p)
    indicator = registry.indicators["orglife.talk_coverage_rate"]
    year = timezone.localdate().year
    # 2 of 2 secretary–committee pairs, 2 of 3 secretary–member pairs, 0 of 1 committee pair: 4 of 6.
    values = indicator(orgs=[org, cast.tree.branch_c], year=year)
    assert values[org.pk] == pytest.approx(4 / 6)
    assert values[cast.tree.branch_c.pk] is None  # no committee on record: nothing can be required
    # Seen on the day before this year's talks, none of them counts yet.
    assert indicator(orgs=[org], year=year, on=timezone.localdate() - timedelta(days=1))[org.pk] == 0
