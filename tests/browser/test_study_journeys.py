"""Journeys through study and education in a real Chromium, on a phone.

A member sits a random-paper exam (every question of a small bank is drawn, so the paper is known and only its
order and the options' order are shuffled), reloads the page half-way, submits, and sees the marks worked out
by hand here; the secretary then reads the item statistics, checked against the formulas written out below.
A member's daily practice brings back yesterday's mistake first. A member finds an article by a Chinese phrase
in the library and records having studied it.
"""

from __future__ import annotations

import re
import statistics
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_journeys import log_in

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/journey")


def _as(open_page, username: str, *, phone: bool = True):
    visit = open_page(phone=phone, locale="en")
    visit.page.on("dialog", lambda dialog: dialog.accept())  # the pages' "are you sure?" questions
    log_in(visit, username)
    expect(visit.page).to_have_url(visit.url("/"))
    return visit


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    page.screenshot(path=SHOTS / f"{name}-scrolled.png")


# --- a random paper, its marks and its item statistics -------------------------------------------------------

# The bank: every question is drawn (one rule per type drawing all of its kind), each worth the rule's marks.
SINGLE_1 = {
    "stem": "党的最高理想和最终目标是什么？",
    "options": ("实现共产主义", "全面建成小康社会", "实现现代化", "消除贫困"),
    "answer": ("A",),
}
SINGLE_2 = {
    "stem": "党的根本宗旨是什么？",
    "options": ("全心全意为人民服务", "发展生产力", "维护社会稳定", "深化改革开放"),
    "answer": ("A",),
}
MULTIPLE = {
    "stem": "党的纪律包括哪些？",
    "options": ("政治纪律", "休假纪律", "组织纪律", "财务审批"),
    "answer": ("A", "C"),
}
JUDGE = {"stem": "党员可以不参加组织生活。", "answer": (False,)}
FILL = {"stem": "四个意识：政治意识、____、核心意识、____。", "answer": (["大局意识"], ["看齐意识"])}
MARKS = {"s1": 2, "s2": 2, "m": 4, "j": 1, "f": 2}  # marks each, set by the paper's rules
TOTAL = sum(MARKS.values())  # 11

# What each person answers (question's own letters; the page shuffles them) and the marks that earns.
# The multiple choice gives half its marks for a correct subset (the bank's partial-credit rule).
OTHERS = {
    "全对": ({"s1": ["A"], "s2": ["A"], "m": ["A", "C"], "j": [False], "f": ["大局意识", "看齐意识"]},
             {"s1": 2, "s2": 2, "m": 4, "j": 1, "f": 2}),
    "李娜": ({"s1": ["A"], "s2": ["B"], "m": ["C"], "j": [False], "f": ["大局意识", "团结意识"]},
             {"s1": 2, "s2": 0, "m": 2, "j": 1, "f": 1}),
    "白卷": ({}, {"s1": 0, "s2": 0, "m": 0, "j": 0, "f": 0}),
    "赵强": ({"s1": ["A"], "s2": ["A"], "m": ["A", "B"], "j": [True], "f": ["大局意识", "看齐意识"]},
             {"s1": 2, "s2": 2, "m": 0, "j": 0, "f": 2}),
}  # fmt: skip
# 张伟 in the browser: right, wrong (发展生产力), a correct subset (政治纪律 only), right, right.
ZHANG = {"s1": 2, "s2": 0, "m": 2, "j": 1, "f": 2}


def _bank(org):
    from qinglian.study.tests.factories import question_make
    from qinglian.study.vocab import MultipleRule, QuestionType

    return {
        "s1": question_make(org, **SINGLE_1),
        "s2": question_make(org, **SINGLE_2),
        "m": question_make(
            org,
            qtype=QuestionType.MULTIPLE,
            multiple_rule=MultipleRule.PARTIAL,
            partial_fraction=Decimal("0.5"),
            **MULTIPLE,
        ),
        "j": question_make(org, qtype=QuestionType.JUDGE, **JUDGE),
        "f": question_make(org, qtype=QuestionType.FILL, **FILL),
    }


def _exam(org, cast):
    from qinglian.study.services.exams import exam_create, exam_publish, rule_add
    from qinglian.study.vocab import PaperMode, QuestionType

    now = timezone.now()
    exam = exam_create(
        org=org,
        actor=cast.secretary,
        units=[org],
        title="党章党规随机测试",
        mode=PaperMode.RANDOM,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        time_limit_minutes=30,
        attempts_allowed=1,
        pass_percent=60,
    )
    rule_add(exam=exam, actor=cast.secretary, qtype=QuestionType.SINGLE, count=2, score=MARKS["s1"])
    rule_add(exam=exam, actor=cast.secretary, qtype=QuestionType.MULTIPLE, count=1, score=MARKS["m"])
    rule_add(exam=exam, actor=cast.secretary, qtype=QuestionType.JUDGE, count=1, score=MARKS["j"])
    rule_add(exam=exam, actor=cast.secretary, qtype=QuestionType.FILL, count=1, score=MARKS["f"])
    return exam_publish(exam=exam, version=exam.version, actor=cast.secretary)


def _sit(exam, member, bank, answers) -> None:
    """Another member's attempt through the services, answering with the letters their page would show."""
    from qinglian.study.marking import LETTERS
    from qinglian.study.services.take import answers_save, attempt_start, attempt_submit

    attempt = attempt_start(exam=exam, member=member)
    by_question = {item.question_version.question_id: item for item in attempt.items.select_related("question_version")}
    shown = {}
    for key, answer in answers.items():
        item = by_question[bank[key].pk]
        if key in ("s1", "s2", "m"):
            answer = [LETTERS[item.option_order.index(LETTERS.index(letter))] for letter in answer]
        shown[item.pk] = answer
    answers_save(attempt_id=attempt.pk, member=member, answers=shown)
    attempt = attempt_submit(attempt=attempt)
    assert attempt.score == sum(OTHERS[member.name][1].values())


def _card(page, stem: str):
    return page.locator("fieldset[data-item]", has=page.locator("legend", has_text=stem))


def _option(card, text: str):
    return card.locator(".form-check", has_text=re.compile(rf"^[A-H]\. {re.escape(text)}$")).locator("input")


def _saved(card) -> None:
    expect(card.locator("[data-status]")).to_have_text("Saved")


def pearson(xs, ys) -> float:
    """r = Σ(x − x̄)(y − ȳ) ÷ √(Σ(x − x̄)² · Σ(y − ȳ)²)."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / (sxx * syy) ** 0.5


def test_a_member_sits_a_random_paper_on_a_phone_and_the_item_statistics_add_up(open_page, cast):
    from qinglian.orgs.services import member_create
    from qinglian.study.models import Attempt

    branch = cast.tree.branch_a
    bank = _bank(branch)
    exam = _exam(branch, cast)
    for name in OTHERS:
        if name == "李娜":
            member = cast.members["a2"]  # in the Party group below the branch: the exam is set for its subtree
        else:
            member = member_create(organisation=branch, name=name, gender="M", actor=None)
        _sit(exam, member, bank, OTHERS[name][0])

    # 张伟 opens My exams on his phone and starts.
    zhang = _as(open_page, "member")
    page = zhang.page
    page.goto(zhang.url(reverse("study:my_exams")))
    page.get_by_role("link", name=re.compile(exam.title)).click()
    expect(page.get_by_role("heading", name=exam.title)).to_be_visible()
    page.get_by_role("button", name="Start the exam").click()
    attempt = Attempt.objects.get(exam=exam, member=cast.members["a1"])
    expect(page).to_have_url(zhang.url(reverse("study:attempt_page", args=[attempt.pk])))
    expect(page.locator("fieldset[data-item]")).to_have_count(5)
    expect(page.locator("#attempt-clock")).to_have_text(re.compile(r"^(30:00|29:5\d)$"))

    # He answers by what he reads: the stems and options are found by their text (their order is shuffled).
    s1, s2, m = _card(page, SINGLE_1["stem"]), _card(page, SINGLE_2["stem"]), _card(page, MULTIPLE["stem"])
    j, f = _card(page, JUDGE["stem"]), _card(page, FILL["stem"])
    _option(s1, "实现共产主义").check()
    _saved(s1)
    _option(s2, "发展生产力").check()  # wrong
    _saved(s2)
    _option(m, "政治纪律").check()  # a correct subset: half the marks
    _saved(m)
    _shot(page, "attempt-phone")
    assert _fits_the_phone(page)

    # The page is reloaded half-way: what he gave is still there, saved as he went.
    page.reload()
    s1, s2, m = _card(page, SINGLE_1["stem"]), _card(page, SINGLE_2["stem"]), _card(page, MULTIPLE["stem"])
    j, f = _card(page, JUDGE["stem"]), _card(page, FILL["stem"])
    expect(_option(s1, "实现共产主义")).to_be_checked()
    expect(_option(s2, "发展生产力")).to_be_checked()
    expect(_option(s2, "全心全意为人民服务")).not_to_be_checked()
    expect(_option(m, "政治纪律")).to_be_checked()
    expect(_option(m, "组织纪律")).not_to_be_checked()

    j.get_by_label("False").check()
    _saved(j)
    # The last blank is typed and Submit tapped at once: the answer still being sent must count.
    f.get_by_label("Blank 1").fill("大局意识")
    f.get_by_label("Blank 2").fill("看齐意识")
    page.get_by_role("button", name="Submit").click()

    # The result: 2 + 0 + 2 (half of 4) + 1 + 2 = 7 out of 11, 63.6 % ≥ the pass mark of 60 %.
    score = sum(ZHANG.values())
    assert (score, TOTAL) == (7, 11)
    expect(page).to_have_url(zhang.url(reverse("study:attempt_result", args=[attempt.pk])))
    expect(page.locator(".display-5")).to_have_text(re.compile(rf"^{score}(\.00)?/{TOTAL}(\.00)?$"))
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.passed) == (Decimal(score), Decimal(TOTAL), True)
    assert _fits_the_phone(page)
    page.get_by_role("link", name="Printable result").click()
    expect(page).to_have_url(zhang.url(reverse("study:attempt_certificate", args=[attempt.pk])))
    certificate = page.locator(".ql-certificate")
    expect(certificate).to_contain_text("张伟")
    expect(certificate).to_contain_text(exam.title)
    expect(certificate).to_contain_text(re.compile(rf"\b{score}(\.00)? / {TOTAL}(\.00)?\b"))
    expect(certificate).to_contain_text("Passed")
    zhang.assert_clean()

    # The secretary reads the item statistics, worked out here from the five first attempts.
    scores = [marks for _answers, marks in OTHERS.values()] + [ZHANG]
    totals = [sum(row.values()) for row in scores]  # 11, 6, 0, 6, 7

    def facility(key):  # mean score ÷ marks × 100
        return statistics.fmean(row[key] for row in scores) / MARKS[key] * 100

    def discrimination(key):  # Pearson r (item score, rest of the test = total − item score) × 100
        item = [row[key] for row in scores]
        return pearson(item, [t - x for t, x in zip(totals, item, strict=True)]) * 100

    assert facility("s2") == pytest.approx(40.0)  # (2 + 0 + 0 + 2 + 0) ÷ 5 = 0.8 of 2 marks
    assert facility("m") == pytest.approx(40.0)  # (4 + 2 + 0 + 0 + 2) ÷ 5 = 1.6 of 4 marks
    assert facility("f") == pytest.approx(70.0)  # (2 + 1 + 0 + 2 + 2) ÷ 5 = 1.4 of 2 marks
    # x = 2, 0, 0, 2, 0 (x̄ 0.8), rest = 9, 6, 0, 4, 7 (ȳ 5.2): Σdxdy 5.2, Σdx² 4.8, Σdy² 46.8, r = 5.2 ÷ √224.64
    assert round(discrimination("s2"), 1) == 34.7

    secretary = _as(open_page, "secretary")
    page = secretary.page
    page.goto(secretary.url(reverse("study:exam_stats", args=[exam.pk])))
    expect(page.get_by_role("heading", name=re.compile("Item statistics"))).to_be_visible()
    expect(page.locator(".card-body", has_text="First attempts").locator(".fs-4")).to_have_text("5")
    mean_percent = statistics.fmean(100 * t / TOTAL for t in totals)
    expect(page.locator(".card-body", has_text="Mean").locator(".fs-4")).to_have_text(f"{mean_percent:.1f}%")
    for key, spec in (("s1", SINGLE_1), ("s2", SINGLE_2), ("m", MULTIPLE), ("j", JUDGE), ("f", FILL)):
        row = page.locator("tbody tr", has_text=spec["stem"])
        expect(row.locator("td").nth(1)).to_have_text("5")
        expect(row.locator("td").nth(2)).to_have_text(f"{facility(key):.1f}")
    # Discrimination of the single choice 张伟 got wrong: its scores 2, 0, 0, 2, 0 against the rests 9, 6, 0, 4, 7.
    expect(page.locator("tbody tr", has_text=SINGLE_2["stem"]).locator("td").nth(4)).to_have_text(
        f"{discrimination('s2'):.1f}"
    )
    expect(page.locator("tbody tr", has_text=FILL["stem"]).locator("td").nth(4)).to_have_text(
        f"{discrimination('f'):.1f}"
    )
    _shot(page, "statistics-phone")
    assert _fits_the_phone(page)
    secretary.assert_clean()


# --- daily practice ---------------------------------------------------------------------------------------------


def test_daily_practice_brings_back_yesterdays_mistake_first(open_page, cast):
    from qinglian.study.models import Card
    from qinglian.study.services.practice import practice_answer
    from qinglian.study.tests.factories import question_make
    from qinglian.study.vocab import QuestionType

    branch = cast.tree.branch_a
    zhang = cast.members["a1"]
    right = question_make(
        branch, qtype=QuestionType.JUDGE, stem="党员有权在党的会议上批评党的任何组织和任何党员。", answer=(True,)
    )
    mistaken = question_make(
        branch,
        stem="党的纪律处分有几种？",
        options=("三种", "四种", "五种", "六种"),
        answer=("C",),
        explanation="警告、严重警告、撤销党内职务、留党察看、开除党籍，共五种。",
        source="《中国共产党纪律处分条例》第八条",
    )
    new = question_make(
        branch,
        qtype=QuestionType.FILL,
        stem="党的根本组织原则是____。",
        answer=(["民主集中制"],),
    )
    yesterday = timezone.now() - timedelta(days=1)
    assert not practice_answer(member=zhang, question_id=mistaken.pk, response=["B"], token=0, at=yesterday).correct
    assert practice_answer(member=zhang, question_id=right.pk, response=[True], token=0, at=yesterday).correct

    visit = _as(open_page, "member")
    page = visit.page
    page.goto(visit.url(reverse("study:practice")))
    stem = page.locator(".ql-practice-stem")
    expect(stem).to_have_text(mistaken.current.stem)  # the mistake comes back first
    expect(page.locator(".badge", has_text="Review")).to_be_visible()  # a card of his, not a new question
    assert _fits_the_phone(page)

    # Answered right now: the feedback names the right answer, its explanation and its source.
    page.locator("label", has_text="五种").click()
    page.get_by_role("button", name="Check my answer").click()
    feedback = page.get_by_role("status")
    expect(feedback).to_contain_text("Right.")
    expect(page.get_by_text("警告、严重警告、撤销党内职务、留党察看、开除党籍，共五种。")).to_be_visible()
    expect(page.get_by_text("《中国共产党纪律处分条例》第八条")).to_be_visible()
    assert _fits_the_phone(page)

    # Then the new question of the day, and the day is done (yesterday's right answer is not due yet).
    page.get_by_role("link", name="Next question").click()
    expect(stem).to_have_text(new.current.stem)
    page.get_by_label("Blank 1").fill("民主集中制")
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Right.")
    expect(page.get_by_text("Done for today")).to_be_visible()
    page.goto(visit.url(reverse("study:practice")))
    expect(page.get_by_text("Done for today")).to_be_visible()
    card = Card.objects.get(member=zhang, question=mistaken)
    assert card.reps == 2 and card.due_at > timezone.now() + timedelta(days=1)
    visit.assert_clean()


# --- the library ------------------------------------------------------------------------------------------------


def test_a_member_finds_an_article_by_a_chinese_phrase_and_records_studying_it(open_page, cast):
    from qinglian.study.models import ReadingRecord
    from qinglian.study.services.library import material_create, material_transition
    from qinglian.study.vocab import MaterialKind, PublishStatus

    article = material_create(
        org=cast.tree.branch_a,
        kind=MaterialKind.ARTICLE,
        title="学习新修订的党规",
        body="<p>认真学习《中国共产党纪律处分条例》，把纪律和规矩挺在前面。</p>",
        minutes=10,
        actor=cast.secretary,
    )
    article = material_transition(
        material=article, version=article.version, status=PublishStatus.PUBLISHED, actor=cast.secretary
    )
    other = material_create(
        org=cast.tree.branch_a, kind=MaterialKind.ARTICLE, title="党史学习", body="<p>学习党的百年奋斗历史。</p>",
        actor=cast.secretary,
    )  # fmt: skip
    material_transition(material=other, version=other.version, status=PublishStatus.PUBLISHED, actor=cast.secretary)

    visit = _as(open_page, "member")
    page = visit.page
    page.goto(visit.url(reverse("study:library")))
    page.get_by_role("searchbox").fill("纪律处分")
    page.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(re.compile(r"q=%E7%BA%AA%E5%BE%8B%E5%A4%84%E5%88%86"))
    result = page.locator(".card", has_text=article.title)
    expect(result).to_have_count(1)
    expect(page.get_by_role("link", name=other.title)).to_have_count(0)
    expect(result.locator("mark")).to_have_text("纪律处分")
    assert _fits_the_phone(page)

    page.get_by_role("link", name=article.title).click()
    expect(page).to_have_url(visit.url(reverse("study:material_detail", args=[article.pk])))
    expect(page.get_by_text("把纪律和规矩挺在前面")).to_be_visible()
    page.get_by_role("button", name="I have finished studying this").click()
    expect(page.locator(".ql-messages")).to_contain_text("Recorded: you have finished studying this material.")
    expect(page.get_by_text(re.compile("You finished studying this on"))).to_be_visible()
    record = ReadingRecord.objects.get(material=article, member=cast.members["a1"])
    assert record.finished_at is not None
    assert _fits_the_phone(page)
    visit.assert_clean()


def test_when_the_clock_runs_out_the_answer_typed_in_the_last_second_still_counts(open_page, cast):
    from qinglian.study.models import Attempt
    from qinglian.study.services.exams import exam_create, exam_publish, slot_add
    from qinglian.study.services.take import attempt_start
    from qinglian.study.tests.factories import question_make
    from qinglian.study.vocab import QuestionType

    branch = cast.tree.branch_a
    fill = question_make(branch, qtype=QuestionType.FILL, **FILL)
    now = timezone.now()
    exam = exam_create(
        org=branch, actor=cast.secretary, units=[branch], title="限时填空", opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1), time_limit_minutes=1, pass_percent=60,
    )  # fmt: skip
    slot_add(exam=exam, question=fill, actor=cast.secretary, score=2)
    exam = exam_publish(exam=exam, version=exam.version, actor=cast.secretary)
    visit = _as(open_page, "member")
    page = visit.page
    # Started 52 seconds ago (on the server's clock): eight seconds are left when the page opens.
    attempt = attempt_start(exam=exam, member=cast.members["a1"], now=timezone.now() - timedelta(seconds=52))
    page.goto(visit.url(reverse("study:attempt_page", args=[attempt.pk])))
    clock = page.locator("#attempt-clock")
    expect(clock).to_have_class(re.compile(r"\btext-danger\b"))  # the last minute shows in red
    card = _card(page, FILL["stem"])
    card.get_by_label("Blank 1").fill("大局意识")
    expect(clock).to_have_text("0:01", timeout=10_000)
    card.get_by_label("Blank 2").fill("看齐意识")  # still on its way when the time is up

    # The page hands the paper in by itself, with both blanks.
    expect(page).to_have_url(visit.url(reverse("study:attempt_result", args=[attempt.pk])), timeout=10_000)
    expect(page.locator(".display-5")).to_have_text(re.compile(r"^2(\.00)?/2(\.00)?$"))
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.score == 2 and attempt.passed
    _shot(page, "result-phone")
    visit.assert_clean()
