"""The appraisal pages: what each person sees at each step, refusals shown beside the form, the results table
and its .xlsx, the to-dos and the member page's section."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from qinglian.core.tests.web import count_queries
from qinglian.orglife.appraisal_reads import appraisal_todos
from qinglian.orglife.models import AppraisalEntry, AppraisalRound
from qinglian.orglife.services import appraisal as services
from qinglian.orglife.tests.factories import appraisal_people, appraisal_round_at
from qinglian.orglife.views.appraisal import appraisal_member_section

YEAR = timezone.localdate().year


@pytest.fixture
def people(cast, client):
    client.cookies["django_language"] = "en"
    return appraisal_people(cast)


def _ids(round) -> dict[str, int]:
    return dict(AppraisalEntry.objects.filter(round=round).values_list("member__name", "pk"))


def _page(client, name, *args, **params):
    response = client.get(reverse(f"orglife:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_rounds_in_scope_with_their_step_in_constant_queries(people, client):
    client.force_login(people.office)
    appraisal_round_at(people.tree.branch_a, "peer")
    url = reverse("orglife:appraisal_list")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for year in range(YEAR - 3, YEAR):
        appraisal_round_at(people.tree.branch_a, "reported", year=year)
        appraisal_round_at(people.tree.branch_b, "proposal", year=year)
    assert count_queries(lambda: client.get(url)) == few
    page = _page(client, "appraisal_list", year=YEAR - 1)
    table = page[page.index('id="rounds"') :]
    assert "第二党支部" in table and "Committee proposes grades" in table and "Reported upward" in table
    assert "Peer and masses evaluation" not in table  # this year's round is filtered out
    assert 'id="open-form"' in page


def test_the_list_offers_opening_a_round_only_to_those_who_run_appraisal(people, client):
    appraisal_round_at(people.tree.branch_a, "self")
    client.force_login(people.member)
    page = _page(client, "appraisal_list")
    assert "第一党支部" in page and 'id="open-form"' not in page
    assert client.post(reverse("orglife:appraisal_open"), {"organisation": people.tree.branch_a.pk}).status_code == 404


def test_opening_a_second_round_keeps_the_form_and_says_why(people, client):
    appraisal_round_at(people.tree.branch_a, "self")
    client.force_login(people.secretary)
    response = client.post(reverse("orglife:appraisal_open"), {"organisation": people.tree.branch_a.pk, "year": YEAR})
    assert response.status_code == 422
    page = response.content.decode()
    assert f"already has its democratic appraisal for {YEAR}" in page
    assert f'value="{YEAR}"' in page
    assert AppraisalRound.objects.count() == 1


def test_a_member_sees_their_part_but_not_the_tallies_while_voting(people, client):
    round = appraisal_round_at(people.tree.branch_a, "peer")
    ids = _ids(round)
    services.peer_vote(round=round, grades={ids["张伟"]: "优秀", ids["周强"]: "合格"}, actor=people.member2)
    client.force_login(people.member)
    page = _page(client, "appraisal_detail", round.pk)
    assert 'id="my-ballot"' in page and "Your part" in page
    assert "Members&#x27; votes" not in page and "Excellent 1" not in page
    assert 'id="advance-form"' not in page
    # Not even those who run the appraisal see the counts until voting closes.
    client.force_login(people.secretary)
    page = _page(client, "appraisal_detail", round.pk)
    assert "Excellent 1" not in page and 'id="masses-form"' in page and 'id="advance-form"' in page
    round.refresh_from_db()
    services.appraisal_transition(round=round, to_status="proposal", version=round.version, actor=None)
    page = _page(client, "appraisal_detail", round.pk)
    assert "Excellent 1" in page and 'id="propose-form"' in page and 'id="excellent-counter"' in page


def test_the_ballot_page_keeps_the_choices_when_one_is_missing(people, client):
    round = appraisal_round_at(people.tree.branch_a, "peer")
    ids = _ids(round)
    client.force_login(people.member)
    response = client.post(reverse("orglife:appraisal_vote", args=[round.pk]), {f"grade-{ids['李娜']}": "优秀"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose a grade for 周强" in page
    assert re.search(r'<option value="优秀" selected>', page)
    assert not round.voters.exists()


def test_a_proposal_over_the_cap_is_shown_beside_the_form_with_the_numbers(people, client):
    round = appraisal_round_at(people.tree.branch_a, "proposal")
    ids = _ids(round)
    client.force_login(people.organiser)
    data = {"version": round.version, f"grade-{ids['张伟']}": "优秀", f"grade-{ids['李娜']}": "优秀"}
    response = client.post(reverse("orglife:appraisal_propose", args=[round.pk]), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "2 are, but at most 1 of the 3 members graded" in page
    assert page.count('<option value="优秀" selected>') == 2  # what was chosen stays chosen
    assert not AppraisalEntry.objects.filter(round=round).exclude(proposed_grade="").exists()


def test_a_stale_page_is_told_to_reload(people, client):
    round = appraisal_round_at(people.tree.branch_a, "self")
    client.force_login(people.secretary)
    stale = round.version
    services.appraisal_transition(round=round, to_status="peer", version=stale, actor=None)
    response = client.post(
        reverse("orglife:appraisal_advance", args=[round.pk]), {"to_status": "proposal", "version": stale}
    )
    assert response.status_code == 422
    assert "Someone else changed this appraisal" in response.content.decode()
    assert AppraisalRound.objects.get(pk=round.pk).status == "peer"


def test_skipping_a_step_on_the_page_is_refused(people, client):
    round = appraisal_round_at(people.tree.branch_a, "self")
    client.force_login(people.secretary)
    data = {"to_status": "decision", "version": round.version}
    response = client.post(reverse("orglife:appraisal_advance", args=[round.pk]), data)
    assert response.status_code == 422 and "the steps are taken in order" in response.content.decode()


def test_the_member_page_writes_a_draft_then_shows_the_result(people, client):
    round = appraisal_round_at(people.tree.branch_a, "self")
    entry = AppraisalEntry.objects.get(round=round, member=people.members["a1"])
    client.force_login(people.member)
    url = reverse("orglife:appraisal_self", args=[round.pk])
    response = client.post(url, {"text": "", "version": entry.version, "action": "submit"})
    assert (
        response.status_code == 422 and "Write your self-assessment before submitting it" in response.content.decode()
    )
    client.post(url, {"text": "草稿内容", "version": entry.version, "action": "draft"})
    entry.refresh_from_db()
    assert entry.self_assessment == "草稿内容" and entry.self_submitted_at is None
    assert "草稿内容" in _page(client, "appraisal_self", round.pk)
    # Later: the result, once told.
    AppraisalRound.objects.filter(pk=round.pk).delete()
    round = appraisal_round_at(people.tree.branch_a, "notified", grade="合格")
    page = _page(client, "appraisal_self", round.pk)
    assert 'id="my-grade"' not in page and "once the general meeting has decided" in page
    services.results_tell(round=round, actor=None)
    page = _page(client, "appraisal_self", round.pk)
    assert 'id="my-grade"' in page and "Qualified" in page and 'id="acknowledge-button"' in page


def test_results_by_unit_and_grade_and_their_xlsx(people, client):
    round = appraisal_round_at(people.tree.branch_a, "decision")
    ids = _ids(round)
    services.grades_decide(
        round=round, grades={ids["张伟"]: "优秀", ids["李娜"]: "合格", ids["周强"]: "不合格"}, actor=None
    )
    appraisal_round_at(people.tree.branch_b, "notified", grade="基本合格")
    client.force_login(people.office)
    page = _page(client, "appraisal_results", org=people.tree.gb.pk, year=YEAR)
    rows = re.findall(r"<tr[^>]*>\s*<th[^>]*>(.*?)</th>(.*?)</tr>", page, re.S)
    table = {re.sub(r"<[^>]+>", "", head).strip(): re.findall(r'ql-mono">(\d+)<', cells) for head, cells in rows}
    # Branches appraised, 优秀, 合格, 基本合格, 不合格, probationary, not yet graded, total.
    assert table["第一党支部"] == ["1", "1", "1", "0", "1", "1", "0", "4"]
    assert table["第二党支部"] == ["1", "0", "0", "1", "0", "0", "0", "1"]
    assert table["Total"] == ["2", "1", "1", "1", "1", "1", "0", "5"]
    response = client.get(
        reverse("orglife:appraisal_results"), {"org": people.tree.gb.pk, "year": YEAR, "format": "xlsx"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[1][0] == "第一党支部" and [int(n) for n in sheet[1][1:]] == [1, 1, 1, 0, 1, 1, 0, 4]
    assert sheet[-1][0] == "Total"
    # The secretary of branch_a reads only their own branch.
    client.force_login(people.secretary)
    assert client.get(reverse("orglife:appraisal_results"), {"org": people.tree.gb.pk}).status_code == 404


def test_to_dos_lead_members_and_runners_to_their_step(people):
    round = appraisal_round_at(people.tree.branch_a, "self")
    titles = lambda user: [item.title for item in appraisal_todos(user)]  # noqa: E731
    assert any("Write your self-assessment" in t for t in titles(people.member))
    assert any("appraisal at “Self-assessment”" in t for t in titles(people.secretary))
    assert titles(people.outsider) == []
    round = services.appraisal_transition(round=round, to_status="peer", version=round.version, actor=None)
    assert any("Cast your peer ballot" in t for t in titles(people.member2))
    ids = _ids(round)
    services.peer_vote(round=round, grades={ids["张伟"]: "合格", ids["周强"]: "合格"}, actor=people.member2)
    assert not any("Cast your peer ballot" in t for t in titles(people.member2))
    AppraisalRound.objects.filter(pk=round.pk).delete()
    round = appraisal_round_at(people.tree.branch_a, "notified", grade="基本合格")
    services.results_tell(round=round, actor=None)
    assert any("acknowledge your" in t for t in titles(people.member))
    follow = [i for i in appraisal_todos(people.secretary) if "record the measures" in i.title]
    assert len(follow) == 3 and all(i.due for i in follow)
    # The branch runs its round: the committee office above is not asked about its steps or follow-ups.
    assert appraisal_todos(people.office) == []


def test_the_member_page_shows_the_appraisal_history(people, client):
    appraisal_round_at(people.tree.branch_a, "reported", year=YEAR - 1, grade="合格")
    appraisal_round_at(people.tree.branch_a, "peer")
    a1 = people.members["a1"]
    section = appraisal_member_section(a1, people.secretary)
    assert [e.round.year for e in section.context["appraisals"]] == [YEAR, YEAR - 1]
    assert appraisal_member_section(a1, people.secretary_b) is None
    client.force_login(people.secretary)
    page = client.get(reverse("orgs:member_detail", args=[a1.pk])).content.decode()
    assert "Democratic appraisal" in page and "Qualified" in page and "In progress: Peer and masses evaluation" in page


def test_the_pages_render_in_chinese(people, client):
    client.cookies["django_language"] = "zh-hans"
    round = appraisal_round_at(people.tree.branch_a, "notified", grade="合格")
    client.force_login(people.secretary)
    for name, args in (("appraisal_list", ()), ("appraisal_detail", (round.pk,)), ("appraisal_results", ())):
        assert client.get(reverse(f"orglife:{name}", args=args)).status_code == 200
    client.force_login(people.member)
    assert client.get(reverse("orglife:appraisal_self", args=[round.pk])).status_code == 200
    assert client.get(reverse("orglife:appraisal_vote", args=[round.pk])).status_code == 200


def test_readers_of_a_round_are_not_told_to_fill_in_the_runners_forms(people, client):
    round = appraisal_round_at(people.tree.branch_a, "peer")
    client.cookies["django_language"] = "en"
    url = reverse("orglife:appraisal_detail", args=[round.pk])
    client.force_login(people.secretary)
    assert "Enter the counts of the masses' paper ballots below" in html.unescape(client.get(url).content.decode())
    client.force_login(people.auditor)
    page = html.unescape(client.get(url).content.decode())
    assert "masses vote on paper" in page and "below" not in page.split("This step")[1].split("</p>")[0]
