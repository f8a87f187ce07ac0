"""Responsibility assessment in the browser's terms: a table made from the default and edited, a round drawn
up and opened, a unit scoring itself (htmx and plain), the assessor's scoring and result, refusals shown beside
the field, results with last year's and the export, feedback, and lists in a fixed number of queries."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qinglian.core.tests.web import count_queries
from qinglian.duties.models import Round, ScoreItem, ScoreTable
from qinglian.duties.services import assessment as services
from qinglian.duties.tests.factories import (
    assess_all,
    assess_round,
    assess_scores,
    assess_self_all,
    assess_small_table,
)

YEAR = timezone.localdate().year


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _body(response) -> str:
    return response.content.decode()


def test_a_table_made_from_the_default_and_an_item_edited(cast, login, english, in_english):
    client = login(cast.office)
    response = client.post(
        reverse("duties:assessment_table_create"),
        {"organisation": cast.tree.root.pk, "year": YEAR, "title": "考核评分表", "start": "default"},
    )
    table = ScoreTable.objects.get(title="考核评分表")
    assert response.status_code == 302 and response["Location"] == reverse("duties:assessment_table", args=[table.pk])
    page = _body(client.get(response["Location"]))
    assert "按规定召开“三会一课”、主题党日" in page and "orglife.meetings_counted" in page
    assert 'id="base-points">100<' in page
    item = ScoreItem.objects.get(table=table, code="1.5")
    url = reverse("duties:assessment_item_edit", args=[item.pk])
    form = {
        "section": item.section_id,
        "code": "1.5",
        "title": item.title,
        "points": "3",
        "rule": "deduction",
        "per": "5",
        "floor": "4",
        "version": table.version,
    }
    refused = client.post(url, form)
    assert refused.status_code == 422 and "from 0 to 3" in _body(refused)
    assert 'value="5"' in _body(refused)  # what was typed is kept
    response = client.post(url, {**form, "per": "1", "floor": "0"})
    assert response.status_code == 302
    stale = client.post(url, {**form, "per": "2", "floor": "0"})
    assert stale.status_code == 422 and "Someone else changed this score table" in _body(stale)


def test_a_round_drawn_up_and_opened(cast, login, english, in_english):
    client = login(cast.office)
    table = assess_small_table(cast.tree.root)["table"]
    url = reverse("duties:assessment_round_create")
    page = client.get(url, {"org": cast.tree.root.pk})
    assert page.status_code == 200 and "第一党总支" in _body(page) and "第一党小组" not in _body(page)
    data = {
        "organisation": cast.tree.root.pk,
        "table": table.pk,
        "year": YEAR,
        "title": "年度考核",
        "units": [cast.tree.branch_a.pk, cast.tree.branch_b.pk],
        "self_due": f"{YEAR}-12-01",
        "assess_due": f"{YEAR}-11-01",
    }
    refused = client.post(url, data)
    assert refused.status_code == 422 and "Assessment is due before self-scoring" in _body(refused)
    response = client.post(url, {**data, "assess_due": f"{YEAR}-12-20"})
    round = Round.objects.get(title="年度考核")
    assert response.status_code == 302
    response = client.post(reverse("duties:assessment_round_open", args=[round.pk]), {"version": round.version})
    round.refresh_from_db()
    assert round.status == "self"
    page = _body(client.get(reverse("duties:assessment_round", args=[round.pk])))
    assert "Close self-scoring" in page and "第二党支部" in page
    # a stale version is refused with the reason
    response = client.post(reverse("duties:assessment_round_advance", args=[round.pk]), {"version": 1}, follow=True)
    assert "Someone else changed this assessment round" in _body(response)


def test_a_unit_scores_itself_with_htmx_and_without(cast, login, english, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = round.units.get()
    row = assess_scores(unit)["1.2"]
    client = login(cast.secretary_b)
    page = _body(client.get(reverse("duties:assessment_unit", args=[unit.pk])))
    assert "Submit self-scoring" in page and "required meetings held" in page
    assert "Shown once the unit has its result." in page
    url = reverse("duties:assessment_score_self", args=[row.pk])
    prefix = f"s{row.pk}-"
    answer = client.post(url, {prefix + "self_score": "11", prefix + "self_note": "签了", prefix + "version": 1},
                         HTTP_HX_REQUEST="true")  # fmt: skip
    assert answer.status_code == 200 and "above the item&#x27;s 10 points" in _body(answer)
    assert "签了" in _body(answer)
    answer = client.post(url, {prefix + "self_score": "10", prefix + "version": 1}, HTTP_HX_REQUEST="true")
    assert "Saved" in _body(answer) and 'hx-swap-oob="true"' in _body(answer)
    row.refresh_from_db()
    assert row.self_score == Decimal(10)
    plain = client.post(url, {prefix + "self_score": "0", prefix + "version": row.version})
    assert plain.status_code == 302 and plain["Location"].endswith(f"#item-{row.item_id}")
    refused = client.post(url, {prefix + "self_score": "5", prefix + "version": row.version + 1})
    assert refused.status_code == 422 and "all or nothing" in _body(refused)
    submit = client.post(reverse("duties:assessment_unit_submit", args=[unit.pk]), follow=True)
    assert "Score every item before submitting" in _body(submit)


def test_the_assessor_scores_and_gives_the_result_the_unit_reads_its_feedback(cast, login, english, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = assess_self_all(round.units.get())
    row = assess_scores(unit)["2.2"]
    office = login(cast.office)
    url = reverse("duties:assessment_score_assess", args=[row.pk])
    prefix = f"a{row.pk}-"
    answer = office.post(url, {prefix + "count": "3", prefix + "version": row.version}, HTTP_HX_REQUEST="true")
    assert "Say why points were taken off" in _body(answer)
    answer = office.post(url, {prefix + "count": "3", prefix + "comment": "照搬照抄", prefix + "version": row.version})
    assert answer.status_code == 302
    unit = assess_all(unit, actor=cast.office, inputs={"1.1": {"value": 40}}, finish=False)
    page = _body(office.get(reverse("duties:assessment_unit", args=[unit.pk])))
    assert "Give the result" in page and "照搬照抄" in page
    response = office.post(
        reverse("duties:assessment_unit_finish", args=[unit.pk]), {"feedback": "注意制度建设", "version": unit.version}
    )
    assert response.status_code == 302
    branch = login(cast.secretary_b)
    feedback = _body(branch.get(reverse("duties:assessment_feedback", args=[unit.pk])))
    assert "注意制度建设" in feedback and "照搬照抄" in feedback and "−3" in feedback and ">97<" in feedback
    unit_page = _body(branch.get(reverse("duties:assessment_unit", args=[unit.pk])))
    assert "照搬照抄" in unit_page  # the assessor's column, now that the unit has its result


def test_results_with_last_year_and_the_export(cast, login, english):
    last = assess_round(cast.tree.root, [cast.tree.branch_a, cast.tree.branch_b], year=YEAR - 1)
    for unit in last.units.all():
        assess_all(assess_self_all(unit), inputs={"1.1": {"value": 40}, "2.1": {"count": 3}})
    last = services.round_advance(round=last, version=last.version, actor=None)
    services.round_finish(round=last, version=last.version, actor=None)
    now = assess_round(cast.tree.root, [cast.tree.branch_a, cast.tree.branch_b])
    assess_all(assess_self_all(now.units.get(organisation=cast.tree.branch_b)), inputs={"1.1": {"value": 40}})
    client = login(cast.office)
    page = _body(client.get(reverse("duties:assessment_results", args=[now.pk])))
    assert "+15" in page and "85" in page and "优秀" in page
    export = client.get(reverse("duties:assessment_results_export", args=[now.pk]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    by_unit = {r[0]: r for r in rows[1:] if r[0]}
    assert by_unit["第二党支部"][3] == 100 and by_unit["第二党支部"][6] == 85 and by_unit["第二党支部"][8] == 15
    assert by_unit["第一党支部"][3] is None and by_unit["第一党支部"][6] == 85


def test_a_finished_round_refuses_edits_with_the_reason(cast, login, english, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = assess_all(assess_self_all(round.units.get()), inputs={"1.1": {"value": 40}})
    round = services.round_advance(round=round, version=round.version, actor=None)
    services.round_finish(round=round, version=round.version, actor=None)
    row = assess_scores(unit)["1.2"]
    client = login(cast.office)
    response = client.post(
        reverse("duties:assessment_score_assess", args=[row.pk]), {f"a{row.pk}-value": "0"}, follow=True
    )
    assert "nothing in it can be edited any more" in _body(response)
    row.refresh_from_db()
    assert row.score == Decimal(10)
    page = _body(client.get(reverse("duties:assessment_unit", args=[unit.pk])))
    assert "The round is finished" in page and 'name="a' not in page


def test_lists_read_a_fixed_number_of_queries(cast, login):
    client = login(cast.office)
    assess_round(cast.tree.root, [cast.tree.branch_a])
    urls = [reverse("duties:assessment_round_list"), reverse("duties:assessment_table_list")]
    for url in urls:
        client.get(url)
    few = [count_queries(lambda url=url: client.get(url)) for url in urls]
    assess_round(cast.tree.gb, [cast.tree.branch_a, cast.tree.branch_b])
    assess_round(cast.tree.root, [cast.tree.branch_b, cast.tree.branch_c, cast.tree.gb], year=YEAR - 1)
    assert [count_queries(lambda url=url: client.get(url)) for url in urls] == few


def test_the_unit_page_and_the_round_page_read_a_fixed_number_of_queries(cast, login):
    round = assess_round(cast.tree.root, [cast.tree.branch_a])
    unit = round.units.get()
    client = login(cast.office)
    urls = [reverse("duties:assessment_unit", args=[unit.pk]), reverse("duties:assessment_round", args=[round.pk])]
    for url in urls:
        client.get(url)
    few = [count_queries(lambda url=url: client.get(url)) for url in urls]
    row = assess_scores(unit)["1.2"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    for n in range(3):
        pdf = SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4\n", content_type="application/pdf")
        services.evidence_add(score=row, file=pdf, actor=None)
    services.round_update(
        round=round, title=round.title, units=[cast.tree.branch_a], version=None, actor=None
    )  # the units are fixed once open: the same set is accepted
    assert [count_queries(lambda url=url: client.get(url)) for url in urls] == few


def test_the_menu_has_the_assessment(cast, login, english):
    page = _body(login(cast.secretary_b).get(reverse("core:home")))
    assert reverse("duties:assessment_round_list") in page
    assert reverse("duties:assessment_round_list") not in _body(login(cast.outsider).get(reverse("core:home")))
