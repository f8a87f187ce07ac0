"""Repeated reports: the Chinese text similarity on real-looking reports (paraphrases high, unrelated matters low),
the reported person's weight, the candidates a new clue is compared with, and a linked repeat that is listed on the
first clue and counted nowhere else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qinglian.core.registry import FACT_CLUES, registry
from qinglian.discipline.models import Clue, ClueEvent
from qinglian.discipline.services import clues as services
from qinglian.discipline.services.similarity import (
    Settings,
    similar_clues,
    text_scores,
    text_similarity,
    tokens,
    with_subject,
)
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.vocab import Category, ClueStatus, ReportStatus, Source

PROCUREMENT = "反映政府采购管理处一名科长在办公设备采购项目中向特定供应商透露预算和评分细节，事后接受宴请。"
PROCUREMENT_AGAIN = "反映政府采购管理处一名科长在办公设备采购中向特定供应商泄露预算和评分细则，并接受该供应商宴请。"
PROCUREMENT_SPOKEN = (
    "政府采购管理处那个科长，在办公设备采购项目里把预算和评分细则泄露给了一家供应商，事后还接受人家宴请，请纪委调查。"
)
GIFT_CARDS = "反映其在办公用房装修采购中收受供应商购物卡。"
GIFT_CARDS_AGAIN = "举报王芳利用办公楼装修采购之机，收受供应商所送购物卡"
UNRELATED = [
    "来信反映税政处一名干部在办理企业税收优惠政策咨询时态度生硬、推诿扯皮。",
    "12388电话反映会计处一名干部经常在工作时间炒股。",
    "日常监督发现综合处一名副处长多次违规使用公务用车办理私事。",
    "来信反映预算处一名干部在个人有关事项报告中未如实报告配偶经商情况。",
    "我家小区物业费收得太高，物业公司服务差，请财政局管一管。",
]


# --- the measure -------------------------------------------------------------------------------------------


def test_tokens_are_bigrams_without_function_characters_and_stock_words():
    found = tokens("反映王芳收受了供应商的购物卡")
    assert "收受" in found and "受供" in found and "购物" in found
    assert "反映" not in found and "了供" not in found  # a stock word; 了 is dropped before pairing
    assert tokens("ABC 公司 2024")["abc"] == 1 and tokens("ABC 公司 2024")["2024"] == 1


def test_a_short_text_counts_its_characters_too():
    assert "车" in tokens("公车私用")
    assert "采" not in tokens(PROCUREMENT)


def test_identical_texts_score_one_and_nothing_shared_scores_zero():
    assert text_similarity(PROCUREMENT, PROCUREMENT) == pytest.approx(1.0)
    assert text_similarity("公车私用", "炒股赚钱") == 0.0
    assert text_similarity("", PROCUREMENT) == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [(PROCUREMENT, PROCUREMENT_AGAIN), (PROCUREMENT, PROCUREMENT_SPOKEN), (GIFT_CARDS, GIFT_CARDS_AGAIN)],
    ids=["rewritten", "spoken", "short"],
)
def test_a_paraphrase_of_the_same_matter_scores_high_among_other_reports(a, b):
    score = text_scores(a, [b, *UNRELATED])[0]
    assert score >= Settings().warn, score


@pytest.mark.parametrize("a", [PROCUREMENT, GIFT_CARDS, PROCUREMENT_SPOKEN], ids=["procurement", "gifts", "spoken"])
def test_unrelated_matters_score_low(a):
    assert max(text_scores(a, UNRELATED)) < 0.25


def test_the_same_person_raises_the_score_by_part_of_what_is_left():
    assert with_subject(0.5, True, 0.3) == pytest.approx(0.65)
    assert with_subject(0.5, False, 0.3) == 0.5
    assert with_subject(1.0, True, 0.3) == 1.0


# --- candidates against the register -------------------------------------------------------------------------


def test_candidates_are_the_units_similar_clues_that_are_not_repeats(cast):
    first = clue_make(cast, summary=PROCUREMENT)
    clue_make(cast, summary=UNRELATED[0])
    repeat = clue_make(cast, summary=PROCUREMENT_AGAIN, status=ClueStatus.REPEATED)
    repeat.repeat_of = first
    repeat.save()
    found = similar_clues(organisation=cast.tree.root, summary=PROCUREMENT_SPOKEN, subject_member=cast.members["b1"])
    assert [c.clue for c in found] == [first]
    assert found[0].same_subject and found[0].score > found[0].text_score
    assert similar_clues(organisation=cast.tree.branch_b, summary=PROCUREMENT_SPOKEN) == []


def test_a_strong_candidate_about_the_same_person_is_suggested(cast):
    clue_make(cast, summary=PROCUREMENT)
    same = similar_clues(organisation=cast.tree.root, summary=PROCUREMENT_AGAIN, subject_member=cast.members["b1"])
    other = similar_clues(organisation=cast.tree.root, summary=PROCUREMENT_AGAIN, subject_member=cast.members["c1"])
    assert same[0].suggested and not other[0].suggested


def test_old_closed_clues_are_not_compared(cast):
    clue_make(cast, summary=PROCUREMENT, status=ClueStatus.CLOSED, received_on=day(-400))
    assert similar_clues(organisation=cast.tree.root, summary=PROCUREMENT_AGAIN) == []
    clue_make(cast, summary=PROCUREMENT, status=ClueStatus.VERIFYING, received_on=day(-400))
    assert len(similar_clues(organisation=cast.tree.root, summary=PROCUREMENT_AGAIN)) == 1


# --- linking a repeat --------------------------------------------------------------------------------------


def test_registering_a_repeat_links_it_and_does_not_count_it(cast):
    lead = lead_user(cast)
    first = clue_make(cast, summary=PROCUREMENT, handlers=("lead",))
    repeat = services.clue_register(
        organisation=cast.tree.root,
        source=Source.PHONE,
        received_on=day(),
        category=Category.INTEGRITY,
        summary=PROCUREMENT_AGAIN,
        subject_member=cast.members["b1"],
        actor=cast.inspector,
        repeat_of=first,
    )
    repeat.refresh_from_db()
    assert repeat.status == ClueStatus.REPEATED and repeat.repeat_of == first
    assert repeat.similarity is not None and repeat.similarity >= Settings().warn
    assert list(first.repeats.all()) == [repeat]
    # The first clue's handlers reach the repeat; its history says so.
    assert repeat.handlers.filter(user=lead).exists()
    assert ClueEvent.objects.filter(clue=first, action="clue.repeated_by", note=repeat.number).exists()
    # Counted nowhere: the register, the facts about the person.
    everything = Clue.objects.all()
    assert list(services.clue_filter(everything)) == [first]
    assert list(services.clue_filter(everything, status=ClueStatus.REPEATED)) == [repeat]
    facts = [f for f in registry.person_facts_of(cast.members["b1"]) if f.topic == FACT_CLUES]
    assert len(facts) == 1


def test_a_registered_clue_is_linked_later_and_its_portal_report_follows(cast):
    from qinglian.discipline.tests.factories_intake import report_make

    first = clue_make(cast, summary=PROCUREMENT)
    report = report_make(cast, text=PROCUREMENT_SPOKEN)
    later = services.clue_register(
        organisation=cast.tree.root,
        source=Source.PORTAL,
        received_on=report.received_at.date(),
        category=Category.INTEGRITY,
        summary=PROCUREMENT_SPOKEN,
        subject_member=cast.members["b1"],
        actor=cast.inspector,
        report=report,
    )
    assert [c.clue for c in services.repeat_candidates(later)] == [first]
    services.clue_link_repeat(clue=later, original=first, actor=cast.inspector, version=later.version)
    later.refresh_from_db()
    report.refresh_from_db()
    assert later.status == ClueStatus.REPEATED and later.repeat_of == first
    assert report.status == ReportStatus.REPEATED


def test_a_repeat_of_a_repeat_links_to_the_first(cast):
    first = clue_make(cast, summary=PROCUREMENT)
    second = clue_make(cast, summary=PROCUREMENT_AGAIN)
    services.clue_link_repeat(clue=second, original=first, actor=cast.inspector, version=second.version)
    third = clue_make(cast, summary=PROCUREMENT_SPOKEN)
    services.clue_link_repeat(clue=third, original=second, actor=cast.inspector, version=third.version)
    third.refresh_from_db()
    assert third.repeat_of == first


def test_linking_refusals(cast):
    first = clue_make(cast, summary=PROCUREMENT)
    with pytest.raises(ValidationError):  # not itself
        services.clue_link_repeat(clue=first, original=first, actor=cast.inspector, version=first.version)
    unrelated = clue_make(cast, summary=UNRELATED[1], handlers=("lead",)) if lead_user(cast) else None
    later = clue_make(cast, summary=PROCUREMENT_AGAIN)
    with pytest.raises(ValidationError):  # neither a candidate nor a clue the inspector may open
        services.clue_link_repeat(clue=later, original=unrelated, actor=cast.inspector, version=later.version)
    services.clue_link_repeat(clue=later, original=first, actor=cast.inspector, version=later.version)
    with pytest.raises(ValidationError):  # a clue with repeats of its own cannot become one
        services.clue_link_repeat(clue=first, original=unrelated, actor=cast.users["lead"], version=first.version)
    closed = clue_make(cast, summary=PROCUREMENT_SPOKEN, status=ClueStatus.CLOSED)
    with pytest.raises(ValidationError):  # only a registered clue is linked
        services.clue_link_repeat(clue=closed, original=first, actor=cast.inspector, version=closed.version)
