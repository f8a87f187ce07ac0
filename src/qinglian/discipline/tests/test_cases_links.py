"""Where cases reach other modules: the outcomes as person facts in integrity files and opinion replies (whose
conclusion then weighs them), a rectification item for the reported person's unit linked both ways, and cases as
records only those who may open them can resolve."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from qinglian.core.links import records_resolve
from qinglian.core.registry import FACT_SANCTIONS
from qinglian.discipline.services import cases as services
from qinglian.discipline.tests.factories import day, lead_user
from qinglian.discipline.tests.factories_cases import case_make, outcome_of, staff_user
from qinglian.discipline.vocab import CaseStage as St
from qinglian.rectification.models import Item
from qinglian.rectification.vocab import Source
from qinglian.risks.services.files import file_facts
from qinglian.risks.tests.factories_opinion import cadre, file_make, reply_make

TODAY = timezone.localdate


@pytest.fixture
def lead(cast):
    return lead_user(cast)


@pytest.fixture
def b1(cast):
    return cadre(cast.members["b1"])


def _sanctions(member, year):
    return next(group for group in file_facts(member, year) if group.topic == FACT_SANCTIONS)


# --- person facts ------------------------------------------------------------------------------------------


def test_a_sanction_is_a_fact_of_the_integrity_file(cast, b1, client, in_english):
    decided = day(-30)
    case = case_make(cast, stage=St.EXECUTION, decision=("party_probation",), months=24, decided_on=decided)
    group = _sanctions(b1, decided.year)
    assert group.recorded
    (fact,) = group.facts
    assert fact.day == decided and fact.title == "Probation within the Party (留党察看)"
    ends = outcome_of(case, "party_probation").effect_ends_on
    assert "Third form" in fact.detail and ends.isoformat() in fact.detail and "24 months" in fact.detail
    assert fact.url == ""  # the file is read outside the compartment: no link into it
    assert _sanctions(b1, decided.year - 1).facts == []
    file = file_make(b1, decided.year)
    client.force_login(cast.inspector)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("risks:file_detail", args=[file.pk])).content.decode()
    assert "Probation within the Party" in page


def test_first_form_outcomes_count_and_cleared_ones_and_changed_ones_do_not(cast, b1, lead):
    case = case_make(cast, stage=St.CLOSED, decision=("party_serious_warning",), stage_started_on=day(-10))
    clear = case_make(cast, stage=St.CLOSED, decision=("clarified",))
    assert clear.outcomes.get().form is None
    services.case_appeal(case=case, on=day(-5), grounds="情节较轻", actor=lead)
    old = outcome_of(case, "party_serious_warning")
    services.case_appeal_end(
        case=case,
        on=TODAY(),
        result=services.CHANGED,
        outcome=old,
        measure="party_warning",
        note="改为警告",
        actor=lead,
    )
    titles = [f.title for f in _sanctions(b1, None).facts]
    assert titles == [outcome_of(case, "party_warning").get_measure_display()]


def test_the_opinion_reply_does_not_say_no_problems_when_a_sanction_exists(cast, b1, in_english):
    case_make(cast, stage=St.EXECUTION, decision=("admin_demerit",), decided_on=day(-20))
    reply = reply_make(b1, cast.inspector)
    assert "sanctions" in reply.facts["concerns"]
    assert reply.facts["topics"][FACT_SANCTIONS]["held"]
    assert "no violation" not in reply.body and "nothing contrary" not in reply.body
    assert "Recording of a demerit" in reply.body and "weigh these facts" in reply.body


def test_without_a_sanction_the_reply_says_none_was_received(cast, b1, in_english):
    reply = reply_make(b1, cast.inspector)
    assert "sanctions" not in reply.facts["concerns"]
    assert "They have received no sanction" in reply.body  # the topic is kept, so "none" is a finding


# --- rectification -----------------------------------------------------------------------------------------


def test_a_rectification_item_from_a_case_is_linked_both_ways(cast, lead, client, in_english):
    case = case_make(cast, stage=St.ANNOUNCEMENT, decision=("party_warning", "admin_warning"))
    owner = cast.members["b1"]
    item = services.case_rectify(
        case=case,
        actor=lead,
        problem="第二党支部采购管理制度执行不严，存在收受供应商购物卡问题。",
        measures="修订采购制度，开展警示教育。",
        owner=owner,
        due_on=day(60),
    )
    assert item.organisation == cast.tree.branch_b and item.source == Source.CASE
    assert (item.source_kind, item.source_id, item.source_title) == ("discipline.case", case.pk, case.number)
    assert set(case.outcomes.values_list("rectification_item_id", flat=True)) == {item.pk}
    # The item points back at the case for those who may open it, and shows as unavailable to others.
    assert records_resolve(lead, [("discipline.case", case.pk)])[("discipline.case", case.pk)].url == reverse(
        "discipline:case_detail", args=[case.pk]
    )
    assert records_resolve(cast.secretary_b, [("discipline.case", case.pk)])[("discipline.case", case.pk)] is None
    client.force_login(cast.inspector)  # manages rectification at the root and handles the clue
    page = client.get(reverse("rectification:item_detail", args=[item.pk])).content.decode()
    assert case.number in page and reverse("discipline:case_detail", args=[case.pk]) in page
    client.force_login(cast.secretary_b)  # the unit's secretary sees the item, not the case
    page = client.get(reverse("rectification:item_detail", args=[item.pk])).content.decode()
    assert "第二党支部采购管理制度执行不严" in page and reverse("discipline:case_detail", args=[case.pk]) not in page
    with pytest.raises(ValidationError) as exc:
        services.case_rectify(case=case, actor=lead, problem="再开一项", owner=owner, due_on=day(60))
    assert exc.value.messages  # refused with a reason (in the language the last page left active)
    assert Item.objects.count() == 1


def test_rectification_waits_for_the_decision_and_is_a_leaders(cast, lead):
    early = case_make(cast, stage=St.REVIEW)
    with pytest.raises(ValidationError):
        services.case_rectify(case=early, actor=lead, problem="问题", owner=cast.members["b1"], due_on=day(30))
    decided = case_make(cast, stage=St.EXECUTION)
    with pytest.raises(PermissionDenied):
        services.case_rectify(
            case=decided, actor=cast.inspector, problem="问题", owner=cast.members["b1"], due_on=day(30)
        )
    with pytest.raises(ValidationError) as exc:
        services.case_rectify(case=decided, actor=lead, problem="问题", owner=cast.members["a1"], due_on=day(30))
    assert "owner" in exc.value.message_dict  # a1 is not on branch_b's register
    assert not Item.objects.exists()


def test_cases_as_records_are_found_only_by_those_who_may_open_them(cast, lead):
    from qinglian.core.links import record_search

    case = case_make(cast, stage=St.INVESTIGATION)
    other = staff_user(cast)
    assert [r.id for r in record_search(lead, "discipline.case", "王芳")] == [case.pk]
    assert [r.id for r in record_search(cast.inspector, "discipline.case", "")] == [case.pk]
    assert record_search(other, "discipline.case", "") == []
    assert record_search(cast.admin, "discipline.case", "王芳") == []
