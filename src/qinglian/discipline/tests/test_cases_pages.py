"""Cases in the browser: the list with its filters in a constant number of queries, filing from a clue, a case's
page (its timeline, overdue flag, the actions of its stage, audited opening), moving on and refusals shown with the
reason, the decision form keeping what was typed, a rectification item, the sanctions in effect, and 404 for everyone
outside the compartment and for a discipline staff member who does not handle the clue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.discipline.models import Case
from qinglian.discipline.services import cases as services
from qinglian.discipline.tests.factories import day, lead_user
from qinglian.discipline.tests.factories_cases import case_make, proposed_clue, staff_user
from qinglian.discipline.tests.routes import NO_DISCIPLINE
from qinglian.discipline.vocab import CaseStage as St
from qinglian.discipline.vocab import ClueStatus
from qinglian.rectification.models import Item

TODAY = timezone.localdate


@pytest.fixture
def lead(cast):
    return lead_user(cast)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


def test_the_list_shows_open_overdue_and_closed_cases_in_a_constant_number_of_queries(cast, lead, english):
    late = case_make(cast, stage_started_on=day(-100), number="纪立〔2026〕1号")
    case_make(cast, stage=St.REVIEW, number="纪立〔2026〕2号", stage_started_on=day(-1))
    case_make(cast, stage=St.CLOSED, number="纪立〔2026〕3号")
    english.force_login(cast.inspector)
    url = reverse("discipline:case_list")
    page = _page(english.get(url))
    assert "纪立〔2026〕1号" in page and "纪立〔2026〕2号" in page and "纪立〔2026〕3号" not in page
    assert "Overdue" in page and "王芳" in page
    page = _page(english.get(url, {"show": "overdue"}))
    assert "纪立〔2026〕1号" in page and "纪立〔2026〕2号" not in page
    page = _page(english.get(url, {"show": "closed"}))
    assert "纪立〔2026〕3号" in page and "纪立〔2026〕1号" not in page
    assert "纪立〔2026〕1号" in _page(english.get(url, {"show": "all", "q": "2026〕1"}))
    one = count_queries(lambda: english.get(url))
    for _n in range(5):
        case_make(cast, stage=St.DECISION)
    assert count_queries(lambda: english.get(url)) == one
    assert late.number in _page(english.get(reverse("discipline:case_list")))


def test_the_list_speaks_chinese_by_default_and_shows_a_staff_member_only_their_cases(cast, client):
    case_make(cast, number="纪立〔2026〕5号")
    client.force_login(cast.inspector)
    page = _page(client.get(reverse("discipline:case_list")))
    assert '<html lang="zh-hans">' in page and "纪立〔2026〕5号" in page
    client.force_login(staff_user(cast))
    assert "纪立〔2026〕5号" not in _page(client.get(reverse("discipline:case_list")))


def test_a_leader_files_a_case_from_the_clue(cast, lead, english):
    clue = proposed_clue(cast)
    url = reverse("discipline:case_file", args=[clue.pk])
    english.force_login(cast.inspector)
    page = _page(english.get(url))
    assert "A case is filed by those who lead discipline inspection" in page and "File the case" not in page
    english.force_login(lead)
    page = _page(english.get(url))
    assert "File the case" in page and "90 days" in page
    refused = english.post(url, {"filed_on": day(1).isoformat(), "number": "", "version": clue.version})
    assert refused.status_code == 422 and "The day cannot be in the future." in _page(refused)
    response = english.post(
        url, {"filed_on": TODAY().isoformat(), "number": "纪立〔2026〕9号", "version": clue.version}
    )
    case = Case.objects.get(clue=clue)
    assert response.status_code == 302 and response["Location"] == reverse("discipline:case_detail", args=[case.pk])
    assert case.number == "纪立〔2026〕9号"
    assert english.get(url).status_code == 302  # the case exists: the page leads to it
    assert AuditEvent.objects.filter(
        action="sealed.read", object_type="discipline.clue", object_id=str(clue.pk)
    ).exists()


def test_the_case_page_shows_the_timeline_and_is_an_audited_read(cast, lead, english):
    case = case_make(cast, stage_started_on=day(-100))
    services.case_extend(case=case, days=3, reason="补充调取银行流水", actor=lead)
    english.force_login(cast.inspector)
    page = _page(english.get(reverse("discipline:case_detail", args=[case.pk])))
    assert case.number in page and "Investigation" in page and "Filing" in page
    assert "extended by 3 days" in page and "补充调取银行流水" in page
    assert "overdue by 7 days" in page and "was due on" in page
    assert "Move on to “Trial review (审理)”" in page
    assert "Extend the stage" not in page and "Transfer to judicial organs" not in page  # the leader's actions
    event = AuditEvent.objects.filter(action="sealed.read", object_type="discipline.case").latest("seq")
    assert event.object_id == str(case.pk) and event.actor == cast.inspector and event.sealed
    english.force_login(lead)
    page = _page(english.get(reverse("discipline:case_detail", args=[case.pk])))
    assert "Extend the stage" in page and "Transfer to judicial organs" in page


def test_moving_on_and_a_refusal_with_its_reason(cast, english):
    case = case_make(cast, stage=St.DECISION)
    english.force_login(cast.inspector)
    url = reverse("discipline:case_advance", args=[case.pk])
    refused = english.post(url, {"to": St.ANNOUNCEMENT, "on": TODAY().isoformat(), "version": case.version})
    assert refused.status_code == 422
    assert "Record the decision before the case moves on to its announcement." in _page(refused)
    skipped = english.post(url, {"to": St.CLOSED, "on": TODAY().isoformat(), "version": case.version})
    assert skipped.status_code in (404, 422)
    review = case_make(cast, stage=St.REVIEW)
    url = reverse("discipline:case_advance", args=[review.pk])
    jump = english.post(url, {"to": St.EXECUTION, "on": TODAY().isoformat(), "note": "", "version": review.version})
    assert jump.status_code == 422 and "moves on only to “Decision”" in _page(jump)
    moved = english.post(
        url, {"to": St.DECISION, "on": TODAY().isoformat(), "note": "审理完毕", "version": review.version}
    )
    assert moved.status_code == 302
    review.refresh_from_db()
    assert review.stage == St.DECISION
    stale = english.post(url, {"to": St.ANNOUNCEMENT, "on": TODAY().isoformat(), "version": review.version - 1})
    assert stale.status_code == 409 and "Someone else changed this case" in _page(stale)


def test_the_decision_form_keeps_what_was_typed_and_records_the_sanctions(cast, lead, english):
    case = case_make(cast, stage=St.DECISION)
    url = reverse("discipline:case_decide", args=[case.pk])
    english.force_login(lead)
    data = {
        "decided_on": TODAY().isoformat(),
        "party": "party_probation",
        "party_months": "",
        "admin": "admin_dismissal",
        "organisational": "",
        "note": "纪发〔2026〕12号处分决定",
        "version": case.version,
    }
    refused = english.post(url, data)
    page = _page(refused)
    assert refused.status_code == 422 and "Choose the effect period: 12 / 24 months." in page
    assert 'value="admin_dismissal" selected' in page and "纪发〔2026〕12号处分决定" in page
    assert not case.outcomes.exists()
    response = english.post(url, {**data, "party_months": "24"})
    assert response.status_code == 302
    assert sorted(case.outcomes.values_list("measure", "effect_months")) == [
        ("admin_dismissal", 24),
        ("party_probation", 24),
    ]
    page = _page(english.get(reverse("discipline:case_detail", args=[case.pk])))
    assert "Probation within the Party" in page and "Dismissal from post" in page
    english.force_login(cast.inspector)
    case.refresh_from_db()
    data = {**data, "party": "party_warning", "admin": "", "version": case.version}
    assert english.post(url, data).status_code == 404


def test_a_leader_opens_a_rectification_item_from_a_case(cast, lead, english):
    case = case_make(cast, stage=St.EXECUTION)
    url = reverse("discipline:case_rectify", args=[case.pk])
    english.force_login(lead)
    page = _page(english.get(url))
    assert "第二党支部" in page and "王芳" in page  # the unit, and its register to choose from
    refused = english.post(url, {"problem": "", "owner": cast.members["b1"].pk, "due_on": day(30).isoformat(),
                                 "version": case.version})  # fmt: skip
    assert refused.status_code == 422 and not Item.objects.exists()
    response = english.post(
        url,
        {"problem": "采购制度执行不严", "measures": "", "owner": cast.members["b1"].pk,
         "due_on": day(30).isoformat(), "version": case.version},
    )  # fmt: skip
    assert response.status_code == 302
    item = Item.objects.get()
    page = _page(english.get(reverse("discipline:case_detail", args=[case.pk])))
    assert "Rectification item" in page and "Being rectified" in page
    assert item.source_id == case.pk


def test_sanctions_in_effect_highlight_those_ending_soon(cast, english):
    soon = case_make(cast, stage=St.CLOSED, decision=("admin_warning",), decided_on=day(-150))
    later = case_make(cast, stage=St.CLOSED, decision=("party_serious_warning",), decided_on=day(-30))
    case_make(cast, stage=St.CLOSED, decision=("admin_warning",), decided_on=day(-400))  # ended
    english.force_login(cast.inspector)
    url = reverse("discipline:sanction_list")
    page = _page(english.get(url))
    assert soon.number in page and later.number in page and page.count("table-warning") == 1
    assert "Administrative warning" in page and "Serious Party warning" in page
    page = _page(english.get(url, {"show": "soon"}))
    assert soon.number in page and later.number not in page
    one = count_queries(lambda: english.get(url))
    case_make(cast, stage=St.CLOSED, decision=("admin_demerit",), decided_on=day(-10))
    assert count_queries(lambda: english.get(url)) == one
    english.force_login(staff_user(cast))
    assert soon.number not in _page(english.get(url))


def test_the_clue_page_panel_shows_the_case_or_the_way_to_file_one(cast, lead, rf):
    from qinglian.discipline.views.cases import clue_panel

    request = rf.get("/")
    request.user = lead
    clue = proposed_clue(cast)
    _title, html = clue_panel(request, clue)
    assert reverse("discipline:case_file", args=[clue.pk]) in html
    case = services.case_file_proposed(clue=clue, actor=lead)
    clue.refresh_from_db()
    _title, html = clue_panel(request, clue)
    assert case.number in html and reverse("discipline:case_detail", args=[case.pk]) in html
    request.user = cast.inspector
    assert clue_panel(request, proposed_clue(cast)) is None  # a handler does not file


PAGES = ("case_detail", "case_decide", "case_rectify")


@pytest.mark.parametrize("name", PAGES)
def test_everyone_outside_and_staff_not_handling_get_404(cast, client, name):
    case = case_make(cast, stage=St.EXECUTION)
    url = reverse(f"discipline:{name}", args=[case.pk])
    for user in [*(cast.users[n] for n in NO_DISCIPLINE if n in cast.users), staff_user(cast)]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404, user.username
        assert "王芳" not in _page(response) and case.number not in _page(response)


def test_writes_by_staff_not_handling_change_nothing(cast, client):
    case = case_make(cast, stage=St.REVIEW)
    client.force_login(staff_user(cast))
    data = {"to": St.DECISION, "on": TODAY().isoformat(), "version": case.version}
    assert client.post(reverse("discipline:case_advance", args=[case.pk]), data).status_code == 404
    clue = proposed_clue(cast)
    client.force_login(cast.admin)
    assert client.get(reverse("discipline:case_file", args=[clue.pk])).status_code == 404
    case.refresh_from_db()
    clue.refresh_from_db()
    assert case.stage == St.REVIEW and clue.status == ClueStatus.PROPOSED
