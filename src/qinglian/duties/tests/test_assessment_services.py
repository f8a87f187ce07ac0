"""Responsibility assessment's services: tables, a round from draft to finished, refusals, results and indicators."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglian.core.models import AuditEvent, Notification
from qinglian.core.registry import registry
from qinglian.duties.models import ItemScore, Round, ScoreItem, UnitAssessment
from qinglian.duties.services import assessment as services
from qinglian.duties.tests.factories import (
    assess_all,
    assess_round,
    assess_scores,
    assess_self_all,
    assess_small_table,
    assess_table,
)
from qinglian.duties.vocab import RoundStatus, RuleKind, UnitStatus
from qinglian.orgs.services import Conflict

D = Decimal
PDF = b"%PDF-1.4\n% evidence\n"


def _messages(exc) -> str:
    return " ".join(exc.value.messages)


# --- tables ---------------------------------------------------------------------------------------------------


def test_the_default_table_has_100_points_every_rule_and_items_read_from_records(cast):
    table = assess_table(cast.tree.root)
    totals = services.table_totals(table)
    assert totals["base"] == D(100)
    assert totals["bonus"] == D(5)  # 4 + 3 of bonus items, the section capped at 5
    items = ScoreItem.objects.filter(table=table, section__isnull=False)
    assert {i.rule for i in items} == set(RuleKind.values)
    assert {i.indicator for i in items if i.indicator} == {
        "orglife.meetings_counted",
        "study.hours_norm_met_rate",
        "rectification.closure_rate",
    }
    assert table.grades[0] == {"grade": "优秀", "min": 90, "no_zero_item": True}
    assert [g["grade"] for g in table.grades] == ["优秀", "良好", "合格", "不合格"]
    section = ScoreItem.objects.get(table=table, code="一")
    assert section.points == D(25)


def test_table_grades_are_checked_and_a_stale_version_refused(cast, in_english):
    table = assess_table(cast.tree.root, start="blank")
    with pytest.raises(ValidationError) as exc:
        services.table_update(
            table=table, title="表", grades=[{"grade": "好", "min": 50}], version=table.version, actor=cast.office
        )
    assert "lowest grade starts at 0" in _messages(exc)
    with pytest.raises(ValidationError):
        services.table_update(
            table=table,
            title="表",
            grades=[{"grade": "好", "min": 0}, {"grade": "好", "min": 10}],
            version=table.version,
            actor=cast.office,
        )
    grades = [{"grade": "合格", "min": 0}, {"grade": "优秀", "min": 85, "no_zero_item": True}]
    updated = services.table_update(table=table, title="新表", grades=grades, version=table.version, actor=cast.office)
    assert [g["grade"] for g in updated.grades] == ["优秀", "合格"]
    with pytest.raises(Conflict):
        services.table_update(table=table, title="旧表", grades=grades, version=table.version, actor=cast.office)


def test_item_rules_are_checked(cast, in_english):
    rows = assess_small_table(cast.tree.root)
    table, section = rows["table"], rows["二"]

    def add(**fields):
        table.refresh_from_db()
        return services.item_save(table=table, version=table.version, actor=cast.office, section=section, **fields)

    cases = [
        ({"code": "9.1", "title": "否决", "rule": "veto", "points": 5}, "its points are 0"),
        ({"code": "9.2", "title": "分档", "rule": "tier", "points": 5, "params": {"tiers": {"A": 6}}}, "more than"),
        ({"code": "9.3", "title": "计数", "rule": "count", "points": 5, "params": {}}, "needs “target”"),
        ({"code": "9.4", "title": "酌情", "rule": "discretionary", "points": 5, "params": {"max": 6}}, "from 0 to 5"),
        ({"code": "1.1", "title": "重号", "rule": "presence", "points": 5}, "already used"),
        ({"code": "9.5", "title": "比例", "rule": "count", "points": 5, "params": {"percent": True}}, "indicator"),
        (
            {"code": "9.6", "title": "分档", "rule": "tier", "points": 5, "indicator": "x.y",
             "params": {"tiers": {"A": 5}}},
            "judgement",
        ),
    ]  # fmt: skip
    for fields, words in cases:
        with pytest.raises(ValidationError) as exc:
            add(**fields)
        assert words in _messages(exc), fields
    item = add(code="9.7", title="加分", rule="bonus", points=2, params={"per": 1, "junk": 3})
    assert item.params == {"per": 1}
    section.refresh_from_db()
    assert section.points == D(50)  # bonus items add nothing to the section's points


def test_a_table_in_use_is_fixed_and_a_copy_can_change(cast, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    table = round.table
    item = ScoreItem.objects.get(table=table, code="1.2")
    with pytest.raises(ValidationError) as exc:
        services.item_save(
            table=table, item=item, code="1.2", title="改", points=5, version=table.version, actor=cast.office
        )
    assert "Copy the table" in _messages(exc)
    with pytest.raises(ValidationError):
        services.table_delete(table=table, version=table.version, actor=cast.office)
    copy = services.table_create(
        org=cast.tree.root, year=table.year + 1, title="下一年", copy_from=table, actor=cast.office
    )
    assert copy.items.count() == table.items.count() and copy.based_on == table
    copied = ScoreItem.objects.get(table=copy, code="1.2")
    services.item_save(table=copy, item=copied, code="1.2", title="改", points=10, version=copy.version, actor=None)


def test_only_assessors_make_tables(cast):
    with pytest.raises(PermissionDenied):
        services.table_create(org=cast.tree.branch_b, year=2025, title="表", actor=cast.secretary_b)


# --- rounds ---------------------------------------------------------------------------------------------------


def test_a_round_assesses_units_below_once_a_year(cast, in_english):
    table = assess_small_table(cast.tree.root)["table"]
    year = timezone.localdate().year
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            org=cast.tree.gb, table=table, year=year, title="考核", units=[cast.tree.branch_c], actor=cast.office
        )
    assert "Only active units below" in _messages(exc)
    with pytest.raises(ValidationError):
        services.round_create(
            org=cast.tree.gb, table=table, year=year, title="考核", units=[cast.tree.group_a], actor=cast.office
        )
    round = services.round_create(
        org=cast.tree.gb, table=table, year=year, title="考核", units=[cast.tree.branch_a], actor=cast.office
    )
    assert round.status == RoundStatus.DRAFT and round.units.count() == 1
    with pytest.raises(ValidationError) as exc:
        services.round_create(
            org=cast.tree.gb, table=table, year=year, title="又一次", units=[cast.tree.branch_b], actor=cast.office
        )
    assert "already has its assessment round" in _messages(exc)
    round = services.round_update(
        round=round,
        title="考核",
        units=[cast.tree.branch_a, cast.tree.branch_b],
        version=round.version,
        actor=cast.office,
    )
    assert set(round.units.values_list("organisation__name", flat=True)) == {"第一党支部", "第二党支部"}
    # the table of a sibling unit is not the round's to use
    other = assess_small_table(cast.tree.branch_c)["table"]
    with pytest.raises(ValidationError):
        services.round_create(
            org=cast.tree.gb, table=other, year=year - 1, title="考核", units=[cast.tree.branch_a], actor=cast.office
        )


def test_opening_makes_a_row_per_item_and_tells_the_units(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        round = assess_round(cast.tree.root, [cast.tree.branch_a, cast.tree.branch_b])
    assert round.status == RoundStatus.SELF
    items = ScoreItem.objects.filter(table=round.table, section__isnull=False).count()
    assert ItemScore.objects.filter(assessment__round=round).count() == 2 * items
    assert Notification.objects.filter(user=cast.secretary_b, url__contains="/assessment/").exists()
    assert AuditEvent.objects.filter(action="duties.round_open").exists()


def test_a_whole_round_from_self_scoring_to_finished(cast, in_english, django_capture_on_commit_callbacks):
    root, branch_b = cast.tree.root, cast.tree.branch_b
    round = assess_round(root, [branch_b, cast.tree.branch_a])
    unit = round.units.get(organisation=branch_b)
    scores = assess_scores(unit)
    # the indicator item has been filled from the records already; the rest is typed
    unit = assess_self_all(unit, actor=cast.secretary_b, scores={"1.1": 40, "2.1": 15, "3.1": 2})
    assert unit.status == UnitStatus.SUBMITTED and unit.self_total == D(97)
    with django_capture_on_commit_callbacks(execute=True):
        unit = assess_all(
            unit,
            actor=cast.office,
            inputs={
                "1.1": {"value": 40},
                "2.1": {"count": 1, "comment": "一起未经集体决策"},
                "2.2": {"count": 3, "comment": "制度照搬照抄"},
                "2.3": {"tier": "B"},
                "3.1": {"count": 2},
            },
            feedback="注意制度建设。",
        )
    # 40 + 10 + (20 − 5) + (10 − 3) + 15 = 87, plus the bonus 4 capped at 3 by its section
    assert (unit.total, unit.grade, unit.vetoed) == (D(90), "优秀", False)
    assert unit.status == UnitStatus.ASSESSED
    note = Notification.objects.get(user=cast.secretary_b, title__contains="Assessment result")
    assert "优秀" in note.title and note.body == "注意制度建设。"
    lost = services.unit_lost(unit)
    assert [row.item.code for row in lost] == ["2.1", "2.2", "2.3"]
    # the other unit, struck by a veto, is at most 合格 whatever its score
    other = assess_self_all(round.units.get(organisation=cast.tree.branch_a))
    other = assess_all(other, inputs={"1.1": {"value": 40}, "4.1": {"count": 1, "comment": "发生事故"}})
    assert (other.total, other.grade, other.vetoed) == (D(100), "合格", True)
    round = services.round_advance(round=round, version=round.version, actor=cast.office)
    round = services.round_finish(round=round, version=round.version, actor=cast.office)
    assert round.status == RoundStatus.FINISHED
    assert set(round.units.values_list("status", flat=True)) == {UnitStatus.FINISHED}
    # nothing in a finished round is edited any more
    row = assess_scores(unit)["1.2"]
    for call in (
        lambda: services.score_assess(score=row, value=0, version=row.version, actor=cast.office),
        lambda: services.score_self(score=row, self_score=0, version=row.version, actor=cast.secretary_b),
        lambda: services.unit_reopen(assessment=unit, version=unit.version + 1, actor=cast.office),
        lambda: services.round_measure(round=round, version=round.version, actor=cast.office),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert "was finished on" in _messages(exc) and "nothing in it can be edited" in _messages(exc)
    assert scores["1.1"].measured_note


def test_scores_outside_the_item_are_refused_and_nothing_saved(cast, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = round.units.get()
    rows = assess_scores(unit)
    cases = [
        ("1.2", 11, "above the item's 10 points"),
        ("1.2", 5, "all or nothing"),
        ("2.1", -1, "never below 0"),
        ("3.1", 5, "above the bonus item's cap of 4 points"),
        ("2.3", 12, "by tier"),
        ("2.2", "1.234", "two decimal places"),
    ]
    for code, value, words in cases:
        row = rows[code]
        with pytest.raises(ValidationError) as exc:
            services.score_self(score=row, self_score=value, version=row.version, actor=cast.secretary_b)
        assert words in _messages(exc), code
        row.refresh_from_db()
        assert row.self_score is None and row.version == 1
    row = rows["1.2"]
    services.score_self(score=row, self_score=10, version=row.version, actor=cast.secretary_b)
    with pytest.raises(Conflict):
        services.score_self(score=row, self_score=0, version=row.version, actor=cast.secretary_b)
    with pytest.raises(PermissionDenied):
        services.score_self(score=row, self_score=0, version=row.version + 1, actor=cast.secretary)
    with pytest.raises(ValidationError) as exc:
        services.unit_submit(assessment=unit, version=unit.version, actor=cast.secretary_b)
    assert "not scored yet: 2.1、2.2、2.3" in _messages(exc)
    # the assessor waits for the submission
    with pytest.raises(ValidationError) as exc:
        services.score_assess(score=row, value=10, version=row.version + 1, actor=cast.office)
    assert "has not submitted" in _messages(exc)


def test_assessor_inputs_follow_the_rules(cast, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = assess_self_all(round.units.get())
    rows = assess_scores(unit)
    row = rows["2.2"]
    with pytest.raises(ValidationError) as exc:
        services.score_assess(score=row, count=2, version=row.version, actor=cast.office)
    assert "Say why points were taken off" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.score_assess(score=row, count=11, comment="多扣", version=row.version, actor=cast.office)
    assert "At most 10 points" in _messages(exc)
    row = services.score_assess(score=row, count=2, comment="制度不全", version=row.version, actor=cast.office)
    assert row.score == D(8) and row.scored_by == cast.office and row.comment == "制度不全"
    row = rows["2.1"]
    with pytest.raises(ValidationError) as exc:
        services.score_assess(score=row, count=1, value=20, version=row.version, actor=cast.office)
    assert "follows from what you entered (15 points)" in _messages(exc)
    row = services.score_assess(score=row, count=9, version=row.version, actor=cast.office)
    assert row.score == D(0) and row.count == D(9)  # never below the floor
    row = rows["2.3"]
    with pytest.raises(ValidationError) as exc:
        services.score_assess(score=row, tier="E", version=row.version, actor=cast.office)
    assert "one of the tiers: A, B, C" in _messages(exc)
    with pytest.raises(PermissionDenied):
        services.score_assess(score=row, tier="A", version=row.version, actor=cast.secretary_b)
    with pytest.raises(ValidationError) as exc:
        services.unit_finish(assessment=unit, feedback="", version=unit.version, actor=cast.office)
    assert "not scored yet: 1.2、2.3" in _messages(exc)  # 1.1 was filled from the records


def test_moving_to_assessor_scoring_closes_self_scoring(cast, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = round.units.get()
    row = assess_scores(unit)["1.2"]
    services.score_self(score=row, self_score=10, version=row.version, actor=cast.secretary_b)
    round = services.round_advance(round=round, version=round.version, actor=cast.office)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.SUBMITTED and unit.submitted_at is None
    assert unit.self_total == D(10)  # 10 typed, and none of the meetings required held (0 from the records)
    row.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.score_self(score=row, self_score=0, version=row.version, actor=cast.secretary_b)
    assert "self-scoring is closed" in _messages(exc)
    with pytest.raises(ValidationError):
        services.round_finish(round=round, version=round.version, actor=cast.office)


def test_a_submission_can_be_sent_back_and_a_result_reopened(cast, in_english, django_capture_on_commit_callbacks):
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    unit = assess_self_all(round.units.get())
    with pytest.raises(ValidationError):
        services.unit_return(assessment=unit, reason="", version=unit.version, actor=cast.office)
    with django_capture_on_commit_callbacks(execute=True):
        unit = services.unit_return(assessment=unit, reason="补充佐证材料", version=unit.version, actor=cast.office)
    assert unit.status == UnitStatus.SELF
    assert Notification.objects.filter(user=cast.secretary_b, body="补充佐证材料").exists()
    unit = assess_all(assess_self_all(unit), inputs={"1.1": {"value": 40}})
    unit = services.unit_reopen(assessment=unit, version=unit.version, actor=cast.office)
    assert unit.status == UnitStatus.SUBMITTED
    row = assess_scores(unit)["1.2"]
    services.score_assess(score=row, value=0, version=row.version, actor=cast.office)
    unit = services.unit_finish(assessment=unit, feedback="", version=unit.version, actor=cast.office)
    assert unit.total == D(90) and unit.grade == "良好"  # 90 but an item scored 0: not 优秀


def test_evidence_is_a_file_or_a_record(cast, in_english, settings, tmp_path):
    from qinglian.orglife.tests.factories import attend_all, meeting_make

    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    row = assess_scores(round.units.get())["1.2"]
    upload = SimpleUploadedFile("责任书.pdf", PDF, content_type="application/pdf")
    evidence = services.evidence_add(score=row, file=upload, note="签订台账", actor=cast.secretary_b)
    assert evidence.name == "责任书.pdf" and evidence.file.name.endswith(".pdf")
    if "orglife.meeting" in registry.record_kinds:
        meeting = attend_all(meeting_make(cast.tree.branch_b, title="第二党支部党员大会"))
        linked = services.evidence_add(
            score=row, record_kind="orglife.meeting", record_id=meeting.pk, actor=cast.secretary_b
        )
        assert linked.record_id == meeting.pk
        meeting_a = attend_all(meeting_make(cast.tree.branch_a, title="第一党支部党员大会"))
        with pytest.raises(ValidationError):
            services.evidence_add(
                score=row, record_kind="orglife.meeting", record_id=meeting_a.pk, actor=cast.secretary_b
            )
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        services.evidence_add(score=row, file=bad, actor=cast.secretary_b)
    services.evidence_remove(evidence=evidence, actor=cast.secretary_b)
    assert not row.evidence.filter(pk=evidence.pk).exists()


# --- measuring from records -----------------------------------------------------------------------------------


def test_an_item_whose_indicator_is_missing_is_scored_by_hand(cast, in_english):
    rows = assess_small_table(cast.tree.root, indicator="nowhere.meetings")
    round = assess_round(cast.tree.root, [cast.tree.branch_b], table=rows["table"])
    row = assess_scores(round.units.get())["1.1"]
    assert row.measured is None and row.score is None and row.self_score is None
    assert "“nowhere.meetings” is not available here; score this item by hand" in row.measured_note
    row = services.score_self(score=row, self_score=30, version=row.version, actor=cast.secretary_b)
    assert row.self_score == D(30)


def test_the_rectification_closure_rate_scores_its_share(cast, monkeypatch):
    """A share (0…1) from an indicator is scored as k% of 100; values above 1 are taken as 100%."""
    table = assess_table(cast.tree.root)
    monkeypatch.setitem(
        registry.indicators, "rectification.closure_rate", lambda *, orgs, year, on=None: {o.pk: 0.75 for o in orgs}
    )
    round = assess_round(cast.tree.root, [cast.tree.branch_b], table=table)
    row = assess_scores(round.units.get())["6.1"]
    assert (row.measured, row.target, row.score, row.self_score) == (D(75), D(100), D("7.50"), D("7.50"))
    assert "75%" in row.measured_note


def test_reading_the_records_again_keeps_a_score_changed_by_hand(cast, monkeypatch):
    value = {"rate": 0.5}
    monkeypatch.setitem(
        registry.indicators,
        "rectification.closure_rate",
        lambda *, orgs, year, on=None: {o.pk: value["rate"] for o in orgs},
    )
    round = assess_round(cast.tree.root, [cast.tree.branch_a, cast.tree.branch_b], table=assess_table(cast.tree.root))
    a = assess_scores(round.units.get(organisation=cast.tree.branch_a))["6.1"]
    b = assess_scores(round.units.get(organisation=cast.tree.branch_b))["6.1"]
    services.score_self(score=b, self_score=8, version=b.version, actor=None)
    value["rate"] = 1.0
    round.refresh_from_db()
    services.round_measure(round=round, version=round.version, actor=cast.office)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.score, a.self_score) == (D(10), D(10))
    assert (b.score, b.self_score, b.measured) == (D(10), D(8), D(100))


def test_an_item_scored_from_meeting_records_equals_a_hand_count(cast):
    """The issue's demand: the number an item scores from the meeting records is the one a hand count gives."""
    from datetime import date

    from qinglian.orglife.models import Meeting
    from qinglian.orglife.tests.factories import committee_make, meeting_counted
    from qinglian.orglife.vocab import MeetingKind

    year = timezone.localdate().year - 1  # a past year: every period of it is owed
    branch = cast.tree.branch_b
    committee_make(branch, secretary=cast.members["b1"], days_ago=800)  # the committee meets: its secretary attends
    held = [
        (MeetingKind.GENERAL_MEETING, date(year, 2, 10)),
        (MeetingKind.GENERAL_MEETING, date(year, 5, 12)),
        (MeetingKind.GENERAL_MEETING, date(year, 6, 3)),  # a second one in the quarter: not credited twice
        (MeetingKind.PARTY_LECTURE, date(year, 7, 1)),
        *[(MeetingKind.THEME_DAY, date(year, month, 8)) for month in range(1, 10)],
        *[(MeetingKind.COMMITTEE_MEETING, date(year, month, 20)) for month in (1, 2, 3, 5, 8)],
    ]
    for kind, day in held:
        meeting_counted(branch, kind, day)
    # A hand count: per kind and period, the counted meetings held, at most once a period; and the periods owed
    # by a branch in a whole year (general meetings quarterly, the committee and the theme day monthly, the
    # lecture and the life meeting yearly).
    counted = Meeting.objects.filter(organisation=branch, counted=True, starts_at__year=year)
    period_of = {
        MeetingKind.GENERAL_MEETING: lambda d: (d.month - 1) // 3,
        MeetingKind.COMMITTEE_MEETING: lambda d: d.month,
        MeetingKind.THEME_DAY: lambda d: d.month,
        MeetingKind.PARTY_LECTURE: lambda d: 0,
        MeetingKind.LIFE_MEETING: lambda d: 0,
    }
    credited = {(m.kind, period_of[m.kind](timezone.localtime(m.starts_at).date())) for m in counted}
    by_hand_held, by_hand_required = len(credited), 4 + 12 + 12 + 1 + 1
    assert counted.count() == len(held) and by_hand_held == len(held) - 1

    # the counts orglife registers are the numerator and denominator of its compliance rate
    counts = {code: registry.indicators[f"orglife.{code}"](orgs=[branch], year=year)[branch.pk]
              for code in ("meetings_counted", "meetings_required", "meeting_compliance_rate")}  # fmt: skip
    assert counts["meetings_counted"] == by_hand_held and counts["meetings_required"] == by_hand_required
    assert counts["meeting_compliance_rate"] == by_hand_held / by_hand_required

    rows = assess_small_table(cast.tree.root, year=year)
    round = assess_round(cast.tree.root, [branch], table=rows["table"], year=year)
    row = assess_scores(round.units.get())["1.1"]
    assert row.measured == by_hand_held and row.target == by_hand_required
    by_hand_score = (D(40) * by_hand_held / by_hand_required).quantize(D("0.01"))
    assert row.score == row.self_score == row.auto_score == by_hand_score
    assert row.measured_note.startswith(f"{by_hand_held} of {by_hand_required}") or str(by_hand_held) in (
        row.measured_note
    )


# --- reads and the indicator ---------------------------------------------------------------------------------------


def _finished_round(cast, year, inputs=None):
    round = assess_round(cast.tree.root, [cast.tree.branch_a, cast.tree.branch_b], year=year)
    for unit in round.units.all():
        assess_all(assess_self_all(unit), inputs={"1.1": {"value": 40}, **(inputs or {})})
    round = services.round_advance(round=round, version=round.version, actor=None)
    return services.round_finish(round=round, version=round.version, actor=None)


def test_results_compare_with_last_years_round_and_the_indicator_reads_finished_totals(cast):
    this = timezone.localdate().year
    _finished_round(cast, this - 1, inputs={"2.1": {"count": 3}})  # 85: 良好
    current = _finished_round(cast, this)
    rows, before = services.round_results(current)
    assert before is not None and before.year == this - 1
    assert [(r.unit.total, r.previous.total, r.difference) for r in rows] == [(D(100), D(85), D(15))] * 2
    assert rows[0].previous.grade == "良好" and rows[0].unit.grade == "优秀"
    fn = registry.indicators["duties.assessment_score"]
    orgs = [cast.tree.branch_a, cast.tree.branch_c]
    assert fn(orgs=orgs, year=this) == {cast.tree.branch_a.pk: 100.0, cast.tree.branch_c.pk: None}
    assert fn(orgs=orgs, year=this - 1)[cast.tree.branch_a.pk] == 85.0


def test_the_indicator_ignores_rounds_not_finished(cast):
    round = assess_round(cast.tree.root, [cast.tree.branch_a])
    assess_all(assess_self_all(round.units.get()))
    fn = registry.indicators["duties.assessment_score"]
    assert fn(orgs=[cast.tree.branch_a], year=round.year) == {cast.tree.branch_a.pk: None}


def test_round_delete_only_in_draft(cast, in_english):
    round = assess_round(cast.tree.root, [cast.tree.branch_b], opened=False)
    services.round_delete(round=round, version=round.version, actor=cast.office)
    assert not Round.objects.filter(pk=round.pk).exists()
    assert not UnitAssessment.objects.exists()
    round = assess_round(cast.tree.root, [cast.tree.branch_b])
    with pytest.raises(ValidationError):
        services.round_delete(round=round, version=round.version, actor=cast.office)
