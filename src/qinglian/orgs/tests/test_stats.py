"""The statistics table: counts per direct child on a known tree, the total row, the .xlsx, who may see it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qinglian.core.tests.web import count_queries
from qinglian.orgs.services import member_create, org_create
from qinglian.orgs.stats import member_statistics


def _years_ago(years: int) -> date:
    return date(timezone.localdate().year - years, 1, 1)  # aged years or years - 1: the band holds either


@pytest.fixture
def register(cast):
    tree = cast.tree
    add = lambda org, name, **f: member_create(organisation=org, name=name, actor=None, **f)  # noqa: E731
    add(tree.branch_a, "甲", gender="F", ethnicity="回族", birth_date=_years_ago(25), education="研究生",
        category="probationary")  # fmt: skip
    add(tree.group_a, "乙", gender="M", ethnicity="汉族", birth_date=_years_ago(45), education="大学本科")
    add(tree.branch_b, "丙", gender="F", ethnicity="汉族", birth_date=_years_ago(70), education="大学本科")
    add(tree.branch_b, "丁", gender="M", birth_date=_years_ago(35), status="去世")  # not on the register
    add(tree.gb, "戊", gender="M", ethnicity="满族", birth_date=_years_ago(55))  # registered on gb itself
    return tree


def _table(user, parent):
    columns, rows = member_statistics(user=user, parent=parent)
    keys = [key for key, _label in columns]
    return keys, {("total" if r.is_total else "self" if r.is_self else r.organisation.name): r.counts for r in rows}


def test_counts_per_direct_child_on_a_known_tree(cast, register):
    keys, table = _table(cast.office, register.gb)
    assert list(table) == ["self", "第一党支部", "第二党支部", "total"]
    # branch_a: the cast's 张伟 (M) and 李娜 (F, in group_a), plus 甲 and 乙.
    a = table["第一党支部"]
    assert (a["total"], a["full"], a["probationary"], a["male"], a["female"], a["minority"]) == (4, 3, 1, 2, 2, 1)
    assert (a["age0"], a["age2"], a["edu_研究生"], a["edu_大学本科"]) == (1, 1, 1, 1)
    b = table["第二党支部"]
    assert (b["total"], b["female"], b["age4"]) == (2, 2, 1)  # 王芳 and 丙; 丁 has died
    assert table["self"]["total"] == 1 and table["self"]["minority"] == 1
    total = table["total"]
    assert total["total"] == 7 and total["male"] + total["female"] == 7
    assert sum(total[f"age{i}"] for i in range(5)) == 4  # three cast members have no birth date
    levels = ["研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下"]
    assert {k for k in keys if k.startswith("edu_")} == {f"edu_{v}" for v in levels}


def test_counts_only_what_the_user_may_see(cast, register):
    _keys, table = _table(cast.secretary_b, register.gb)
    assert table["第二党支部"]["total"] == 2 and table["第一党支部"]["total"] == 0 and table["total"]["total"] == 2


def test_page_and_download(cast, login, register):
    client = login(cast.office)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("orgs:member_stats"), {"org": register.gb.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "第二党支部" in html and "Ethnic minorities" in html and "Total" in html
    xlsx = client.get(reverse("orgs:member_stats"), {"org": register.gb.pk, "format": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows[-1][:2] == ["Total", 7]
    assert [r[0] for r in rows[1:3]] == ["第一党支部", "第二党支部"]


def test_query_count_does_not_grow_with_the_number_of_children(cast, login, register):
    client = login(cast.office)
    url = reverse("orgs:member_stats") + f"?org={register.gb.pk}"
    client.get(url)
    before = count_queries(lambda: client.get(url))
    for i in range(10):
        branch = org_create(name=f"新支部{i}", kind="branch", parent=register.gb, actor=None)
        member_create(organisation=branch, name=f"新{i}", gender="M", actor=None)
    assert count_queries(lambda: client.get(url)) == before


def test_statistics_refused_to_outsiders_and_other_branches(cast, login, register):
    assert login(cast.outsider).get(reverse("orgs:member_stats")).status_code == 404
    assert login(cast.liaison).get(reverse("orgs:member_stats")).status_code == 404
    client = login(cast.secretary_b)
    for org in (register.branch_a, register.gb):
        assert client.get(reverse("orgs:member_stats"), {"org": org.pk}).status_code == 404
        assert client.get(reverse("orgs:member_stats"), {"org": org.pk, "format": "xlsx"}).status_code == 404
    assert client.get(reverse("orgs:member_stats"), {"org": register.branch_b.pk}).status_code == 200
